"""Replacement readiness (解除免费关联 四.3: 确保每位员工都能够继续顺利完成自己的工作任务):
who loses an app but cannot open its replacement is named by the preflight and keeps the disable
gate closed until they are granted access under a gate of its own (sandbox, DingTalk, the manual
console) or the gap is passed with a written reason; the notices tell them whom to ask.

The demo's 进销存 (jxc) names 仓储管理WMS: 104 people lose jxc, and the 61 of them in 销售部 are
outside WMS's visible scope."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from decomkit.analysis.preflight import checks_table
from decomkit.context.stage import open_stage
from decomkit.context.workspace import Workspace
from decomkit.core.errors import ManualStepRequired, PlatformTimeout, TransitionError
from decomkit.custody.verify import verify_backup
from decomkit.inventory.access import scope_members
from decomkit.inventory.schemas import TABLES_BY_NAME
from decomkit.inventory.tables import Inventory, empty_table
from decomkit.lifecycle.approval import submit_approval, track_approval
from decomkit.lifecycle.authority import readiness_now
from decomkit.lifecycle.backup import run_backup
from decomkit.lifecycle.decide import run_assessment
from decomkit.lifecycle.execute import grant_key, grant_replacement, run_disable
from decomkit.platforms.manual import ManualPlatform
from decomkit.platforms.sandbox import SandboxPlatform
from helpers import close_jxc_documents, no_advance_notice, set_config

APP, WMS = "jxc", "wms"
REASON = "销售部只查看库存报表,由仓储物流部每周导出发给他们,不需要打开仓储管理WMS"
CONTACT = "it@example.com"


def stage(ws, language: str = ""):
    return open_stage(str(ws.root), analyst="it-admin", language=language)


def sandbox(ws) -> SandboxPlatform:
    return SandboxPlatform(ws.root / "platform")


def everything(ws) -> tuple:
    """What a refusal or a dry run must leave as it was: platform calls and scopes, outbox,
    ledger events and actions."""
    with ws.ledger() as ledger:
        rows = (len(ledger.events()),
                ledger._db.execute("SELECT count(*) FROM actions").fetchone()[0])
    scopes = {a.app_id: a.scope for a in sandbox(ws).list_apps()}
    return len(sandbox(ws).calls()), len(sandbox(ws).outbox()), rows, scopes


def sales_people(ws) -> set[str]:
    users = ws.inventory(["users"]).users
    return set(users[users["department"] == "销售部"]["user_id"])


@pytest.fixture
def gap_verified(demo, retire):
    """进销存 decided 'retire', backed up and verified, with the demo's gap left as it is."""
    set_config(demo, "auto_agree_after_seconds = 2", "auto_agree_after_seconds = -1")
    no_advance_notice(demo)  # planned for today; the advance notice: test_notice and below
    close_jxc_documents(demo)  # its open documents: test_open_documents
    retire(demo, APP)
    run_backup(demo, APP, actor="analyst")
    assert verify_backup(demo, APP, actor="analyst").ok
    return demo


def approve(ws) -> None:
    st = stage(ws)
    event = submit_approval(st, APP, reason="已由仓储管理WMS替代")  # the default date
    for user in event.data["approvers"]:
        sandbox(ws).decide_approval(event.data["instance_id"], user, "agree", "同意")
    assert track_approval(st, APP).state == "approved"


@pytest.fixture
def gap_approved(gap_verified):
    approve(gap_verified)
    return gap_verified


# ------------------------------------------------------------------ who can open what

