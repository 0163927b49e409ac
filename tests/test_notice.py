"""The advance notice (停用指南 FAQ 3, 七): the planned date gives notify.advance_days of notice,
a shorter notice needs a written reason, a moved or called-off date is corrected once, and a dry
run tells no one."""

from __future__ import annotations

import datetime as dt

import pytest

from decomkit.context.stage import open_stage
from decomkit.core.errors import TransitionError
from decomkit.core.present import spoken_date
from decomkit.lifecycle.advance import (
    advance_status,
    move_planned_date,
    send_corrections,
)
from decomkit.lifecycle.approval import submit_approval, withdraw_approval
from decomkit.lifecycle.authority import workspace_today
from decomkit.lifecycle.execute import run_disable
from decomkit.platforms.dingtalk_form import LABELS
from decomkit.platforms.sandbox import SandboxPlatform
from decomkit.running.batch import run_batch
from helpers import approve, close_jxc_documents, set_config, world

APP = "jxc"
REASON = "仓库月底盘点后立即切换到 WMS,财务已同意缩短预告期"


def stage(ws, language: str = "zh"):
    return open_stage(str(ws.root), analyst="it-admin", language=language)


def sandbox(ws) -> SandboxPlatform:
    return SandboxPlatform(ws.root / "platform")


def messages(ws, prefix: str) -> list[dict]:
    return [m for m in sandbox(ws).outbox() if m["title"].startswith(prefix)]


def state(ws) -> str:
    with ws.ledger() as ledger:
        return ledger.state(APP)


def notice_record(ws, instance: str, channel: str = "dingtalk_work") -> dict:
    with ws.ledger() as ledger:
        return ledger.action(f"{APP}:{instance}:notify-advance:{channel}").result


@pytest.fixture
def ready(verified):
    """进销存 backed up and verified, its purchases and sales closed: only the notice is at
    stake."""
    close_jxc_documents(verified)
    return verified


@pytest.fixture
def told(ready):
    """Approved for the default date and told, on the day of the request."""
    today = workspace_today(ready)
    event = submit_approval(stage(ready), APP, reason="已由仓储管理WMS替代", today=today)
    approve(ready, APP, stage(ready))
    run = run_disable(stage(ready), APP, dry_run=False, confirm=APP, today=today)
    assert [s.name for s in run.steps] == ["notify-advance:dingtalk_work"]
    return ready, event


def test_the_default_planned_date_gives_advance_days_of_notice(ready):
    today = workspace_today(ready)
    event = submit_approval(stage(ready), APP, reason="已由仓储管理WMS替代")
    planned = today + dt.timedelta(days=7)  # notify.advance_days in the demo
    assert event.data["plan"]["date"] == planned.isoformat()
    assert event.data["form"][LABELS["date"]] == planned.isoformat()
    approve(ready, APP, stage(ready))
    assert sandbox(ready).outbox() == []  # approval tells no one: the disable is not run yet
    run = run_disable(stage(ready), APP, dry_run=False, confirm=APP, today=today)
    assert state(ready) == "approved"  # told, not yet due: nothing else happened
    assert [c["operation"] for c in sandbox(ready).calls(changing_only=True)
            if c["operation"] not in ("submit_approval", "decide_approval")] == ["notify"]
    weekday = "一二三四五六日"[planned.weekday()]
    day = f"{planned.year}年{planned.month}月{planned.day}日(星期{weekday})"
    assert [u.condition for u in run.unmet] == ["planned_date_reached"]
    assert f"计划停用日期为 {day}" in run.gate_lines("zh")[0]
    [notice] = messages(ready, "【停用预告】")
    assert "还有 7 天" in notice["text"] and "None" not in notice["text"]
    assert day in notice["title"] and planned.isoformat() not in notice["text"]
    record = notice_record(ready, event.data["instance_id"])
    assert (record["days"], record["planned_date"], "override" in record) == (
        7, planned.isoformat(), False)
    assert len(record["user_ids"]) == len(notice["user_ids"]) > 10
    status = advance_status(stage(ready), APP, today=today)
    assert status.missing == () and "提前 7 天" in " ".join(status.lines("zh"))
    # On the planned date the same run disables, telling no one twice in advance.
    done = run_disable(stage(ready), APP, dry_run=False, confirm=APP, today=planned)
    assert done.state == "verified_disabled"
    assert [m["title"][:6] for m in sandbox(ready).outbox()] == [
        "【停用预告】", "【停用通知】", "【已停用】进"]


def test_a_0_day_notice_is_refused_unless_a_reason_is_written_and_kept(ready):
    today = workspace_today(ready)
    event = submit_approval(stage(ready), APP, today, "已由仓储管理WMS替代", today=today)
    approve(ready, APP, stage(ready))
    dry = run_disable(stage(ready), APP, confirm=APP, today=today)
    assert [u.condition for u in dry.unmet] == ["notice_period", "notice_given"]
    assert "只有 0 天,少于规定的 7 天" in dry.gate_lines("zh")[0]
    assert "would give 0 days" in dry.blocked
    before = world(ready)
    for reason in ("", "too short"):
        with pytest.raises(TransitionError, match=r"fewer than notify\.advance_days"):
            run_disable(stage(ready), APP, dry_run=False, confirm=APP, override_reason=reason,
                        today=today)
        assert world(ready) == before  # no message, no platform call, no ledger row
    run = run_disable(stage(ready), APP, dry_run=False, confirm=APP, override_reason=REASON,
                      today=today)
    assert run.state == "verified_disabled"
    [notice] = messages(ready, "【停用预告】")
    assert "即今天" in notice["text"] and "0 天" not in notice["text"]
    record = notice_record(ready, event.data["instance_id"])
    assert record["days"] == 0 and record["override"]["reason"] == REASON
    assert record["override"]["conditions"] == ["notice_period"]
    lines = advance_status(stage(ready, "en"), APP, today=today).lines("en")
    assert any(REASON in line and "shorter than notify.advance_days" in line for line in lines)


