"""Hostile input and careless operators, closed by principle (issue 27): one test per numbered
item of the second hostile review (each fails on the code before the fix), and property tests
(Hypothesis) over every boundary: ids, reasons, names, map options, CLI numbers.

What is new since the fix is imported inside each test, so the module can be pointed at the older
library to see each case fail there."""

from __future__ import annotations

import contextlib
import datetime as dt
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decomkit.context.stage import open_stage
from decomkit.context.workspace import Workspace
from decomkit.core.errors import TransitionError
from decomkit.lifecycle.approval import submit_approval
from decomkit.lifecycle.execute import rollback, run_disable
from decomkit.platforms.sandbox import SandboxPlatform
from helpers import approve, close_jxc_documents, no_advance_notice, world

APP = "jxc"
TODAY = dt.date(2026, 11, 23)
# What draws nothing although Unicode files it as a mark or a letter.
INVISIBLE = ["\ufe0f", "\ufe00", "\U000e0100", "\u034f", "\u17b4", "\u17b5", "\u3164",
             "\u115f", "\u1160", "\uffa0", "\u180b", "\u200d"]
# A few seconds in all, and no example database left in the repository.
FAST = settings(max_examples=100, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def stage(ws, analyst: str = "it-admin"):
    return open_stage(str(ws.root), analyst=analyst)


def sandbox(ws) -> SandboxPlatform:
    return SandboxPlatform(ws.root / "platform")


@pytest.fixture
def approved(verified):
    no_advance_notice(verified)
    close_jxc_documents(verified)
    submit_approval(stage(verified), APP, reason="已由仓储管理WMS替代")
    approve(verified, APP, stage(verified))
    return verified


def make_plan_stale(ws) -> None:
    apps = ws.root / "data" / "apps.csv"
    text = apps.read_bytes().decode("gbk")
    old = "jxc,进销存,钉钉,供应链,仓储物流部,u0002,association"
    assert old in text
    apps.write_bytes(text.replace(old, old.replace("association", "third_party")).encode("gbk"))


# ------------------------------------------------------------------ 1. invisible characters

@pytest.mark.parametrize("mark", ["\ufe0f", "\u034f", "\u17b4", "\U000e0101"])
def test_1_a_reason_of_invisible_marks_does_not_pass_a_real_disable(approved, mark):
    make_plan_stale(approved)
    before = world(approved)
    with pytest.raises(TransitionError, match="at least 15 characters"):
        run_disable(stage(approved), APP, dry_run=False, confirm=APP,
                    override_reason=mark * 16)
    assert world(approved) == before


def test_1_a_reason_of_variation_selectors_does_not_pass_an_ended_contract(approved):
    from test_approval_disable import add_contract

    run_disable(stage(approved), APP, dry_run=False, confirm=APP)
    add_contract(approved, TODAY - dt.timedelta(days=30))
    before = world(approved)
    with pytest.raises(TransitionError, match="ended on"):
        rollback(stage(approved), APP, APP, override_reason="\ufe0f" * 16, as_of=TODAY,
                 dry_run=False)
    assert world(approved) == before


def test_1_an_analyst_id_with_a_variation_selector_is_still_the_requester(verified):
    before = world(verified)
    with pytest.raises(TransitionError, match="cannot approve their own request"):
        submit_approval(stage(verified, "u0002\ufe0f"), APP)
    assert world(verified) == before


def test_1_an_app_id_with_an_invisible_mark_is_refused_naming_file_row_column(demo):
    from decomkit.inventory.tables import validate_inventory

    apps = demo.root / "data" / "apps.csv"
    text = apps.read_bytes().decode("gbk")
    line = next(x for x in text.splitlines() if x.startswith("jxc,"))
    apps.write_bytes((text.rstrip("\r\n") + "\r\n" + line.replace("jxc,", "jxc\ufe0f,", 1)
                      .replace("进销存", "进销存二") + "\r\n").encode("utf-8"))
    _, found = validate_inventory(demo.root / "data", ["apps"])
    problems = [p for p in found if p.column == "app_id"]
    assert problems and problems[0].file == "apps.csv" and problems[0].row is not None
    assert "U+FE0F" in problems[0].what


# ------------------------------------------------------------------ 2. dry run means no effect

def test_2_roll_back_with_dry_run_at_its_default_changes_nothing(approved):
    run_disable(stage(approved), APP, dry_run=False, confirm=APP)
    before = world(approved)
    run = rollback(stage(approved), APP, APP)
    assert run.dry_run and [s.name for s in run.steps] == ["enable", "restore-scope"]
    assert world(approved) == before
    assert sandbox(approved).get_app(APP).status != "enabled"
    done = rollback(stage(approved), APP, APP, dry_run=False)  # the positive control
    assert done.state == "re_enabled" and sandbox(approved).get_app(APP).status == "enabled"


def test_2_the_effect_layer_refuses_a_grant_that_is_not_live(tmp_path):
    from decomkit.proof.gates import Grant
    from decomkit.proof.ledger import Ledger

    calls: list[int] = []
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        for grant in (Grant(APP, "re_enable", {}), Grant("other", "re_enable", {}, live=True)):
            with pytest.raises(TransitionError, match="dry run changes nothing"):
                ledger.run_once("k", APP, "enable", "it-admin", lambda: calls.append(1),
                                grant=grant)
        assert ledger.action("k") is None and calls == []
        ledger.run_once("k", APP, "enable", "it-admin", lambda: calls.append(1),
                        grant=Grant(APP, "re_enable", {}, live=True))
    assert calls == [1]


def test_2_only_a_real_authorization_is_live(approved):
    from decomkit.lifecycle.authority import authorize

    dry = authorize(approved, APP, "retry_notifications", actor="it-admin")
    looked = authorize(approved, APP, "withdraw", actor="it-admin", look=True, dry_run=False)
    real = authorize(approved, APP, "withdraw", actor="it-admin", dry_run=False)
    assert not getattr(dry, "live", False) and not looked.live and real.live


# ------------------------------------------------------------------ 3. backup target

@pytest.mark.parametrize("target", ["records", "exports/jxc", "data", "./runs/x", ".cache",
                                    "backups/../records/inner"])
def test_3_a_backup_target_inside_a_kit_folder_is_refused_before_anything(verified, target):
    from decomkit.core.errors import BackupError
    from decomkit.lifecycle.backup import run_backup
    from helpers import set_config

    set_config(verified, 'target = "backups"', f'target = "{target}"')
    before = world(verified)
    records = sorted(p.name for p in (verified.root / "records").iterdir())
    with pytest.raises(BackupError, match="inside the kit's own folder"):
        run_backup(Workspace.open(verified.root), APP, actor="it-admin")
    assert world(verified) == before
    assert sorted(p.name for p in (verified.root / "records").iterdir()) == records
    assert not (verified.root / target / APP).exists()


def test_3_a_backup_target_of_its_own_is_kept(verified):
    from decomkit.lifecycle.backup import run_backup
    from helpers import set_config

    set_config(verified, 'target = "backups"', 'target = "elsewhere/backups"')
    done = run_backup(Workspace.open(verified.root), APP, actor="it-admin")
    assert done.path.startswith(APP + "/")


# ------------------------------------------------------------------ 4. control characters

def test_4_an_app_name_with_a_carriage_return_is_refused_at_input(demo):
    from decomkit.inventory.tables import validate_inventory

    apps = demo.root / "data" / "apps.csv"
    text = apps.read_bytes().decode("gbk")
    assert ",进销存," in text
    apps.write_bytes(text.replace(",进销存,", ',"进销存\r\nBcc: x@evil",', 1).encode("gbk"))
    _, found = validate_inventory(demo.root / "data", ["apps"])
    problems = [p for p in found if p.column == "name"]
    assert problems and problems[0].file == "apps.csv" and problems[0].row is not None
    assert "control character" in problems[0].what


def test_4_a_person_s_text_reaches_email_headers_as_one_line(demo, smtp_inbox):
    import email

    from decomkit.core.mail import send_email
    from helpers import set_config

    inbox, port = smtp_inbox
    set_config(demo, "smtp_port = 25", f"smtp_port = {port}")
    config = Workspace.open(demo.root).config
    send_email(config, ["u0002@example.com"], "【停用通知】进销存\r\nBcc: x@evil.example",
               "正文\r\n第二行\x07", "jxc:1:notify")
    assert len(inbox.messages) == 1 and inbox.messages[0].rcpt_tos == ["u0002@example.com"]
    message = email.message_from_bytes(inbox.messages[0].content)
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert message["Bcc"] is None and "\r" not in subject and "\n" not in subject
    assert "Bcc: x@evil.example" in subject  # kept as text, on the one line


def test_4_every_channel_s_notification_is_one_line_titled():
    from decomkit.platforms.base import Notification

    note = Notification("dingtalk_work", "进销存\r\n\u2028伪造", "a\r\nb\x00c\x1b[31m")
    assert note.title == "进销存   伪造" and note.text == "a\nbc[31m"


# ------------------------------------------------------------------ 10. CLI numbers

@pytest.mark.parametrize("workers", [0, -3, True, 1.5])
def test_10_batch_workers_below_one_are_refused_before_anything(demo, workers):
    from decomkit.core.errors import WorkspaceError
    from decomkit.running.batch import run_batch

    runs = sorted(p.as_posix() for p in (demo.root / "runs").rglob("*"))
    with pytest.raises(WorkspaceError, match="workers must be"):
        run_batch(demo, ["portfolio"], workers=workers)
    assert sorted(p.as_posix() for p in (demo.root / "runs").rglob("*")) == runs


@given(st.one_of(st.integers(min_value=-10**6, max_value=10**6).map(str), st.text(max_size=8)))
@FAST
def test_10_cli_workers_are_a_whole_number_of_one_or_more(text):
    import argparse

    from decomkit.cli import _at_least_one

    try:
        value = int(text)
    except ValueError:
        value = None
    if value is not None and value >= 1:
        assert _at_least_one(text) == value
    else:
        with pytest.raises(argparse.ArgumentTypeError):
            _at_least_one(text)


# ------------------------------------------------------------------ 11. dashboard server

@pytest.mark.parametrize("signum", ["SIGTERM", "SIGINT", "SIGHUP"])
def test_11_stopping_the_dashboard_takes_its_server_down(demo, tmp_path, signum):
    import os
    import signal
    import subprocess
    import sys
    import time

    pid_file = tmp_path / "server.pid"
    server = (f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); "
              "time.sleep(600)")
    script = ("import sys\nfrom decomkit.running import dashboard\n"
              "from decomkit.context.workspace import Workspace\n"
              f"dashboard.voila_command = lambda *a, **k: [sys.executable, '-c', {server!r}]\n"
              f"sys.exit(dashboard.serve_dashboard(Workspace.open({str(demo.root)!r}), "
              "open_browser=False))\n")
    parent = subprocess.Popen([sys.executable, "-c", script], env=dict(os.environ))
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text():
            assert parent.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        child = int(pid_file.read_text())
        parent.send_signal(getattr(signal, signum))
        parent.wait(timeout=30)
        time.sleep(0.2)
        with pytest.raises(ProcessLookupError):
            os.kill(child, 0)
    finally:
        if parent.poll() is None:
            parent.kill()
        if pid_file.exists() and pid_file.read_text():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)


