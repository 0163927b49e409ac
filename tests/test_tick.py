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
from decomkit.core.errors import WorkspaceError
from decomkit.lifecycle.approval import submit_approval
from decomkit.lifecycle.schedule import due_next, tick_key
from decomkit.platforms.sandbox import SandboxPlatform
from decomkit.running.tick import run_tick
from helpers import approve, close_jxc_documents, world

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
    acted = [" ".join(filter(None, (o.due.step, o.due.app_id, o.due.what
                                    if o.due.step == "deadline_notice" else "", o.status)))
             for o in report.outcomes]
    sent = [m["title"].split("】")[0].lstrip("【") + " → " + ",".join(m["user_ids"][:1])
            + ("…" if len(m["user_ids"]) > 1 else "")
            for m in sandbox(ws).outbox()[outbox_before:]]
    return acted + [f"message {s}" for s in sent]


# Day → what the tick did and sent that day (days not listed: nothing). Day 0 is a Monday; 进销存
# is asked for on day 0 for day 30; its approvers agree on day 6; its backup is tampered with on
# day 40 (its data changes monthly: re-read every 30 days); on day 100 the usage log brings a
# visit to 旧版报销单 (old-expense), retired in July. Messages: the title's tag → first recipient
# (u0002 owns 进销存; u0010 is IT; "…": more people).
TIMELINE: dict[int, list[str]] = {
    0: [
        "reverify_backup jxc done", "reverify_backup old-expense done",
        "reverify_backup room-booking done", "deadline_notice bi-pro HT-2024-013 done",
        "deadline_notice contract HT-2024-005 done", "deadline_notice expense HT-2025-002 done",
        "deadline_notice old-attendance HT-2024-011 done",
        "deadline_notice project HT-2024-003 done", "deadline_notice simple-pm HT-2025-012 done",
        "deadline_notice stocktake HT-2024-015 done", "deadline_notice wiki HT-2025-010 done",
        "watch_alert room-booking done", "review_prompt old-expense done",
        "review_prompt room-booking done", "portfolio_refresh _portfolio done",
        "message 合同截止提醒 → u0010", "message 合同截止提醒 → u0010",
        "message 合同截止提醒 → u0010", "message 合同截止提醒 → u0010",
        "message 合同截止提醒 → u0010", "message 合同截止提醒 → u0010",
        "message 合同截止提醒 → u0010", "message 合同截止提醒 → u0010",
        "message 已停用应用仍有动静 → u0010", "message 停用复盘提醒 → u0010",
        "message 停用复盘提醒 → u0010",
    ],
    3: [
        "reminder jxc done", "message 审批提醒 → u0002",
    ],
    4: [
        "reminder jxc done", "message 审批提醒 → u0002",
    ],
    5: [
        "reminder jxc done", "message 审批提醒 → u0002",
    ],
    6: [
        "advance_notice jxc done", "message 停用预告 → u0002…",
    ],
    7: [
        "deadline_notice simple-pm HT-2025-012 done", "portfolio_refresh _portfolio done",
        "message 合同截止提醒 → u0010",
    ],
    11: [
        "deadline_notice wms HT-2025-004 done", "message 合同截止提醒 → u0010",
    ],
    14: [
        "deadline_notice bi-pro HT-2024-013 done", "portfolio_refresh _portfolio done",
        "message 合同截止提醒 → u0010",
    ],
    18: [
        "deadline_notice contract HT-2024-005 done", "message 合同截止提醒 → u0010",
    ],
    21: [
        "portfolio_refresh _portfolio done",
    ],
    27: [
        "deadline_notice expense HT-2025-002 done", "message 合同截止提醒 → u0010",
    ],
    28: [
        "deadline_notice stocktake HT-2024-015 done", "portfolio_refresh _portfolio done",
        "message 合同截止提醒 → u0010",
    ],
    30: [
        "reverify_backup jxc done", "reverify_backup old-expense done",
        "reverify_backup room-booking done",
    ],
    35: [
        "portfolio_refresh _portfolio done",
    ],
    37: [
        "deadline_notice simple-pm HT-2025-012 done", "message 合同截止提醒 → u0010",
    ],
    41: [
        "deadline_notice wms HT-2025-004 done", "message 合同截止提醒 → u0010",
    ],
    42: [
        "portfolio_refresh _portfolio done",
    ],
    44: [
        "deadline_notice bi-pro HT-2024-013 done", "message 合同截止提醒 → u0010",
    ],
    48: [
        "deadline_notice contract HT-2024-005 done", "message 合同截止提醒 → u0010",
    ],
    49: [
        "portfolio_refresh _portfolio done",
    ],
    51: [
        "deadline_notice doc-editor HT-2025-014 done", "message 合同截止提醒 → u0010",
    ],
    56: [
        "portfolio_refresh _portfolio done",
    ],
    58: [
        "deadline_notice stocktake HT-2024-015 done", "message 合同截止提醒 → u0010",
    ],
    60: [
        "reverify_backup jxc failed", "reverify_backup old-expense done",
        "reverify_backup room-booking done", "message 备份复验失败 → u0002…",
    ],
    63: [
        "portfolio_refresh _portfolio done",
    ],
    67: [
        "deadline_notice simple-pm HT-2025-012 done", "message 合同截止提醒 → u0010",
    ],
    70: [
        "portfolio_refresh _portfolio done",
    ],
    71: [
        "deadline_notice wms HT-2025-004 done", "message 合同截止提醒 → u0010",
    ],
    74: [
        "deadline_notice bi-pro HT-2024-013 done", "message 合同截止提醒 → u0010",
    ],
    77: [
        "portfolio_refresh _portfolio done",
    ],
    78: [
        "deadline_notice contract HT-2024-005 done", "message 合同截止提醒 → u0010",
    ],
    81: [
        "deadline_notice doc-editor HT-2025-014 done", "message 合同截止提醒 → u0010",
    ],
    84: [
        "portfolio_refresh _portfolio done",
    ],
    85: [
        "deadline_notice survey HT-2025-006 done", "message 合同截止提醒 → u0010",
    ],
    88: [
        "deadline_notice stocktake HT-2024-015 done", "message 合同截止提醒 → u0010",
    ],
    90: [
        "reverify_backup jxc failed", "reverify_backup old-expense done",
        "reverify_backup room-booking done", "message 备份复验失败 → u0002…",
    ],
    91: [
        "portfolio_refresh _portfolio done",
    ],
    92: [
        "deadline_notice assets HT-2024-007 done", "message 合同截止提醒 → u0010",
    ],
    98: [
        "portfolio_refresh _portfolio done",
    ],
    100: [
        "watch_alert old-expense done", "message 已停用应用仍有动静 → u0010",
    ],
    101: [
        "deadline_notice wms HT-2025-004 done", "message 合同截止提醒 → u0010",
    ],
    105: [
        "portfolio_refresh _portfolio done",
    ],
    106: [
        "deadline_notice store-patrol HT-2024-009 done", "message 合同截止提醒 → u0010",
    ],
    111: [
        "deadline_notice doc-editor HT-2025-014 done", "message 合同截止提醒 → u0010",
    ],
    112: [
        "portfolio_refresh _portfolio done",
    ],
    115: [
        "deadline_notice survey HT-2025-006 done", "message 合同截止提醒 → u0010",
    ],
    119: [
        "portfolio_refresh _portfolio done",
    ],
    120: [
        "reverify_backup jxc failed", "reverify_backup old-expense done",
        "reverify_backup room-booking done", "message 备份复验失败 → u0002…",
    ],
    122: [
        "deadline_notice assets HT-2024-007 done", "message 合同截止提醒 → u0010",
    ],
    125: [
        "deadline_notice scm-legacy HT-2025-016 done", "message 合同截止提醒 → u0010",
    ],
    126: [
        "portfolio_refresh _portfolio done",
    ],
    133: [
        "portfolio_refresh _portfolio done",
    ],
    136: [
        "deadline_notice store-patrol HT-2024-009 done", "message 合同截止提醒 → u0010",
    ],
    140: [
        "portfolio_refresh _portfolio done",
    ],
    141: [
        "deadline_notice doc-editor HT-2025-014 done", "message 合同截止提醒 → u0010",
    ],
    145: [
        "deadline_notice survey HT-2025-006 done", "message 合同截止提醒 → u0010",
    ],
    147: [
        "portfolio_refresh _portfolio done",
    ],
    150: [
        "reverify_backup jxc failed", "reverify_backup old-expense done",
        "reverify_backup room-booking done", "message 备份复验失败 → u0002…",
    ],
    152: [
        "deadline_notice assets HT-2024-007 done", "message 合同截止提醒 → u0010",
    ],
    154: [
        "portfolio_refresh _portfolio done",
    ],
    155: [
        "deadline_notice scm-legacy HT-2025-016 done", "message 合同截止提醒 → u0010",
    ],
    159: [
        "deadline_notice purchase HT-2025-008 done", "message 合同截止提醒 → u0010",
    ],
    161: [
        "portfolio_refresh _portfolio done",
    ],
    166: [
        "deadline_notice store-patrol HT-2024-009 done", "message 合同截止提醒 → u0010",
    ],
    168: [
        "portfolio_refresh _portfolio done",
    ],
    175: [
        "deadline_notice survey HT-2025-006 done", "portfolio_refresh _portfolio done",
        "message 合同截止提醒 → u0010",
    ],
}


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
    assert seen == TIMELINE
    failed = next(m for m in sandbox(ws).outbox() if "备份复验失败" in json.dumps(
        m, ensure_ascii=False))  # what the backup's problem is, in Chinese
    body = json.dumps(failed, ensure_ascii=False)
    assert "可能在备份后被写入" in body and "manifest says" not in body, body