def test_a_scope_resolves_departments_by_id_and_path_with_their_sub_departments():
    tables = {name: empty_table(TABLES_BY_NAME[name]) for name in Inventory.names()}
    users = pd.DataFrame({
        "user_id": ["a", "b", "c", "d", "e"], "name": ["甲", "乙", "丙", "丁", "戊"],
        "department": ["总部/销售部", "总部/销售部/华东", "总部/采购部", "总部/销售部华南",
                       "总部/销售部"],
        "dept_id": ["11", "12", "21", "13", "11"],
        "gone_since": [pd.NaT, pd.NaT, pd.NaT, pd.NaT, pd.Timestamp("2026-01-01")]})
    tables["users"] = pd.concat([tables["users"], users]).reset_index(drop=True)
    scopes = pd.DataFrame({"app_id": ["x"], "access": ["visible"], "member_type": ["dept"],
                           "member_id": ["10"], "member_name": ["总部/销售部"]})
    tables["app_scopes"] = pd.concat([tables["app_scopes"], scopes]).reset_index(drop=True)
    inventory = Inventory(**tables)

    def members(**scope) -> list[str]:
        return sorted(scope_members(inventory, **scope)["user_id"])

    # a parent department known only by id: its path comes from app_scopes, sub-departments in
    assert members(dept_ids=["10"]) == ["a", "b"]  # not 销售部华南, not the person gone
    assert members(dept_ids=["12"]) == ["b"]  # by users.dept_id
    assert members(dept_ids=["总部/采购部"]) == ["c"]  # the sandbox names departments
    assert members(user_ids=["Ｃ "]) == ["c"]  # user ids compared canonically
    assert members() == ["a", "b", "c", "d"]  # an empty scope is everyone
    assert members(dept_ids=["10"], only_admin_visible=True) == []
    assert members(role_ids=["7"]) == []  # roles are not resolved


# ------------------------------------------------------------------ preflight

def test_preflight_names_the_61_who_cannot_open_the_replacement(demo):
    with stage(demo) as st:
        result = run_assessment(st, APP)
    ready = result.readiness
    assert (ready.replacement, ready.affected, len(ready.missing)) == ("仓储管理WMS", 104, 61)
    assert set(ready.missing["user_id"]) == sales_people(demo)
    assert list(ready.missing.columns) == ["user_id", "name", "department"]
    check = next(c for c in result.checks if c.item == "replacement")
    assert check.status == "fail"
    assert check.detail.startswith("受影响的 104 人中有 61 人打不开 仓储管理WMS(销售部 61 人)。")
    assert "grant_access" in check.detail and "override_reason" in check.detail
    table = checks_table(result.checks, "zh")
    assert table[table["检查项目"] == "替代应用可用"]["状态"].tolist() == ["阻断"]

    with stage(demo, "en") as st:
        english = run_assessment(st, APP)
    check = next(c for c in english.checks if c.item == "replacement")
    assert check.detail.startswith("61 of the 104 people who lose the app cannot open "
                                   "仓储管理WMS (销售部: 61 people).")
    table = checks_table(english.checks, "en")
    assert table[table["item"] == "Replacement reachable"]["status"].tolist() == ["blocked"]
    assert not any(word in check.detail for word in ("None", "nan", "True", "False"))

    with stage(demo) as st:
        stocktake = run_assessment(st, "stocktake")  # also WMS, its people all inside
        bi_pro = run_assessment(st, "bi-pro")  # 钉钉报表 is no app of the inventory
    assert [c.status for c in stocktake.checks if c.item == "replacement"] == ["ok"]
    assert stocktake.readiness.ready and bi_pro.readiness is None
    assert "replacement" not in {c.item for c in bi_pro.checks}


# ------------------------------------------------------------------ the disable gate

def test_a_real_disable_is_refused_and_changes_nothing_while_people_lack_it(gap_approved):
    ws = gap_approved
    before = everything(ws)
    plan = run_disable(stage(ws), APP, confirm=APP)  # a dry run says why
    assert "61 of the 104 people who lose the app cannot open its replacement 仓储管理WMS " \
           "(销售部 61)" in plan.blocked
    with pytest.raises(TransitionError, match="cannot open its replacement 仓储管理WMS"):
        run_disable(stage(ws), APP, dry_run=False, confirm=APP)
    assert everything(ws) == before  # no call, no message, no ledger row or action
    with ws.ledger() as ledger:
        assert ledger.state(APP) == "approved"


