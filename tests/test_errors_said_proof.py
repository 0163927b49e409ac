"""Proof, custody and records refusals reach their reader in the workspace's language (issue
#23): signing keys, trust profiles, pasted checkpoints, ledger verification (its problems and
its notes), the ledger's own refusals, anchors, the backup target, PDF printing and records
verification. Each is triggered as a user meets it, read with the reader test's detector in
zh and in en; ``str()`` stays the English it always was (the positive control: the detector
finds that English)."""

from __future__ import annotations

import pytest

from decomkit import cli
from decomkit.context.workspace import Workspace
from decomkit.core.errors import (
    AnchorError,
    DecomkitError,
    LedgerIntegrityError,
    RecordError,
    SigningKeyError,
    StorageError,
    TransitionError,
)
from decomkit.custody.store import Store
from decomkit.proof.anchors import add_folder_anchor
from decomkit.proof.keys import KEY_DIR_ENV, KEY_FILE_ENV, load_public_key, load_signer
from decomkit.records import pdf
from decomkit.records.dossier import write_manifest
from test_reader_errors import CJK, _read


def _said_whole(error: DecomkitError, english: str = "") -> None:
    """``error`` is said whole in zh and in en; its English is ``str()`` (and holds
    ``english``)."""
    zh, en = error.in_language("zh"), error.in_language("en")
    assert CJK.search(zh) and not _read(zh, "zh"), zh
    assert en == str(error) and not _read(en, "en"), en
    assert not CJK.search(str(error)), str(error)
    assert english in str(error)


def _refused(capsys, *argv: str) -> str:
    assert cli.main(list(argv)) == 1
    err = capsys.readouterr().err
    assert err.startswith("decomkit: ") and "Traceback" not in err, err
    return err


def _reads(text: str, language: str) -> None:
    assert language == "en" or CJK.search(text), text
    assert not _read(text, language), text
    if language == "en":
        assert not CJK.search(text), text


# ------------------------------------------------------------------ keys and trust profiles


def test_key_refusals_are_said(demo, tmp_path, monkeypatch):
    with pytest.raises(SigningKeyError) as caught:
        load_public_key("not a key")
    _said_whole(caught.value, "not an Ed25519 public key")
    assert _read(str(caught.value), "zh")  # positive control: the English is caught

    monkeypatch.setenv(KEY_DIR_ENV, str(tmp_path / "elsewhere"))
    with pytest.raises(SigningKeyError) as caught:
        load_signer(demo.root)
    _said_whole(caught.value, "is not at")

    loose = tmp_path / "loose.pem"
    loose.write_text("-----\n", encoding="utf-8")
    loose.chmod(0o644)
    monkeypatch.setenv(KEY_FILE_ENV, str(loose))
    with pytest.raises(SigningKeyError) as caught:
        load_signer(demo.root)
    _said_whole(caught.value, "can be read by others")
    monkeypatch.setenv(KEY_FILE_ENV, str(demo.root / "inside.pem"))
    with pytest.raises(SigningKeyError) as caught:
        load_signer(demo.root)
    _said_whole(caught.value, "points inside the workspace")


def test_keys_and_trust_on_the_command_line(zh_and_en, capsys, tmp_path, monkeypatch):
    bad_key = tmp_path / "bad.pem"
    bad_key.write_text("nonsense", encoding="utf-8")
    broken = tmp_path / "profile.json"
    broken.write_text("[]", encoding="utf-8")
    for language, ws in zh_and_en.items():
        root = str(ws.root)
        for message in (
            _refused(capsys, "ledger", "verify", root, "--public-key", str(bad_key)),
            _refused(capsys, "ledger", "verify", root, "--trust", str(tmp_path / "none.json")),
            _refused(capsys, "ledger", "verify", root, "--trust", str(broken)),
            _refused(capsys, "ledger", "verify", root, "--checkpoint", "checkpoint 12 abc"),
        ):
            _reads(message, language)
    monkeypatch.setenv(KEY_DIR_ENV, str(tmp_path / "no-keys-here"))
    for language, ws in zh_and_en.items():
        _reads(_refused(capsys, "keys", "profile", str(ws.root)), language)
        # a lost key: the rotation's note is a line of its own, in the reader's language
        assert cli.main(["keys", "rotate", str(ws.root), "--lost"]) == 0
        out = capsys.readouterr().out
        note = next(line for line in out.splitlines() if "--public-key" in line)
        _reads(note, language)


