"""What an approver needs to decide (issue 23): the whole form, on the sandbox and on the strict
local DingTalk server; approvers routed by the app's owning department; and approvers'
questions answered on the same request."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import test_dingtalk as dingtalk
from decomkit.context.stage import open_stage
from decomkit.core.errors import DecomkitError, PlatformError, TransitionError
from decomkit.custody.verify import verify_backup
from decomkit.lifecycle.approval import submit_approval, track_approval
from decomkit.lifecycle.backup import run_backup
from decomkit.lifecycle.decide import record_decision, run_assessment
from decomkit.platforms.dingtalk_form import FORM_FIELDS, LABELS, form_components, labels
from decomkit.platforms.sandbox import SandboxPlatform
from helpers import set_config, world

# The strict local DingTalk server and the demo on it, as test_dingtalk sets them up.
_fresh_tokens, fake, org, on_dingtalk = (dingtalk._fresh_tokens, dingtalk.fake, dingtalk.org,
                                         dingtalk.on_dingtalk)
PROCESS, SELF_BUILT = dingtalk.PROCESS, dingtalk.SELF_BUILT

AS_OF = "2026-11-23"
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def assessed_and_verified(ws, app: str) -> list[str]:
    """01 (assessment and decision) and 02 (backup, verified) for ``app``; its reasons."""
    with open_stage(str(ws.root), analyst="it-admin", as_of=AS_OF) as stage:
        result = run_assessment(stage, app)
        record_decision(stage, result)
    run_backup(ws, app, actor="analyst")
    assert verify_backup(ws, app, actor="analyst").ok
    return result.assessment.reasons


@pytest.fixture
def sandbox_demo(demo):
    set_config(demo, "auto_agree_after_seconds = 2", "auto_agree_after_seconds = -1")
    return demo


# ------------------------------------------------------------------ 1. the form


def test_the_form_has_every_reason_and_what_finance_needs(sandbox_demo):
    reasons = assessed_and_verified(sandbox_demo, "old-attendance")
    assert len(reasons) > 3 and any("安全问题" in r for r in reasons[3:])  # the case at issue
    with open_stage(str(sandbox_demo.root), analyst="it-admin") as stage:
        form = submit_approval(stage, "old-attendance").data["form"]
    assert form[LABELS["reason"]].splitlines() == reasons  # all of them, one a line
    assert "安全问题" in form[LABELS["reason"]]
    assert "。;" not in form[LABELS["reason"]]
    assert form[LABELS["cost"]] == "¥15,840"
    assert form[LABELS["fee"]].startswith("¥") and form[LABELS["fee"]] != "¥0"
    assert "12 个月内 ¥" in form[LABELS["saving"]]
    assert form[LABELS["notice"]][:4] == "2026"
    assert form[LABELS["people"]].endswith(" 人") and form[LABELS["people"]] != "0 人"
    assert form[LABELS["replacement"]].startswith("考勤打卡")
    assert form[LABELS["backup"]].startswith("已复验")
    assert form[LABELS["previous"]] == "无(首次申请)"
    assert form[LABELS["action"]] == "停用应用"
    assert form[LABELS["documents"]]
    for value in form.values():
        assert value and "None" not in value and "nan" not in value


def test_a_resubmission_names_the_request_it_replaces(sandbox_demo):
    assessed_and_verified(sandbox_demo, "bi-pro")
    with open_stage(str(sandbox_demo.root), analyst="it-admin") as stage:
        first = submit_approval(stage, "bi-pro")
        SandboxPlatform(sandbox_demo.root / "platform").decide_approval(
            first.data["instance_id"], first.data["approvers"][0], "refuse", "缺少迁移计划")
        assert track_approval(stage, "bi-pro").state == "rejected"
        again = submit_approval(stage, "bi-pro")
    assert again.data["form"][LABELS["previous"]] == first.data["instance_id"]
    assert again.data["previous_instance"] == first.data["instance_id"]


def test_the_form_reads_in_english_for_an_english_workspace(sandbox_demo):
    set_config(sandbox_demo, 'language = "zh"', 'language = "en"')
    assessed_and_verified(sandbox_demo, "old-attendance")
    with open_stage(str(sandbox_demo.root), analyst="it-admin") as stage:
        form = submit_approval(stage, "old-attendance").data["form"]
    english = labels("en")
    assert set(form) == set(english.values()) - {english["title"]}  # one language: no 中文 name
    assert form[english["action"]] == "disable the app"
    assert "over 12 months" in form[english["saving"]]
    assert form[english["previous"]] == "none (first request)"


def test_on_dingtalk_the_checked_form_carries_the_same_fields(on_dingtalk, fake, org):
    reasons = assessed_and_verified(on_dingtalk, "old-attendance")
    with open_stage(str(on_dingtalk.root), analyst="it-admin") as stage:
        event = submit_approval(stage, "old-attendance")
    sent = {v["name"]: v["value"] for v in fake.instances[event.data["instance_id"]][
        "formComponentValues"]}
    assert set(sent) == {f.label for f in FORM_FIELDS}  # the strict server took every field
    assert sent[LABELS["reason"]].splitlines() == reasons
    assert sent[LABELS["cost"]] == "¥15,840" and sent[LABELS["previous"]] == "无(首次申请)"


def test_a_template_of_the_old_thin_form_is_refused_naming_the_new_fields(on_dingtalk, fake,
                                                                          org):
    thin = {"应用", "操作", "停用原因", "计划停用日期", "影响", "备份验证", "计划摘要", "台账校验",
            "标题"}
    org[0].templates[PROCESS]["formComponents"] = [
        c for c in form_components() if c["props"]["label"] in thin]
    with on_dingtalk.ledger() as ledger:
        rows = ledger.head()
    with open_stage(str(on_dingtalk.root), analyst="it-admin") as stage, \
            pytest.raises(PlatformError) as caught:
        submit_approval(stage, SELF_BUILT, reason="成本过高")
    for key in ("cost", "saving", "fee", "notice", "documents", "replacement", "people",
                "previous"):
        assert f"missing field '{LABELS[key]}'" in str(caught.value)
    with on_dingtalk.ledger() as ledger:
        assert ledger.head() == rows
    assert fake.instances == {}
    # create-template brings the template up to the kit's form, in place
    from decomkit.cli import main
    assert main(["dingtalk", "create-template", str(on_dingtalk.root)]) == 0
    assert [c["props"]["label"] for c in org[0].templates[PROCESS]["formComponents"]] == [
        f.label for f in FORM_FIELDS]
    with open_stage(str(on_dingtalk.root), analyst="it-admin") as stage:
        submit_approval(stage, SELF_BUILT, reason="成本过高")
    assert len(fake.instances) == 1


def test_an_english_workspace_gets_an_english_form_on_dingtalk(on_dingtalk, fake, org):
    """The template's field names are the workspace's language: create-template (run twice:
    the same template, updated in place) names them in English, the schema check takes them,
    and the request is sent with English names only."""
    from decomkit.cli import main

    set_config(on_dingtalk, 'language = "zh"', 'language = "en"')
    before = set(org[0].templates)
    for _ in range(2):
        assert main(["dingtalk", "create-template", str(on_dingtalk.root)]) == 0
    assert set(org[0].templates) == before  # updated, never a second copy
    assert [c["props"]["label"] for c in org[0].templates[PROCESS]["formComponents"]] == [
        f.label_en for f in FORM_FIELDS]
    assessed_and_verified(on_dingtalk, "old-attendance")
    with open_stage(str(on_dingtalk.root), analyst="it-admin") as stage:
        event = submit_approval(stage, "old-attendance")
    sent = {v["name"]: v["value"] for v in fake.instances[event.data["instance_id"]][
        "formComponentValues"]}
    assert set(sent) == set(labels("en").values())
    assert sent["Action"] == "disable the app"


# ------------------------------------------------------------------ 2. routing by rule


def heads(ws) -> dict[str, str]:
    users = ws.inventory(["users"]).users
    marked = users[users["dept_head"].fillna(False).astype(bool)]
    return dict(zip(marked["department"], marked["user_id"], strict=True))


@pytest.mark.parametrize(("app", "department"), [
    ("bi-pro", "财务部"), ("sales-report", "销售部"), ("old-attendance", "人力资源部")])
def test_each_app_goes_to_the_head_of_its_own_department(sandbox_demo, app, department):
    assessed_and_verified(sandbox_demo, app)
    with open_stage(str(sandbox_demo.root), analyst="it-admin") as stage:
        event = submit_approval(stage, app)
    head = heads(sandbox_demo)[department]
    assert event.data["approvers"][0] == head != "u0002"
    assert event.data["approvers"][1] == heads(sandbox_demo)["技术部"]  # then IT
    sandbox = SandboxPlatform(sandbox_demo.root / "platform")
    with sandbox._state(write=False) as state:  # the platform was asked for the same chain
        assert state["approvals"][event.data["instance_id"]]["approvers"][0] == head


def test_finance_is_asked_only_above_the_cost_threshold(sandbox_demo):
    assessed_and_verified(sandbox_demo, "old-attendance")  # ¥15,840 a year
    finance = heads(sandbox_demo)["财务部"]
    set_config(sandbox_demo, "finance_above = 0", "finance_above = 20000")
    with open_stage(str(sandbox_demo.root), analyst="it-admin") as stage:
        below = submit_approval(stage, "old-attendance")
    assert finance not in below.data["approvers"] and len(below.data["approvers"]) == 2
    set_config(sandbox_demo, "finance_above = 20000", "finance_above = 15000")
    with open_stage(str(sandbox_demo.root), analyst="it-admin") as stage:
        from decomkit.lifecycle.routing import route
        assert route(stage, "old-attendance")[-1] == finance  # positive control: above it


def test_a_department_without_a_head_is_refused_and_nothing_changes(sandbox_demo):
    assessed_and_verified(sandbox_demo, "sales-report")
    users = sandbox_demo.root / "data" / "users.csv"
    users.write_text("\n".join(line.replace(",True", ",False") if "销售部" in line else line
                               for line in users.read_text(encoding="utf-8-sig").splitlines())
                     + "\n", encoding="utf-8-sig")
    before = world(sandbox_demo)
    with open_stage(str(sandbox_demo.root), analyst="it-admin") as stage, \
            pytest.raises(TransitionError, match="销售部"):
        submit_approval(stage, "sales-report")
    assert world(sandbox_demo) == before


@pytest.mark.parametrize(("rule", "why"), [
    (("[approval.department_heads]\n", '[approval.department_heads]\n"销售部" = "it-admin"\n'),
     "it-admin"),  # the requester heads the owning department
    # a chain of finance alone, and the app below finance's threshold: nobody is asked
    (("finance_above = 0", "finance_above = 1e9"), "没有审批人|no approvers"),
])
def test_a_chain_resolving_to_the_requester_or_nobody_is_refused(sandbox_demo, rule, why):
    assessed_and_verified(sandbox_demo, "sales-report")
    if "finance" in rule[0]:
        config = sandbox_demo.root / "decomkit.toml"
        text = config.read_text(encoding="utf-8")
        start = text.index("\n[[approval.chain]]\n")
        finance = text.index('\nrole = "finance"')
        config.write_text(text[:start] + text[text.rindex("\n[[approval.chain]]", 0, finance):],
                          encoding="utf-8")
    set_config(sandbox_demo, *rule)
    before = world(sandbox_demo)
    with open_stage(str(sandbox_demo.root), analyst="it-admin") as stage, \
            pytest.raises(DecomkitError, match=why):
        submit_approval(stage, "sales-report")
    assert world(sandbox_demo) == before


def edit_table(ws, table: str, change) -> None:
    """Rewrite ``data/<table>.csv`` row by row (``change(row) -> row``; extra rows: a list)."""
    import csv
    import io

    path = ws.root / "data" / f"{table}.csv"
    raw = path.read_bytes()
    try:  # the demo writes some tables in GBK, as exports from older systems are
        encoding, text = "utf-8-sig", raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        encoding, text = "gbk", raw.decode("gbk")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    fields, rows = list(reader.fieldnames or ()), list(reader)
    out = []
    for row in rows:
        changed = change(row)
        out.extend(changed if isinstance(changed, list) else [changed])
    fields += [k for k in dict.fromkeys(k for row in out for k in row) if k not in fields]
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        writer.writerows(out)


def test_an_owning_department_is_matched_by_its_whole_path_never_by_a_namesake(sandbox_demo):
    """Two branches each have a 财务部: an app owned by "财务部" is refused as ambiguous (the
    old suffix match took whichever head came first, here the other branch's), and an app owned
    by "总部/财务部" goes to that department's head, not to its namesake's."""
    assessed_and_verified(sandbox_demo, "bi-pro")  # owned by 财务部
    head = heads(sandbox_demo)["财务部"]

    def two_branches(row):
        if row["department"] != "财务部":
            return row
        row = {**row, "department": "总部/财务部"}
        if row["user_id"] != head:
            return row
        namesake = {**row, "user_id": "u9901", "name": "分公司财务", "email": "",
                    "department": "分公司/财务部"}
        return [namesake, row]  # the other branch's head comes first in the table

    edit_table(sandbox_demo, "users", two_branches)
    before = world(sandbox_demo)
    with open_stage(str(sandbox_demo.root), analyst="it-admin") as stage, \
            pytest.raises(TransitionError, match="分公司/财务部"):
        submit_approval(stage, "bi-pro")
    assert world(sandbox_demo) == before
    edit_table(sandbox_demo, "apps", lambda row: {**row, "owner_dept": "总部/财务部"}
               if row["app_id"] == "bi-pro" else row)
    with open_stage(str(sandbox_demo.root), analyst="it-admin") as stage:
        event = submit_approval(stage, "bi-pro")
    assert event.data["approvers"][0] == head != "u9901"


def test_a_head_named_in_the_settings_who_has_left_is_refused(sandbox_demo):
    assessed_and_verified(sandbox_demo, "sales-report")
    named = next(u for u in sandbox_demo.inventory(["users"]).users["user_id"]
                 if u not in heads(sandbox_demo).values() and u != "it-admin")
    set_config(sandbox_demo, "[approval.department_heads]\n",
               f'[approval.department_heads]\n"销售部" = "{named}"\n')
    with open_stage(str(sandbox_demo.root), analyst="it-admin") as stage:
        from decomkit.lifecycle.routing import route
        assert route(stage, "sales-report")[0] == named  # positive control: still here
    edit_table(sandbox_demo, "users", lambda row: {**row, "gone_since": "2026-11-01"}
               if row["user_id"] == named else row)
    before = world(sandbox_demo)
    with open_stage(str(sandbox_demo.root), analyst="it-admin") as stage, \
            pytest.raises(TransitionError, match=f"{named} has left") as caught:
        submit_approval(stage, "sales-report")
    assert re.search(f"{named}.*已离开", caught.value.in_language("zh"))  # the zh reader's
    assert world(sandbox_demo) == before


def test_an_approver_of_the_chain_who_has_left_is_refused(sandbox_demo):
    assessed_and_verified(sandbox_demo, "sales-report")
    it = heads(sandbox_demo)["技术部"]  # the chain's IT approver
    edit_table(sandbox_demo, "users", lambda row: {**row, "gone_since": "2026-11-01"}
               if row["user_id"] == it else row)
    before = world(sandbox_demo)
    with open_stage(str(sandbox_demo.root), analyst="it-admin") as stage, \
            pytest.raises(TransitionError, match=f"{it} has left") as caught:
        submit_approval(stage, "sales-report")
    assert re.search(f"{it}.*已离开", caught.value.in_language("zh"))  # the zh reader's
    assert world(sandbox_demo) == before


def test_on_dingtalk_the_request_goes_to_the_owning_departments_head(on_dingtalk, fake, org):
    with open_stage(str(on_dingtalk.root), analyst="it-admin") as stage:
        event = submit_approval(stage, SELF_BUILT, reason="成本过高")
    head = heads(on_dingtalk)["销售部"]
    assert fake.instances[event.data["instance_id"]]["approverUserIds"][0] == head != "u0002"


# ------------------------------------------------------------------ 3. answering approvers

QUESTION = "停用后历史考勤记录在哪里查询?"


def pending_request(ws, app: str = "old-attendance"):
    assessed_and_verified(ws, app)
    with open_stage(str(ws.root), analyst="it-admin") as stage:
        return submit_approval(stage, app).data


def test_a_question_reaches_the_analyst_and_the_answer_goes_onto_the_same_request(
        sandbox_demo, tmp_path, capsys):
    from decomkit.cli import main
    from decomkit.core.present import Audience
    from decomkit.records.overview import portfolio_overview
    from decomkit.views.trail import app_trail

    request = pending_request(sandbox_demo)
    instance, head = request["instance_id"], request["approvers"][0]
    sandbox = SandboxPlatform(sandbox_demo.root / "platform")
    sandbox.comment_approval(instance, head, "看过了,按计划。", key="c1")  # no question
    sandbox.comment_approval(instance, head, QUESTION, key="c2")
    with open_stage(str(sandbox_demo.root), analyst="it-admin") as stage:
        tracking = track_approval(stage, "old-attendance")
        assert [q.text for q in tracking.questions] == [QUESTION]  # the remark is no question
        assert track_approval(stage, "old-attendance").questions == tracking.questions
        waiting = portfolio_overview(stage, verify_backups=False).waiting
    told = [m for m in sandbox.outbox() if QUESTION in m["text"]]
    assert len(told) == 1 and told[0]["user_ids"] == ["it-admin"]  # once, to the requester
    assert QUESTION in waiting.set_index("app_id").loc["old-attendance", "questions"]

    attachment = tmp_path / "考勤迁移说明.pdf"
    attachment.write_bytes(b"%PDF-1.4 history moves to the attendance app")
    answer = "历史记录已迁入考勤打卡,可在“考勤报表”中按月查询。"
    assert main(["approval", "answer", str(sandbox_demo.root), "old-attendance",
                 "--text", answer, "--attach", str(attachment)]) == 0
    assert instance in capsys.readouterr().out
    with sandbox._state(write=False) as state:
        added = state["approvals"][instance]["comments"][-1]
    assert added["user_id"] == "it-admin" and added["comment"] == answer
    assert added["attachment"] == attachment.name
    with sandbox_demo.ledger() as ledger:
        note = [e for e in ledger.events("old-attendance") if e.kind == "note"][-1]
        assert ledger.state("old-attendance") == "approval_pending"  # still waiting
    assert note.data["kind"] == "approval_answer" and note.data["instance_id"] == instance
    kept = sandbox_demo.root / note.data["evidence"]
    assert kept.read_bytes() == attachment.read_bytes()
    with open_stage(str(sandbox_demo.root), analyst="it-admin") as stage:
        assert track_approval(stage, "old-attendance").questions == ()  # answered
        waiting = portfolio_overview(stage, verify_backups=False).waiting
    assert waiting.set_index("app_id").loc["old-attendance", "questions"] == ""
    trail = app_trail(sandbox_demo, "old-attendance", Audience("zh", "Asia/Shanghai"))
    assert any(answer in " ".join(e.details) for e in trail)
    assert any(QUESTION in " ".join(e.details) for e in trail)
    # the same answer again is given once
    assert main(["approval", "answer", str(sandbox_demo.root), "old-attendance",
                 "--text", answer, "--attach", str(attachment)]) == 0
    with sandbox._state(write=False) as state:
        assert [c["comment"] for c in state["approvals"][instance]["comments"]].count(answer) == 1


def test_an_answer_without_a_pending_request_changes_nothing(sandbox_demo, tmp_path):
    from decomkit.cli import main

    assessed_and_verified(sandbox_demo, "old-attendance")  # verified, nothing requested
    before = world(sandbox_demo)
    assert main(["approval", "answer", str(sandbox_demo.root), "old-attendance",
                 "--text", "答复"]) == 1
    assert main(["approval", "answer", str(sandbox_demo.root), "old-attendance",
                 "--text", "答复", "--attach", str(tmp_path / "missing.pdf")]) == 1
    assert world(sandbox_demo) == before
    assert not (sandbox_demo.root / "approvals").exists()


def test_on_dingtalk_a_question_is_read_and_answered_with_the_comment_call(
        on_dingtalk, fake, org, tmp_path):
    from decomkit.lifecycle.questions import answer_approvers

    with open_stage(str(on_dingtalk.root), analyst="it-admin") as stage:
        event = submit_approval(stage, SELF_BUILT, reason="成本过高")
        instance = event.data["instance_id"]
        fake.comment(instance, event.data["approvers"][0], "销售日报的数据迁到哪里了?")
        tracking = track_approval(stage, SELF_BUILT)
        assert [q.text for q in tracking.questions] == ["销售日报的数据迁到哪里了?"]
        assert tracking.state == "approval_pending"  # a comment is no decision
        attachment = tmp_path / "迁移.xlsx"
        attachment.write_bytes(b"PK migration plan")
        answer_approvers(stage, SELF_BUILT, "已迁入CRM客户管理的日报模块。", attachment)
        assert track_approval(stage, SELF_BUILT).questions == ()
    sent = [e["body"] for e in fake.log if e["method"] == "POST"
            and e["path"] == "/v1.0/workflow/processInstances/comments"]
    assert len(sent) == 1 and sent[0]["processInstanceId"] == instance
    assert sent[0]["commentUserId"] == "it-admin"
    assert sent[0]["text"].startswith("已迁入CRM客户管理的日报模块。")
    assert attachment.name in sent[0]["text"]
    remarks = [r for r in fake.instances[instance]["operationRecords"]
               if r["type"] == "ADD_REMARK"]
    assert [r["userId"] for r in remarks] == [event.data["approvers"][0], "it-admin"]
    told = [e["body"] for e in fake.log if "销售日报的数据迁到哪里了" in str(e.get("body"))
            and e["path"] != "/v1.0/workflow/processInstances/comments"]
    assert told  # the requester was told through the reminder channel (a work notification)


def test_the_manual_platform_keeps_the_question_and_the_answer_on_the_request(tmp_path):
    from decomkit.platforms.manual import ManualPlatform

    manual = ManualPlatform(tmp_path / "platform", {}, users={})
    with manual._state() as state:  # a request asked in the console and confirmed
        state["approvals"]["manual-1"] = {"originator": "it-admin", "approvers": ["u0005"],
                                          "status": "RUNNING", "result": None, "records": []}
    manual.comment_approval("manual-1", "u0005", QUESTION, key="q")
    attachment = tmp_path / "说明.pdf"
    attachment.write_bytes(b"%PDF answer")
    manual.comment_approval("manual-1", "it-admin", "在考勤打卡中查询。", attachment, key="a")
    manual.comment_approval("manual-1", "it-admin", "在考勤打卡中查询。", attachment, key="a")
    status = manual.approval_status("manual-1")
    assert [c["comment"] for c in status.comments] == [QUESTION, "在考勤打卡中查询。"]
    assert status.comments[1]["attachment"] == "说明.pdf" and status.records == ()
    from decomkit.lifecycle.questions import questions_in
    assert [q.text for q in questions_in(status, "it-admin")] == [QUESTION]


def test_03_shows_the_question_and_takes_the_answer(sandbox_demo, tmp_path):
    import papermill as pm

    request = pending_request(sandbox_demo)
    SandboxPlatform(sandbox_demo.root / "platform").comment_approval(
        request["instance_id"], request["approvers"][0], QUESTION, key="q")

    def run(**parameters) -> str:
        out = tmp_path / "03.ipynb"
        pm.execute_notebook(str(NOTEBOOKS / "03_approval.ipynb"), str(out),
                            kernel_name="decomkit", progress_bar=False, cwd=str(tmp_path),
                            parameters={"workspace": str(sandbox_demo.root),
                                        "app_id": "old-attendance", **parameters})
        return out.read_text(encoding="utf-8")

    asked = run()
    assert "审批人的提问(尚未答复)" in asked and QUESTION in asked
    assert "decomkit approval answer" in asked
    answered = run(answer_text="历史记录已迁入考勤打卡。")
    assert f"已在申请 {request['instance_id']} 上答复" in answered
    assert "没有等待答复的提问。" in answered


def test_an_answer_carrying_a_key_or_a_secret_is_refused_and_its_text_is_masked(
        sandbox_demo, tmp_path, monkeypatch):
    """The answer is a sink: an attachment holding a private key or a secret is refused before
    anything is sent or kept; the text reaches the request with secrets masked and without
    control characters. A plain attachment is kept (the positive control)."""
    from decomkit.lifecycle.questions import answer_approvers

    request = pending_request(sandbox_demo)
    stage = open_stage(str(sandbox_demo.root), analyst="it-admin")
    key = tmp_path / "signing.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n"
                   "-----END PRIVATE KEY-----\n")
    before = world(sandbox_demo)
    with pytest.raises(TransitionError, match="holds a private key or a secret") as caught:
        answer_approvers(stage, "old-attendance", "附上文件", key)
    assert "含有私钥或密钥" in caught.value.in_language("zh")
    assert world(sandbox_demo) == before
    assert not (sandbox_demo.root / "approvals").exists()
    secret = "Zq8Xv3Lm0Np7Rt2Wy6Bc9Df4Gh1Jk5"
    monkeypatch.setenv("DECOMKIT_DINGTALK_APP_SECRET", secret)
    plain = tmp_path / "migration.txt"
    plain.write_text("历史记录已迁入考勤打卡。\n", encoding="utf-8")
    answer_approvers(stage, "old-attendance", f"密钥 {secret}\x07 已轮换", plain)
    with SandboxPlatform(sandbox_demo.root / "platform")._state(write=False) as state:
        said = state["approvals"][request["instance_id"]]["comments"][-1]["comment"]
    assert "已轮换" in said and secret not in said and "\x07" not in said


def test_an_answer_of_control_characters_alone_is_empty_and_changes_nothing(sandbox_demo,
                                                                            tmp_path):
    """The answer is judged empty once cleaned: control characters alone were once let through
    the check, the attachment copied into approvals/ and only then the platform refused the
    empty comment."""
    from decomkit.lifecycle.questions import answer_approvers

    pending_request(sandbox_demo)
    attachment = tmp_path / "说明.pdf"
    attachment.write_bytes(b"%PDF-1.4 plain")
    before = world(sandbox_demo)
    with open_stage(str(sandbox_demo.root), analyst="it-admin") as stage:
        with pytest.raises(TransitionError, match="the answer is empty") as caught:
            answer_approvers(stage, "old-attendance", "\x07\x1b ", attachment)
        assert "答复为空" in caught.value.in_language("zh")
        assert world(sandbox_demo) == before
        assert not (sandbox_demo.root / "approvals").exists()
        answer_approvers(stage, "old-attendance", "\x07见附件", attachment)  # positive control
    assert world(sandbox_demo) != before
    assert (sandbox_demo.root / "approvals" / "old-attendance").is_dir()


def test_a_question_whose_notice_failed_is_told_at_the_next_tracking(sandbox_demo):
    """The question is recorded at once, but telling the requester is an effect that can fail:
    it was once never tried again (the question was 'seen'); now the next tracking tells them,
    and the one after does not tell them twice."""
    request = pending_request(sandbox_demo)
    sandbox = SandboxPlatform(sandbox_demo.root / "platform")
    sandbox.comment_approval(request["instance_id"], request["approvers"][0], QUESTION, key="q")
    sandbox.fail_next("error", operation="notify")
    with open_stage(str(sandbox_demo.root), analyst="it-admin") as stage:
        with pytest.raises(DecomkitError):
            track_approval(stage, "old-attendance")
        assert not [m for m in sandbox.outbox() if QUESTION in m["text"]]  # not told yet
        assert [q.text for q in track_approval(stage, "old-attendance").questions] == [QUESTION]
        track_approval(stage, "old-attendance")
    told = [m for m in sandbox.outbox() if QUESTION in m["text"]]
    assert len(told) == 1 and told[0]["user_ids"] == ["it-admin"]
    with sandbox_demo.ledger() as ledger:  # the question itself is recorded once
        asked = [e for e in ledger.events("old-attendance")
                 if e.kind == "note" and e.data.get("kind") == "approval_question"]
    assert len(asked) == 1
