"""The DingTalk adapter against the strict local server (tests/fake_dingtalk.py), one test per
defect found by driving the official SDK against it, and the whole lifecycle on DingTalk."""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from decomkit.context.stage import open_stage
from decomkit.core.config import DingTalk, write_setting
from decomkit.core.errors import (
    ManualStepRequired,
    PlatformDeferred,
    PlatformError,
    PlatformTimeout,
)
from decomkit.custody.verify import verify_backup
from decomkit.lifecycle.approval import submit_approval, track_approval
from decomkit.lifecycle.backup import run_backup
from decomkit.lifecycle.execute import rollback, run_disable
from decomkit.platforms import ApprovalRequest, Notification, Platform, Scope
from decomkit.platforms.dingtalk import DingTalkPlatform, clear_token_cache
from decomkit.platforms.dingtalk_calls import CALLS_NAME, counts
from decomkit.platforms.dingtalk_form import FORM_FIELDS, TEMPLATE_NAME, form_components
from decomkit.platforms.manual import ManualPlatform
from fake_dingtalk import (
    APP_KEY,
    APP_SECRET,
    ROBOT_SECRET,
    ROBOT_TOKEN,
    FakeDingTalk,
    User,
    organisation_from_inventory,
)
from helpers import no_advance_notice

ROOT = Path(__file__).resolve().parents[1]
APP = "bi-pro"  # a third-party app: no disable API, the console path
SELF_BUILT = "sales-report"  # a self-built app: app/inactive disables it
PROCESS = "PROC-DECOM"


@pytest.fixture(autouse=True)
def _fresh_tokens():
    clear_token_cache()  # each test's server is new; a port may be reused
    yield
    clear_token_cache()


@pytest.fixture
def org(demo):
    organisation, agent_ids = organisation_from_inventory(
        demo.inventory(["usage_events", "users"]), admins={"it-admin"})
    it = next(i for i, name in organisation.departments.items() if name == "技术部")
    organisation.users.setdefault("it-admin", User("it-admin", "IT 管理员", [it]))
    organisation.templates[PROCESS] = {"name": TEMPLATE_NAME, "formComponents": form_components(),
                                       "gmtModified": "2026-11-01T09:00Z"}
    return organisation, agent_ids


@pytest.fixture
def fake(org, tmp_path):
    server = FakeDingTalk(org[0]).start()
    yield server
    server.stop()
    server.save_log(tmp_path / "dingtalk-requests.jsonl")


def settings(fake, agent_ids, **values) -> DingTalk:
    return DingTalk(**{"api_base": fake.url, "oapi_base": fake.url, "agent_id": 1,
                       "operator_user_id": "it-admin", "process_code": PROCESS,
                       "agent_ids": agent_ids, **values})


def client(fake, org, manual=None, **kwargs) -> DingTalkPlatform:
    kwargs.setdefault("sleep", lambda seconds: None)  # retries wait out limits: not in a test
    return DingTalkPlatform(settings(fake, org[1]), APP_KEY, APP_SECRET, robot_token=ROBOT_TOKEN,
                            robot_secret=ROBOT_SECRET, max_wait=0.05, manual=manual, **kwargs)


def ordinary(org, app_id: str) -> str:
    organisation, agent_ids = org
    return organisation.ordinary_viewers(agent_ids[app_id])[0]


# ------------------------------------------------------------------ 1. the admin check path

def test_the_admin_check_asks_about_this_app(fake, org):
    dt_client = client(fake, org)
    agent = org[1][APP]
    assert dt_client.is_admin("it-admin", APP) is True
    assert dt_client.is_admin(ordinary(org, APP), APP) is False
    assert fake.count(f"/v1.0/microApp/apps/{agent}/users/it-admin/adminAccess") == 1
    assert fake.count("/v1.0/microApp/users/it-admin/adminAccess") == 0


# ------------------------------------------------------------------ 2. tokens, retries, quota

def test_token_is_cached_across_clients_and_refreshed_when_expired(fake, org):
    dt_client = client(fake, org)
    dt_client.get_app(APP)
    client(fake, org).get_app(APP)  # a second client of the same app key: the same token
    assert fake.count("/oauth2/accessToken") == 1
    fake.expire_tokens()
    dt_client.forget(APP)  # reads are cached for a stage run: ask again
    assert dt_client.get_app(APP).name == "高级数据分析"  # 400 InvalidAuthentication → refresh
    assert fake.count("/oauth2/accessToken") == 2


def test_a_token_invalidated_early_is_refreshed_once(fake, org):
    dt_client = client(fake, org)
    dt_client.list_apps()
    fake.revoke_tokens()  # a secret reset elsewhere: HTTP 400 InvalidAuthentication, not 401
    dt_client.forget(APP)  # reads are cached for a stage run: ask again
    assert len(dt_client.list_apps()) == 32
    assert fake.count("/oauth2/accessToken") == 2
    fake.fail("/allApps", "invalid_token", count=5)
    dt_client.forget(APP)
    with pytest.raises(PlatformError, match="refused twice"):
        dt_client.list_apps()


def test_old_style_errcode_88_with_a_token_sub_code_refreshes(fake, org):
    dt_client = client(fake, org)
    note = Notification("dingtalk_work", "t", "x", ("u0001",))
    dt_client.notify(note, key="k1")
    fake.revoke_tokens()  # the next old-style call answers errcode 88, sub_code 40014
    dt_client.notify(note, key="k2")
    assert fake.count("/gettoken") == 2 and len(fake.messages) == 2
    assert any(e.get("answer", {}).get("errcode") == 88 for e in fake.log)