# ------------------------------------------------------------------ 9. rollback without a scope

@pytest.mark.parametrize("history", ["no revocation", "revocation without a scope"])
def test_9_rolling_back_an_app_without_a_saved_scope_is_a_clear_refusal(approved, history):
    from decomkit.lifecycle.execute import rollback_plan

    with approved.ledger() as ledger:  # a history the kit did not write (imported)
        pending = ledger.last(APP, "approval_pending").data
        gate = {"plan_hash": pending["plan_hash"], "manifest_hash": pending["manifest_hash"],
                "confirm": APP}
        if history == "revocation without a scope":
            ledger.transition(APP, "access_revoked", "it-admin", gate)
        ledger.transition(APP, "disabled", "it-admin", {**gate, "action": "disable"})
    before = world(approved)
    assert "no visible scope was saved" in rollback_plan(stage(approved), APP, APP).blocked.lower()
    with pytest.raises(TransitionError, match=r"(?i)no visible scope was saved"):
        rollback(stage(approved), APP, APP, dry_run=False)
    assert world(approved) == before


# ------------------------------------------------------------------ 7. derived files

def test_7_the_snapshot_keeps_the_permissions_of_data(demo):
    import os
    import shutil
    import stat

    data = demo.root / "data"
    shutil.rmtree(demo.root / ".cache", ignore_errors=True)
    os.chmod(data, 0o700)
    for f in data.iterdir():
        os.chmod(f, 0o600)
    Workspace.open(demo.root).inventory()
    cache = demo.root / ".cache"
    items = [cache, *cache.rglob("*")]
    assert len(items) > 4
    for item in items:
        mode = stat.S_IMODE(item.stat().st_mode)
        assert mode & 0o077 == 0, f"{item.relative_to(demo.root)} is {oct(mode)}"
    os.chmod(data, 0o755)  # the positive control: an open data/ gives an open snapshot
    shutil.rmtree(cache)
    Workspace.open(demo.root).inventory()
    assert stat.S_IMODE((demo.root / ".cache").stat().st_mode) == 0o755


