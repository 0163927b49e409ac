"""Small helpers the test modules share (fixtures live in conftest.py)."""

from __future__ import annotations


def set_config(ws, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in the workspace's decomkit.toml (``old`` must be there)."""
    path = ws.root / "decomkit.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