def test_bad_credentials_are_a_clear_error(fake, org):
    with pytest.raises(PlatformError, match="invalidClientIdOrSecret"):
        DingTalkPlatform(settings(fake, org[1]), APP_KEY, "wrong").list_apps()


@pytest.mark.parametrize("kind", ["qps", "429", "500"])
def test_rate_limits_and_server_errors_are_retried_on_reads(fake, org, kind):
    fake.fail("/allApps", kind, count=2)
    assert len(client(fake, org).list_apps()) == 32
    assert fake.count("/allApps") == 3


@pytest.mark.parametrize("kind", ["90002", "90019", "busy"])
def test_old_style_rate_limits_are_retried(fake, org, kind):
    fake.fail("asyncsend_v2", kind, count=2)
    client(fake, org).notify(Notification("dingtalk_work", "t", "x", ("u0001",)), key="k")
    assert fake.count("asyncsend_v2") == 3 and len(fake.messages) == 1


@pytest.mark.parametrize(("path", "kind"), [("/allApps", "quota"), ("asyncsend_v2", "90020")])
def test_the_monthly_quota_says_quota_and_is_not_retried(fake, org, path, kind):
    dt_client = client(fake, org)
    fake.fail(path, kind, count=5)
    with pytest.raises(PlatformError, match="monthly DingTalk API call quota"):
        if path == "/allApps":
            dt_client.list_apps()
        else:
            dt_client.notify(Notification("dingtalk_work", "t", "x", ("u0001",)), key="k")
    assert fake.count(path) == 1


def _request(approvers=("u0002", "u0010")):
    form = {f.label: "x" for f in FORM_FIELDS[1:]}
    return ApprovalRequest(APP, "停用申请", "it-admin", approvers, form)


def test_a_non_idempotent_post_is_not_repeated_after_a_server_error(fake, org):
    fake.fail("/workflow/processInstances", "500", method="POST")
    with pytest.raises(PlatformTimeout, match="HTTP 500"):
        client(fake, org).submit_approval(_request(), key="a")
    assert fake.count("/workflow/processInstances", "POST") == 1 and fake.instances == {}


def test_a_rate_limited_post_is_retried_because_it_never_ran(fake, org):
    fake.fail("/workflow/processInstances", "qps", method="POST")
    assert client(fake, org).submit_approval(_request(), key="a").startswith("pi-")
    assert fake.count("/workflow/processInstances", "POST") == 2 and len(fake.instances) == 1


def test_timeouts_retry_reads_but_not_a_post_that_may_have_run(fake, org):
    fake.fail("/allApps", "timeout")
    assert len(client(fake, org, timeout=1).list_apps()) == 32
    fake.fail("/workflow/processInstances", "timeout", method="POST")
    with pytest.raises(PlatformTimeout):
        client(fake, org, timeout=1).submit_approval(_request(), key="a")
    assert fake.count("/workflow/processInstances", "POST") == 1


@pytest.mark.parametrize("kind", ["ban_html", "ban_json"])
def test_the_ip_ban_body_is_reported_not_a_crash(fake, org, kind):
    fake.fail("/allApps", kind)
    with pytest.raises(PlatformError, match="banned for about 5 minutes"):
        client(fake, org).list_apps()


# ------------------------------------------------------------------ 3. revocation order

def test_revocation_is_one_call_when_it_fits(fake, org):
    agent = org[1][APP]
    viewers = org[0].ordinary_viewers(agent)
    assert viewers  # positive control: people see the app before
    client(fake, org).set_visible_scope(APP, Scope(only_admin_visible=True), key="k")
    posts = [e["body"] for e in fake.log if e["method"] == "POST" and "/scopes" in e["path"]]
    assert len(posts) == 1 and posts[0]["onlyAdminVisible"] is True and posts[0]["delDeptIds"]
    assert [seen for _, seen in fake.exposures] == [[]]
    assert org[0].apps[agent].dept_ids == [] and org[0].apps[agent].only_admin_visible


def test_restoring_a_scope_is_one_call_when_it_fits(fake, org):
    dt_client = client(fake, org)
    agent = org[1][APP]
    before = dt_client.get_app(APP).scope
    dt_client.set_visible_scope(APP, Scope(only_admin_visible=True), key="k")
    dt_client.set_visible_scope(APP, before, key="k2")
    posts = [e["body"] for e in fake.log if e["method"] == "POST" and "/scopes" in e["path"]]
    assert len(posts) == 2 and posts[-1]["onlyAdminVisible"] is False
    assert dt_client.get_app(APP).scope == before
    assert fake.exposures[0][1] == []  # closed, then opened in one call to what it was
    assert fake.exposures[-1][1] == org[0].ordinary_viewers(agent) != []


def test_department_names_are_refused_before_any_call(fake, org):
    before = len(fake.changing_calls())
    with pytest.raises(PlatformError, match="not DingTalk ids"):
        client(fake, org).set_visible_scope(APP, Scope(dept_ids=("财务部",)), key="k")
    assert len(fake.changing_calls()) == before


def test_a_change_of_several_calls_restricts_first_and_opens_last(fake, org):
    dt_client = client(fake, org)
    many = tuple(f"u{k:04d}" for k in range(1, 231))  # 3 lists of ≤100 people
    dt_client.set_visible_scope(APP, Scope(user_ids=many), key="k")
    app = org[0].apps[org[1][APP]]
    assert app.user_ids == list(many) and app.dept_ids == [] and not app.only_admin_visible
    posts = [e["body"] for e in fake.log if e["method"] == "POST" and "/scopes" in e["path"]]
    assert len(posts) == 3 and all(len(ids) <= 100 for b in posts for ids in b.values()
                                   if isinstance(ids, list))
    assert posts[0]["onlyAdminVisible"] is True and posts[0]["delDeptIds"]
    assert "onlyAdminVisible" not in posts[1] and posts[-1]["onlyAdminVisible"] is False
    assert all(seen == [] for _, seen in fake.exposures[:-1])  # closed until the last call
    assert fake.exposures[-1][1] == org[0].ordinary_viewers(org[1][APP]) != []


