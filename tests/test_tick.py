"""``decomkit tick``: what is due on a day happens that day, once, under its gate.

The demo runs through 180 simulated days, one tick a day with ``as_of``; what each day sends
and does is checked against a table written here. A tick killed part-way and run again sends
nothing twice; a refused step changes nothing; a dry run writes nothing; a missed advance
notice moves the planned date instead of going out short."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pandas as pd
import pytest

from decomkit.cli import main
from decomkit.context.stage import open_stage
from decomkit.lifecycle.approval import submit_approval
from decomkit.lifecycle.schedule import due_next, tick_key
from decomkit.platforms.sandbox import SandboxPlatform
from decomkit.running.tick import run_tick
from helpers import approve, close_jxc_documents

APP = "jxc"
DAY0 = dt.date(2026, 11, 23)  # the demo's as_of (conftest.AS_OF), a Monday


def day(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


def stage(ws, n: int = 0, language: str = "zh"):
    return open_stage(str(ws.root), analyst="it-admin", language=language,
                      as_of=day(n).isoformat())


def sandbox(ws) -> SandboxPlatform:
    return SandboxPlatform(ws.root / "platform")


def events(ws) -> list:
    with ws.ledger() as ledger:
        return ledger.events()


def requested(ws, n: int, planned: int) -> None:
    """进销存 asked for on day ``n`` for day ``planned``."""
    submit_approval(stage(ws, n), APP, day(planned), reason="已由仓储管理WMS替代", today=day(n))


@pytest.fixture
def ready(verified):
    """进销存 backed up and verified, its documents closed; approvers act only when told."""
    close_jxc_documents(verified)
    return verified


def corrupt_backup(ws, app_id: str) -> None:
    folder = sorted((ws.root / "backups" / app_id).iterdir())[-1]
    data = next(p for p in sorted(folder.iterdir()) if p.name != "manifest.json")
    data.write_bytes(data.read_bytes() + b"tampered\n")


def visit_after_retirement(ws, app_id: str, when: dt.date) -> None:
    """A visit to a retired app arrives in the usage log (the next export of the log)."""
    path = ws.root / "data" / "usage_events.parquet"
    log = pd.read_parquet(path)
    row = log[log["app_id"] == app_id].tail(1).copy()
    row["date"] = pd.Timestamp(when) + pd.Timedelta(hours=10)
    pd.concat([log, row], ignore_index=True).to_parquet(path, index=False)


def what_happened(report, outbox_before: int, ws) -> list[str]:
    """The day's actions (step, app, about, result) and its messages (title's first word)."""
    acted = [f"{o.due.step} {o.due.app_id}{' ' + o.due.what if o.due.step == 'deadline_notice' else ''}"
             f" {o.status}" for o in report.outcomes]
    sent = [m["title"].split("】")[0].lstrip("【") + " → " + ",".join(m["user_ids"][:1])
            + ("…" if len(m["user_ids"]) > 1 else "")
            for m in sandbox(ws).outbox()[outbox_before:]]
    return acted + [f"message {s}" for s in sent]


# Day → what the tick did and sent that day (days not listed: nothing).
TIMELINE: dict[int, list[str]] = {}


def test_180_days_of_ticks_do_what_is_due_on_its_day(ready):
    ws = ready
    requested(ws, 0, 30)
    seen: dict[int, list[str]] = {}
    for n in range(180):
        if n == 6:
            approve(ws, APP, stage(ws, n))
        if n == 40:
            corrupt_backup(ws, APP)
        if n == 100:
            visit_after_retirement(ws, "old-expense", day(99))
        before = len(sandbox(ws).outbox())
        report = run_tick(ws, day(n))
        if happened := what_happened(report, before, ws):
            seen[n] = happened
    print(json.dumps(seen, ensure_ascii=False, indent=1), file=open("/tmp/tick/timeline.json", "w"))
    assert seen == TIMELINE