def platform_state(ws) -> dict:
    state = json.loads((ws.root / "platform" / "sandbox.json").read_text("utf-8"))
    return {"apps": state["apps"], "outbox": state["outbox"], "keys": state["keys"]}


def test_a_tick_killed_part_way_and_run_again_sends_nothing_twice(ready, monkeypatch):
    ws = ready
    original = SandboxPlatform.notify
    calls = Counter()

    def killed_after_sending(self, notification, *, key):
        delivery = original(self, notification, key=key)
        calls["n"] += 1
        if calls["n"] == 3:  # the third message went out; the process dies before recording it
            raise KeyboardInterrupt
        return delivery

    monkeypatch.setattr(SandboxPlatform, "notify", killed_after_sending)
    with pytest.raises(KeyboardInterrupt):
        run_tick(ws, DAY0)
    monkeypatch.setattr(SandboxPlatform, "notify", original)
    assert len(sandbox(ws).outbox()) == 3
    report = run_tick(ws, DAY0)  # the scheduler's next run
    again = run_tick(ws, DAY0)
    keys = [m["key"] for m in sandbox(ws).outbox()]
    assert len(keys) == len(set(keys)) == 11  # 8 contract deadlines, 2 reviews, 1 watch
    assert [o for o in again.outcomes] == []
    assert not report.failed
    with ws.ledger() as ledger:  # the interrupted send was settled from the platform, not resent
        third = ledger.action(keys[2])
    assert third is not None and third.status == "done"