# ------------------------------------------------------------------ 4. the robot

def test_the_robot_is_signed_and_sends_no_undocumented_field(fake, org, tmp_path):
    dt_client = client(fake, org, manual=ManualPlatform(tmp_path / "platform"))
    note = Notification("robot", "停用通知", "高级数据分析将于下周停用")
    assert dt_client.notify(note, key="bi-pro:pi-1:notify-before:robot") != ""
    assert dt_client.notify(note, key="bi-pro:pi-1:notify-before:robot") != ""  # recorded
    sent = [m["msg"] for m in fake.messages if m.get("robot")]
    assert len(sent) == 1 and set(sent[0]) == {"msgtype", "text"}  # no msgUuid
    forged = DingTalkPlatform(dt_client.settings, APP_KEY, APP_SECRET, robot_token=ROBOT_TOKEN,
                              robot_secret="SECwrong", max_wait=0.05)
    with pytest.raises(PlatformError, match="310000"):
        forged.notify(note, key="other")


@pytest.mark.parametrize("kind", ["500", "timeout"])
def test_an_unanswered_robot_send_is_unknown_and_never_resent(fake, org, tmp_path, kind):
    manual = ManualPlatform(tmp_path / "platform")
    dt_client = client(fake, org, manual=manual, timeout=1)
    note = Notification("robot", "停用通知", "高级数据分析将于下周停用")
    key = "bi-pro:pi-1:notify-before:robot"
    fake.fail("/robot/send", kind)
    for _ in range(2):  # the rerun asks the operator again; it does not send
        with pytest.raises(ManualStepRequired, match="decomkit confirm"):
            dt_client.notify(note, key=key)
    assert fake.count("/robot/send") == 1
    assert manual.pending()[key]["operation"] == "notify_unknown"
    evidence = tmp_path / "group.png"
    evidence.write_bytes(b"png")
    manual.confirm(key, "王伟", evidence)
    assert dt_client.notify(note, key=key) == key
    assert fake.count("/robot/send") == 1


def test_the_notification_robots_limit_defers_the_send_without_waiting(fake, org, tmp_path):
    manual = ManualPlatform(tmp_path / "platform")
    waits: list[float] = []
    sends = tmp_path / "platform" / "dingtalk-sends.json"
    dt_client = client(fake, org, manual=manual, sleep=waits.append, sends=sends)
    fake.fail("/robot/send", "robot_fast", count=1)  # 410100: blocked for 10 minutes
    with pytest.raises(PlatformDeferred, match=r"deferred.*410100"):
        dt_client.notify(Notification("robot", "t", "x"), key="a:1:robot")
    assert waits == [] and fake.count("/robot/send") == 1  # no in-process wait, no retry
    assert manual.pending() == {}  # refused, not unknown: no console step
    state = tmp_path / "platform" / "notify-robot.json"
    blocked = json.loads(state.read_text())["blocked_until"]
    assert 590 < blocked - time.time() <= 600
    # the next run (a new client) is deferred at once, nothing sent
    later = client(fake, org, manual=manual, sleep=waits.append, sends=sends)
    with pytest.raises(PlatformDeferred, match="deferred"):
        later.notify(Notification("robot", "t", "x"), key="a:1:robot")
    assert fake.count("/robot/send") == 1 and waits == []
    state.write_text(json.dumps({"blocked_until": time.time() - 1}))  # the block is over
    assert later.notify(Notification("robot", "t", "x"), key="a:1:robot") == "a:1:robot"
    assert fake.count("/robot/send") == 2 and manual.pending() == {}  # positive control


# ------------------------------------------------------------------ 5. approval start

def test_approval_sends_the_originators_department_and_approvers_are_optional(fake, org):
    dt_client = client(fake, org)
    instance = dt_client.submit_approval(_request(approvers=()), key="a")
    body = next(e["body"] for e in fake.log
                if e["method"] == "POST" and e["path"] == "/v1.0/workflow/processInstances")
    assert body["deptId"] == org[0].users["it-admin"].dept_ids[0] or body["deptId"] in (
        org[0].users["it-admin"].dept_ids)
    assert "approvers" not in body and fake.instances[instance]["status"] == "RUNNING"
    assert fake.count("/topapi/v2/user/get") == 1
    dt_client.submit_approval(_request(), key="b")  # looked up once per client
    assert fake.count("/topapi/v2/user/get") == 1


def test_a_configured_department_is_used_without_a_lookup(fake, org):
    dept = org[0].users["it-admin"].dept_ids[0]
    dt_client = DingTalkPlatform(settings(fake, org[1], dept_id=dept), APP_KEY, APP_SECRET,
                                 max_wait=0.05)
    dt_client.submit_approval(_request(), key="a")
    assert fake.count("/topapi/v2/user/get") == 0


def test_a_template_without_the_kits_fields_is_refused_naming_them(fake, org):
    org[0].templates[PROCESS]["formComponents"] = [
        c for c in form_components() if c["props"]["label"] != "台账校验"]
    org[0].templates[PROCESS]["formComponents"][2]["componentType"] = "DDPhotoField"
    with pytest.raises(PlatformError) as caught:
        client(fake, org).submit_approval(_request(), key="a")
    text = str(caught.value)
    assert "missing field '台账校验'" in text
    assert "DDPhotoField" in text and "create-template" in text
    assert fake.count("/workflow/processInstances", "POST") == 0 and fake.instances == {}