# ------------------------------------------------------------------ 5. secrets at every sink

SMTP_PASSWORD = "Hunter2-smtp-pw"  # a configured secret (from the environment)
APP_SECRET = "jxc-app-secret-77"


def contacts_csv(path, rows, header=("姓名", "工号", "UserID", "部门", "邮箱"), encoding="gbk"):
    lines = ["钉钉通讯录导出" + "," * (len(header) - 1), ",".join(header)] + [",".join(r)
                                                                       for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def test_5_import_masks_secrets_in_files_dry_run_output_and_diffs(workspace, tmp_path, capsys,
                                                                monkeypatch):
    from decomkit.cli import main

    monkeypatch.setenv("DECOMKIT_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("DECOMKIT_DINGTALK_APP_SECRET", APP_SECRET)
    source = contacts_csv(tmp_path / "通讯录.csv", [
        ["王芳", "HY001", "0170112", "销售部", "密码:Wf123456"],
        ["李强", "HY002", "0170113", "财务部", SMTP_PASSWORD],
        [APP_SECRET, "HY003", "0170114", "研发部", "zw@hy.cn"]])
    args = ["import", "file", str(workspace.root), str(source), "--table", "users",
            "--map", "dingtalk_contacts"]
    assert main([*args, "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert main(args) == 0
    printed += capsys.readouterr().out
    written = (workspace.root / "data" / "users.csv").read_bytes().decode("utf-8-sig")
    for text in (printed, written):
        for secret in ("Wf123456", SMTP_PASSWORD, APP_SECRET):
            assert secret not in text
    assert "0170112" in written and "zw@hy.cn" in written  # the rest is kept


# ------------------------------------------------------------------ 6. column maps

def bad_map(tmp_path, split: str):
    path = tmp_path / "my_contacts.yaml"
    path.write_text("table: users\ncolumns:\n  user_id: {from: UserID}\n  name: {from: 姓名}\n"
                    f"  department:\n    from: 部门\n    split: {split}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("split", ['{separator: ""}', "{take: -100}", "{take: 0}",
                                  "{drop_top: -1}", '{separator: "", take: -100}'])
def test_6_a_bad_map_option_is_one_clear_error_each_and_nothing_is_written(workspace, tmp_path,
                                                                          capsys, split):
    from decomkit.cli import main

    source = contacts_csv(tmp_path / "通讯录.csv", [["王芳", "HY001", "0170112", "销售部", ""]])
    code = main(["import", "file", str(workspace.root), str(source), "--table", "users",
                 "--map", str(bad_map(tmp_path, split))])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    problems = [line for line in err.splitlines() if line.strip().startswith("- ")]
    assert len(problems) == split.count(":") and all("my_contacts.yaml" in p for p in problems)
    assert not (workspace.root / "data" / "users.csv").exists()


def test_6_the_contacts_map_takes_an_export_without_its_optional_columns(workspace, tmp_path):
    from decomkit.inventory.importers import import_file

    source = contacts_csv(tmp_path / "通讯录.csv", [["王芳", "0170112", "华远/销售部"]],
                          header=("姓名", "UserID", "部门"))
    result = import_file(workspace, "users", "dingtalk_contacts", source)
    assert result.diffs[0].added == ["0170112"]


# ------------------------------------------------------------------ 8. nothing loads remotely

REMOTE_IMAGE = "![t](http://127.0.0.1:9/x.png)"


def test_8_a_person_s_text_in_notebook_output_never_becomes_an_image(monkeypatch):
    import markdown_it

    from decomkit.records import display

    shown: list[str] = []
    monkeypatch.setattr(display, "show_markdown", shown.append)
    display.show_lines(f"进销存{REMOTE_IMAGE}", [f"u0002: agree {REMOTE_IMAGE}",
                                                 '<img src="http://127.0.0.1:9/y.png">'])
    [output] = shown
    rendered = markdown_it.MarkdownIt().render(output)
    assert "<img" not in rendered and "![t](http://127.0.0.1:9/x.png)" in rendered


def test_8_records_keep_only_embedded_images_and_web_links():
    import nbformat

    from decomkit.records.dossier import render_notebook

    png = "data:image/png;base64,iVBORw0KGgo="
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": (
            '<a href="data:text/html;base64,PHNjcmlwdD4=">open</a>'
            '<a href="javascript:alert(1)">run</a><a href="https://example.com/p">web</a>'
            f'<img src="http://127.0.0.1:9/x.png"><img src="{png}">'),
            "text/plain": "x"})])]
    html = render_notebook(nb)
    assert "data:text/html" not in html and "javascript:" not in html
    assert "127.0.0.1:9" not in html
    assert 'href="https://example.com/p"' in html and png in html  # the positive control


