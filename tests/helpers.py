"""Small helpers the test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

import hashlib
import json
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.request import urlopen

import openpyxl

from decomkit.lifecycle.approval import track_approval
from decomkit.platforms.sandbox import SandboxPlatform


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


# 进销存's open documents in the demo's exports: (status while open, status once done).
JXC_OPEN = {"采购订单": ("待入库", "已入库"), "销售记录": ("待出库", "已出库")}


def jxc_export(ws, name: str):
    """The export file of 进销存's dataset ``name``."""
    datasets = ws.inventory(["datasets"]).datasets
    row = datasets[(datasets["app_id"] == "jxc") & (datasets["name"] == name)].iloc[0]
    return ws.root / "exports" / "jxc" / row["export_file"]


def close_jxc_documents(ws) -> None:
    """Close 进销存's open purchase orders and sales in its exports (as people do in the app
    before exporting again: 解除免费关联 四.1)."""
    for name, (still_open, done) in JXC_OPEN.items():
        path = jxc_export(ws, name)
        if path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path)
            for row in book.active.iter_rows():
                for cell in row:
                    if cell.value == still_open:
                        cell.value = done
            book.save(path)
        else:
            encoding = "gbk" if path.stem.endswith(".gbk") else "utf-8"
            path.write_bytes(path.read_bytes().decode(encoding).replace(still_open, done)
                             .encode(encoding))


def no_advance_notice(ws) -> None:
    """notify.advance_days = 0: no advance notice, the planned date defaults to today."""
    set_config(ws, "advance_days = 7", "advance_days = 0")


def world(ws) -> dict:
    """Everything a refused action must leave as it was: the sandbox platform (calls, outbox,
    apps, approvals), the ledger (rows, actions) and the backups."""
    platform = json.loads((ws.root / "platform" / "sandbox.json").read_text(encoding="utf-8"))
    db = sqlite3.connect(ws.root / "ledger.sqlite")
    try:
        rows = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        actions = db.execute("SELECT key, status FROM actions ORDER BY key").fetchall()
    finally:
        db.close()
    backups = {p.relative_to(ws.root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
               for p in (ws.root / "backups").rglob("*") if p.is_file()}
    return {"calls": platform["calls"], "outbox": platform["outbox"],
            "apps": platform["apps"], "approvals": sorted(platform["approvals"]),
            "ledger rows": rows, "actions": actions, "backups": backups}


def approve(ws, app_id: str, stage) -> None:
    """Every approver of the pending request agrees on the sandbox; 03's tracking records it."""
    with ws.ledger() as ledger:
        pending = ledger.last(app_id, "approval_pending").data
    sandbox = SandboxPlatform(ws.root / "platform")
    for user in pending["approvers"]:
        sandbox.decide_approval(pending["instance_id"], user, "agree", "同意")
    assert track_approval(stage, app_id).state == "approved"


@contextmanager
def voila_server(notebook: Path, log: Path, workspace=None, seconds: float = 120,
                 **options) -> Iterator[str]:
    """Voila serving ``notebook`` as ``decomkit dashboard`` does (its command and environment,
    ``options`` passed to ``voila_command``), all it prints kept in ``log``: yields its address
    once it is up, and stops it afterwards. Waiting asks for a static file: fetching "/" would
    run the whole notebook in a kernel per try."""
    from decomkit.running.dashboard import dashboard_env, voila_command

    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(voila_command(notebook, port, open_browser=False, **options),
                                   env=dashboard_env(workspace), cwd=notebook.parent,
                                   stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/voila/static/voila.js", process, seconds)
        yield base
    finally:
        stop(process)


def voila_cells(base: str, seconds: float = 120, until: int | None = None) -> list[tuple]:
    """Open the dashboard at ``base`` as a browser does with Voila's progressive rendering:
    fetch the page (it carries no output), then ask for the cells on its execution websocket.
    Returns ``(cell index, output cell, seconds since the request)`` in the order they
    arrived, until every cell came or cell ``until`` did."""
    import asyncio
    import re

    from tornado.websocket import websocket_connect

    started = time.monotonic()
    with urlopen(base + "/", timeout=seconds) as response:
        page = response.read().decode("utf-8")
    config = re.search(r'<script id="jupyter-config-data" type="application/json">\s*(\{.*?\})'
                       r"\s*</script>", page, re.S)
    assert config, "no jupyter-config-data in the page"
    kernel = json.loads(config.group(1))["kernelId"]

    async def run() -> list[tuple]:
        socket = await websocket_connect(f"ws{base[4:]}/voila/execution/{kernel}")
        got: list[tuple] = []
        try:
            while True:
                message = await asyncio.wait_for(socket.read_message(),
                                                 seconds - (time.monotonic() - started))
                if message is None:
                    return got
                data = json.loads(message)
                if data["action"] == "initialized":
                    socket.write_message(json.dumps({"action": "execute",
                                                     "payload": {"kernel_id": kernel}}))
                elif data["action"] == "execution_result":
                    payload = data["payload"]
                    got.append((payload["cell_index"], payload["output_cell"],
                                time.monotonic() - started))
                    if payload["cell_index"] in (until, payload["total_cell"] - 1):
                        return got
                else:
                    raise AssertionError(f"Voila answered {data}")
        finally:
            socket.close()

    return asyncio.run(run())


def object_lock_bucket(endpoint: str) -> tuple:
    """A fresh S3 bucket with Object Lock at ``endpoint`` (moto's server) and the
    ``[[anchors]]`` settings naming it: ``(client, bucket, block)``."""
    import uuid

    import boto3

    client = boto3.client("s3", endpoint_url=endpoint)
    bucket = f"anchor-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    block = (f'kind = "s3"\nname = "audit bucket"\nurl = "s3://{bucket}/decomkit"\n'
             f'endpoint_url = "{endpoint}"\nretain_days = 30')
    return client, bucket, block