def test_the_approval_times_are_strings(fake, org):
    dt_client = client(fake, org)
    instance = dt_client.submit_approval(_request(), key="a")
    fake.act(instance, "u0002", "agree")
    status = dt_client.approval_status(instance)
    assert isinstance(status.records[0]["date"], str)


# ------------------------------------------------------------------ 6. work notifications

def test_work_notifications_reach_departments_and_never_an_empty_list(fake, org):
    dt_client = client(fake, org)
    dept = str(org[0].apps[org[1][APP]].dept_ids[0])
    dt_client.notify(Notification("dingtalk_work", "t", "x", (), (dept,)), key="k")
    assert fake.messages[-1]["dept_ids"] == [int(dept)] and fake.messages[-1]["userids"] == []
    users = tuple(f"u{k:04d}" for k in range(1, 151))
    depts = tuple(str(d) for d in org[0].departments)
    dt_client.notify(Notification("dingtalk_work", "t", "y", users, depts), key="k2")
    assert [len(m["userids"]) for m in fake.messages[1:]] == [100, 50]
    before = fake.count("asyncsend_v2")
    with pytest.raises(PlatformError, match="nobody to notify"):
        dt_client.notify(Notification("dingtalk_work", "t", "x"), key="k3")
    unset = DingTalkPlatform(settings(fake, org[1], agent_id=0), APP_KEY, APP_SECRET)
    with pytest.raises(PlatformError, match=r"dingtalk\.agent_id"):
        unset.notify(Notification("dingtalk_work", "t", "x", ("u0001",)), key="k4")
    assert fake.count("asyncsend_v2") == before


# ------------------------------------------------------------------ 7. the server's contract

def test_the_server_refuses_what_the_api_refuses(fake, org):
    token = httpx.post(f"{fake.url}/v1.0/oauth2/accessToken",
                       json={"appKey": APP_KEY, "appSecret": APP_SECRET}).json()["accessToken"]
    header = {"x-acs-dingtalk-access-token": token}
    agent = org[1][APP]
    names = httpx.post(f"{fake.url}/v1.0/microApp/apps/{agent}/scopes", headers=header,
                       json={"addDeptIds": ["财务部"]})
    assert names.status_code == 400 and names.json()["code"] == "InvalidParameter"
    missing = httpx.post(f"{fake.url}/v1.0/microApp/app/inactive", headers=header, json={})
    assert missing.status_code == 400 and missing.json()["code"] == "MissingParameter"
    in_query = httpx.get(f"{fake.url}/v1.0/microApp/allApps", params={"access_token": token})
    assert in_query.status_code == 400 and (  # live DingTalk's answer to a misplaced token
        in_query.json()["code"] == "AuthenticationFailed.MissingParameter")
    unknown = httpx.get(f"{fake.url}/v1.0/microApp/nothing", headers=header)
    assert unknown.status_code == 404 and unknown.json()["code"] == "InvalidAction.NotFound"
    old = httpx.post(f"{fake.url}/topapi/anything", params={"access_token": token}, json={})
    assert old.status_code == 200 and old.json()["errcode"] == 22  # live: HTTP 200, errcode 22
    apps = httpx.get(f"{fake.url}/v1.0/microApp/allApps", headers=header).json()["appList"]
    inner = httpx.get(f"{fake.url}/v1.0/microApp/allInnerApps", headers=header).json()["appList"]
    assert all(isinstance(a["agentId"], int) for a in apps)
    assert {a["agentId"] for a in inner} == {org[1][a] for a in ("tickets", "old-expense",
                                                                 "room-booking", SELF_BUILT)}
    assert not fake.messages  # none of it was a message send


def test_no_api_paths_ask_for_the_console(fake, org):
    with pytest.raises(ManualStepRequired, match="启用"):
        client(fake, org).enable(APP, key="k")
    with pytest.raises(ManualStepRequired, match="解除关联"):
        client(fake, org).unlink("jxc", key="k")


def test_a_third_party_app_is_disabled_in_the_console(fake, org, tmp_path):
    manual = ManualPlatform(tmp_path / "platform")
    with pytest.raises(ManualStepRequired, match="decomkit confirm"):
        client(fake, org, manual=manual).disable(APP, key="bi-pro:pi-1:disable")
    assert fake.count("/app/inactive") == 0  # not self-built: never sent
    assert manual.pending()["bi-pro:pi-1:disable"]["operation"] == "disable"


def test_an_app_id_without_an_agent_id_is_a_clear_error(fake, org):
    dt_client = DingTalkPlatform(settings(fake, {}), APP_KEY, APP_SECRET, max_wait=0.05)
    with pytest.raises(PlatformError, match=r"\[dingtalk.agent_ids\]"):
        dt_client.get_app("bi-pro")
    assert fake.log == []


def test_secrets_never_show_in_errors_repr_or_the_request_log(fake, org, tmp_path):
    dt_client = client(fake, org)
    dt_client.notify(Notification("robot", "t", "x"), key="k")
    fake.fail("/allApps", "ban_html")
    with pytest.raises(PlatformError) as caught:
        dt_client.list_apps()
    log = fake.save_log(tmp_path / "log.jsonl").read_text(encoding="utf-8")
    assert "tok-" not in log and ROBOT_TOKEN not in log  # positive control below
    assert "/robot/send" in log
    for text in (str(caught.value), repr(dt_client), log):
        assert APP_SECRET not in text and ROBOT_SECRET not in text


# ------------------------------------------------------------------ the lifecycle on DingTalk

