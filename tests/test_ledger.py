"""The ledger: gates, the hash chain against tampering, concurrent writers, idempotent actions."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from decomkit.core.errors import LedgerIntegrityError, TransitionError
from decomkit.proof.gates import Grant
from decomkit.proof.ledger import Ledger

APP = "jxc"
LIVE = Grant(APP, "disable", {}, live=True)  # what the gate authority gives a real run
PLAN, MANIFEST = "plan-1", "manifest-1"


@pytest.fixture
def ledger(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as led:
        yield led


def walk_to(ledger: Ledger, state: str, app: str = APP) -> None:
    """Take ``app`` along the happy path up to ``state``."""
    steps = [
        ("assessed", {}), ("decided", {"decision": "retire"}),
        ("backed_up", {"manifest_hash": MANIFEST}),
        ("backup_verified", {"manifest_hash": MANIFEST}),
        ("approval_pending", {"plan_hash": PLAN, "manifest_hash": MANIFEST}), ("approved", {}),
        ("access_revoked", {"plan_hash": PLAN, "manifest_hash": MANIFEST, "confirm": app}),
        ("disabled", {"plan_hash": PLAN, "manifest_hash": MANIFEST, "confirm": app}),
        ("verified_disabled", {}), ("reviewed", {}), ("closed", {}),
    ]
    for name, data in steps:
        ledger.transition(app, name, "analyst", data)
        if name == state:
            return
    raise AssertionError(state)


def test_happy_path_reaches_closed(ledger):
    walk_to(ledger, "closed")
    assert ledger.state(APP) == "closed"
    assert ledger.verify() == 11


def test_no_backup_without_retire_decision(ledger):
    ledger.transition(APP, "assessed", "analyst")
    ledger.transition(APP, "decided", "analyst", {"decision": "keep"})
    with pytest.raises(TransitionError, match="the decision is not 'retire'"):
        ledger.transition(APP, "backed_up", "analyst", {"manifest_hash": MANIFEST})
    assert ledger.state(APP) == "decided"


def test_no_approval_request_without_verified_backup(ledger):
    walk_to(ledger, "backed_up")
    with pytest.raises(TransitionError, match="backup is not verified"):
        ledger.transition(APP, "approval_pending", "analyst", {"plan_hash": PLAN})


def test_verification_must_match_the_backed_up_manifest(ledger):
    walk_to(ledger, "backed_up")
    with pytest.raises(TransitionError, match="not the one that was backed up"):
        ledger.transition(APP, "backup_verified", "analyst", {"manifest_hash": "other"})


@pytest.mark.parametrize(("change", "missing"), [
    ({"plan_hash": "plan-2"}, "stale approval"),
    ({"manifest_hash": "manifest-2"}, "backup changed since it was verified"),
])
def test_disable_refuses_stale_plan_or_changed_backup(ledger, change, missing):
    walk_to(ledger, "approved")
    data = {"plan_hash": PLAN, "manifest_hash": MANIFEST, "confirm": APP, **change}
    with pytest.raises(TransitionError, match=missing):
        ledger.transition(APP, "access_revoked", "analyst", data)


def test_disable_refuses_without_approval(ledger):
    walk_to(ledger, "approval_pending")
    data = {"plan_hash": PLAN, "manifest_hash": MANIFEST, "confirm": APP}
    with pytest.raises(TransitionError, match="not approved"):
        ledger.transition(APP, "disabled", "analyst", data)


def test_wrong_confirmation_is_refused_even_with_an_override(ledger):
    walk_to(ledger, "approved")
    data = {"plan_hash": PLAN, "manifest_hash": MANIFEST, "confirm": "JXC"}
    with pytest.raises(TransitionError, match="must equal the app id 'jxc'"):
        ledger.transition(APP, "access_revoked", "analyst", data,
                          override_reason="the director said so in the weekly meeting")
    assert ledger.state(APP) == "approved"


def test_override_needs_a_written_reason_and_is_recorded(ledger):
    walk_to(ledger, "decided")
    with pytest.raises(TransitionError, match="at least 15 characters"):
        ledger.transition(APP, "approval_pending", "analyst", {"plan_hash": PLAN},
                          override_reason="urgent")
    reason = "vendor shuts the service down on Friday; backup handled by vendor export"
    event = ledger.transition(APP, "approval_pending", "analyst", {"plan_hash": PLAN},
                              override_reason=reason)
    assert event.data["override"]["reason"] == reason
    assert "backup is not verified" in event.data["override"]["bypassed"]


def test_decision_must_be_known(ledger):
    ledger.transition(APP, "assessed", "analyst")
    with pytest.raises(TransitionError, match="decision must be one of retire, review, keep"):
        ledger.transition(APP, "decided", "analyst", {"decision": "maybe"})


# ------------------------------------------------------------------ tampering

def tamper(ledger: Ledger, sql: str, *args) -> None:
    db = sqlite3.connect(ledger.path)
    db.execute(sql, args)
    db.commit()
    db.close()


@pytest.fixture
def chained(ledger):
    walk_to(ledger, "approved")
    walk_to(ledger, "decided", app="crm")
    assert ledger.verify() == 8
    return ledger


def test_edited_row_is_caught(chained):
    tamper(chained, "UPDATE events SET data = ? WHERE seq = 2", '{"decision":"keep"}')
    with pytest.raises(LedgerIntegrityError, match="row 2 was edited"):
        chained.verify()


def test_edit_with_recomputed_hash_breaks_the_next_link(chained):
    from decomkit.proof.ledger import _row_hash

    db = sqlite3.connect(chained.path)
    db.row_factory = sqlite3.Row
    row = dict(db.execute("SELECT * FROM events WHERE seq = 2").fetchone())
    row["data"] = {"decision": "keep"}
    db.execute("UPDATE events SET data = ?, hash = ? WHERE seq = 2",
               ('{"decision":"keep"}', _row_hash(row)))
    db.commit()
    with pytest.raises(LedgerIntegrityError, match="row 3 does not follow"):
        chained.verify()


def test_deleted_row_is_caught(chained):
    tamper(chained, "DELETE FROM events WHERE seq = 4")
    with pytest.raises(LedgerIntegrityError, match="row 4 is missing"):
        chained.verify()


def test_reordered_rows_are_caught(chained):
    db = sqlite3.connect(chained.path)
    a, b = (db.execute("SELECT ts, app_id, kind, state, actor, data, prev_hash, hash FROM "
                       "events WHERE seq = ?", (s,)).fetchone() for s in (3, 4))
    for seq, row in ((3, b), (4, a)):
        db.execute("UPDATE events SET ts=?, app_id=?, kind=?, state=?, actor=?, data=?, "
                   "prev_hash=?, hash=? WHERE seq = ?", (*row, seq))
    db.commit()
    with pytest.raises(LedgerIntegrityError, match="does not follow"):
        chained.verify()


def test_truncated_tail_is_caught_by_the_head_file(chained):
    tamper(chained, "DELETE FROM events WHERE seq >= 7")
    with pytest.raises(LedgerIntegrityError, match="rows were cut from the end"):
        chained.verify()


def test_missing_head_file_is_caught(chained):
    chained.head_path.unlink()
    with pytest.raises(LedgerIntegrityError, match=r"head file .* is missing"):
        chained.verify()


# ------------------------------------------------------------------ concurrency

def _writer(path: str, app: str, n: int) -> None:
    with Ledger(path) as led:
        for i in range(n):
            led.note(app, "writer", {"i": i})


def test_two_processes_writing_at_once_keep_one_chain(tmp_path):
    path = str(tmp_path / "ledger.sqlite")
    Ledger(path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, app, 150)) for app in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with Ledger(path) as led:
        assert led.verify() == 300
        events = led.events()
    assert [e.seq for e in events] == list(range(1, 301))
    for app in ("a", "b"):
        assert [e.data["i"] for e in events if e.app_id == app] == list(range(150))


# ------------------------------------------------------------------ idempotent actions

def test_run_once_never_repeats_a_done_action(ledger):
    calls = []
    result, ran = ledger.run_once("jxc:disable:1", APP, "disable", "analyst",
                                  lambda: calls.append(1) or {"ok": True}, grant=LIVE)
    assert (result, ran) == ({"ok": True}, True)
    result, ran = ledger.run_once("jxc:disable:1", APP, "disable", "analyst",
                                  lambda: calls.append(1) or {"ok": True}, grant=LIVE)
    assert (result, ran, len(calls)) == ({"ok": True}, False, 1)
    assert ledger.action("jxc:disable:1").status == "done"


def test_failed_action_is_recorded_and_can_be_retried(ledger):
    def boom():
        raise RuntimeError("platform down")

    with pytest.raises(RuntimeError):
        ledger.run_once("k", APP, "disable", "analyst", boom, grant=LIVE)
    assert ledger.action("k").status == "failed"
    assert ledger.run_once("k", APP, "disable", "analyst", lambda: 1, grant=LIVE) == (1, True)
    kinds = [(e.kind, e.data.get("status")) for e in ledger.events(APP)]
    assert kinds == [("action", "failed"), ("action", "done")]
    assert ledger.verify() == 2


def _claim_slowly(path: str, key: str, log: str, barrier) -> None:
    import time
    from pathlib import Path

    def perform():
        with Path(log).open("a") as out:
            out.write("performed\n")
        time.sleep(1.0)  # long enough for the other process to try the same key
        return {"instance": "pi-1"}

    with Ledger(path) as led:
        barrier.wait()
        result, _ = led.run_once(key, APP, "submit_approval", "worker", perform, grant=LIVE)
        assert result == {"instance": "pi-1"}


def test_two_processes_on_one_key_perform_the_action_once(tmp_path):
    path, log = str(tmp_path / "ledger.sqlite"), tmp_path / "performed.log"
    Ledger(path).close()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_claim_slowly, args=(path, "jxc:approval:1", str(log), barrier))
             for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert log.read_text().splitlines() == ["performed"]
    with Ledger(path) as led:
        assert led.action("jxc:approval:1").status == "done"
        assert [e.data["status"] for e in led.events(APP)] == ["done"]


def interrupted():
    raise KeyboardInterrupt  # the run ends between its claim and its record


def test_an_unfinished_key_is_settled_by_asking_never_repeated_blindly(ledger):
    from decomkit.core.errors import ActionUnsettled

    with pytest.raises(KeyboardInterrupt):
        ledger.run_once("k", APP, "disable", "analyst", interrupted, grant=LIVE)
    assert ledger.action("k").status == "started"
    calls = []
    with pytest.raises(ActionUnsettled, match="decomkit settle"):
        ledger.run_once("k", APP, "disable", "analyst", lambda: calls.append(1), grant=LIVE)
    assert calls == [] and ledger.action("k").status == "started"
    # the platform shows it took effect: recorded, not repeated
    assert ledger.run_once("k", APP, "disable", "analyst", lambda: calls.append(1),
                           settle=lambda: (True, "done-by-the-first"), grant=LIVE) == (
        "done-by-the-first", False)
    assert calls == [] and ledger.action("k").status == "done"
    # a second key the platform says never took effect: performed now, once
    with pytest.raises(KeyboardInterrupt):
        ledger.run_once("k2", APP, "disable", "analyst", interrupted, grant=LIVE)
    assert ledger.run_once("k2", APP, "disable", "analyst", lambda: calls.append(1) or 7,
                           settle=lambda: (False, None), grant=LIVE) == (7, True)
    assert calls == [1]


def test_a_person_settles_an_action_the_platform_cannot_tell(ledger):
    with pytest.raises(KeyboardInterrupt):
        ledger.run_once("k", APP, "notify", "analyst", interrupted, grant=LIVE)
    ledger.settle("k", True, "王伟", "msg-1")
    assert ledger.run_once("k", APP, "notify", "analyst", lambda: 1 / 0,
                           grant=LIVE) == ("msg-1", False)
    assert "by 王伟" in ledger.events(APP)[-1].data["settled"]


def test_a_timeout_that_took_effect_is_not_sent_again(tmp_path):
    from decomkit.core.errors import PlatformTimeout
    from decomkit.platforms.base import AppInfo, Scope
    from decomkit.platforms.sandbox import SandboxPlatform

    platform = SandboxPlatform.create(tmp_path, [AppInfo(APP, "进销存", "enabled", Scope(),
                                                         ("it-admin",))], {})
    platform.fail_next("timeout", operation="disable")  # done, but the answer is lost
    with Ledger(tmp_path / "ledger.sqlite") as led:
        def once():
            return led.run_once("jxc:pi-1:disable", APP, "disable", "analyst",
                                lambda: platform.disable(APP, key="jxc:pi-1:disable"),
                                lambda: platform.settled("disable", "jxc:pi-1:disable"), grant=LIVE)

        with pytest.raises(PlatformTimeout):
            once()
        assert led.action("jxc:pi-1:disable").status == "unknown"
        assert once() == (None, False)
    assert [c["operation"] for c in platform.calls()] == ["disable"]


def test_a_request_settled_as_sent_needs_its_instance_id(ledger):
    """Tracking, answers and notice keys build on the request's instance id: a person who
    finds it took effect gives it, or nothing is recorded."""
    with pytest.raises(KeyboardInterrupt):
        ledger.run_once("r", APP, "submit_approval", "analyst", interrupted, grant=LIVE)
    rows = len(ledger.events(APP))
    with pytest.raises(TransitionError, match="instance id"):
        ledger.settle("r", True, "王伟")
    assert ledger.action("r").status == "started" and len(ledger.events(APP)) == rows
    ledger.settle("r", True, "王伟", "proc-inst-1")  # the positive control
    assert ledger.action("r").status == "done"


def test_the_settle_dry_run_refuses_what_apply_would_refuse(workspace, capsys):
    """'decomkit settle' without --apply says what would be recorded: it never says so of a
    finding --apply refuses (a request that took effect, without its instance id)."""
    from decomkit.cli import main

    with workspace.ledger() as led, pytest.raises(KeyboardInterrupt):
        led.run_once("r", APP, "submit_approval", "analyst", interrupted,
                     grant=Grant(APP, "submit", {}, live=True))
    with workspace.ledger() as led:
        rows = led.head()
    settle = ["settle", str(workspace.root), "r", "--happened", "--as", "王伟"]
    capsys.readouterr()
    assert main(settle) == 1
    assert "审批实例 ID" in capsys.readouterr().err  # its instance id (the workspace's zh)
    assert main([*settle, "--apply"]) == 1
    with workspace.ledger() as led:
        assert led.head() == rows and led.action("r").status == "started"  # nothing recorded
    assert main([*settle, "--result", "proc-inst-1"]) == 0  # positive control: a dry run
    assert "将记录为" in capsys.readouterr().out  # would be recorded (a zh workspace)
    with workspace.ledger() as led:
        assert led.head() == rows