def test_the_platform_is_asked_who_can_open_the_replacement_only_when_the_rest_would_grant(
        gap_approved, monkeypatch):
    """A real run refused for another reason reads nothing of the platform (the gate
    authority's rule for what only the platform answers); a dry run shows the whole gate."""
    import decomkit.lifecycle.authority as authority

    read: list[str] = []
    real = authority.readiness_now

    def counted(workspace, app_id, platform=None):
        read.append(app_id)
        return real(workspace, app_id, platform)

    monkeypatch.setattr(authority, "readiness_now", counted)
    ws = gap_approved
    before = everything(ws)
    with pytest.raises(TransitionError, match="typed confirmation") as refused:
        run_disable(stage(ws), APP, dry_run=False, confirm="WRONG")
    assert read == [] and "replacement" not in str(refused.value)
    assert everything(ws) == before
    dry = run_disable(stage(ws, "zh"), APP, confirm="WRONG")  # a dry run: every condition
    assert read == [APP]
    assert [u.condition for u in dry.unmet] == ["confirmation", "replacement_ready"]
    assert dry.gate_lines("zh")[1].startswith(
        "受影响的 104 人中有 61 人打不开替代应用 仓储管理WMS(销售部 61 人):请先把他们加入其"
        "可见范围(04_disable 的 grant_access)。")
    assert everything(ws) == before


def test_a_grant_in_dry_run_lists_the_people_and_changes_nothing(gap_approved):
    ws = gap_approved
    before = everything(ws)
    plan = grant_replacement(stage(ws), APP)  # dry run is the default
    assert plan.dry_run and set(plan.people["user_id"]) == sales_people(ws)
    assert [(s.name, s.status) for s in plan.steps] == [("grant-replacement", "planned")]
    assert plan.blocked.startswith("the typed confirmation")
    assert plan.lines("zh")[0] == ("61 人打不开 仓储管理WMS:实际运行将把他们加入其可见范围"
                                   "(试运行,未做任何更改)。")
    assert grant_replacement(stage(ws), APP, confirm=APP).blocked == ""  # would go ahead
    assert everything(ws) == before


def test_a_real_grant_on_the_sandbox_widens_only_the_replacement_once_then_the_gate_opens(
        gap_approved):
    ws = gap_approved
    before = everything(ws)
    with pytest.raises(TransitionError, match="typed confirmation"):
        grant_replacement(stage(ws), APP, dry_run=False, confirm=WMS)
    assert everything(ws) == before
    wms = before[3][WMS]

    run = grant_replacement(stage(ws), APP, dry_run=False, confirm=APP)
    assert [(s.name, s.status) for s in run.steps] == [("grant-replacement", "done")]
    assert run.lines("en")[0] == "61 people added to the visible scope of 仓储管理WMS."
    scopes = {a.app_id: a.scope for a in sandbox(ws).list_apps()}
    assert {a for a in scopes if scopes[a] != before[3][a]} == {WMS}  # nothing else changed
    assert scopes[WMS].dept_ids == wms.dept_ids and not scopes[WMS].only_admin_visible
    assert scopes[WMS].user_ids[:len(wms.user_ids)] == wms.user_ids
    assert set(scopes[WMS].user_ids) - set(wms.user_ids) == sales_people(ws)
    assert [c["operation"] for c in sandbox(ws).calls(changing_only=True)][-1:] == [
        "add_to_scope"]
    calls = len(sandbox(ws).calls(changing_only=True))

    again = grant_replacement(stage(ws), APP, dry_run=False, confirm=APP)
    assert again.people.empty and again.steps == []  # nobody is missing now: no call
    assert len(sandbox(ws).calls(changing_only=True)) == calls
    key = grant_key(APP, WMS, sorted(sales_people(ws)))
    with ws.ledger() as ledger:
        action = ledger.action(key)
        assert action.status == "done" and action.result == sorted(sales_people(ws))

    assert readiness_now(ws, APP).ready
    assert run_disable(stage(ws), APP, confirm=APP).blocked == ""  # the gate is open
    done = run_disable(stage(ws), APP, dry_run=False, confirm=APP)
    assert done.state == "verified_disabled"
    assert not any("开通权限" in m["text"] for m in sandbox(ws).outbox())  # nobody left out


def test_a_grant_whose_answer_was_lost_is_settled_not_repeated(gap_approved):
    ws = gap_approved
    sandbox(ws).fail_next("timeout", operation="add_to_scope")  # done, but no answer
    with pytest.raises(PlatformTimeout):
        grant_replacement(stage(ws), APP, dry_run=False, confirm=APP)
    assert readiness_now(ws, APP).ready  # the change stands
    grant_replacement(stage(ws), APP, dry_run=False, confirm=APP)
    assert [c["operation"] for c in sandbox(ws).calls(changing_only=True)
            if c["operation"] == "add_to_scope"] == ["add_to_scope"]


