"""DingTalk in production (issue 26), each against the strict local server: what a real
organisation hits that the contract alone does not show. Every test here fails on the code
before the issue.

1. Exactly once: a creating call is sent once; an answer lost after DingTalk accepted it
   (a dropped connection, a gateway's HTML 502) is "unknown", settled by asking DingTalk or a
   person, never sent again blindly — on the next run either.
"""

from __future__ import annotations

import json

import pytest

import test_dingtalk as base
from decomkit.cli import main
from decomkit.context.stage import open_stage
from decomkit.context.workspace import Workspace
from decomkit.core.errors import ActionUnsettled, PlatformError, PlatformTimeout
from decomkit.lifecycle.approval import submit_approval
from decomkit.platforms import Notification
from decomkit.platforms.dingtalk import DingTalkPlatform
from decomkit.platforms.dingtalk_sends import SENDS_NAME
from decomkit.proof.gates import Grant
from test_dingtalk import PROCESS, SELF_BUILT, _request, client

LIVE = Grant(SELF_BUILT, "notify_in_advance", {}, live=True)  # what a real run's gate gives

# the lifecycle module's fixtures: the strict server, its organisation, the demo on DingTalk
_fresh_tokens, org, fake, on_dingtalk = (base._fresh_tokens, base.org, base.fake,
                                         base.on_dingtalk)

START = "/v1.0/workflow/processInstances"
NOTICE = "/topapi/message/corpconversation/asyncsend_v2"


def _starts(fake) -> int:
    return fake.count(START, "POST")


# ------------------------------------------------------------------ 1. exactly once

@pytest.mark.parametrize("kind", ["drop_after", "502_after"])
def test_an_approval_accepted_then_unanswered_is_unknown_and_settled_by_asking(fake, org,
                                                                              kind):
    dt_client = client(fake, org)
    fake.fail(START, kind, method="POST")
    with pytest.raises(PlatformTimeout, match="unknown") as caught:
        dt_client.submit_approval(_request(), key="a:approval:1")
    assert "IP" not in str(caught.value)  # a gateway's 502 page is not the IP ban
    assert _starts(fake) == 1 and len(fake.instances) == 1  # sent once, and it was created
    assert dt_client.sends.get("a:approval:1")["status"] == "unknown"
    with pytest.raises(PlatformTimeout, match="not sent again"):  # the same key: not resent
        dt_client.submit_approval(_request(), key="a:approval:1")
    assert _starts(fake) == 1
    created = next(iter(fake.instances))
    assert dt_client.settled("submit_approval", "a:approval:1") == (True, created)
    assert fake.count("/processes/instanceIds/query") >= 1 and _starts(fake) == 1
    assert dt_client.submit_approval(_request(), key="a:approval:1") == created  # its answer


def test_an_approval_that_was_never_created_is_settled_absent_then_sent_once(fake, org):
    dt_client = client(fake, org)
    fake.fail(START, "500", method="POST")  # refused by a 5xx before it ran: nothing created
    with pytest.raises(PlatformTimeout):
        dt_client.submit_approval(_request(), key="k")
    assert fake.instances == {}
    assert dt_client.settled("submit_approval", "k") == (False, None)  # DingTalk has none
    instance = dt_client.submit_approval(_request(), key="k")  # positive control: now sent
    assert list(fake.instances) == [instance] and _starts(fake) == 2


def test_an_earlier_request_of_the_same_form_is_not_taken_for_this_one(fake, org):
    dt_client = client(fake, org)
    first = dt_client.submit_approval(_request(), key="a:approval:1")
    fake.fail(START, "drop_after", method="POST")
    with pytest.raises(PlatformTimeout):
        dt_client.submit_approval(_request(), key="a:approval:2")
    second = next(i for i in fake.instances if i != first)
    assert dt_client.settled("submit_approval", "a:approval:2") == (True, second)


def test_the_next_run_asks_dingtalk_and_never_opens_a_second_request(on_dingtalk, fake, org):
    fake.fail(START, "drop_after", method="POST")
    with (open_stage(str(on_dingtalk.root), analyst="it-admin") as stage,
          pytest.raises(PlatformTimeout)):
        submit_approval(stage, SELF_BUILT, reason="成本过高")
    sends = json.loads((on_dingtalk.root / "platform" / SENDS_NAME).read_text("utf-8"))
    assert [e["status"] for e in sends.values()] == ["unknown"]
    with on_dingtalk.ledger() as ledger:
        assert ledger.action(f"{SELF_BUILT}:approval:1").status == "unknown"
    with open_stage(str(on_dingtalk.root), analyst="it-admin") as stage:  # the next run
        event = submit_approval(stage, SELF_BUILT, reason="成本过高")
    assert _starts(fake) == 1 and list(fake.instances) == [event.data["instance_id"]]


