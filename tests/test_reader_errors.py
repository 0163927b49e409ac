"""Errors raised outside the gate table reach their reader in the workspace's language: the
CLI prints, and a notebook shows, ``in_language`` of the error (``core.said``), whole; ``str()``
stays English (logs, tests). Each refusal is read with the reader test's detector; its English
form is the positive control (the detector finds it English)."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from decomkit import cli
from decomkit.core.errors import BackupError, InputError, Problem
from decomkit.core.said import platform_error, refused, said
from decomkit.custody.verify import open_store
from decomkit.inventory.importers.maps import load_map
from helpers import world
from test_reader_language import Text, faults

CJK = re.compile(r"[\u4e00-\u9fff]")


def _read(text: str, language: str) -> list[str]:
    # A command, a flag and its value, a placeholder and a file name are what the reader
    # types or names.
    typed = re.sub(r"decomkit \w+|--[\w-]+(?: [\w.-]+)?|[A-Z_]{3,}|\S+\.(yaml|png|csv)\b|'[^']*'|"
                   r"\[\w+\] \w+|\b(date_format|first_of|drop_top)\b",  # settings, map options
                   " ", text)
    return faults(Text("message", typed), language)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _cli(capsys, *argv: str) -> str:
    assert cli.main(list(argv)) == 1
    err = capsys.readouterr().err
    assert err.startswith("decomkit: ") and "Traceback" not in err
    return err


def test_each_family_is_said_whole_in_each_language():
    errors = [
        refused("jxc", "clean_residue", "err.evidence_missing"),
        refused("jxc", "re_enable", "rollback.no_saved_scope"),
        refused("jxc", "review", "err.not_disabled"),
        platform_error("confirm", "err.evidence_file_missing", file="shot.png"),
        BackupError(str(inside := said("err.backup_inside", target="data/bk", folder="data"))
                    ).saying(inside),
        InputError([Problem("apps.csv", 3, "app_id", said("text.bad_character", name="space",
                                                           code="0020", at=2),
                            said("fix.correct_source"))]),
    ]
    for error in errors:
        error = pickle.loads(pickle.dumps(error))  # batch workers move errors between processes
        zh, en = error.in_language("zh"), error.in_language("en")
        assert CJK.search(zh) and not _read(zh, "zh"), zh
        assert _read(str(error), "zh"), str(error)  # positive control: English is caught
        assert en == str(error) and not _read(en, "en")


def test_cli_refusals_in_the_workspace_language(zh_and_en, capsys, tmp_path):
    bad_map = tmp_path / "bad.yaml"
    bad_map.write_text("table: apps\ncolumns:\n  app_id: {from: ID, date_format: x}\n",
                       encoding="utf-8")
    (tmp_path / "export.csv").write_text("ID\nx\n", encoding="utf-8")
    odd_map = tmp_path / "odd.yaml"  # an option no map has, and a number where a column goes
    odd_map.write_text("table: apps\ncolumns:\n  app_id: {from: ID, bogus: 1}\n"
                       "  name: {from: 3}\n", encoding="utf-8")
    flat_map = tmp_path / "flat.yaml"  # a rule written as a value, not as its options
    flat_map.write_text("table: apps\ncolumns:\n  app_id: {from: ID}\n  name: 5\n",
                        encoding="utf-8")
    for language, ws in zh_and_en.items():
        before = world(ws), _files(ws.root / "data")
        said_ = [
            # no request pending: a refusal raised by the lifecycle, not by a gate
            _cli(capsys, "approve", str(ws.root), "jxc", "--as", "u0002", "--decision",
                 "agree"),
            # a console step's evidence file that is not there (the manual platform's check)
            _cli(capsys, "confirm", str(ws.root), "jxc:1:disable", "--as", "张三",
                 "--evidence", str(tmp_path / "missing.png")),
            # a column map with a bad option (hostile input)
            _cli(capsys, "import", "file", str(ws.root), str(tmp_path / "export.csv"),
                 "--table", "apps", "--map", str(bad_map)),
            _cli(capsys, "import", "file", str(ws.root), str(tmp_path / "export.csv"),
                 "--table", "apps", "--map", str(odd_map)),
            _cli(capsys, "import", "file", str(ws.root), str(tmp_path / "export.csv"),
                 "--table", "apps", "--map", str(flat_map)),
            # a map into another table; a map that does not exist
            _cli(capsys, "import", "file", str(ws.root), str(tmp_path / "export.csv"),
                 "--table", "apps", "--map", "usage_log"),
            _cli(capsys, "import", "file", str(ws.root), str(tmp_path / "export.csv"),
                 "--table", "apps", "--map", "no-such-map"),
            _cli(capsys, "import", "file", str(ws.root), str(tmp_path / "export.csv"),
                 "--table", "usage_events", "--map", "usage_log"),  # its columns missing
        ]
        for message in said_:
            assert language == "en" or CJK.search(message), message
            assert not _read(message, language), message
        assert (world(ws), _files(ws.root / "data")) == before  # refused: nothing changed
    with pytest.raises(InputError) as caught:  # the English form stays for logs and tests
        load_map(bad_map)
    assert "date_format must be a strftime pattern" in str(caught.value)


def test_a_backup_target_inside_the_kit_is_refused_in_zh(zh_and_en):
    with pytest.raises(BackupError) as caught:
        open_store(zh_and_en["zh"], "data/backups")
    zh = caught.value.in_language("zh")
    assert "备份目标" in zh and not _read(zh, "zh")
    assert "is inside the kit's own folder" in str(caught.value)


# ------------------------------------------------------------------ the approval as shown


def test_the_worst_finding_is_said_as_a_severity():
    from decomkit.analysis.assess import reasons

    row = {"usage_known": True, "c_usage": 0, "c_cost": 0, "c_performance": 0, "c_fit": 0,
           "c_alternative": 0,
           "c_security": 9, "open_findings": 2, "worst_finding": "critical"}
    assert reasons(row, "zh") == ["2 个未解决的安全问题(最高级别:严重)。"]  # not "critical"
    assert "worst: critical" in reasons(row, "en")[0]


def test_the_approval_shows_approvers_by_name_and_decisions_in_words(monkeypatch):
    from types import SimpleNamespace

    from decomkit.core.present import use
    from decomkit.platforms.base import ApprovalStatus
    from decomkit.records import display

    shown: list[str] = []
    monkeypatch.setattr(display, "show_markdown", shown.append)
    names = {"u0101": "钱七 (u0101)", "u0003": "王五 (u0003)"}
    use("zh", "Asia/Shanghai")
    try:
        status = ApprovalStatus("inst-1", "RUNNING", None, ({
            "user_id": "u0101", "result": "AGREE", "comment": "同意"},))
        tracking = SimpleNamespace(status=status, state="approval_pending", overdue_days=0,
                                   reminded=False, questions=(SimpleNamespace(
                                       user_id="u0003", text="迁移费用是多少?"),))
        display.show_tracking(tracking, names)
        display.show_questions(tracking, "jxc", names)
        display.show_request(SimpleNamespace(data={
            "instance_id": "inst-1", "approvers": ["u0101", "u0003"],
            "form": {"停用原因 / Reason": "无人使用"}}), names)
    finally:
        use("zh", "Asia/Shanghai")
    text = "\n".join(shown)
    assert "钱七 (u0101):同意" in text and "审批中" in text and "尚未审批" in text
    assert "王五 (u0003)" in text and "钱七 (u0101) → 王五 (u0003)" in text
    assert "AGREE" not in text and "RUNNING" not in text and "\n- u0101" not in text
    assert not faults(Text("03", text.replace("inst-1", "")), "zh")


def _bad_tables(data: Path) -> None:
    """Tables with one of each problem the inventory reader reports per cell, per column and
    per file: a duplicate id, a bad date, a number, a whole number, a yes/no, a choice, a
    range, an empty required cell, an unknown reference, a repeated and a missing column, a
    ragged row, a file neither UTF-8 nor GBK."""
    data.mkdir()
    (data / "apps.csv").write_text(
        "app_id,name,kind,licensed_seats,function_fit,usage_tracked,gone_since\n"
        "jxc,进销存,official,10,4,是,2024-01-02\n"
        "jxc,进销存二,bogus,1.5,9,也许,2024-13-45\n"
        "oa,,official,-3,x,否,\n", encoding="utf-8")
    (data / "costs.csv").write_text("app_id,month,category,amount,amount\n"
                                    "nobody,2024-01,licence,1,1\n", encoding="utf-8")
    (data / "contracts.csv").write_text("contract_id,app_id\nc1,jxc,extra\n", encoding="utf-8")
    (data / "incidents.csv").write_bytes(b"app_id,date\n\xff\xfe\xfa,2024-01-01\n")


def test_every_inventory_problem_is_said_whole_in_each_language(tmp_path):
    from decomkit.inventory.tables import validate_inventory

    _bad_tables(tmp_path / "data")
    _, problems = validate_inventory(tmp_path / "data")
    assert len(problems) >= 12, problems  # positive control: each kind above was found
    for problem in problems:
        assert problem.said_in("zh") and problem.said_in("en"), problem
    error = InputError(problems)
    zh = error.in_language("zh")
    assert zh.startswith("输入中有") and "重复的编号 'jxc'" in zh and "不是日期" in zh, zh
    assert not _read(zh, "zh"), zh
    assert _read(str(error), "zh")  # positive control: the English form is caught
    assert error.in_language("en") == str(error)  # an English file's values are the ones listed


def test_a_zh_workspaces_bad_table_is_refused_in_chinese(zh_and_en, capsys):
    from decomkit.inventory.tables import decode_csv

    for language, ws in zh_and_en.items():
        apps = ws.root / "data" / "apps.csv"
        before = apps.read_bytes()
        text, encoding = decode_csv(before, apps.name)
        header, first, *rest = text.splitlines()
        rows = [header + ",gone_since", first + ",", first + ",2024-02-30",  # twice, bad date
                *(row + "," for row in rest), ""]
        apps.write_bytes("\n".join(rows).encode(encoding))
        after = apps.read_bytes()
        message = _cli(capsys, "status", str(ws.root))
        assert "2024-02-30" in message and first.split(",")[0] in message, message
        if language == "zh":
            assert "重复的编号" in message and "不是日期" in message, message
        assert not _read(message, language), message
        assert apps.read_bytes() == after  # nothing written


# The gates' refusals a stage shows beside its plan (04_disable): said in the reader's
# language, never the English ``blocked`` the logs keep.
from test_hostile import approved  # noqa: E402,F401  (fixtures)
from test_replacement import gap_approved, gap_verified  # noqa: E402,F401


def test_a_dry_grant_says_its_refusal_in_the_readers_language(gap_approved):  # noqa: F811
    from decomkit.context.stage import open_stage
    from decomkit.lifecycle.execute import grant_replacement

    dry = grant_replacement(open_stage(str(gap_approved.root), analyst="it-admin"), "jxc")
    assert dry.blocked.startswith("the typed confirmation")  # refused: no confirmation typed
    zh, en = dry.lines("zh"), dry.lines("en")
    assert len(zh) == len(en) > 1 and all(CJK.search(line) for line in zh), zh
    assert not any(_read(line, "zh") for line in zh), zh
    assert _read(dry.blocked, "zh")  # positive control: the English form is caught


def test_a_dry_rollback_without_a_saved_scope_does_not_say_the_gates_are_open(
        approved):  # noqa: F811
    from decomkit.context.stage import open_stage
    from decomkit.core.i18n import t
    from decomkit.lifecycle.execute import rollback, rollback_plan

    with approved.ledger() as ledger:  # disabled by a history the kit did not write
        pending = ledger.last("jxc", "approval_pending").data
        ledger.transition("jxc", "disabled", "it-admin", {
            "plan_hash": pending["plan_hash"], "manifest_hash": pending["manifest_hash"],
            "confirm": "jxc", "action": "disable"})
    st = open_stage(str(approved.root), analyst="it-admin")
    said_zh = t("rollback.no_saved_scope", "zh")
    assert said_zh in rollback_plan(st, "jxc", "jxc").lines("zh")
    dry = rollback(st, "jxc", "jxc")
    assert dry.gate_lines("zh") == [said_zh] and dry.gate_lines("en") == [dry.blocked]
    assert t("gate.open", "zh") not in dry.gate_lines("zh")
