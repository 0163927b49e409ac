"""Approval, revocation, disable, notification and rollback on the sandbox platform."""

from __future__ import annotations

import datetime as dt
import hashlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import papermill as pm
import pytest

from decomkit.context.stage import open_stage
from decomkit.core.errors import PlatformError, TransitionError
from decomkit.lifecycle.approval import submit_approval, track_approval, withdraw_approval
from decomkit.lifecycle.authority import workspace_today
from decomkit.lifecycle.execute import retry_notifications, rollback, run_disable
from decomkit.platforms.sandbox import SandboxPlatform
from helpers import close_jxc_documents, no_advance_notice, set_config

APP = "jxc"
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
TODAY = dt.date(2026, 11, 23)


def stage(ws):
    return open_stage(str(ws.root), analyst="it-admin")


def sandbox(ws) -> SandboxPlatform:
    return SandboxPlatform(ws.root / "platform")


def approve_all(ws) -> None:
    st = stage(ws)
    with ws.ledger() as ledger:
        pending = ledger.last(APP, "approval_pending").data
    for user in pending["approvers"]:
        sandbox(ws).decide_approval(pending["instance_id"], user, "agree", "同意")
    assert track_approval(st, APP).state == "approved"


@pytest.fixture
def approved(verified):
    """Approved for today: no advance notice configured, its open documents closed (the
    notice and the blocking findings have tests of their own: test_notice, test_open_documents).
    """
    no_advance_notice(verified)
    close_jxc_documents(verified)
    submit_approval(stage(verified), APP, reason="已由仓储管理WMS替代")
    approve_all(verified)
    return verified


def changes(ws) -> list[str]:
    """Changing calls the disable stage made (the approval request is not one of them)."""
    return [c["operation"] for c in sandbox(ws).calls(changing_only=True)
            if c["operation"] not in ("submit_approval", "decide_approval")]


def state(ws) -> str:
    with ws.ledger() as ledger:
        return ledger.state(APP)


# ------------------------------------------------------------------ refusals

def test_disable_refuses_without_approval(verified):
    with pytest.raises(TransitionError, match="not approved"):
        run_disable(stage(verified), APP, dry_run=False, confirm=APP)
    assert changes(verified) == []


def test_disable_refuses_a_wrong_confirmation(approved):
    with pytest.raises(TransitionError, match="must equal the app id 'jxc'"):
        run_disable(stage(approved), APP, dry_run=False, confirm="进销存")
    assert changes(approved) == []
    assert state(approved) == "approved"


def test_disable_refuses_a_stale_plan(approved):
    apps = approved.root / "data" / "apps.csv"
    text = apps.read_bytes().decode("gbk")
    apps.write_bytes(text.replace("jxc,进销存,钉钉,供应链,仓储物流部,u0002,association",
                                  "jxc,进销存,钉钉,供应链,仓储物流部,u0002,third_party")
                     .encode("gbk"))  # the action becomes 'disable': not what was approved
    with pytest.raises(TransitionError, match="stale approval"):
        run_disable(stage(approved), APP, dry_run=False, confirm=APP)
    assert changes(approved) == []


def test_disable_refuses_a_backup_changed_since_verification(approved):
    with approved.ledger() as ledger:
        path = ledger.last(APP, "backed_up").data["path"]
    victim = approved.root / "backups" / path / "销售记录.csv"
    victim.write_bytes(victim.read_bytes()[:-5])
    with pytest.raises(TransitionError, match="backup no longer verifies"):
        run_disable(stage(approved), APP, dry_run=False, confirm=APP)
    assert changes(approved) == []


def test_self_approval_is_refused(verified):
    set_config(verified, 'user_id = "u0010"', 'user_id = "it-admin"')  # requester in the chain
    with pytest.raises(TransitionError, match="cannot approve their own request"):
        submit_approval(stage(verified), APP)
    set_config(verified, 'user_id = "it-admin"', 'user_id = "u0010"')
    event = submit_approval(stage(verified), APP)
    with pytest.raises(PlatformError, match="cannot approve their own request"):
        sandbox(verified).decide_approval(event.data["instance_id"], "it-admin", "agree")


def test_no_request_without_a_verified_backup(demo, retire):
    retire(demo, APP)
    with pytest.raises(TransitionError, match="backup is not verified"):
        submit_approval(stage(demo), APP)


# ------------------------------------------------------------------ dry run and real run