def _notice(users=("u0001",)):
    return Notification("dingtalk_work", "停用通知", "x", tuple(users))


@pytest.mark.parametrize("kind", ["drop_after", "502_after"])
def test_a_work_notice_whose_answer_was_lost_is_never_sent_again(on_dingtalk, fake, kind):
    fake.fail(NOTICE, kind)
    platform = DingTalkPlatform.from_workspace(Workspace.open(on_dingtalk.root))
    key = f"{SELF_BUILT}:notice:1"

    def run():
        with on_dingtalk.ledger() as ledger:
            return ledger.run_once(key, SELF_BUILT, "notify", "it-admin",
                                   lambda: platform.notify(_notice(), key=key),
                                   lambda: platform.settled("notify", key), grant=LIVE)

    with pytest.raises(PlatformTimeout):
        run()
    assert len(fake.messages) == 1
    with pytest.raises(ActionUnsettled):  # no task id: DingTalk cannot say; a person checks
        run()
    assert len(fake.messages) == 1 and fake.count(NOTICE) == 1
    sends = on_dingtalk.root / "platform" / SENDS_NAME
    before = sends.read_bytes()
    # decomkit settle is a dry run by default: nothing recorded, nothing sent
    assert main(["settle", str(on_dingtalk.root), key, "--happened", "--as", "王伟"]) == 0
    assert sends.read_bytes() == before
    with on_dingtalk.ledger() as ledger:
        assert ledger.action(key).status == "unknown"
    assert main(["settle", str(on_dingtalk.root), key, "--happened", "--as", "王伟",
                 "--apply"]) == 0
    run()  # settled: done, never sent again
    assert len(fake.messages) == 1 and fake.count(NOTICE) == 1


def test_a_person_who_finds_it_was_not_sent_lets_the_next_run_send_it_once(on_dingtalk, fake):
    fake.fail(NOTICE, "drop_after")
    platform = DingTalkPlatform.from_workspace(Workspace.open(on_dingtalk.root))

    def run():
        with on_dingtalk.ledger() as ledger:
            return ledger.run_once("n", SELF_BUILT, "notify", "it-admin",
                                   lambda: platform.notify(_notice(), key="n"),
                                   lambda: platform.settled("notify", "n"), grant=LIVE)

    with pytest.raises(PlatformTimeout):
        run()
    fake.messages.clear()  # a person looked: it never arrived
    with pytest.raises(PlatformTimeout, match="not sent again"):
        platform.notify(_notice(), key="n")  # the platform alone refuses it too
    assert fake.count(NOTICE) == 1
    assert main(["settle", str(on_dingtalk.root), "n", "--did-not-happen", "--as", "王伟",
                 "--apply"]) == 0
    run()
    assert fake.count(NOTICE) == 2 and len(fake.messages) == 1


def test_a_run_that_died_after_the_answer_is_settled_by_the_task_id(fake, org):
    dt_client = client(fake, org)
    users = [f"u{i:04d}" for i in range(1, 151)]  # two chunks
    tasks = dt_client.notify(_notice(users), key="n")
    assert dt_client.settled("notify", "n") == (True, tasks)
    assert fake.count("/getsendprogress") == 2 and fake.count(NOTICE) == 2


def test_a_chunk_never_sent_is_sent_and_the_others_are_not_repeated(fake, org):
    dt_client = client(fake, org)
    users = [f"u{i:04d}" for i in range(1, 151)]
    fake.fail(NOTICE, "quota", after=1)  # the second chunk refused (nothing sent)
    fake.fail(NOTICE, "90020", after=1)
    with pytest.raises(PlatformError):
        dt_client.notify(_notice(users), key="n")
    assert dt_client.settled("notify", "n") == (False, None)
    dt_client.notify(_notice(users), key="n")
    assert [len(m["userids"]) for m in fake.messages] == [100, 50]