# ------------------------------------------------------------------ properties (Hypothesis)

# Every code point class: any character Unicode has (surrogates aside), plus the invisible ones
# and the joiners drawn often, so each example is likely to meet a boundary.
ANY_CHAR = st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(INVISIBLE),
                     st.sampled_from("-_.@ \t\r\n\u00ad\u2028"))
TEXT = st.text(ANY_CHAR, max_size=24)
LETTERS = st.characters(categories=("Lu", "Ll", "Lo", "Nd"))


@given(TEXT)
@FAST
def test_property_an_identifier_holds_only_what_the_allow_list_allows(value):
    from decomkit.core.text import identifier_problem

    why = identifier_problem(value)
    allowed = all(
        unicodedata.category(c)[0] == "L" or unicodedata.category(c) == "Nd" or c in "-_."
        or unicodedata.category(c) in ("Mn", "Mc") for c in value)
    if not allowed or any(c in INVISIBLE or unicodedata.category(c)[0] in "CZ" for c in value):
        assert why  # refused, and the refusal names the character
        assert "U+" in why
    if not why:
        # An accepted id is its own canonical form up to case and width: nothing invisible in it
        assert all(unicodedata.category(c)[0] not in "CZ" and c not in INVISIBLE for c in value)


@given(st.text(LETTERS, min_size=1, max_size=8), st.lists(st.sampled_from(INVISIBLE),
                                                           min_size=1, max_size=4))