def test_a_late_approval_leaves_too_little_notice_and_says_how_to_move_the_date(ready):
    requested = workspace_today(ready)
    submit_approval(stage(ready), APP, reason="已由仓储管理WMS替代", today=requested)
    approve(ready, APP, stage(ready))
    later = requested + dt.timedelta(days=3)  # approved, but run three days later
    status = advance_status(stage(ready), APP, today=later)
    earliest = later + dt.timedelta(days=7)
    text = " ".join(status.lines("en"))
    assert "can no longer give 7 days" in text and spoken_date(earliest, "en") in text
    before = world(ready)
    with pytest.raises(TransitionError, match="would give 4 days"):
        run_disable(stage(ready), APP, dry_run=False, confirm=APP, today=later)
    assert world(ready) == before


def test_a_moved_date_sends_one_correction_to_those_told(told):
    ws, first = told
    today = workspace_today(ws)
    new_date = today + dt.timedelta(days=21)
    moved = move_planned_date(stage(ws), APP, new_date, "仓库盘点推迟到月底", today=today)
    assert moved.state == "approval_pending" and moved.data["plan"]["date"] == new_date.isoformat()
    for _ in range(2):  # 03_approval run twice: the correction goes once
        send_corrections(stage(ws), APP)
    [correction] = messages(ws, "【更正】")
    [notice] = messages(ws, "【停用预告】")
    assert correction["user_ids"] == notice["user_ids"]
    told_day = dt.date.fromisoformat(first.data["plan"]["date"])
    assert f"{told_day.month}月{told_day.day}日" in correction["title"]
    assert f"{new_date.month}月{new_date.day}日" in correction["text"] and "尚待审批" in \
        correction["text"]
    assert "None" not in correction["text"] and new_date.isoformat() not in correction["text"]
    # The new date approved and told: a new notice for it, no second correction.
    approve(ws, APP, stage(ws))
    run_disable(stage(ws), APP, dry_run=False, confirm=APP, today=today)
    assert [m["title"][:4] for m in sandbox(ws).outbox()] == ["【停用预", "【更正】", "【停用预"]
    assert send_corrections(stage(ws), APP).sent == []


def test_a_called_off_retirement_sends_one_correction(told):
    ws, _ = told
    withdrawn = withdraw_approval(stage(ws), APP, "业务部门要求保留进销存")
    assert withdrawn.state == "rejected" and withdrawn.data["cancelled"]
    first = send_corrections(stage(ws), APP)
    assert len(first.sent) == 1 and "取消" in first.lines("zh")[0]
    assert send_corrections(stage(ws), APP).sent == []
    [correction] = messages(ws, "【更正】")
    assert "该停用计划已撤销" in correction["text"]
    # Called off means called off: a real run is refused and changes nothing.
    before = world(ws)
    with pytest.raises(TransitionError, match="not approved"):
        run_disable(stage(ws), APP, dry_run=False, confirm=APP)
    assert world(ws) == before


def test_corrections_speak_english_to_those_told_in_english(ready):
    today = workspace_today(ready)
    submit_approval(stage(ready, "en"), APP, today=today)
    approve(ready, APP, stage(ready, "en"))
    run_disable(stage(ready, "en"), APP, dry_run=False, confirm=APP, today=today)
    withdraw_approval(stage(ready, "zh"), APP, "the business keeps the app")
    send_corrections(stage(ready, "zh"), APP)  # run by a Chinese reader: the notice was English
    [notice, correction] = sandbox(ready).outbox()
    assert notice["title"].startswith("[Advance notice]") and "7 days from now" in notice["text"]
    assert correction["title"].startswith("[Correction]") and "called off" in correction["text"]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in correction["text"].replace("进销存", ""))


def test_the_dry_run_pipeline_tells_no_one(verified):
    """The README's pipeline: approval, then a dry-run disable. Nobody hears of a disable that
    no run will perform."""
    set_config(verified, "auto_agree_after_seconds = -1", "auto_agree_after_seconds = 0")
    summary = run_batch(verified, ["approval", "disable"], APP, {"wait_seconds": 4},
                        quiet=True)
    assert not summary.failed
    assert state(verified) == "approved"
    assert sandbox(verified).outbox() == []
    assert [c for c in sandbox(verified).calls() if c["operation"] == "notify"] == []
    with verified.ledger() as ledger:
        assert [e for e in ledger.events(APP) if "notify" in str(e.data.get("operation"))] == []


def test_a_move_the_new_request_could_not_pass_withdraws_nothing_and_tells_no_one(told):
    """The new request's gate is decided before the old one is withdrawn: with the requester
    now among the approvers, moving the date is refused and nothing changed — the approved
    request stands, no platform call, no correction, no ledger row (before, the request was
    withdrawn and a 'cancelled' correction went to everyone told)."""
    ws, _ = told
    set_config(ws, 'user_id = "u0010"', 'user_id = "it-admin"')  # the requester approves
    today = workspace_today(ws)
    with ws.ledger() as ledger:
        rows, state = len(ledger.events()), ledger.state(APP)
    calls, outbox = len(sandbox(ws).calls()), len(sandbox(ws).outbox())
    with pytest.raises(TransitionError, match="approv"):
        move_planned_date(stage(ws), APP, today + dt.timedelta(days=21), "仓库盘点推迟到月底",
                          today=today)
    with ws.ledger() as ledger:
        assert (len(ledger.events()), ledger.state(APP)) == (rows, state)
    assert (len(sandbox(ws).calls()), len(sandbox(ws).outbox())) == (calls, outbox)
