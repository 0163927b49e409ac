"""Gates decided before any effect: every refusal leaves the platform, the outbox, the ledger and
the backups exactly as they were; canonical user ids; one run per app; run_once under one lock.

Each reproduction of the hostile review is a test here. The module imports only the public
stage functions, so the same tests can be pointed at an older library to see them fail.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from decomkit.context.stage import open_stage
from decomkit.core.errors import DecomkitError, PlatformError, TransitionError
from decomkit.custody.verify import verify_backup
from decomkit.lifecycle.approval import submit_approval, track_approval
from decomkit.lifecycle.backup import run_backup
from decomkit.lifecycle.execute import rollback, run_disable
from decomkit.platforms.sandbox import SandboxPlatform
from helpers import close_jxc_documents, no_advance_notice, set_config, world

APP = "jxc"
REASON_36 = "the vendor shuts the service on Friday"  # a sentence, 38 characters
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def stage(ws, analyst: str = "it-admin"):
    return open_stage(str(ws.root), analyst=analyst)


def sandbox(ws) -> SandboxPlatform:
    return SandboxPlatform(ws.root / "platform")


def state(ws) -> str:
    with ws.ledger() as ledger:
        return ledger.state(APP)


@pytest.fixture
def approved(verified):
    no_advance_notice(verified)  # the notice and the blocking findings: test_notice,
    close_jxc_documents(verified)  # test_open_documents
    event = submit_approval(stage(verified), APP, reason="已由仓储管理WMS替代")
    for user in event.data["approvers"]:
        sandbox(verified).decide_approval(event.data["instance_id"], user, "agree", "同意")
    assert track_approval(stage(verified), APP).state == "approved"
    return verified


def make_plan_stale(ws) -> None:
    apps = ws.root / "data" / "apps.csv"
    text = apps.read_bytes().decode("gbk")
    old = "jxc,进销存,钉钉,供应链,仓储物流部,u0002,association"
    assert old in text
    apps.write_bytes(text.replace(old, old.replace("association", "third_party")).encode("gbk"))


def flip_one_byte(ws) -> Path:
    with ws.ledger() as ledger:
        path = ledger.last(APP, "backed_up").data["path"]
    victim = next(p for p in sorted((ws.root / "backups" / path).iterdir())
                  if p.name != "manifest.json")
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    return victim


# ------------------------------------------------------------------ 04: refused before any effect

def test_a_wrong_confirmation_with_a_long_override_changes_nothing(approved):
    before = world(approved)
    with pytest.raises(TransitionError, match="must equal the app id 'jxc'") as caught:
        run_disable(stage(approved), APP, dry_run=False, confirm="WRONG",
                    override_reason=REASON_36)
    assert world(approved) == before  # no message, no revocation, no ledger row
    assert "an override cannot pass this" in str(caught.value)
    assert sandbox(approved).get_app(APP).status == "enabled"


def test_a_stale_plan_with_a_short_override_changes_nothing(approved):
    make_plan_stale(approved)
    before = world(approved)
    with pytest.raises(TransitionError) as caught:
        run_disable(stage(approved), APP, dry_run=False, confirm=APP, override_reason="x")
    assert world(approved) == before
    text = str(caught.value)
    assert "stale approval" in text and "at least 15 characters" in text  # both named


def test_a_stale_plan_without_override_changes_nothing(approved):
    make_plan_stale(approved)
    before = world(approved)
    with pytest.raises(TransitionError, match="stale approval"):
        run_disable(stage(approved), APP, dry_run=False, confirm=APP)
    assert world(approved) == before


def test_the_confirmation_is_never_an_override_reason(approved):
    make_plan_stale(approved)
    before = world(approved)
    with pytest.raises(TransitionError, match="it is not the confirmation"):
        run_disable(stage(approved), APP, dry_run=False, confirm=APP,
                    override_reason="JXC")
    assert world(approved) == before


@pytest.mark.parametrize("reason", [
    "\u200b" * 40,                      # zero-width spaces
    "\u3164" * 40,                      # Hangul filler: a "letter" that draws nothing
    "\u2800" * 40,                      # Braille blank
    "ok" + "\u200b\u2060\u202e" * 10,  # two letters padded with invisible marks
    APP + "\u200b" * 20,                # the confirmation, padded to look long enough
])
def test_an_invisible_or_padded_override_reason_changes_nothing(approved, reason):
    """The reason is counted and compared on what a reader of the record sees."""
    make_plan_stale(approved)
    before = world(approved)
    with pytest.raises(TransitionError, match=r"at least 15 characters|not the confirmation"):
        run_disable(stage(approved), APP, dry_run=False, confirm=APP, override_reason=reason)
    assert world(approved) == before


def test_a_refusal_names_every_unmet_condition(verified):
    before = world(verified)
    with pytest.raises(TransitionError) as caught:
        run_disable(stage(verified), APP, dry_run=False, confirm="nope")
    text = str(caught.value)
    assert "typed confirmation" in text and "not approved" in text
    assert world(verified) == before


def test_a_changed_backup_refuses_the_disable_and_changes_nothing(approved):
    flip_one_byte(approved)
    before = world(approved)
    with pytest.raises(TransitionError, match="backup no longer verifies"):
        run_disable(stage(approved), APP, dry_run=False, confirm=APP)
    assert world(approved) == before


def test_a_stale_plan_with_a_written_override_goes_ahead_and_is_recorded(approved):
    """The positive control: the same gate opens for a reason that follows the rules."""
    make_plan_stale(approved)
    run = run_disable(stage(approved), APP, dry_run=False, confirm=APP,
                      override_reason=REASON_36)
    assert run.state == "verified_disabled"
    with approved.ledger() as ledger:
        override = ledger.last(APP, "access_revoked").data["override"]
    assert override["reason"] == REASON_36 and "stale approval" in override["bypassed"]
    assert override["conditions"] == ["same_plan"]


def test_a_dry_run_says_what_a_real_run_would_refuse(approved):
    before = world(approved)
    plan = run_disable(stage(approved), APP, confirm="WRONG", override_reason=REASON_36)
    assert plan.dry_run and "typed confirmation" in plan.blocked
    assert world(approved) == before


def test_rollback_with_a_wrong_confirmation_changes_nothing(approved):
    run_disable(stage(approved), APP, dry_run=False, confirm=APP)
    before = world(approved)
    with pytest.raises(TransitionError, match="typed confirmation"):
        rollback(stage(approved), APP, "yes", dry_run=False)
    assert world(approved) == before


# ------------------------------------------------------------------ 03: the request

def test_a_changed_backup_refuses_the_request_and_goes_back_to_backed_up(verified):
    flip_one_byte(verified)
    before = world(verified)
    with pytest.raises(TransitionError, match="backup no longer verifies"):
        submit_approval(stage(verified), APP)
    after = world(verified)
    assert state(verified) == "backed_up"
    with verified.ledger() as ledger:
        event = ledger.last(APP, "backed_up")
    assert any("SHA-256" in why for why in event.data["invalidated"])
    # the one change is that ledger row: no request, no message, the backup untouched
    assert after["ledger rows"] == before["ledger rows"] + 1
    assert {k: v for k, v in after.items() if k != "ledger rows"} == {
        k: v for k, v in before.items() if k != "ledger rows"}


def test_03_refuses_a_backup_changed_after_verification(verified, tmp_path):
    import papermill as pm

    flip_one_byte(verified)
    with pytest.raises(pm.PapermillExecutionError, match="备份复验不通过"):
        pm.execute_notebook(str(NOTEBOOKS / "03_approval.ipynb"), str(tmp_path / "03.ipynb"),
                            kernel_name="decomkit", progress_bar=False, cwd=str(tmp_path),
                            parameters={"workspace": str(verified.root)})
    assert state(verified) == "backed_up"
    assert [c for c in sandbox(verified).calls() if c["operation"] == "submit_approval"] == []


@pytest.mark.parametrize("analyst", ["U0002", "u0002 ", "ｕ０００２",  # u0002 approves first
                                     "u0002\u200b", "\u2060u0002", "u\u00ad0002"])
def test_self_approval_by_a_variant_of_the_id_is_refused(verified, analyst):
    before = world(verified)
    with pytest.raises(TransitionError, match="cannot approve their own request"):
        submit_approval(stage(verified, analyst), APP)
    assert world(verified) == before


def test_the_platform_refuses_a_variant_of_the_requester(verified):
    set_config(verified, 'user_id = "u0010"', 'user_id = "u0011"')
    event = submit_approval(stage(verified, "u0010"), APP)
    instance = event.data["instance_id"]
    sandbox(verified).decide_approval(instance, " U0002", "agree")  # the chain's first, as typed
    with pytest.raises(PlatformError, match="cannot approve their own request"):
        sandbox(verified).decide_approval(instance, "U0010 ", "agree")


def test_the_ledger_refuses_an_approval_agreed_by_the_requester(tmp_path):
    from decomkit.proof.ledger import Ledger

    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        for name, data in [("assessed", {}), ("decided", {"decision": "retire"}),
                           ("backed_up", {"manifest_hash": "m"}),
                           ("backup_verified", {"manifest_hash": "m"}),
                           ("approval_pending", {"plan_hash": "p", "manifest_hash": "m",
                                                 "requester": "u0002",
                                                 "approvers": ["u0010"]})]:
            ledger.transition(APP, name, "analyst", data)
        records = [{"user_id": "U0002 ", "result": "AGREE"}]
        with pytest.raises(TransitionError, match="agreed by its own requester"):
            ledger.transition(APP, "approved", "analyst", {"records": records},
                              override_reason="the department head is on leave this month")
        assert ledger.state(APP) == "approval_pending"


# ------------------------------------------------------------------ one run per app

SLOW_BACKUP = """
import sys, time
import decomkit.lifecycle.backup as backup
from decomkit.context.workspace import Workspace
copy = backup._counted
def slow(chunks, bar):
    for chunk in copy(chunks, bar):
        yield chunk
        time.sleep(120)  # the first file is written; the manifest is not