def test_a_connection_lost_after_sending_is_not_retried_for_a_creating_call(fake, org):
    fake.fail(START, "drop_after", method="POST")
    with pytest.raises(PlatformTimeout, match="connection was lost"):
        client(fake, org).submit_approval(_request(), key="k")
    assert _starts(fake) == 1
    fake.fail("/allApps", "drop_after")  # a read is harmless to repeat: retried
    assert len(client(fake, org).list_apps()) == 32


# ------------------------------------------------------------------ 2. classification, limits

def _waits(fake, org):
    waits: list[float] = []
    return client(fake, org, sleep=waits.append), waits


@pytest.mark.parametrize("kind", ["502_html", "504_empty", "500"])
def test_a_gateway_error_on_a_read_is_a_5xx_retried_not_an_ip_ban(fake, org, kind):
    fake.fail("/allApps", kind)
    assert len(client(fake, org).list_apps()) == 32
    fake.fail("/allApps", kind, count=9)
    with pytest.raises(PlatformError) as caught:
        client(fake, org).list_apps()
    assert "HTTP 50" in str(caught.value) and "IP" not in str(caught.value)


@pytest.mark.parametrize("kind", ["ban_html", "ban_json"])
def test_only_dingtalks_ban_shape_is_the_ip_ban_and_it_is_not_retried(fake, org, kind):
    fake.fail("/allApps", kind, count=9)
    with pytest.raises(PlatformError, match=r"refused this machine.s IP.*about 5 minutes"):
        client(fake, org).list_apps()
    assert fake.count("/allApps") == 1  # a retry would prolong the ban


@pytest.mark.parametrize(("kind", "window"), [("90018", 1), ("90019", 1), ("90002", 1),
                                              ("qps", 1), ("qps_app", 1), ("429", 1),
                                              ("qpm_app", 60)])
def test_every_rate_limit_is_retried_after_waiting_out_its_window(fake, org, kind, window):
    dt_client, waits = _waits(fake, org)
    path = "/topapi/v2/user/get" if kind[0].isdigit() else "/allApps"
    fake.fail(path, kind, count=4)
    if path == "/allApps":
        assert len(dt_client.list_apps()) == 32
    else:
        assert dt_client.originator_dept("it-admin")
    assert len(waits) == 4 and all(w >= window for w in waits)
    assert waits == sorted(waits) and sum(waits) >= 15 * window  # doubling: 1, 2, 4, 8 windows


def test_ninety_eighteen_after_forty_pages_does_not_abort_an_import(fake, org):
    from decomkit.platforms.dingtalk_import import DingTalkReader

    dt_client, waits = _waits(fake, org)
    departments = sorted(org[0].departments)
    whole = DingTalkReader(dt_client, qps=0).users(departments)  # positive control: no limit
    fake.fail("/topapi/v2/user/list", "90018", after=3)
    assert DingTalkReader(dt_client, qps=0).users(departments) == whole
    assert len(waits) == 1 and waits[0] >= 1


def test_a_creating_call_refused_by_a_rate_limit_is_sent_again_once(fake, org):
    dt_client, waits = _waits(fake, org)
    fake.fail(START, "qps_app", method="POST")
    dt_client.submit_approval(_request(), key="k")
    assert _starts(fake) == 2 and len(fake.instances) == 1 and waits[0] >= 1


@pytest.mark.parametrize("kind", ["quota", "90020"])
def test_the_quota_stops_at_once_with_one_clear_message(fake, org, kind):
    dt_client, waits = _waits(fake, org)
    path = "/allApps" if kind == "quota" else "/topapi/v2/user/get"
    fake.fail(path, kind, count=9)
    with pytest.raises(PlatformError, match="monthly DingTalk API call quota is used up"):
        dt_client.list_apps() if kind == "quota" else dt_client.originator_dept("it-admin")
    assert waits == [] and fake.count(path) == 1


# ------------------------------------------------------------------ 3. create-template

@pytest.mark.parametrize("kind", ["500", "quota", "timeout", "invalid_token"])
def test_create_template_creates_nothing_unless_the_lookup_said_none(fake, org, kind):
    templates = dict(org[0].templates)
    fake.fail("/schemaNames/processCodes", kind, count=9)
    with pytest.raises(PlatformError, match="nothing was created"):
        client(fake, org, timeout=1).save_template()
    assert fake.count("/v1.0/workflow/forms", "POST") == 0 and org[0].templates == templates