@pytest.fixture
def on_dingtalk(demo, fake, org, monkeypatch, retire):
    """The demo workspace on DingTalk (the local server), two apps backed up and verified."""
    monkeypatch.setenv("DECOMKIT_DINGTALK_APP_KEY", APP_KEY)
    monkeypatch.setenv("DECOMKIT_DINGTALK_APP_SECRET", APP_SECRET)
    fake.configure(demo.root, org[1], more=(('process_code = ""', f'process_code = "{PROCESS}"'),
                                            ("agent_id = 0 ", "agent_id = 1 ")))
    no_advance_notice(demo)  # the advance notice has tests of its own (test_notice)
    for app in (APP, SELF_BUILT):
        retire(demo, app)
        run_backup(demo, app, actor="analyst")
        assert verify_backup(demo, app, actor="analyst").ok
    return demo


def _approve(stage, fake, app):
    event = submit_approval(stage, app, reason="成本过高")
    for user in event.data["approvers"]:
        fake.act(event.data["instance_id"], user, "agree", "同意")
    assert track_approval(stage, app).state == "approved"
    return event


def _confirm(workspace, tmp_path, key):
    evidence = tmp_path / "console.png"
    evidence.write_bytes(b"png of " + key.encode())  # one screenshot per step
    ManualPlatform(workspace.root / "platform").confirm(key, "王伟", evidence)


def test_the_whole_lifecycle_on_dingtalk(on_dingtalk, fake, org, tmp_path):
    from decomkit.cli import main
    from decomkit.lifecycle.decide import run_assessment
    from decomkit.lifecycle.review import check_data_safety

    organisation, agent_ids = org
    del organisation.templates[PROCESS]  # a new organisation: no template yet
    write_setting(on_dingtalk.root / "decomkit.toml", "dingtalk", "process_code", "")
    assert main(["dingtalk", "create-template", str(on_dingtalk.root)]) == 0
    stage = open_stage(str(on_dingtalk.root), analyst="it-admin")
    assert stage.workspace.config.dingtalk.process_code in organisation.templates
    with stage:
        checks = {c.item: c.status for c in run_assessment(stage, SELF_BUILT).checks}
        assert checks["admin"] == "ok"  # preflight on the app's own admin path
        event = _approve(stage, fake, SELF_BUILT)
        form = fake.instances[event.data["instance_id"]]["formComponentValues"]
        assert [v["name"] for v in form] == [f.label for f in FORM_FIELDS]
        scope_before = list(organisation.apps[agent_ids[SELF_BUILT]].dept_ids)
        assert scope_before  # positive control: departments see it before
        before = len(fake.changing_calls())
        assert run_disable(stage, SELF_BUILT).dry_run  # a dry run changes nothing
        assert len(fake.changing_calls()) == before
        run = run_disable(stage, SELF_BUILT, dry_run=False, confirm=SELF_BUILT)
        assert run.state == "verified_disabled"
        app = organisation.apps[agent_ids[SELF_BUILT]]
        assert app.app_status == 0 and app.only_admin_visible
        assert fake.count("/app/inactive") == 1
        notices = [m for m in fake.messages if not m.get("robot")]
        assert len(notices) == 2 and all(m["dept_ids"] for m in notices)  # before and after
        per_person = fake.count("/microApp/users/") + fake.count("/adminAccess")
        safety = check_data_safety(stage, SELF_BUILT)  # verify: nobody reaches it
        assert safety.ok and safety.reach.checked == 240 and not safety.reachable_by
        # every person checked against the scope of one get_app: no metered call per person
        assert fake.count("/microApp/users/") + fake.count("/adminAccess") == per_person

        # The third-party app: the disable is a console step the operator confirms.
        _approve(stage, fake, APP)
        with pytest.raises(ManualStepRequired) as caught:
            run_disable(stage, APP, dry_run=False, confirm=APP)
        key = next(iter(ManualPlatform(on_dingtalk.root / "platform").pending()))
        assert key.endswith(":disable") and key in str(caught.value)
        organisation.apps[agent_ids[APP]].app_status = 0  # what the person did in the console
        _confirm(on_dingtalk, tmp_path, key)
        assert run_disable(stage, APP, dry_run=False, confirm=APP).state == "verified_disabled"
        assert fake.count("/app/inactive") == 1  # never sent for the third-party app
        # The app list is read once per stage run and once more for each verification (the
        # status after the change). The call budget with each stage in a run of its own, as a
        # batch runs them: test_the_call_budget_per_app_with_each_stage_run_on_its_own.
        assert fake.count("/microApp/users/") == 0  # visibility from the scope, not per person
        assert fake.count("/microApp/allApps") <= 1 + 2
        assert fake.count("/microApp/allInnerApps") == 1
        # the kit's own count of metered calls (tokens and the robot are not metered) is exact
        meter = counts(on_dingtalk.root / "platform" / CALLS_NAME)
        metered = [p for _, p in fake.calls if not any(
            t in p for t in ("/oauth2/accessToken", "/gettoken", "/robot/send"))]
        assert sum(meter.values()) == len(metered) and meter[SELF_BUILT] and meter[APP]
        # every call about an app is metered for it, the approval's poll too: here, all in one
        # stage (one platform object, no DingTalk import), the self-built app's lifecycle is 9
        # (the assessment's scope read is used again by the disable)
        lines = [json.loads(line) for line in
                 (on_dingtalk.root / "platform" / CALLS_NAME).read_text("utf-8").splitlines()]
        made = sorted(e["call"] for e in lines if e["app"] == SELF_BUILT)
        assert made == ["admin_access", "get_approval", "get_scope", "get_scope",
                        "inactive_app", "set_scope", "start_approval", "work_notice",
                        "work_notice"], made
        assert meter[APP] == 8  # the same but the disable, a console step

        # Rollback of the self-built app: enable by hand, the saved scope back by API.
        assert app.dept_ids == []
        with pytest.raises(ManualStepRequired):
            rollback(stage, SELF_BUILT, confirm=SELF_BUILT, dry_run=False)
        key = next(iter(ManualPlatform(on_dingtalk.root / "platform").pending()))
        app.app_status = 1
        _confirm(on_dingtalk, tmp_path, key)
        assert rollback(stage, SELF_BUILT, confirm=SELF_BUILT, dry_run=False).state == "re_enabled"
        assert not app.only_admin_visible and app.dept_ids == scope_before  # restored
    assert all(seen == [] for agent, seen in fake.exposures[:-1]
               if agent == agent_ids[SELF_BUILT])  # closed until the restore's last call
    assert fake.count("/oauth2/accessToken") == 1  # one token for the whole stage
    artifacts = Path(os.environ.get("DECOMKIT_TEST_ARTIFACTS", ROOT / "test-artifacts"))
    fake.save_log(artifacts / "dingtalk-lifecycle.jsonl")