def test_a_refused_step_changes_nothing(verified):
    """进销存's purchase orders are still open (a blocking finding): the advance notice the
    tick would send is refused; nothing is sent, no state moves, only the tick's note is added."""
    ws = verified
    requested(ws, 0, 30)
    run_tick(ws, DAY0)  # everything else that was due is done
    approve(ws, APP, stage(ws, 1))
    before_events, before_platform, before = events(ws), platform_state(ws), world(ws)
    report = run_tick(ws, day(1), language="en")
    assert [(o.due.step, o.status) for o in report.outcomes] == [("advance_notice", "refused")]
    assert "open" in report.outcomes[0].why and report.failed
    after = events(ws)
    assert after[:len(before_events)] == before_events
    assert [(e.kind, e.data.get("event")) for e in after[len(before_events):]] == [
        ("note", "tick")]
    assert after[-1].data["refused"][0]["key"] == report.outcomes[0].due.key
    assert platform_state(ws) == before_platform
    rows = before.pop("ledger rows")
    after_world = world(ws)  # no action recorded, no backup touched, only the note's row
    assert after_world.pop("ledger rows") == rows + 1 and after_world == before
    # the command says so with its exit code, and still changes nothing
    assert main(["tick", str(ws.root), "--as-of", day(1).isoformat()]) == 1
    assert platform_state(ws) == before_platform
    assert [e.kind for e in events(ws)[len(after):]] == ["note"]
    again = world(ws)
    assert again.pop("ledger rows") == rows + 2 and again == before


def test_a_dry_run_decides_every_step_and_writes_nothing(ready):
    ws = ready
    requested(ws, 0, 30)
    approve(ws, APP, stage(ws, 0))
    before_events, before_platform = events(ws), platform_state(ws)
    locks = sorted((ws.root / ".locks").glob("*")) if (ws.root / ".locks").exists() else []
    report = run_tick(ws, DAY0, dry_run=True, language="en")
    assert {o.status for o in report.outcomes} == {"would"}
    after = sorted((ws.root / ".locks").glob("*")) if (ws.root / ".locks").exists() else []
    assert after == locks  # not even a lock's owner file
    assert "advance_notice" in {o.due.step for o in report.outcomes}
    assert events(ws) == before_events and platform_state(ws) == before_platform
    assert not (ws.root / "records" / "index.html").exists()
    text = report.text()
    assert "advance notice" in text and "advance_notice" not in text and "dry run" in text


