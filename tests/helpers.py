"""Small helpers the test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

import json


def set_config(ws, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in the workspace's decomkit.toml (``old`` must be there)."""
    path = ws.root / "decomkit.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def replacement_reachable(ws, app: str = "wms", department: str = "销售部") -> None:
    """Set-up for tests about something else than the replacement: ``department`` could
    always open ``app`` (the demo's 进销存 names 仓储管理WMS, which 销售部 cannot open), so
    retiring 进销存 leaves nobody without it. The sandbox's stored state is edited before any
    call: no platform call is logged."""
    path = ws.root / "platform" / "sandbox.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    depts = state["apps"][app]["scope"]["dept_ids"]
    assert department not in depts
    depts.append(department)
    path.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