backup._counted = slow
backup.run_backup(Workspace.open(sys.argv[1]), "jxc", actor="first")
"""


def test_a_second_backup_of_one_app_is_refused_and_keeps_the_first_ones_folder(demo, retire):
    retire(demo, APP)
    first = subprocess.Popen([sys.executable, "-c", SLOW_BACKUP, str(demo.root)])
    try:
        folder = demo.root / "backups" / APP
        deadline = time.monotonic() + 120
        while not (folder.exists() and any(p.is_dir() and any(p.iterdir())
                                           for p in folder.iterdir())):
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        in_progress = {p.name for p in folder.iterdir()}
        before = world(demo)
        with pytest.raises(DecomkitError, match=r"back up jxc.*process") as caught:
            run_backup(demo, APP, actor="second")
        assert "wait until it finishes" in str(caught.value)
        assert {p.name for p in folder.iterdir()} == in_progress  # the first one's folder stays
        assert world(demo) == before
    finally:
        first.kill()
        first.wait()
    run_backup(demo, APP, actor="second")  # once the first is gone, the lock is free
    assert state(demo) == "backed_up"


def test_the_readme_gate_table_names_every_gate():
    from decomkit.proof.gates import GATES

    guide = (Path(__file__).resolve().parents[1] / "docs" / "operator.md").read_text("utf-8")
    table = guide.split("## The lifecycle and its gates", 1)[1].split("\n## ", 1)[0]
    assert [a for a in GATES if f"`{a}`" not in table] == []


# ------------------------------------------------------------------ the same on DingTalk

def test_a_refused_disable_sends_nothing_to_dingtalk(demo, retire, monkeypatch):
    """Against the local DingTalk server: not one request reaches it from a refused run."""
    from decomkit.platforms.dingtalk_form import TEMPLATE_NAME, form_components
    from fake_dingtalk import (
        APP_KEY,
        APP_SECRET,
        FakeDingTalk,
        User,
        organisation_from_inventory,
    )

    app = "bi-pro"
    org, agent_ids = organisation_from_inventory(demo.inventory(["usage_events", "users"]),
                                                 admins={"it-admin"})
    org.users.setdefault("it-admin", User("it-admin", "IT 管理员", [next(iter(org.departments))]))
    org.templates["PROC-DECOM"] = {"name": TEMPLATE_NAME, "formComponents": form_components(),
                                   "gmtModified": "2026-11-01T09:00Z"}
    fake = FakeDingTalk(org).start()
    try:
        monkeypatch.setenv("DECOMKIT_DINGTALK_APP_KEY", APP_KEY)
        monkeypatch.setenv("DECOMKIT_DINGTALK_APP_SECRET", APP_SECRET)
        fake.configure(demo.root, agent_ids,
                       more=(('process_code = ""', 'process_code = "PROC-DECOM"'),
                             ("agent_id = 0 ", "agent_id = 1 ")))
        retire(demo, app)
        run_backup(demo, app, actor="analyst")
        assert verify_backup(demo, app, actor="analyst").ok
        st = stage(demo)
        event = submit_approval(st, app, reason="成本过高")
        for user in event.data["approvers"]:
            fake.act(event.data["instance_id"], user, "agree")
        assert track_approval(st, app).state == "approved"
        requests = len(fake.calls)
        with demo.ledger() as ledger:
            rows = len(ledger.events())
        with pytest.raises(TransitionError, match="typed confirmation"):
            run_disable(st, app, dry_run=False, confirm="WRONG", override_reason=REASON_36)
        assert len(fake.calls) == requests  # no token, no message, no scope change
        with demo.ledger() as ledger:
            assert len(ledger.events()) == rows and ledger.state(app) == "approved"
        assert org.apps[agent_ids[app]].app_status == 1
        assert not org.apps[agent_ids[app]].only_admin_visible
    finally:
        fake.stop()


def test_admin_and_scope_checks_use_canonical_ids(tmp_path):
    from decomkit.core.text import canonical_user_id
    from decomkit.platforms.base import AppInfo, Scope

    assert canonical_user_id(" ｕ０００２\u3000") == canonical_user_id("U0002") == "u0002"
    app = AppInfo(APP, "进销存", "enabled", Scope(user_ids=("u0007",)), ("it-admin",))
    platform = SandboxPlatform.create(tmp_path, [app], {"u0007": "财务部"})
    assert platform.is_admin("IT-Admin ", APP) and not platform.is_admin("it-admins", APP)
    assert platform.visible_to("U0007", APP) and not platform.visible_to("u0008", APP)


def test_every_gate_and_condition_is_said_in_both_languages():
    """What 04_disable shows of a closed gate is whole Chinese or whole English: every gate's
    missing state and every condition has a text in each language."""
    from decomkit.core.i18n import TEXT
    from decomkit.lifecycle.authority import FINDERS, PLATFORM_FINDERS
    from decomkit.proof.gates import BLOCKING_FINDINGS, CONDITIONS, GATES

    assert [a for a in GATES if f"gate.unmet.{a}" not in TEXT] == []
    assert [a for a, g in GATES.items() if TEXT[f"gate.unmet.{a}"]["en"] != g.unmet_state] == []
    said = {"confirmation", "known_decision", "retire_decision", "manifest_backed_up",
            "plan_hash", "approvers", "requester_not_approver", "not_self_approved",
            "approved", "same_plan", "planned_date_ok", "notice_period", "notice_given",
            "planned_date_reached", "replacement_ready", "replacement_grantable",
            "vendor_not_told", *BLOCKING_FINDINGS}
    assert [c for c in said if f"gate.{c}" not in TEXT] == []
    assert set(CONDITIONS) - said == {"backup_verifies_now", "contract_in_force"}  # 3 and 1 texts
    assert set(FINDERS) | set(PLATFORM_FINDERS) == set(BLOCKING_FINDINGS)  # each looked for
