"""Shared fixtures: a demo workspace built once per session, and empty workspaces."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from decomkit.demo import build_demo
from decomkit.workspace import Workspace, init_workspace

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="session")
def as_of() -> dt.date:
    """The demo's fixed 'today', so tests do not depend on the calendar."""
    return AS_OF


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A demo workspace built once; copy it with the ``demo`` fixture before changing it."""
    root = tmp_path_factory.mktemp("demo-template") / "ws"
    build_demo(root, as_of=AS_OF)  # the same organisation `make demo` builds
    return root


@pytest.fixture
def demo(demo_template, tmp_path) -> Workspace:
    """A private copy of the demo workspace."""
    root = tmp_path / "demo"
    shutil.copytree(demo_template, root)
    return Workspace.open(root)


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    """An empty workspace (no tables yet)."""
    return init_workspace(tmp_path / "ws")


def decide_retire(workspace: Workspace, app_id: str) -> None:
    """Record what 01_assess records for a retire candidate: assessed, then 'retire'."""
    with workspace.ledger() as ledger:
        ledger.transition(app_id, "assessed", "analyst")
        ledger.transition(app_id, "decided", "analyst", {"decision": "retire"})


@pytest.fixture
def retire():
    """``retire(workspace, app_id)`` records a retire decision for the app."""
    return decide_retire
