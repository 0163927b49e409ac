"""Notebooks run by nbval with their default parameters read the workspace from
DECOMKIT_WORKSPACE: give them a demo workspace built for today, as `make demo` would."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from decomkit.running.demo import build_demo

_KEYS = tempfile.mkdtemp(prefix="decomkit-test-keys-")
# A ledger opened by a relative path lands in the working folder: an empty ledger.sqlite was
# once committed at the repository's root. A run that leaves one there fails, naming it.
_STRAYS = {Path(__file__).resolve().parent / "ledger.sqlite", Path.cwd() / "ledger.sqlite"}
_STRAYS_BEFORE: set[Path] = set()


def pytest_configure(config):
    """Private signing keys made by tests go to a folder of their own, never the user's."""
    os.environ["DECOMKIT_KEY_DIR"] = _KEYS
    for variable in ("DECOMKIT_SIGNING_KEY", "DECOMKIT_SIGNING_KEY_FILE"):
        os.environ.pop(variable, None)
    _STRAYS_BEFORE.update(path for path in _STRAYS if path.exists())


def pytest_sessionfinish(session, exitstatus):
    left = sorted(str(path) for path in _STRAYS - _STRAYS_BEFORE if path.exists())
    if left:
        print(f"\nthe tests left a ledger outside any workspace: {', '.join(left)} "
              "(something opened a ledger by a relative path); delete it and find the test")
        session.exitstatus = 1


def pytest_unconfigure(config):
    shutil.rmtree(_KEYS, ignore_errors=True)


def pytest_collection_modifyitems(session, config, items):
    if os.environ.get("DECOMKIT_WORKSPACE") or not any(
            str(item.path).endswith(".ipynb") for item in items):
        return
    root = Path(config._tmp_path_factory.mktemp("nbval")) / "demo"
    workspace = build_demo(root, events=20_000)
    with workspace.ledger() as ledger:  # so 02_backup's default app may be backed up
        ledger.transition("jxc", "assessed", "nbval")
        ledger.transition("jxc", "decided", "nbval", {"decision": "retire"})
    os.environ["DECOMKIT_WORKSPACE"] = str(root)