def test_killed_between_the_two_scope_calls_the_app_was_never_open(on_dingtalk, fake, org):
    organisation, agent_ids = org
    agent = agent_ids[SELF_BUILT]
    stage = open_stage(str(on_dingtalk.root), analyst="it-admin")
    with stage:
        _approve(stage, fake, SELF_BUILT)
    # 150 roles in its scope: clearing it takes two calls (≤100 ids a list)
    organisation.apps[agent].role_ids = list(range(9001, 9151))
    assert organisation.ordinary_viewers(agent)  # positive control: open before
    fake.fail("/scopes", "hang", method="POST", after=1)  # the second scope call never answers
    code = ("from decomkit.context.stage import open_stage\n"
            "from decomkit.lifecycle.execute import run_disable\n"
            f"run_disable(open_stage({str(on_dingtalk.root)!r}, analyst='it-admin'), "
            f"{SELF_BUILT!r}, dry_run=False, confirm={SELF_BUILT!r})\n")
    proc = subprocess.Popen([sys.executable, "-c", code], env=dict(os.environ))
    deadline = time.monotonic() + 120
    while fake.count("/scopes", "POST") < 2:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(fake.exposures) == 1 and fake.exposures[0] == (agent, [])
    assert organisation.apps[agent].only_admin_visible
    assert organisation.ordinary_viewers(agent) == []
    with open_stage(str(on_dingtalk.root), analyst="it-admin") as stage:
        run = run_disable(stage, SELF_BUILT, dry_run=False, confirm=SELF_BUILT)
    assert run.state == "verified_disabled" and organisation.apps[agent].app_status == 0
    assert all(seen == [] for _, seen in fake.exposures)  # never open to an ordinary user
    made = fake.changing_calls()
    assert sum("asyncsend_v2" in p for p in made) == 2  # before and after, once each
    assert sum("/app/inactive" in p for p in made) == 1


def test_one_platform_per_stage_reused_then_closed(on_dingtalk, fake):
    stage = open_stage(str(on_dingtalk.root), analyst="it-admin")
    submit_approval(stage, SELF_BUILT, reason="成本过高")
    platform = stage.platform
    for _ in range(5):  # what 03_approval's polling loop does every second
        track_approval(stage, SELF_BUILT)
    assert stage.platform is platform and fake.count("/oauth2/accessToken") == 1
    stage.close()
    assert platform._http.is_closed
    assert stage.platform is not platform  # a later call opens a fresh one


def test_platforms_are_found_in_the_registry(demo):
    from decomkit.core.errors import ConfigError
    from decomkit.platforms import platform_class, platform_names

    for name in platform_names():  # the entry points; tests/test_registry.py checks the list
        cls = platform_class(name)
        assert issubclass(cls, Platform) and cls.name == name
    with demo.platform() as platform:  # the demo's sandbox, through the registry
        assert platform.name == "sandbox"
    with pytest.raises(ConfigError, match="not available"):
        platform_class("feishu")