def test_create_template_after_a_rate_limited_lookup_updates_the_one_there(fake, org):
    fake.fail("/schemaNames/processCodes", "qps_app")
    assert client(fake, org).save_template() == "PROC-DECOM"  # found, after the wait
    assert list(org[0].templates) == ["PROC-DECOM"]


def test_create_template_creates_when_the_lookup_says_none(fake, org):
    del org[0].templates["PROC-DECOM"]  # positive control: a definite "none"
    code = client(fake, org).save_template()
    assert list(org[0].templates) == [code]


# ------------------------------------------------------------------ 4. bounded imports

def _reader(fake, org):
    from decomkit.platforms.dingtalk_import import DingTalkReader

    return DingTalkReader(client(fake, org), qps=0)


def test_a_department_cycle_is_one_error_naming_it(fake, org):
    def listsub(body, **_):  # 101 under the root, 102 under 101, and 101 again under 102
        children = {1: [(101, "财务部")], 101: [(102, "技术部")], 102: [(101, "财务部")]}
        return 200, {"errcode": 0, "errmsg": "ok", "result": [
            {"dept_id": d, "name": n, "parent_id": body["dept_id"]}
            for d, n in children.get(body["dept_id"], [])]}

    assert _reader(fake, org).departments()  # positive control: the real tree ends
    fake.dept_listsub = listsub
    with pytest.raises(PlatformError, match=r"cycle: department 101 \(财务部\) is listed "
                                            r"again under 财务部/技术部"):
        _reader(fake, org).departments()
    assert fake.count("/department/listsub") < 20


def test_a_user_list_that_always_has_more_is_refused(fake, org):
    def same_page(body, **_):
        return 200, {"errcode": 0, "errmsg": "ok", "result": {
            "has_more": True, "next_cursor": 100, "list": []}}

    fake.user_list = same_page
    with pytest.raises(PlatformError, match="cursor 100 again"):
        _reader(fake, org).users([101])
    assert fake.count("/user/list") == 2


def test_pages_are_bounded_even_when_the_cursor_moves(fake, org, monkeypatch):
    from decomkit.platforms import dingtalk

    def moving(body, **_):
        return 200, {"errcode": 0, "errmsg": "ok", "result": {
            "has_more": True, "next_cursor": body["cursor"] + 100, "list": []}}

    monkeypatch.setattr(dingtalk, "MAX_PAGES", 7)  # the one bound of every paged read
    fake.user_list = moving
    with pytest.raises(PlatformError, match="more than 7 pages"):
        _reader(fake, org).users([])
    assert fake.count("/user/list") == 7


def test_every_paged_read_has_the_one_page_bound(fake, org, monkeypatch):
    """The settlement's listing of approval requests is bounded by the same ``MAX_PAGES`` as
    the import's listings (one helper, one limit), and refuses a repeated page token."""
    from decomkit.platforms import dingtalk

    def moving(body, **_):
        return 200, {"result": {"list": [], "nextToken": str(body["nextToken"] + 20)},
                     "success": True}

    assert client(fake, org).instance_ids(PROCESS, 0) == []  # positive control: it ends
    monkeypatch.setattr(dingtalk, "MAX_PAGES", 7)
    fake.list_instance_ids = moving
    with pytest.raises(PlatformError, match="more than 7 pages"):
        client(fake, org).instance_ids(PROCESS, 0)
    assert fake.count("/processes/instanceIds/query") == 1 + 7

    def same(body, **_):
        return 200, {"result": {"list": [], "nextToken": "20"}, "success": True}

    fake.list_instance_ids = same
    with pytest.raises(PlatformError, match="page token 20 again"):
        client(fake, org).instance_ids(PROCESS, 0)


def test_app_roles_that_always_have_more_are_refused(fake, org):
    agent = org[1][SELF_BUILT]

    def roles(agentId, query, **_):
        return 200, {"dataList": [], "hasMore": True, "nextToken": 20}

    fake.app_roles = roles
    with pytest.raises(PlatformError, match="page token 20 again"):
        _reader(fake, org).roles(str(agent))
    assert fake.count("/roles") == 2