def test_a_missed_advance_notice_moves_the_planned_date_never_a_short_notice(ready):
    ws = ready
    requested(ws, 0, 7)  # the notice had to go on the day of the request
    run_tick(ws, DAY0)
    approve(ws, APP, stage(ws, 2))  # approved two days later: 5 days of notice are left
    outbox = len(sandbox(ws).outbox())
    report = run_tick(ws, day(2))
    assert [(o.due.step, o.status) for o in report.outcomes] == [("move_date", "done")]
    assert len(sandbox(ws).outbox()) == outbox  # nobody was told of the old date
    with ws.ledger() as ledger:
        assert ledger.state(APP) == "approval_pending"
        pending = ledger.last(APP, "approval_pending")
    assert pending.data["plan"]["date"] == day(2 + 7 + 3).isoformat()  # advance + due days
    approve(ws, APP, stage(ws, 3))
    report = run_tick(ws, day(3))
    assert [(o.due.step, o.status) for o in report.outcomes] == [("advance_notice", "done")]
    with ws.ledger() as ledger:
        told = ledger.action(f"{APP}:{pending.data['instance_id']}:notify-advance:dingtalk_work")
    assert told.result["days"] == 9 and told.result["sent_on"] == day(3).isoformat()


def test_what_comes_due_next_is_a_table_people_read(ready):
    ws = ready
    requested(ws, 0, 30)
    run_tick(ws, DAY0)
    with stage(ws, 0, "en") as st:
        table = due_next(st, days=30)
    steps = list(zip(table["due_step"], table["app_id"], table["due_day"], strict=True))
    assert ("reminder", APP, day(3)) in steps
    assert ("advance_notice", APP, day(23)) in steps  # the last day it gives the full notice
    assert ("portfolio_refresh", "", day(7)) in steps
    assert all(d >= DAY0 and d < day(30) for d in table["due_day"])
    assert tick_key(APP, "reverify_backup", day(30)) == f"{APP}:tick:reverify_backup:{day(30)}"


def test_a_live_tick_on_a_real_platform_runs_for_today_only(ready):
    """--as-of another day is a rehearsal (--dry-run) or the sandbox's: on a platform that
    reaches people it would tell them on the wrong day. Refused before anything happens."""
    ws = ready
    requested(ws, 0, 30)
    approve(ws, APP, stage(ws, 0))
    toml = ws.root / "decomkit.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'platform = "sandbox"' in text
    toml.write_text(text.replace('platform = "sandbox"', 'platform = "manual"', 1), "utf-8")
    before_events, before = events(ws), world(ws)
    with pytest.raises(WorkspaceError, match="not today") as refused:
        run_tick(ws.root, DAY0 - dt.timedelta(days=15))
    assert "不是今天" in refused.value.in_language("zh")
    assert events(ws) == before_events and world(ws) == before
    assert not (ws.root / "records" / "index.html").exists()
    dry = run_tick(ws.root, DAY0 - dt.timedelta(days=15), dry_run=True)  # positive control
    assert dry.dry_run


def test_a_request_recorded_outside_the_kit_does_not_stop_the_tick(ready):
    """A request recorded by hand (no plan: no day anybody was told) gets its reminders and
    nothing else; the other apps' steps still run."""
    ws = ready
    with ws.ledger() as ledger:
        ledger.transition("survey", "approval_pending", "analyst", {
            "instance_id": "sbx-outside", "plan_hash": "0" * 64, "approvers": ["u0002"]},
            override_reason="a request made outside the kit, recorded for the test",
            at=dt.datetime.combine(DAY0, dt.time(3), tzinfo=dt.UTC).isoformat())
    report = run_tick(ws, DAY0 + dt.timedelta(days=10), dry_run=True, language="en")
    steps = {(o.due.app_id, o.due.step) for o in report.outcomes}
    assert ("survey", "reminder") in steps
    assert not any(app == "survey" and step != "reminder" for app, step in steps)


def test_a_step_the_kit_refuses_says_why_in_the_readers_language_and_changes_nothing(ready):
    """进销存's notice's day passed and its backup no longer verifies: moving the date needs a
    new request, whose gate refuses. The tick says why in Chinese (the error's own form, not
    its English text) and withdraws nothing, tells no one."""
    ws = ready
    requested(ws, 0, 7)
    run_tick(ws, DAY0)
    approve(ws, APP, stage(ws, 2))
    corrupt_backup(ws, APP)
    before = world(ws)
    report = run_tick(ws, day(2), language="zh")
    assert [(o.due.step, o.status) for o in report.outcomes] == [("move_date", "refused")]
    why = report.outcomes[0].why
    assert "无法发起审批" in why and "cannot" not in why, why
    after = world(ws)
    assert after.pop("ledger rows") == before.pop("ledger rows") + 1  # the tick's note only
    assert after == before
    with ws.ledger() as ledger:
        assert ledger.state(APP) == "approved"
    english = run_tick(ws, day(2), dry_run=True, language="en")  # positive control: the form
    assert english.outcomes[0].status == "refused" and "backup" in english.outcomes[0].why