# ------------------------------------------------------------------ the ledger


def test_verification_problems_and_notes_in_the_reader_language(zh_and_en, capsys, tmp_path):
    for language, ws in zh_and_en.items():
        # an anchor whose folder is gone, and the ledger deleted: problems, one a line
        add_folder_anchor(ws.root, tmp_path / f"gone-{language}")
        for path in ws.root.glob("ledger.*"):
            path.unlink()
        message = _refused(capsys, "ledger", "verify", str(ws.root))
        assert message.count("\n  - ") >= 2, message
        _reads(message, language)
    with pytest.raises(LedgerIntegrityError) as caught:
        from decomkit.proof.checkpoints import verify_ledger

        verify_ledger(Workspace.open(zh_and_en["en"].root))
    _said_whole(caught.value, "the ledger is missing")
    assert _read(str(caught.value), "zh")


def test_the_ledger_refuses_in_the_reader_language(demo):
    with demo.ledger() as ledger, pytest.raises(TransitionError) as caught:
        ledger.transition("jxc", "archived", "analyst")
    zh = caught.value.in_language("zh")  # the English names the states as they are typed
    assert CJK.search(zh) and not _read(zh, "zh") and "已停用" in zh, zh
    assert str(caught.value).startswith("jxc: cannot move to 'archived': unknown state; use")
    with demo.ledger() as ledger, pytest.raises(TransitionError) as caught:
        ledger.transition("jxc", "disabled", "analyst")
    _said_whole(caught.value, "cannot move to 'disabled'")
    assert _read(str(caught.value), "zh")


# ------------------------------------------------------------------ anchors and custody


def test_anchor_and_backup_target_refusals(demo, tmp_path):
    from decomkit.proof.anchors import open_anchors

    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    add_folder_anchor(demo.root, blocker / "anchor")
    anchor = open_anchors(demo.root, Workspace.open(demo.root).config)[-1]
    with pytest.raises(AnchorError) as caught:
        anchor.publish({"workspace_id": "w", "seq": 1, "head": "0" * 64})
    _said_whole(caught.value, "NotADirectoryError")
    with pytest.raises(AnchorError) as caught:
        anchor.fetch("w")
    _said_whole(caught.value, "the folder does not exist")

    with pytest.raises(StorageError) as caught:
        Store(str(blocker)).write("x/y.bin", [b"data"])
    _said_whole(caught.value, "cannot write x/y.bin")
    assert "ENOTDIR" in caught.value.in_language("zh")  # the system's words, by their code


# ------------------------------------------------------------------ records


def test_records_refusals(zh_and_en, capsys, monkeypatch):
    for language, ws in zh_and_en.items():
        folder = ws.root / "records"
        folder.mkdir(exist_ok=True)
        (folder / "page.html").write_text("<p>kept</p>", encoding="utf-8")
        write_manifest(ws)
        (folder / "page.html").write_text("<p>changed</p>", encoding="utf-8")
        (folder / "extra.txt").write_text("added", encoding="utf-8")
        message = _refused(capsys, "record", "verify", str(folder), "--workspace", str(ws.root))
        assert "page.html" in message and "extra.txt" in message
        _reads(message, language)
    from decomkit.records.dossier import check_records

    with pytest.raises(RecordError) as caught:
        check_records(zh_and_en["en"].root / "records")
    _said_whole(caught.value, "changed since the record was made")
    assert _read(str(caught.value), "zh")

    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    monkeypatch.delenv("PROGRAMFILES", raising=False)
    monkeypatch.delenv("PROGRAMFILES(X86)", raising=False)
    with pytest.raises(RecordError) as caught:
        pdf.find_browser()
    _said_whole(caught.value, "--pdf needs Chromium")