def test_dry_run_changes_nothing_and_lists_the_calls(approved):
    before = sandbox(approved).get_app(APP)
    plan = run_disable(stage(approved), APP)  # dry_run is the default
    assert plan.dry_run and plan.blocked.startswith("the typed confirmation")
    assert [s.name for s in plan.steps] == [
        "notify-before:dingtalk_work", "save-scope", "revoke", "unlink", "verify", "residue",
        "notify-after:dingtalk_work"]
    assert changes(approved) == []
    assert sandbox(approved).get_app(APP) == before and state(approved) == "approved"


def test_real_run_revokes_unlinks_verifies_and_notifies_once(approved):
    run = run_disable(stage(approved), APP, dry_run=False, confirm=APP)
    assert run.state == "verified_disabled"
    app = sandbox(approved).get_app(APP)
    assert app.status == "unlinked" and app.scope.only_admin_visible
    assert [m["title"][:6] for m in sandbox(approved).outbox()] == ["【停用通知】", "【已停用】进"]
    again = run_disable(stage(approved), APP, dry_run=False, confirm=APP)
    assert {s.status for s in again.steps if s.name != "verify"} == {"skipped"}
    assert changes(approved) == ["notify", "set_visible_scope", "unlink", "notify"]
    with approved.ledger() as ledger:
        residue = ledger.action(f"{APP}:sbx-00001:residue").result
        assert any("ERP" in task for task in residue)
        assert ledger.verify() > 0


def test_killed_between_revoke_and_disable_then_rerun_repeats_nothing(approved):
    sandbox(approved).fail_next("hang", operation="unlink")
    code = ("from decomkit.context.stage import open_stage\n"
            "from decomkit.lifecycle.execute import run_disable\n"
            f"run_disable(open_stage({str(approved.root)!r}, analyst='it-admin'), 'jxc', "
            "dry_run=False, confirm='jxc')\n")
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 120
    while state(approved) != "access_revoked":
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)  # now blocked inside the unlink call
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    run = run_disable(stage(approved), APP, dry_run=False, confirm=APP)
    assert run.state == "verified_disabled"
    assert changes(approved) == ["notify", "set_visible_scope", "unlink", "notify"]
    assert len(sandbox(approved).outbox()) == 2


def test_failed_notification_after_disable_is_kept_and_retried(approved):
    sandbox(approved).fail_next("error", operation="notify", after=1)
    run = run_disable(stage(approved), APP, dry_run=False, confirm=APP)
    assert run.state == "verified_disabled"  # never a reason to roll back
    failed = [s for s in run.steps if s.status == "failed"]
    assert [s.name for s in failed] == ["notify-after:dingtalk_work"]
    with approved.ledger() as ledger:
        assert ledger.action(f"{APP}:sbx-00001:notify-after:dingtalk_work").status == "failed"
    retried = retry_notifications(stage(approved), APP)
    assert [s.status for s in retried.steps if s.name.startswith("notify-after")] == ["done"]
    assert len(sandbox(approved).outbox()) == 2
    retry_notifications(stage(approved), APP)
    assert len(sandbox(approved).outbox()) == 2


def test_email_arrives_at_a_local_smtp_server(approved, smtp_inbox):
    inbox, port = smtp_inbox
    set_config(approved, 'channels = ["dingtalk_work"]', 'channels = ["email"]')
    set_config(approved, "smtp_port = 25", f"smtp_port = {port}")
    run_disable(stage(approved), APP, dry_run=False, confirm=APP)
    run_disable(stage(approved), APP, dry_run=False, confirm=APP)  # no second mail
    assert len(inbox.messages) == 2
    import email

    first = email.message_from_bytes(inbox.messages[0].content)
    assert "进销存" in str(email.header.make_header(email.header.decode_header(first["Subject"])))
    assert "u0002@example.com" in inbox.messages[0].rcpt_tos


def test_rollback_restores_the_scope_exactly(approved):
    before = sandbox(approved).get_app(APP)
    run_disable(stage(approved), APP, dry_run=False, confirm=APP)
    with pytest.raises(TransitionError, match="typed confirmation"):
        rollback(stage(approved), APP, "yes", dry_run=False)
    done = rollback(stage(approved), APP, APP, dry_run=False)
    after = sandbox(approved).get_app(APP)
    assert done.state == "re_enabled"
    assert (after.status, after.scope) == ("enabled", before.scope)


# ------------------------------------------------------------------ the approval's life

