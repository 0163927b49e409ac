"""Small helpers the test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from urllib.request import urlopen


def set_config(ws, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in the workspace's decomkit.toml (``old`` must be there)."""
    path = ws.root / "decomkit.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def free_port() -> int:
    """A TCP port free on loopback just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    """Wait until ``url`` answers, failing if the server ``process`` exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            with urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


def stop(process: subprocess.Popen) -> None:
    """End a server started by a test: politely, then for good."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
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