def test_a_replacement_nobody_can_open_is_named_and_not_granted(gap_verified):
    ws = gap_verified
    sandbox(ws).disable(WMS, key="test:wms-off")  # the replacement itself is switched off
    with stage(ws) as st:
        ready = readiness_now(ws, APP, st.platform)
        check = next(c for c in run_assessment(st, APP).checks if c.item == "replacement")
    assert (ready.problem, len(ready.missing)) == ("not_enabled", 104)
    assert check.status == "fail" and "仓储管理WMS 未启用,所有人都打不开,请先启用。" in check.detail
    before = everything(ws)
    with pytest.raises(TransitionError, match="仓储管理WMS is not enabled, so nobody can open it"):
        grant_replacement(stage(ws), APP, dry_run=False, confirm=APP)
    assert everything(ws) == before


def test_an_override_with_a_reason_passes_the_gap_is_recorded_and_the_notices_say_whom_to_ask(
        gap_approved):
    ws = gap_approved
    before = everything(ws)
    with pytest.raises(TransitionError, match="at least 15 characters"):
        run_disable(stage(ws), APP, dry_run=False, confirm=APP, override_reason="不需要")
    assert everything(ws) == before
    run = run_disable(stage(ws), APP, dry_run=False, confirm=APP, override_reason=REASON)
    assert run.state == "verified_disabled"
    with ws.ledger() as ledger:
        override = ledger.last(APP, "access_revoked").data["override"]
    assert override["reason"] == REASON and override["conditions"] == ["replacement_ready"]
    assert "cannot open its replacement 仓储管理WMS (销售部 61)" in override["bypassed"]
    assert before[3][WMS] == sandbox(ws).get_app(WMS).scope  # the gap was passed, not closed
    notices = sandbox(ws).outbox()
    assert [m["title"][:6] for m in notices] == ["【停用通知】", "【已停用】进"]
    told = f"目前还不能打开 仓储管理WMS 的同事(销售部 61 人),请联系 {CONTACT} 开通权限。"
    assert all(told in m["text"] for m in notices)


def test_the_advance_notice_tells_people_without_access_whom_to_ask(gap_verified):
    """The real run sends it (the gap passed with a reason, as the disable's would be), a
    notify.advance_days ahead of the planned date."""
    ws = gap_verified
    set_config(ws, "advance_days = 0", "advance_days = 7")  # an advance notice this time
    approve(ws)
    run = run_disable(stage(ws, "en"), APP, dry_run=False, confirm=APP, override_reason=REASON)
    assert [s.name for s in run.steps] == ["notify-advance:dingtalk_work"]
    with ws.ledger() as ledger:
        assert ledger.state(APP) == "approved"  # told, not yet due
    (notice,) = sandbox(ws).outbox()
    assert ("Please move to 仓储管理WMS before then. If you cannot open 仓储管理WMS yet "
            f"(销售部: 61 people), ask {CONTACT} for access.") in notice["text"]


# ------------------------------------------------------------------ the notebook

def test_the_disable_notebook_grants_then_disables(gap_approved, tmp_path):
    import papermill as pm

    ws = gap_approved
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "04_disable.ipynb"
    out = tmp_path / "04.ipynb"
    pm.execute_notebook(str(notebook), str(out), kernel_name="decomkit", progress_bar=False,
                        parameters={"workspace": str(ws.root), "dry_run": False, "confirm": APP,
                                    "grant_access": True}, cwd=str(tmp_path))
    text = out.read_text(encoding="utf-8")
    assert "已把 61 人加入 仓储管理WMS 的可见范围。" in text
    with ws.ledger() as ledger:
        assert ledger.state(APP) == "verified_disabled"


# ------------------------------------------------------------------ the manual console