def test_rejection_resubmission_withdrawal_and_reminders(verified):
    st = stage(verified)
    first = submit_approval(st, APP, reason="first try")
    head = first.data["approvers"][0]
    sandbox(verified).decide_approval(first.data["instance_id"], head, "refuse", "先迁移数据")
    tracked = track_approval(st, APP)
    assert tracked.state == "rejected"
    with verified.ledger() as ledger:
        assert ledger.last(APP, "rejected").data["why"] == ["先迁移数据"]
    second = submit_approval(st, APP, reason="data migrated to WMS")
    assert second.data["previous_instance"] == first.data["instance_id"]
    assert second.data["instance_id"] != first.data["instance_id"]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=4)
    reminded = track_approval(st, APP, now=later)
    assert reminded.overdue_days == 4 and reminded.reminded
    assert not track_approval(st, APP, now=later).reminded  # once a day
    reminder = sandbox(verified).outbox()[-1]
    assert reminder["user_ids"] == [head] and "审批提醒" in reminder["title"]
    withdrawn = withdraw_approval(st, APP, "plan changes")
    assert withdrawn.state == "rejected" and withdrawn.data["withdrawn"]
    assert sandbox(verified).approval_status(second.data["instance_id"]).status == "TERMINATED"


def test_approve_command(verified):
    submit_approval(stage(verified), APP)
    with verified.ledger() as ledger:
        approvers = ledger.last(APP, "approval_pending").data["approvers"]
    binary = Path(sys.executable).parent / "decomkit"
    for user in approvers:
        done = subprocess.run([str(binary), "approve", str(verified.root), APP, "--as", user,
                               "--decision", "agree", "--comment", "ok"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    assert "台账状态:已批准" in done.stdout  # ledger state approved (a zh workspace)
    assert state(verified) == "approved"


def test_notebooks_take_an_app_from_verified_backup_to_disabled(verified, tmp_path):
    set_config(verified, "auto_agree_after_seconds = -1", "auto_agree_after_seconds = 0")

    def run(name, **parameters):
        pm.execute_notebook(str(NOTEBOOKS / name), str(tmp_path / name), kernel_name="decomkit",
                            parameters={"workspace": str(verified.root), **parameters},
                            progress_bar=False, cwd=str(tmp_path))
        return (tmp_path / name).read_text(encoding="utf-8")

    today = workspace_today(verified).isoformat()
    run("03_approval.ipynb", wait_seconds=5, planned_date=today)  # urgent: planned for today
    assert state(verified) == "approved"
    assert sandbox(verified).outbox() == []  # an approval tells no one by itself
    dry = run("04_disable.ipynb")
    # The gate, in the reader's language: the typed confirmation, the blocking finding
    # (进销存's open documents), a notice of 0 days where 7 are due.
    assert "输入的确认文字必须与应用 ID「jxc」一致" in dry
    assert "阻断项:导出数据中仍有未结单据:采购订单 7 张" in dry
    assert "只有 0 天,少于规定的 7 天" in dry and changes(verified) == []
    with pytest.raises(pm.PapermillExecutionError, match="导出数据中仍有未结单据"):
        run("04_disable.ipynb", dry_run=False, confirm=APP)
    assert changes(verified) == [] and state(verified) == "approved"
    run("04_disable.ipynb", dry_run=False, confirm=APP,
        override_reason="仓储部已确认未结单据在 WMS 中接续处理,今天必须切换")
    assert state(verified) == "verified_disabled"
    assert [m["title"][:6] for m in sandbox(verified).outbox()] == [
        "【停用预告】", "【停用通知】", "【已停用】进"]
    run("04_disable.ipynb", roll_back=True, confirm=APP)  # dry_run left at its default
    assert state(verified) == "verified_disabled"
    run("04_disable.ipynb", roll_back=True, dry_run=False, confirm=APP)
    assert state(verified) == "re_enabled"


# ------------------------------------------------------------------ re-enable: the contract first

def add_contract(ws, renewal: dt.date, auto_renew: bool = False) -> None:
    """A licence for 进销存 in the contracts table (the demo's free association has none)."""
    import pandas as pd

    path = ws.root / "data" / "contracts.xlsx"
    row = {"contract_id": "HT-JXC-001", "app_id": APP, "start_date": pd.Timestamp(renewal)
           - pd.DateOffset(years=1), "renewal_date": pd.Timestamp(renewal), "notice_days": 30,
           "auto_renew": auto_renew, "annual_fee": 7200.0, "early_termination_fee": 0.0,
           "terms": "到期后恢复需重新签约"}
    pd.concat([pd.read_excel(path), pd.DataFrame([row])]).to_excel(path, index=False)


def everything(ws) -> tuple:
    """What a refusal must leave as it was: platform calls, outbox, ledger events and actions."""
    with ws.ledger() as ledger:
        rows = (len(ledger.events(APP)),
                ledger._db.execute("SELECT count(*) FROM actions").fetchone()[0])
    return len(sandbox(ws).calls()), len(sandbox(ws).outbox()), rows


def test_rollback_after_the_contract_ended_is_refused_unless_a_reason_is_written(approved):
    from decomkit.lifecycle.execute import rollback_plan

    run_disable(stage(approved), APP, dry_run=False, confirm=APP)
    add_contract(approved, TODAY - dt.timedelta(days=30))
    plan = rollback_plan(stage(approved), APP, APP, as_of=TODAY)
    assert plan.terms.ended and "ended on 2026-10-24" in plan.lines("en")[0]
    assert "¥7,200.00 a year" in plan.lines("en")[1]
    assert "re-enabling needs a renewal" in plan.blocked
    before = everything(approved)
    for reason in ("", "too short"):
        with pytest.raises(TransitionError, match="HT-JXC-001 ended on 2026-10-24"):
            rollback(stage(approved), APP, APP, override_reason=reason, as_of=TODAY, dry_run=False)
    reason = "续约合同 HT-JXC-002 已签署, 财务已确认付款"
    with pytest.raises(TransitionError, match="typed confirmation"):  # never passed by a reason
        rollback(stage(approved), APP, "yes", override_reason=reason, as_of=TODAY, dry_run=False)
    assert everything(approved) == before and state(approved) == "verified_disabled"
    assert sandbox(approved).get_app(APP).status == "unlinked"
    done = rollback(stage(approved), APP, APP, override_reason=reason, as_of=TODAY, dry_run=False)
    assert done.state == "re_enabled" and sandbox(approved).get_app(APP).status == "enabled"
    with approved.ledger() as ledger:
        event = ledger.last(APP, "re_enabled").data
    assert event["contract_ended"] and event["contract_term_end"] == "2026-10-24"
    assert event["override"]["conditions"] == ["contract_in_force"]


def test_rollback_within_the_term_shows_the_fee_and_goes_ahead(approved):
    from decomkit.lifecycle.execute import rollback_plan

    run_disable(stage(approved), APP, dry_run=False, confirm=APP)
    add_contract(approved, TODAY - dt.timedelta(days=30), auto_renew=True)  # renewed itself
    plan = rollback_plan(stage(approved), APP, APP, as_of=TODAY)
    assert not plan.terms.ended and plan.blocked == ""
    assert "runs until 2027-10-24" in plan.lines("en")[0]
    assert rollback(stage(approved), APP, APP, as_of=TODAY, dry_run=False).state == "re_enabled"


# ------------------------------------------------------------------ residue cleaned by people

def test_residue_items_are_recorded_cleaned_with_evidence_once(approved, tmp_path):
    from decomkit.lifecycle.cleanup import mark_residue_cleaned, residue_checklist

    shot = tmp_path / "erp-detached.png"
    shot.write_bytes(b"\x89PNG screenshot of the ERP integration removed")
    before = everything(approved)
    with pytest.raises(TransitionError, match="has not been verified"):
        mark_residue_cleaned(stage(approved), APP, 1, "王工", shot)
    assert everything(approved) == before
    run_disable(stage(approved), APP, dry_run=False, confirm=APP)
    checklist = residue_checklist(stage(approved), APP)
    assert len(checklist) >= 4 and set(checklist["cleaned_by"]) == {""}
    before = everything(approved)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    for number, who, evidence, why in ((99, "王工", shot, "no item 99"),
                                       (1, " ", shot, "say who"),
                                       (1, "王工", empty, "evidence file is missing or empty")):
        with pytest.raises(TransitionError, match=why):
            mark_residue_cleaned(stage(approved), APP, number, who, evidence)
    assert everything(approved) == before
    first = mark_residue_cleaned(stage(approved), APP, 1, "王工", shot)
    again = mark_residue_cleaned(stage(approved), APP, 1, "李工", shot)
    assert again == first and first["who"] == "王工" and "ERP" in first["item"]
    checklist = residue_checklist(stage(approved), APP)
    assert list(checklist["cleaned_by"])[:2] == ["王工", ""]
    assert checklist["evidence_sha256"][0] == hashlib.sha256(shot.read_bytes()).hexdigest()
