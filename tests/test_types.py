"""The library type-checks: mypy with the pydantic plugin, as pyproject.toml's [tool.mypy] sets
it (its cache in .mypy_cache/: a second run takes seconds)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_is_clean_on_the_library():
    mypy = Path(sys.executable).parent / "mypy"
    done = subprocess.run([str(mypy), "--cache-dir", str(ROOT / ".mypy_cache")], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    checked = re.search(r"^Success: no issues found in (\d+) source files", done.stdout, re.M)
    assert checked, done.stdout
    # Every module of the library was checked, not only some of them.
    assert int(checked[1]) == len(list((ROOT / "lib" / "decomkit").rglob("*.py")))


def test_the_package_says_it_is_typed():
    """PEP 561: the wheel carries lib/decomkit whole ([tool.hatch.build.targets.wheel]), so
    type checkers of code that imports decomkit read its annotations."""
    assert (ROOT / "lib" / "decomkit" / "py.typed").is_file()