@FAST
def test_property_an_id_with_invisible_characters_is_the_same_id_and_refused(base, extra):
    from decomkit.core.text import canonical_id, identifier_problem

    variant = base + "".join(extra)
    assert canonical_id(variant) == canonical_id(base)
    assert identifier_problem(variant) and not identifier_problem(base)


@given(TEXT, st.text(ANY_CHAR, max_size=40))
@FAST
def test_property_a_reason_counts_only_what_draws(app_id, reason):
    from decomkit.core.text import drawn_text
    from decomkit.proof.gates import MIN_OVERRIDE_REASON, Unmet, decide

    drawn = drawn_text(reason)
    assert all(unicodedata.category(c)[0] in "LNPS" and c not in INVISIBLE for c in drawn)
    unmet = [Unmet("same_plan", "the plan changed", True)]
    decision = decide("jxc", "disable", unmet, reason, {"confirm": "jxc"})
    words = " ".join(reason.split())
    if not words or len(drawn) < MIN_OVERRIDE_REASON:
        assert not decision
    elif decision:
        assert decision.override["reason"] == words


@given(TEXT)
@FAST
def test_property_a_channel_header_is_one_line_and_a_body_has_no_controls(text):
    from decomkit.core.text import body_text, header_text, name_problem
    from decomkit.platforms.base import Notification

    note = Notification("email", text, text)
    assert not any(unicodedata.category(c) == "Cc" or c in "\u2028\u2029\x85"
                   for c in note.title)
    assert note.title.splitlines() in ([], [note.title])
    assert all(c in "\n\t" or unicodedata.category(c) != "Cc" for c in note.text)
    assert header_text(header_text(text)) == header_text(text)
    assert body_text(body_text(text)) == body_text(text)
    if any(unicodedata.category(c) == "Cc" for c in text):
        assert name_problem(text)  # a name that holds one is refused at input