def test_on_the_manual_platform_the_grant_is_a_console_step(gap_verified, tmp_path):
    ws = gap_verified
    config = ws.root / "decomkit.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'platform = "sandbox"', 'platform = "manual"'), encoding="utf-8")
    ws = Workspace.open(ws.root)  # its configuration read again
    with pytest.raises(ManualStepRequired, match="保留现有的人员和部门,添加以下人员") as caught:
        grant_replacement(stage(ws), APP, dry_run=False, confirm=APP)
    manual = ManualPlatform(ws.root / "platform")
    (key,) = manual.pending()
    assert key == grant_key(APP, WMS, sorted(sales_people(ws)))
    steps = manual.pending()[key]["instructions"]
    first = sorted(sales_people(ws))[0]
    assert any(first in line and "销售部" in line for line in steps), steps
    assert "decomkit confirm" in str(caught.value)
    assert not readiness_now(ws, APP).ready  # nothing changes until a person confirms
    evidence = tmp_path / "scope.png"
    evidence.write_bytes(b"\x89PNG the saved visible scope")
    manual.confirm(key, "王伟", evidence)
    run = grant_replacement(stage(ws), APP, dry_run=False, confirm=APP)
    assert [s.status for s in run.steps] == ["done"]
    assert readiness_now(ws, APP).ready
    assert set(manual.get_app(WMS).scope.user_ids) == sales_people(ws)


# ------------------------------------------------------------------ DingTalk

def test_a_grant_on_the_strict_dingtalk_server_adds_exactly_the_people_once(
        gap_verified, monkeypatch):
    from decomkit.platforms.dingtalk import clear_token_cache
    from fake_dingtalk import APP_KEY, APP_SECRET, FakeDingTalk, User, organisation_from_inventory

    ws = gap_verified
    inventory = ws.inventory(["usage_events", "users"])
    org, agent_ids = organisation_from_inventory(inventory, admins={"it-admin"})
    it = next(i for i, name in org.departments.items() if name == "技术部")
    org.users.setdefault("it-admin", User("it-admin", "IT 管理员", [it]))
    # As `decomkit import dingtalk` leaves it: each person's department id.
    users = inventory.users.copy()
    users["dept_id"] = [str(org.users[u].dept_ids[0]) for u in users["user_id"]]
    (ws.root / "data" / "users.csv").write_text(users.drop(columns="gone_since").to_csv(
        index=False), encoding="utf-8")
    clear_token_cache()
    fake = FakeDingTalk(org).start()
    try:
        monkeypatch.setenv("DECOMKIT_DINGTALK_APP_KEY", APP_KEY)
        monkeypatch.setenv("DECOMKIT_DINGTALK_APP_SECRET", APP_SECRET)
        fake.configure(ws.root, agent_ids)
        ws = Workspace.open(ws.root)  # its configuration read again
        before = {a: (list(x.user_ids), list(x.dept_ids), x.only_admin_visible)
                  for a, x in org.apps.items()}
        with stage(ws) as st:
            assert len(readiness_now(ws, APP, st.platform).missing) == 61
            assert grant_replacement(st, APP, confirm=APP).people["user_id"].nunique() == 61
            assert fake.changing_calls() == []  # the dry run changed nothing
            run = grant_replacement(st, APP, dry_run=False, confirm=APP)
            assert [s.status for s in run.steps] == ["done"]
            again = grant_replacement(st, APP, dry_run=False, confirm=APP)
            assert again.steps == [] and readiness_now(ws, APP, st.platform).ready
        wms = agent_ids[WMS]
        posts = [e for e in fake.log if e["method"] == "POST" and "/scopes" in e["path"]]
        assert [e["path"] for e in posts] == [f"/v1.0/microApp/apps/{wms}/scopes"]  # once
        assert posts[0]["status"] == 200
        assert list(posts[0]["body"]) == ["addUserIds"]  # never onlyAdminVisible
        assert sorted(posts[0]["body"]["addUserIds"]) == sorted(sales_people(ws))
        after = {a: (list(x.user_ids), list(x.dept_ids), x.only_admin_visible)
                 for a, x in org.apps.items()}
        assert {a for a in after if after[a] != before[a]} == {wms}
        assert after[wms][1:] == before[wms][1:]  # departments and admins-only as they were
        assert set(after[wms][0]) == sales_people(ws)
    finally:
        fake.stop()
        clear_token_cache()
