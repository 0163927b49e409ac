"""The project's own rules: dependencies in step, one import root, clean notebooks."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _parse(spec: str) -> tuple[str, str]:
    name, _extras, bound = re.fullmatch(
        r"\s*([A-Za-z0-9_.\-]+)(\[[\w,]+\])?\s*(>=\s*[\w.]+)?\s*", spec).groups()
    return name.lower(), (bound or "").replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_parse(s) for s in project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted.update(_parse(s) for s in extra)
    wanted["python"] = ">=" + project["requires-python"].removeprefix(">=")
    lines = (ROOT / "environment.yml").read_text().split("dependencies:", 1)[1].splitlines()
    conda = dict(_parse(line.strip()[2:]) for line in lines
                 if line.startswith("  - ") and not line.strip().endswith(":")
                 and line.strip() not in ("- pip",))
    # Packages conda-forge lacks are listed under pip:, with a comment saying so.
    conda.update(_parse(line.split("#")[0].strip()[2:]) for line in lines
                 if line.startswith("      - ") and line.strip() != "- -e .")
    assert conda == wanted
    assert all(bound for bound in wanted.values()), "every dependency needs a lower bound"


def test_no_sys_path_edits_anywhere():
    offenders = [p for p in ROOT.glob("**/*.py") if ".venv" not in p.parts
                 and re.search(r"sys\.path\.(insert|append)", p.read_text(encoding="utf-8"))]
    offenders += [p for p in (ROOT / "notebooks").glob("*.ipynb")
                  if "sys.path" in p.read_text(encoding="utf-8")]
    assert offenders == []


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_thin_and_stripped(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    assert not any(re.search(r"^\s*def ", "".join(c["source"]), re.M) for c in code)
    assert nb["metadata"]["kernelspec"]["name"] == "decomkit"
