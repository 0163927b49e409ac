"""The sandbox platform: state in the workspace, idempotency keys, injected failures."""

from __future__ import annotations

import pytest

from decomkit.core.errors import PlatformError, PlatformTimeout
from decomkit.platforms import ApprovalRequest, Notification, Scope
from decomkit.platforms.sandbox import SandboxPlatform


@pytest.fixture
def sandbox(demo):
    return demo.platform()


def test_sandbox_mirrors_the_inventory(demo, sandbox):
    apps = {a.app_id: a for a in sandbox.list_apps()}
    assert set(apps) == set(demo.inventory([]).apps["app_id"])
    jxc = apps["jxc"]
    assert (jxc.name, jxc.status) == ("进销存", "enabled")
    assert set(jxc.scope.dept_ids) <= {"仓储物流部", "采购部", "销售部"}
    assert sandbox.is_admin("it-admin", "jxc")
    assert not sandbox.is_admin("u0100", "jxc")


def _user_in(demo, department: str) -> str:
    users = demo.inventory(["users"]).users
    return users[users["department"] == department]["user_id"].iloc[-1]


def test_revoked_scope_and_disable_hide_the_app(demo, sandbox):
    user = _user_in(demo, "仓储物流部")
    assert sandbox.visible_to(user, "jxc")
    sandbox.set_visible_scope("jxc", Scope(only_admin_visible=True), key="k-scope")
    assert not sandbox.visible_to(user, "jxc")
    assert sandbox.visible_to("it-admin", "jxc")
    sandbox.disable("jxc", key="k-disable")
    assert not sandbox.visible_to("it-admin", "jxc")
    assert sandbox.get_app("jxc").status == "disabled"


def test_same_key_changes_once(sandbox):
    sandbox.disable("jxc", key="k1")
    sandbox.enable("jxc", key="k2")
    sandbox.disable("jxc", key="k1")  # a repeat: must not disable again
    assert sandbox.get_app("jxc").status == "enabled"
    changing = sandbox.calls(changing_only=True)
    assert [c["operation"] for c in changing] == ["disable", "enable"]


def test_state_is_shared_between_instances(demo, sandbox):
    sandbox.disable("crm", key="k")
    assert SandboxPlatform(demo.root / "platform").get_app("crm").status == "disabled"


def test_injected_error_changes_nothing(sandbox):
    sandbox.fail_next("error", operation="disable")
    with pytest.raises(PlatformError, match="told to fail") as caught:
        sandbox.disable("jxc", key="k")
    assert caught.value.retryable
    assert sandbox.get_app("jxc").status == "enabled"
    sandbox.disable("jxc", key="k")  # the failure was used up
    assert sandbox.get_app("jxc").status == "disabled"


def test_injected_timeout_applies_the_change_and_loses_the_answer(sandbox):
    sandbox.fail_next("timeout", operation="disable")
    with pytest.raises(PlatformTimeout):
        sandbox.disable("jxc", key="k")
    assert sandbox.get_app("jxc").status == "disabled"
    sandbox.disable("jxc", key="k")  # the retry with the same key is a no-op
    assert len(sandbox.calls(changing_only=True)) == 1


def test_unknown_app_is_a_clear_error(sandbox):
    with pytest.raises(PlatformError, match="no app 'nope'"):
        sandbox.get_app("nope")


def _request(originator="it-admin"):
    return ApprovalRequest("jxc", "停用 进销存", originator, ("u0002", "u0001"))


def test_approval_in_chain_order_and_no_self_approval(sandbox):
    inst = sandbox.submit_approval(_request(originator="u0002"), key="a1")
    with pytest.raises(PlatformError, match="cannot approve their own request"):
        sandbox.decide_approval(inst, "u0002", "agree")
    inst = sandbox.submit_approval(_request(), key="a2")
    with pytest.raises(PlatformError, match="not the next approver"):
        sandbox.decide_approval(inst, "u0001", "agree")
    assert sandbox.decide_approval(inst, "u0002", "agree").status == "RUNNING"
    final = sandbox.decide_approval(inst, "u0001", "agree")
    assert final.approved and [r["result"] for r in final.records] == ["AGREE", "AGREE"]


def test_the_sandbox_takes_no_evidence_file(sandbox, tmp_path):
    """Evidence is for approvals given outside the kit (the manual platform)."""
    inst = sandbox.submit_approval(_request(), key="a")
    (tmp_path / "shot.png").write_bytes(b"png")
    with pytest.raises(PlatformError, match="no evidence file"):
        sandbox.decide_approval(inst, "u0002", "agree", evidence=str(tmp_path / "shot.png"))
    assert sandbox.approval_status(inst).records == ()


def test_refusal_ends_the_request(sandbox):
    inst = sandbox.submit_approval(_request(), key="a")
    status = sandbox.decide_approval(inst, "u0002", "refuse", "数据还没迁移")
    assert (status.status, status.result, status.approved) == ("COMPLETED", "refuse", False)
    assert status.records[0]["comment"] == "数据还没迁移"


def test_withdraw_only_while_running(sandbox):
    inst = sandbox.submit_approval(_request(), key="a")
    sandbox.withdraw_approval(inst, "it-admin", "plan changed", key="w")
    assert sandbox.approval_status(inst).status == "TERMINATED"
    with pytest.raises(PlatformError, match="only a running request"):
        sandbox.withdraw_approval(inst, "it-admin", "again", key="w2")


def test_auto_agree_for_rehearsals(demo):
    sandbox = SandboxPlatform(demo.root / "platform", auto_agree_after_seconds=0)
    inst = sandbox.submit_approval(_request(), key="a")
    assert sandbox.approval_status(inst).approved


def test_notifications_are_deduplicated_by_key(sandbox):
    note = Notification("dingtalk_work", "停用通知", "进销存将于下周一停用", user_ids=("u0001",))
    first = sandbox.notify(note, key="n1")
    assert sandbox.notify(note, key="n1") == first
    assert len(sandbox.outbox()) == 1


def test_the_one_scope_rule():
    from decomkit.platforms import AppInfo

    sales = Scope(dept_ids=("销售部",))
    assert sales.includes("u1", "销售部") and not sales.includes("u1", "财务部")
    assert Scope().includes("u1", None)  # an empty scope means everyone
    assert not Scope(only_admin_visible=True).includes("u1", "销售部")
    locked = AppInfo("a", "应用", "enabled", Scope(only_admin_visible=True), ("boss",))
    assert locked.visible_to("boss", None) and not locked.visible_to("u1", "销售部")
    assert not AppInfo("a", "应用", "disabled", Scope(), ("boss",)).visible_to("boss", None)
