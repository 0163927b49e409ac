"""The DingTalk adapter against a local server that follows the documented contract."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import papermill as pm
import pytest

from decomkit.approval import submit_approval, track_approval
from decomkit.backup import run_backup, verify_backup
from decomkit.config import DingTalk
from decomkit.errors import ManualStepRequired, PlatformError, PlatformTimeout
from decomkit.execute import run_disable
from decomkit.platforms import ApprovalRequest, Notification, Scope
from decomkit.platforms.dingtalk import DingTalkPlatform
from decomkit.stage import open_stage
from fake_dingtalk import APP_KEY, APP_SECRET, ROBOT_SECRET, ROBOT_TOKEN, FakeDingTalk

APP = "bi-pro"  # a third-party app: the disable API applies
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.fixture
def fake(demo):
    inv = demo.inventory(["users"])
    users = dict(zip(inv.users["user_id"], inv.users["department"], strict=True))
    apps = {a: {"name": n, "appStatus": 1,
                "scope": {"userIds": [], "deptIds": ["财务部", "市场部"], "roleIds": [],
                          "onlyAdminVisible": False}}
            for a, n in zip(inv.apps["app_id"], inv.apps["name"], strict=True)}
    server = FakeDingTalk(apps, users, admins={"it-admin"}).start()
    yield server
    server.stop()


def client(fake, **kwargs) -> DingTalkPlatform:
    settings = DingTalk(api_base=fake.url, oapi_base=fake.url, agent_id=1,
                        operator_user_id="it-admin", process_code="PROC-DECOM")
    return DingTalkPlatform(settings, APP_KEY, APP_SECRET, robot_token=ROBOT_TOKEN,
                            robot_secret=ROBOT_SECRET, max_wait=0.05, **kwargs)


def count(fake, path: str) -> int:
    return sum(1 for _, p in fake.calls if path in p)


def test_token_is_cached_and_refreshed_when_expired(fake):
    dt_client = client(fake)
    dt_client.get_app(APP)
    dt_client.get_app(APP)
    assert count(fake, "/oauth2/accessToken") == 1
    fake.expire_tokens()
    assert dt_client.get_app(APP).name == "高级数据分析"  # 401 → a new token → the same call
    assert count(fake, "/oauth2/accessToken") == 2
    dt_client.notify(Notification("dingtalk_work", "t", "x", ("u0001",)), key="k1")
    fake.expire_tokens()
    dt_client.notify(Notification("dingtalk_work", "t", "x", ("u0001",)), key="k2")  # 42001
    assert count(fake, "/gettoken") == 2 and len(fake.messages) == 2


def test_bad_credentials_are_a_clear_error(fake):
    settings = DingTalk(api_base=fake.url, oapi_base=fake.url)
    with pytest.raises(PlatformError, match="invalidClientIdOrSecret"):
        DingTalkPlatform(settings, APP_KEY, "wrong").list_apps()


@pytest.mark.parametrize("kind", ["qps", "429", "500"])
def test_rate_limits_and_server_errors_are_retried_on_reads(fake, kind):
    fake.fail("/allApps", kind, count=2)
    assert len(client(fake).list_apps()) == 32
    assert count(fake, "/allApps") == 3


def test_old_style_rate_limit_is_retried(fake):
    fake.fail("asyncsend_v2", "90002", count=2)
    client(fake).notify(Notification("dingtalk_work", "t", "x", ("u0001",)), key="k")
    assert count(fake, "asyncsend_v2") == 3 and len(fake.messages) == 1


def _request():
    return ApprovalRequest(APP, "停用申请", "it-admin", ("u0002", "u0010"), {"原因": "成本"})


def test_a_non_idempotent_post_is_not_repeated_after_a_server_error(fake):
    fake.fail("/workflow/processInstances", "500")
    with pytest.raises(PlatformError, match="HTTP 500"):
        client(fake).submit_approval(_request(), key="a")
    assert count(fake, "/workflow/processInstances") == 1 and fake.instances == {}


def test_a_rate_limited_post_is_retried_because_it_never_ran(fake):
    fake.fail("/workflow/processInstances", "qps")
    assert client(fake).submit_approval(_request(), key="a").startswith("pi-")
    assert count(fake, "/workflow/processInstances") == 2 and len(fake.instances) == 1


def test_timeouts_retry_reads_but_not_a_post_that_may_have_run(fake):
    fake.fail("/allApps", "timeout")
    assert len(client(fake, timeout=1).list_apps()) == 32
    fake.fail("/workflow/processInstances", "timeout")
    with pytest.raises(PlatformTimeout):
        client(fake, timeout=1).submit_approval(_request(), key="a")
    assert count(fake, "/workflow/processInstances") == 1


@pytest.mark.parametrize("kind", ["ban_html", "ban_json"])
def test_the_ip_ban_body_is_reported_not_a_crash(fake, kind):
    fake.fail("/allApps", kind)
    with pytest.raises(PlatformError, match="banned for about 5 minutes"):
        client(fake).list_apps()


def test_robot_signature_verifies_and_msguuid_dedupes(fake):
    dt_client = client(fake)
    note = Notification("robot", "停用通知", "高级数据分析将于下周停用")
    assert dt_client.notify(note, key="jxc:pi-1:notify-before:robot") != ""
    dt_client.notify(note, key="jxc:pi-1:notify-before:robot")
    assert [m["msg"]["msgUuid"] for m in fake.messages] == ["jxc:pi-1:notify-before:robot"]
    forged = DingTalkPlatform(dt_client.settings, APP_KEY, APP_SECRET, robot_token=ROBOT_TOKEN,
                              robot_secret="SECwrong", max_wait=0.05)
    with pytest.raises(PlatformError, match="310000"):
        forged.notify(note, key="other")


def test_scope_changes_are_chunked_and_exact(fake):
    dt_client = client(fake)
    many = tuple(f"u{k:04d}" for k in range(1, 231))
    dt_client.set_visible_scope(APP, Scope(user_ids=many), key="k")
    assert fake.apps[APP]["scope"]["userIds"] == list(many)
    assert fake.apps[APP]["scope"]["deptIds"] == []
    dt_client.set_visible_scope(APP, Scope(dept_ids=("财务部",)), key="k2")
    assert dt_client.get_app(APP).scope == Scope(dept_ids=("财务部",))


def test_no_api_paths_ask_for_the_console(fake):
    with pytest.raises(ManualStepRequired, match="启用"):
        client(fake).enable(APP, key="k")
    with pytest.raises(ManualStepRequired, match="解除关联"):
        client(fake).unlink("jxc", key="k")


def test_secrets_never_show_in_errors_or_repr(fake):
    dt_client = client(fake)
    fake.fail("/allApps", "ban_html")
    with pytest.raises(PlatformError) as caught:
        dt_client.list_apps()
    for text in (str(caught.value), repr(dt_client)):
        assert APP_SECRET not in text and ROBOT_SECRET not in text


@pytest.fixture
def on_dingtalk(demo, fake, monkeypatch, retire):
    """The demo workspace on DingTalk (the local server), 高级数据分析 backed up and verified."""
    monkeypatch.setenv("DECOMKIT_DINGTALK_APP_KEY", APP_KEY)
    monkeypatch.setenv("DECOMKIT_DINGTALK_APP_SECRET", APP_SECRET)
    config = demo.root / "decomkit.toml"
    config.write_text(config.read_text(encoding="utf-8")
                      .replace('platform = "sandbox"', 'platform = "dingtalk"')
                      .replace("https://api.dingtalk.com", fake.url)
                      .replace("https://oapi.dingtalk.com", fake.url)
                      .replace('operator_user_id = ""', 'operator_user_id = "it-admin"')
                      .replace('process_code = ""', 'process_code = "PROC-DECOM"'),
                      encoding="utf-8")
    retire(demo, APP)
    run_backup(demo, APP, actor="analyst")
    assert verify_backup(demo, APP, actor="analyst").ok
    return demo


def test_the_whole_disable_on_dingtalk(on_dingtalk, fake):
    stage = open_stage(str(on_dingtalk.root), analyst="it-admin")
    event = submit_approval(stage, APP, dt.date(2026, 11, 23), "成本过高")
    for user in event.data["approvers"]:
        fake.act(event.data["instance_id"], user, "agree", "同意")
    assert track_approval(stage, APP).state == "approved"
    before = len(fake.changing_calls())
    plan = run_disable(stage, APP)  # dry run
    assert len(fake.changing_calls()) == before and plan.dry_run
    run = run_disable(stage, APP, dry_run=False, confirm=APP)
    assert run.state == "verified_disabled"
    assert fake.apps[APP]["appStatus"] == 0 and fake.apps[APP]["scope"]["onlyAdminVisible"]
    made = fake.changing_calls()[before:]
    run_disable(stage, APP, dry_run=False, confirm=APP)  # a rerun changes nothing
    assert fake.changing_calls()[before:] == made
    assert sum("asyncsend_v2" in p for p in made) == 2  # before and after, once each


def test_notebooks_run_with_the_dingtalk_adapter(on_dingtalk, fake, tmp_path):
    def run(name, **parameters):
        pm.execute_notebook(str(NOTEBOOKS / name), str(tmp_path / name), kernel_name="decomkit",
                            parameters={"workspace": str(on_dingtalk.root), "app_id": APP,
                                        **parameters}, progress_bar=False, cwd=str(tmp_path))
        return (tmp_path / name).read_text(encoding="utf-8")

    run("03_approval.ipynb")
    instance = next(iter(fake.instances))
    for user in fake.instances[instance]["approverUserIds"]:
        fake.act(instance, user, "agree")
    run("03_approval.ipynb")
    before = len(fake.changing_calls())
    run("04_disable.ipynb")
    assert len(fake.changing_calls()) == before
    text = run("04_disable.ipynb", dry_run=False, confirm=APP)
    assert fake.apps[APP]["appStatus"] == 0
    assert APP_SECRET not in text and "verified_disabled" in text


def test_killed_between_revoke_and_disable_then_rerun_repeats_nothing_at_the_server(
        on_dingtalk, fake):
    import os
    import signal
    import subprocess
    import sys
    import time

    stage = open_stage(str(on_dingtalk.root), analyst="it-admin")
    event = submit_approval(stage, APP, dt.date(2026, 11, 23), "成本过高")
    for user in event.data["approvers"]:
        fake.act(event.data["instance_id"], user, "agree")
    track_approval(stage, APP)
    fake.fail("/app/inactive", "hang")  # the disable call never answers
    code = ("from decomkit.stage import open_stage\nfrom decomkit.execute import run_disable\n"
            f"run_disable(open_stage({str(on_dingtalk.root)!r}, analyst='it-admin'), "
            f"{APP!r}, dry_run=False, confirm={APP!r})\n")
    proc = subprocess.Popen([sys.executable, "-c", code], env=dict(os.environ))
    deadline = time.monotonic() + 120
    while not any("/app/inactive" in p for _, p in fake.calls):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with on_dingtalk.ledger() as ledger:
        assert ledger.state(APP) == "access_revoked"
    assert fake.apps[APP]["appStatus"] == 1  # the killed call never took effect
    run = run_disable(stage, APP, dry_run=False, confirm=APP)
    assert run.state == "verified_disabled" and fake.apps[APP]["appStatus"] == 0
    made = fake.changing_calls()
    assert sum("/scopes" in p for p in made) == 2  # del departments + admins only, once
    assert sum("asyncsend_v2" in p for p in made) == 2  # before and after, once each
    assert sum("/app/inactive" in p for p in made) == 2  # the killed one and the rerun
