"""Errors raised outside the gate table reach their reader in the workspace's language: the
CLI prints, and a notebook shows, ``in_language`` of the error (``core.said``), whole; ``str()``
stays English (logs, tests). Each refusal is read with the reader test's detector; its English
form is the positive control (the detector finds it English)."""

from __future__ import annotations

import pickle
import re

import pytest

from decomkit import cli
from decomkit.context.workspace import Workspace
from decomkit.core.errors import BackupError, InputError, Problem
from decomkit.core.said import platform_error, refused, said
from decomkit.custody.verify import open_store
from decomkit.inventory.importers.maps import load_map
from helpers import set_config
from test_reader_language import Text, faults

CJK = re.compile(r"[\u4e00-\u9fff]")


def _read(text: str, language: str) -> list[str]:
    # A command, a flag, a placeholder and a file name are what the reader types or names.
    typed = re.sub(r"decomkit \w+|--[\w-]+|[A-Z_]{3,}|\S+\.(yaml|png|csv)\b|'[^']*'|"
                   r"\[\w+\] \w+|\b(date_format|first_of|drop_top)\b", " ", text)  # settings, map options
    return faults(Text("message", typed), language)


def _cli(capsys, *argv: str) -> str:
    assert cli.main(list(argv)) == 1
    err = capsys.readouterr().err
    assert err.startswith("decomkit: ") and "Traceback" not in err
    return err


@pytest.fixture
def zh_and_en(demo_template, tmp_path):
    import shutil

    spaces = {}
    for language in ("zh", "en"):
        root = tmp_path / language
        shutil.copytree(demo_template, root)
        set_config(Workspace.open(root), 'language = "zh"', f'language = "{language}"')
        spaces[language] = Workspace.open(root)
    return spaces


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
    for language, ws in zh_and_en.items():
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
        ]
        for message in said_:
            assert language == "en" or CJK.search(message), message
            assert not _read(message, language), message
    with pytest.raises(InputError) as caught:  # the English form stays for logs and tests
        load_map(bad_map)
    assert "date_format must be a strftime pattern" in str(caught.value)


def test_a_backup_target_inside_the_kit_is_refused_in_zh(zh_and_en):
    with pytest.raises(BackupError) as caught:
        open_store(zh_and_en["zh"], "data/backups")
    zh = caught.value.in_language("zh")
    assert "备份目标" in zh and not _read(zh, "zh")
    assert "is inside the kit's own folder" in str(caught.value)