@pytest.mark.parametrize("bad", ["../../../../etc/x", "12/../../x", "１２", "2001%2F..", ""])
def test_an_imported_agent_id_is_refused_before_it_goes_into_a_url(fake, org, bad):
    def apps(**_):
        return 200, {"appList": [{"agentId": bad, "name": "x", "appStatus": 1, "appId": 0}]}

    fake.list_apps = apps
    fake.list_inner_apps = apps
    with pytest.raises(PlatformError, match="agentId"):
        _reader(fake, org).apps()
    with pytest.raises(PlatformError, match="not a DingTalk id"):  # the client's own guard
        _reader(fake, org).scope(bad)
    with pytest.raises(PlatformError, match="not a DingTalk id"):
        client(fake, org).visible_to(bad or "/", SELF_BUILT)  # a user id in a path, too
    assert not any(".." in e["path"] or "etc" in e["path"] for e in fake.log)
    assert fake.count("/scopes") == 0


# ------------------------------------------------------------------ 5. issued tokens masked

def test_a_token_the_server_echoes_is_masked_in_every_sink(fake, org, tmp_path):
    from decomkit.core.sinks import scrub, write_json

    issued = "0123456789abcdef0123456789abcdef"  # DingTalk's shape: 32 hex, not "random-looking"
    assert scrub(f"echo {issued}") == f"echo {issued}"  # positive control: unknown, kept

    def issue(body, **_):
        fake.tokens[issued] = 1e12
        return 200, {"accessToken": issued, "expireIn": 7200}

    def echo(**_):  # a refusal that echoes the token it was sent
        return 400, {"code": "InvalidParameter", "message": f"参数错误 access_token={issued}x "
                     f"token {issued}", "requestid": "fake"}

    fake.access_token, fake.list_apps = issue, echo
    with pytest.raises(PlatformError) as caught:
        client(fake, org).list_apps()
    assert issued not in str(caught.value) and "参数错误" in str(caught.value)
    # any sink written later, from any text that holds it (a notebook output, a summary)
    assert issued not in scrub(f"output: {issued}", tokens=False)
    written = write_json(tmp_path / "summary.json", {"error": f"echo {issued}"})
    assert issued not in written.read_text("utf-8")


# ------------------------------------------------------------------ 6. the robot anchor

def test_the_robot_anchor_sends_one_message_a_minute_and_waits_out_its_block(
        on_dingtalk, fake, monkeypatch):
    from decomkit.proof.checkpoints import anchor_now
    from fake_dingtalk import ROBOT_SECRET, ROBOT_TOKEN
    from test_proof import set_anchor

    monkeypatch.setenv("DECOMKIT_AUDIT_ROBOT_TOKEN", ROBOT_TOKEN)
    monkeypatch.setenv("DECOMKIT_AUDIT_ROBOT_SECRET", ROBOT_SECRET)
    ws = set_anchor(on_dingtalk, 'kind = "dingtalk"\nname = "auditors group"\nrobot = true')
    state = ws.root / "platform" / "audit-robot.json"

    def a_minute_later():
        saved = json.loads(state.read_text("utf-8"))
        saved["last_sent"] -= 61
        state.write_text(json.dumps(saved), "utf-8")

    def robot():
        return [m["msg"]["text"]["content"] for m in fake.messages if m.get("robot")]

    with pytest.warns(Warning):
        anchor_now(ws)  # every checkpoint so far: one message, the latest
        for note in range(5):  # transitions inside the minute: nothing more is posted
            with ws.ledger() as ledger:
                ledger.note(SELF_BUILT, "analyst", {"text": f"note {note}"})
            anchor_now(ws)
    assert len(robot()) == 1 and fake.count("/robot/send") == 1
    a_minute_later()
    anchor_now(ws)
    with ws.ledger() as ledger:
        head = ledger.head()[0]
    assert len(robot()) == 2 and f"seq={head} " in robot()[-1]  # the latest covers the rest
    a_minute_later()
    fake.fail("/robot/send", "robot_fast", count=9)  # 410100: blocked for 10 minutes
    with ws.ledger() as ledger:
        ledger.note(SELF_BUILT, "analyst", {"text": "one more"})
    with pytest.warns(Warning, match="410100"):
        anchor_now(ws)
    with pytest.warns(Warning, match="blocked"):
        anchor_now(ws)  # inside the block: not even tried
    assert fake.count("/robot/send") == 3
    saved = json.loads(state.read_text("utf-8"))
    assert saved["blocked_until"] - saved["last_sent"] > 600 - 120