SPLIT_OPTION = st.one_of(
    st.tuples(st.just("separator"), st.one_of(st.text(max_size=3), st.integers(), st.none())),
    st.tuples(st.just("take"), st.one_of(st.integers(-200, 200), st.sampled_from(
        ["path", "first", "last", "middle", ""]), st.booleans(), st.floats(allow_nan=False))),
    st.tuples(st.just("drop_top"), st.one_of(st.integers(-5, 5), st.text(max_size=2))))


def _option_ok(name, value) -> bool:
    whole = isinstance(value, int) and not isinstance(value, bool)
    if name == "separator":
        return isinstance(value, str) and value != ""
    if name == "take":
        return value in ("path", "first", "last") or (whole and value >= 1)
    return whole and value >= 0


@given(st.lists(SPLIT_OPTION, max_size=3, unique_by=lambda o: o[0]))
@settings(FAST, max_examples=60)
def test_property_each_bad_map_option_is_one_clear_problem(tmp_path, options):
    import yaml

    from decomkit.core.errors import InputError
    from decomkit.inventory.importers.maps import load_map

    split = dict(options)
    path = tmp_path / "m.yaml"  # written anew for each example
    path.write_text(yaml.safe_dump({"table": "users", "columns": {
        "user_id": {"from": "UserID"}, "name": {"from": "姓名"},
        "department": {"from": "部门", "split": split}}}, allow_unicode=True), encoding="utf-8")
    bad = [name for name, value in options if not _option_ok(name, value)]
    if not bad:
        load_map(path)
        return
    with pytest.raises(InputError) as caught:
        load_map(path)
    problems = caught.value.problems
    assert sorted(p.column.rsplit(".", 1)[-1] for p in problems) == sorted(bad)
    assert all(p.file == "m.yaml" and "Traceback" not in p.what for p in problems)


@given(st.text(st.one_of(LETTERS, ANY_CHAR), min_size=1, max_size=10))
@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_property_a_refused_user_id_changes_nothing(workspace, tmp_path_factory, user_id):
    from decomkit.core.errors import InputError
    from decomkit.inventory.importers import import_file
    from decomkit.inventory.schemas import user_id_problem

    if "," in user_id or '"' in user_id or user_id != user_id.strip() or any(
            c in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029" for c in user_id):
        return  # the CSV's own syntax: not what this property is about
    source = contacts_csv(tmp_path_factory.mktemp("src") / "c.csv",
                          [["王芳", "HY001", user_id, "销售部", ""]], encoding="utf-8")
    data = workspace.root / "data"
    before = sorted((p.name, p.read_bytes()) for p in data.iterdir())
    try:
        import_file(workspace, "users", "dingtalk_contacts", source, dry_run=True)
    except InputError as exc:
        assert any(p.row == 3 and p.file == "c.csv" for p in exc.problems)
        assert user_id_problem(user_id) or user_id.startswith(("'", "=", "+", "-", "@")) \
            or any(unicodedata.category(c) in ("Co", "Cn", "Cc") for c in user_id)
    else:
        assert not user_id_problem(user_id)
    assert sorted((p.name, p.read_bytes()) for p in data.iterdir()) == before