def _platform_attributes(path: Path) -> set[str]:
    """Attributes read from a platform in a module: ``platform.x`` and ``….platform.x``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute):
            owner = node.value
            if ((isinstance(owner, ast.Name) and owner.id == "platform")
                    or (isinstance(owner, ast.Attribute) and owner.attr == "platform")):
                found.add(node.attr)
    return found


def test_the_platform_interface_declares_what_the_stages_call():
    declared = set(dir(Platform)) | set(Platform.__annotations__)
    used = {(path.name, attr) for layer in ("lifecycle", "records", "running", "context")
            for path in (ROOT / "lib" / "decomkit" / layer).glob("*.py")
            for attr in _platform_attributes(path)}
    assert ("approval.py", "decide_approval") in used  # the check sees the calls
    assert sorted(u for u in used if u[1] not in declared) == []


def test_dingtalk_refuses_a_decision_made_through_the_kit(fake, org):
    assert "decide_approval" in Platform.__abstractmethods__
    assert not DingTalkPlatform.records_decisions
    with pytest.raises(PlatformError, match="in the DingTalk app"):
        client(fake, org).decide_approval("proc-1", "u1", "agree")


def test_a_robot_send_cut_off_by_a_crash_is_not_resent(fake, org, tmp_path):
    manual = ManualPlatform(tmp_path / "platform")

    def crash():
        raise SystemExit("killed mid-send")  # the process dies; the attempt stays recorded

    with pytest.raises(SystemExit):
        manual.attempt("a:1:robot", "a", "notify", "停用通知", crash)
    dt_client = client(fake, org, manual=manual)
    with pytest.raises(ManualStepRequired, match="decomkit confirm"):
        dt_client.notify(Notification("robot", "停用通知", "x"), key="a:1:robot")
    assert fake.count("/robot/send") == 0


def test_the_notebooks_run_on_dingtalk(on_dingtalk, fake, org, tmp_path):
    import papermill as pm

    notebooks = ROOT / "notebooks"

    def run(name, **parameters):
        pm.execute_notebook(str(notebooks / name), str(tmp_path / name), kernel_name="decomkit",
                            parameters={"workspace": str(on_dingtalk.root), "app_id": SELF_BUILT,
                                        **parameters}, progress_bar=False, cwd=str(tmp_path))
        return (tmp_path / name).read_text(encoding="utf-8")

    run("03_approval.ipynb")
    instance = next(iter(fake.instances))
    for user in fake.instances[instance]["approverUserIds"]:
        fake.act(instance, user, "agree")
    run("03_approval.ipynb")
    before = len(fake.changing_calls())
    run("04_disable.ipynb")  # the dry run
    assert len(fake.changing_calls()) == before
    text = run("04_disable.ipynb", dry_run=False, confirm=SELF_BUILT)
    assert org[0].apps[org[1][SELF_BUILT]].app_status == 0
    assert APP_SECRET not in text
    assert f"{SELF_BUILT}: 已确认停用" in text  # the state as its reader reads it, not its id


def test_create_template_makes_one_template_and_updates_it_after(on_dingtalk, fake, org,
                                                                   capsys):
    from decomkit.cli import main
    from decomkit.context.workspace import Workspace

    templates = org[0].templates
    templates.clear()
    config = on_dingtalk.root / "decomkit.toml"
    write_setting(config, "dingtalk", "process_code", "")
    assert main(["dingtalk", "create-template", str(on_dingtalk.root)]) == 0
    code = Workspace.open(on_dingtalk.root).config.dingtalk.process_code
    assert code and code in capsys.readouterr().out and list(templates) == [code]
    assert [c["props"]["label"] for c in templates[code]["formComponents"]] == [
        f.label for f in FORM_FIELDS]
    assert main(["dingtalk", "create-template", str(on_dingtalk.root)]) == 0  # again: update
    write_setting(config, "dingtalk", "process_code", "")  # the setting lost: found by name
    assert main(["dingtalk", "create-template", str(on_dingtalk.root)]) == 0
    assert list(templates) == [code] and fake.count("/v1.0/workflow/forms", "POST") == 3
    assert Workspace.open(on_dingtalk.root).config.dingtalk.process_code == code
    assert "create-template' sets it" in config.read_text(encoding="utf-8")  # comments kept


def test_a_mismatched_template_refuses_the_request_before_anything_is_recorded(
        on_dingtalk, fake, org):
    org[0].templates[PROCESS]["formComponents"] = form_components()[:-1]  # no ledger field
    with on_dingtalk.ledger() as ledger:
        rows = ledger.head()
    with open_stage(str(on_dingtalk.root), analyst="it-admin") as stage, \
            pytest.raises(PlatformError, match=r"missing field .台账校验"):
        submit_approval(stage, SELF_BUILT, reason="成本过高")
    with on_dingtalk.ledger() as ledger:
        assert ledger.head() == rows and ledger.action(f"{SELF_BUILT}:approval:1") is None
    assert fake.count("/workflow/processInstances", "POST") == 0 and fake.instances == {}
    assert fake.count("/forms/schemas/processCodes") == 1  # positive control: it was read


# ------------------------------------------------------------------ the call budget

def _assess_calls(workspace, fake, app_id):
    """The assessment of ``app_id`` in a stage run of its own (a kernel of its own): its
    checks, and the metered calls it made about the app."""
    from decomkit.lifecycle.decide import run_assessment

    agent = workspace.config.dingtalk.agent_ids[app_id]
    before = len(fake.calls)
    with open_stage(str(workspace.root), analyst="it-admin") as stage:
        checks = run_assessment(stage, app_id).checks
    about = [p for _, p in fake.calls[before:] if f"/apps/{agent}/" in p]
    return checks, about


def test_a_fresh_import_spares_the_assessments_scope_and_admin_reads(on_dingtalk, fake, org):
    from decomkit.context.workspace import Workspace
    from decomkit.platforms.dingtalk_import import import_dingtalk
    from decomkit.platforms.dingtalk_imported import fresh_import

    organisation, agent_ids = org
    organisation.apps[agent_ids[SELF_BUILT]].admins.add("it-admin")  # in its managing role
    workspace = Workspace.open(on_dingtalk.root)
    # positive control: with no DingTalk import, the assessment asks DingTalk
    checks, about = _assess_calls(workspace, fake, SELF_BUILT)
    assert any(p.endswith("/scopes") for p in about) and any("adminAccess" in p for p in about)
    assert "source" not in {c.item for c in checks}

    import_dingtalk(workspace, ["scopes", "admins"], quiet=True, qps=0)
    workspace = Workspace.open(on_dingtalk.root)
    checks, about = _assess_calls(workspace, fake, SELF_BUILT)
    assert about == []  # scope and admin rights from the import: no call about the app
    source = next(c for c in checks if c.item == "source")
    assert time.strftime("%Y-%m-%d", time.gmtime()) in source.detail  # says the import's day
    assert {c.item: c.status for c in checks}["admin"] == "ok"
    day = dt.datetime.now(dt.UTC).date()
    assert fresh_import(workspace, day + dt.timedelta(days=7)) == day  # 7 days: still fresh
    assert fresh_import(workspace, day + dt.timedelta(days=8)) is None  # then stale

    # stale (the setting at 0: always live): asked again
    _set_fresh_days(on_dingtalk.root, 0)
    checks, about = _assess_calls(Workspace.open(on_dingtalk.root), fake, SELF_BUILT)
    assert any(p.endswith("/scopes") for p in about) and any("adminAccess" in p for p in about)
    assert "source" not in {c.item for c in checks}


def _set_fresh_days(root: Path, days: int) -> None:
    config = root / "decomkit.toml"
    text = config.read_text(encoding="utf-8")
    text = (re.sub(r"(?m)^imported_fresh_days = \d+", f"imported_fresh_days = {days}", text)
            if "imported_fresh_days" in text
            else text.replace("[dingtalk]\n", f"[dingtalk]\nimported_fresh_days = {days}\n"))
    config.write_text(text, encoding="utf-8")


def _metered_by_app(root: Path) -> dict[str, list[str]]:
    lines = [json.loads(line) for line in
             (root / "platform" / CALLS_NAME).read_text("utf-8").splitlines()]
    made: dict[str, list[str]] = {}
    for entry in lines:
        made.setdefault(entry["app"], []).append(entry["call"])
    return made


def test_the_call_budget_per_app_with_each_stage_run_on_its_own(on_dingtalk, fake, org,
                                                                tmp_path):
    """Each stage runs as a batch runs it, in a stage (a kernel) of its own, so nothing read by
    one stage is reused by the next. The issue asks for at most 6 metered calls an app; the
    floor is 10 (docs/dingtalk.md, "The call budget"): each call below is needed, and the
    test lists them so that any call added or removed is seen."""
    from decomkit.context.workspace import Workspace
    from decomkit.lifecycle.approval import follow_approval
    from decomkit.lifecycle.decide import run_assessment
    from decomkit.platforms.dingtalk_import import import_dingtalk

    organisation, agent_ids = org
    for app_id in (SELF_BUILT, APP):
        organisation.apps[agent_ids[app_id]].admins.add("it-admin")  # an admin of each app
    import_dingtalk(Workspace.open(on_dingtalk.root), ["scopes", "admins"], quiet=True, qps=0)
    (on_dingtalk.root / "platform" / CALLS_NAME).unlink()  # the import: once, for every app
    root = str(on_dingtalk.root)
    stages: dict[str, dict[str, list[str]]] = {}

    def stage_run(label: str, step) -> None:
        before = _metered_by_app(on_dingtalk.root) if (
            on_dingtalk.root / "platform" / CALLS_NAME).exists() else {}
        with open_stage(root, analyst="it-admin") as stage:
            step(stage)
        after = _metered_by_app(on_dingtalk.root)
        for app_id in (SELF_BUILT, APP):
            made = after.get(app_id, [])[len(before.get(app_id, [])):]
            runs = stages.setdefault(app_id, {})
            runs[label] = sorted(runs.get(label, []) + made)

    instances = {}
    for app_id in (SELF_BUILT, APP):
        stage_run("assess", lambda s, a=app_id: run_assessment(s, a))

        def request(s, a=app_id):  # 03_approval: the request, then it is tracked at once
            instances[a] = submit_approval(s, a, reason="成本过高")
            follow_approval(s, a)

        stage_run("request", request)
        event = instances[app_id]
        for user in event.data["approvers"]:
            fake.act(event.data["instance_id"], user, "agree", "同意")
        stage_run("tracked", lambda s, a=app_id: follow_approval(s, a))
    stage_run("disable", lambda s: run_disable(s, SELF_BUILT, dry_run=False,
                                               confirm=SELF_BUILT))

    def console_path(s):  # the third-party app: the disable is a console step
        with pytest.raises(ManualStepRequired):
            run_disable(s, APP, dry_run=False, confirm=APP)

    stage_run("disable", console_path)
    key = next(iter(ManualPlatform(on_dingtalk.root / "platform").pending()))
    organisation.apps[agent_ids[APP]].app_status = 0  # what the person did in the console
    _confirm(on_dingtalk, tmp_path, key)
    stage_run("after console", lambda s: run_disable(s, APP, dry_run=False, confirm=APP))

    request = ["get_approval",  # 03_approval tracks the request it has just made (one poll)
               "start_approval"]  # the request (停用申请): the approvers decide on DingTalk
    # the assessment and the request read scopes and admins from the import: no call
    assert stages[SELF_BUILT] == {
        "assess": [], "request": request,
        "tracked": ["get_approval"],  # the decision: one poll a tracking run
        "disable": sorted([
            "admin_access",  # the gate, before any effect: the operator may manage the app
            "work_notice",  # the people affected are told before (the guide asks for both)
            "get_scope",  # the scope saved for rollback, read live before the change
            "set_scope",  # revoked to admins only: one call when it fits
            "inactive_app",  # the disable (self-built apps only)
            "get_scope",  # the verification: admins only, read live after the change
            "work_notice"]),  # …and after
        "after console": []}
    assert stages[APP] == {
        "assess": [], "request": request, "tracked": ["get_approval"],
        # the same, but the disable is a console step: the stage stops there, and its next
        # run (after the person confirmed) passes the gate again and verifies
        "disable": ["admin_access", "get_scope", "set_scope", "work_notice"],
        "after console": ["admin_access", "get_scope", "work_notice"]}
    totals = {a: sum(len(v) for v in s.values()) for a, s in stages.items()}
    assert totals == {SELF_BUILT: 10, APP: 10}


def test_only_this_organisations_import_of_scopes_and_admins_counts():
    from decomkit.platforms.dingtalk_imported import import_source, imported_tables

    base = "https://api.dingtalk.com"
    source = import_source(base, {"scopes", "admins", "apps"})
    assert imported_tables(source, base) == {"scopes", "admins", "apps"}  # positive control
    assert imported_tables(source, "http://127.0.0.1:9") == set()  # another organisation
    assert imported_tables("apps.xlsx via map dingtalk-apps", base) == set()  # a file
