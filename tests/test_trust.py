"""Issue 25: the nine insider attacks that passed verification, one test each, every check
with its positive control. The trust profile (``keys/trust-profile.json``) is what the auditor
kept; everything else in the workspace is the insider's to rewrite."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from decomkit.cli import main
from decomkit.context.workspace import Workspace
from decomkit.core.canonical import canonical_json, utcnow
from decomkit.core.errors import LedgerIntegrityError, SigningKeyError
from decomkit.proof.anchors import add_folder_anchor, checkpoint_text
from decomkit.proof.checkpoints import stored_checkpoints, verify_ledger
from decomkit.proof.gates import Grant
from decomkit.proof.keys import (
    KEY_DIR_ENV,
    KeyRing,
    PublicKey,
    Signer,
    _save_keyring,
    key_id,
    load_keyring,
    private_key_location,
    read_public_key_file,
    sign_document,
)
from decomkit.proof.ledger import _row_hash
from helpers import object_lock_bucket
from test_proof import DECOMKIT, forge, profile, render_minimal_records, reopen, set_anchor


def load_profile(path: Path):
    from decomkit.proof.trust import load_profile as load  # imported here: see the report

    return load(path)


def verify_cli(ws: Workspace, *args: str) -> int:
    return main(["ledger", "verify", str(ws.root), *args])


def cut_tail(ws: Workspace, keep: int) -> None:
    """Without the key: the rows after ``keep`` (approval requests and approvals) are cut,
    their checkpoints too, the head file rewritten. Every remaining row is still signed."""
    with sqlite3.connect(ws.ledger_path) as db:
        db.execute("DELETE FROM events WHERE seq > ?", (keep,))
        db.execute("DELETE FROM checkpoints WHERE seq > ?", (keep,))
        db.execute("DELETE FROM anchored WHERE seq > ?", (keep,))
        last = db.execute("SELECT hash FROM events WHERE seq = ?", (keep,)).fetchone()[0]
    ws.ledger_path.with_suffix(".head").write_text(canonical_json({"seq": keep, "hash": last}),
                                                   encoding="utf-8")


@pytest.fixture
def anchored(demo, tmp_path):
    """The demo anchored to a folder, every checkpoint published, and the trust profile its
    auditor was handed then (outside the workspace)."""
    add_folder_anchor(demo.root, tmp_path / "anchor")
    ws = reopen(demo)
    assert main(["ledger", "anchor", str(ws.root)]) == 0
    kept = tmp_path / "auditor" / "trust-profile.json"
    kept.parent.mkdir()
    shutil.copy(profile(ws), kept)
    return ws, kept


# ------------------------------------------------------------------ 1. cut tail, anchor gone


@pytest.mark.parametrize("anchor", ["removed", "emptied"])
def test_1_a_cut_tail_with_the_anchor_removed_or_emptied_fails_against_the_profile(
        anchored, tmp_path, anchor, capsys):
    ws, kept = anchored
    assert verify_cli(ws, "--trust", str(kept)) == 0  # positive control
    cut_tail(ws, 14)
    config = ws.root / "decomkit.toml"
    text = config.read_text(encoding="utf-8")
    if anchor == "removed":
        config.write_text(text.split("\n[[anchors]]")[0], encoding="utf-8")
    else:
        (tmp_path / "empty").mkdir()
        config.write_text(text.replace(str(tmp_path / "anchor"), str(tmp_path / "empty")),
                          encoding="utf-8")
    capsys.readouterr()
    assert verify_cli(ws) == 3  # the workspace's own claims hold: never a bare "verified"
    assert "按工作区自己的声明核对" in capsys.readouterr().out  # the demo speaks zh
    assert verify_cli(ws, "--trust", str(kept)) == 1
    err = capsys.readouterr().err
    assert "保存着第 15 行的校验点" in err and "台账止于第 14 行" in err  # the demo speaks zh


# ------------------------------------------------------------------ 2. the insider's own key


def insider_key(ws: Workspace, monkeypatch, tmp_path, workspace_id: str = "") -> str:
    """Without the private key: keys/public-keys.json replaced by one holding only the
    insider's key (and, with ``workspace_id``, a new id); the insider's private key in their
    own key folder."""
    private = Ed25519PrivateKey.generate()
    folder = tmp_path / "insider-keys"
    folder.mkdir()
    from cryptography.hazmat.primitives import serialization

    path = folder / f"{key_id(private.public_key())}.pem"
    path.write_bytes(private.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    path.chmod(0o600)
    monkeypatch.setenv(KEY_DIR_ENV, str(folder))
    public = PublicKey.of(private.public_key(), created=utcnow())
    old = load_keyring(ws.root)
    for pem in (ws.root / "keys").glob("*.pub.pem"):
        pem.unlink()
    _save_keyring(ws.root, KeyRing({public.key_id: public}, workspace_id or old.workspace_id,
                                   public.key_id))
    return public.key_id


def test_2_a_ledger_re_signed_with_a_replaced_key_list_fails_against_the_profile(
        demo, monkeypatch, tmp_path, capsys):
    kept = tmp_path / "trust-profile.json"
    shutil.copy(demo.root / "keys" / "trust-profile.json", kept)  # handed over at init
    # Positive control: the keys match (no anchor is set, so not a verification: exit 3).
    assert verify_cli(demo, "--trust", str(kept)) == 3
    insider = insider_key(demo, monkeypatch, tmp_path)
    forge(demo)  # rewritten and re-signed with the insider's key
    capsys.readouterr()
    assert verify_cli(demo) == 3
    assert verify_cli(demo, "--trust", str(kept)) == 1
    assert f"它由密钥 {insider}" in capsys.readouterr().err  # signed by key … (zh)


# ------------------------------------------------------------------ 3. ... and a new id


def test_3_a_new_workspace_id_does_not_hide_the_anchor_or_the_pasted_line(
        anchored, monkeypatch, tmp_path, capsys):
    ws, kept = anchored
    line = checkpoint_text(stored_checkpoints(ws.ledger_path)[-1])  # the auditor's line
    assert verify_cli(ws, "--trust", str(kept), "--checkpoint", line) == 0  # positive control
    new_id = str(uuid.uuid4())
    insider_key(ws, monkeypatch, tmp_path, workspace_id=new_id)
    forge(ws)
    with sqlite3.connect(ws.ledger_path) as db:  # the ledger's own receipts go too
        db.execute("DELETE FROM anchored")
    capsys.readouterr()
    assert verify_cli(ws, "--checkpoint", line) in (1, 3)  # never 0 without a trust root
    assert verify_cli(ws, "--trust", str(kept), "--checkpoint", line) == 1
    err = capsys.readouterr().err
    assert f"自称 {new_id}" in err  # calls itself … (zh)
    assert "保存着第 2 行的校验点" in err  # the anchor's originals, found under the profile's id


# ------------------------------------------------------------------ 4. S3 Object Lock, new id


def test_4_with_the_key_a_new_workspace_id_is_caught_at_the_object_lock_anchor(
        demo, s3_endpoint, tmp_path):
    ws = set_anchor(demo, object_lock_bucket(s3_endpoint)[2])
    assert main(["ledger", "anchor", str(ws.root)]) == 0
    kept = tmp_path / "trust-profile.json"
    shutil.copy(profile(ws), kept)
    pinned = (read_public_key_file(ws.root / "keys" / f"{load_keyring(ws.root).current}.pub.pem"),)
    line = checkpoint_text(stored_checkpoints(ws.ledger_path)[-1])
    verify_ledger(reopen(ws), public_keys=pinned, checkpoint_texts=(line,))  # positive control
    verify_ledger(reopen(ws), trust=load_profile(kept), checkpoint_texts=(line,))
    registry = ws.root / "keys" / "public-keys.json"
    body = json.loads(registry.read_text(encoding="utf-8"))
    body["workspace_id"] = str(uuid.uuid4())
    registry.write_text(json.dumps(body), encoding="utf-8")
    forge(ws)  # row 2 rewritten, row 10 deleted, re-signed with the key under the new id
    with sqlite3.connect(ws.ledger_path) as db:
        db.execute("DELETE FROM anchored")
    assert main(["ledger", "anchor", str(ws.root)]) == 0  # the forgery published, new prefix
    with pytest.raises(LedgerIntegrityError) as caught:
        verify_ledger(reopen(ws), public_keys=pinned, checkpoint_texts=(line,))
    assert "under another workspace id" in str(caught.value)
    assert "the pasted checkpoint is of workspace" in str(caught.value)
    with pytest.raises(LedgerIntegrityError, match="audit bucket holds checkpoint row 2 "):
        verify_ledger(reopen(ws), trust=load_profile(kept))


# ------------------------------------------------------------------ 5. unchained rows

LIVE = Grant("jxc", "notify_in_advance", {}, live=True)  # what a real run's gate gives


def test_5_an_action_row_inserted_by_hand_is_refused_not_skipped(demo):
    performed = []
    with demo.ledger() as ledger:
        assert ledger.run_once("jxc:1:notify-before", "jxc", "notify", "operator",
                               lambda: performed.append(1) or "sent", grant=LIVE)[1]
        assert ledger.run_once("jxc:1:notify-before", "jxc", "notify", "operator",
                               lambda: performed.append(2), grant=LIVE)[0] == "sent"  # control
        assert ledger.action("jxc:1:notify-before").status == "done"
        rows = ledger.head()
    with sqlite3.connect(demo.ledger_path) as db:  # the insider's row: "already notified"
        db.execute("INSERT INTO actions (key, app_id, operation, status, result, updated) "
                   "VALUES ('jxc:2:notify-before', 'jxc', 'notify', 'done', '\"sent\"', 'x')")
    with demo.ledger() as ledger:
        with pytest.raises(LedgerIntegrityError, match="jxc:2:notify-before"):
            ledger.run_once("jxc:2:notify-before", "jxc", "notify", "operator",
                            lambda: performed.append(3), grant=LIVE)
        with pytest.raises(LedgerIntegrityError, match="no signed ledger row says so"):
            ledger.action("jxc:2:notify-before")
        assert ledger.head() == rows
    assert performed == [1]


def test_5_a_row_appended_without_the_key_is_reported_and_never_signed_into_the_next(
        anchored, capsys):
    ws, kept = anchored
    with ws.ledger() as ledger:
        ledger.note("jxc", "analyst", {"comment": "signed"})  # positive control: signed now
    assert verify_cli(ws, "--trust", str(kept)) == 0
    with sqlite3.connect(ws.ledger_path) as db:  # the insider's note, chained, no checkpoint
        seq, prev = db.execute("SELECT seq, hash FROM events ORDER BY seq DESC").fetchone()
        row = {"seq": seq + 1, "ts": utcnow(), "app_id": "jxc", "kind": "note", "state": None,
               "actor": "insider", "data": {"evidence": "vendor notified"}, "prev_hash": prev}
        row["hash"] = _row_hash(row)
        db.execute("INSERT INTO events VALUES (:seq, :ts, :app_id, :kind, :state, :actor, "
                   ":data, :prev_hash, :hash)", {**row, "data": canonical_json(row["data"])})
    ws.ledger_path.with_suffix(".head").write_text(
        canonical_json({"seq": row["seq"], "hash": row["hash"]}), encoding="utf-8")
    capsys.readouterr()
    assert verify_cli(ws, "--trust", str(kept)) == 1
    assert f"第 {row['seq']} 行位于最后一个已签名校验点" in capsys.readouterr().err  # (zh)
    with ws.ledger() as ledger, pytest.raises(LedgerIntegrityError, match="--adopt-unsigned"):
        ledger.transition("jxc", "assessed", "analyst")
    assert main(["ledger", "anchor", str(ws.root)]) == 1  # nor signed by 'ledger anchor'
    assert max(c["seq"] for c in stored_checkpoints(ws.ledger_path)) == row["seq"] - 1
    assert main(["ledger", "anchor", str(ws.root), "--adopt-unsigned", "审计员 李"]) == 0
    assert verify_cli(ws, "--trust", str(kept)) == 0
    with ws.ledger() as ledger:
        adopted = ledger.events()[-1]
    assert adopted.actor == "审计员 李" and adopted.data["adopted_unsigned_rows"] == [row["seq"]]


# ------------------------------------------------------------------ 6. records re-signed


def test_6_a_records_copy_re_signed_by_a_fresh_key_is_never_reported_verified(demo, tmp_path):
    render_minimal_records(demo)
    copy = tmp_path / "auditor" / "records"
    shutil.copytree(demo.root / "records", copy)
    kept = tmp_path / "auditor" / "trust-profile.json"
    shutil.copy(demo.root / "keys" / "trust-profile.json", kept)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DECOMKIT_")}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([DECOMKIT, "record", "verify", str(copy), *args], env=env,
                              capture_output=True, text=True, timeout=120, cwd="/")

    assert run("--trust", str(kept)).returncode == 0  # positive control
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    fresh = Ed25519PrivateKey.generate()
    signer = Signer(key_id(fresh.public_key()), fresh)
    manifest["checkpoint"] = sign_document(manifest["checkpoint"], signer)
    (copy / "manifest.json").write_text(json.dumps(sign_document(manifest, signer)),
                                        encoding="utf-8")
    unpinned = run()
    assert unpinned.returncode == 3 and "checked against its own claims" in unpinned.stdout
    pinned = run("--trust", str(kept))
    assert pinned.returncode == 1 and "not a trusted key" in pinned.stderr  # as its lines


# ------------------------------------------------------------------ 7. rotate --lost, gates


def test_7_the_backup_gate_does_not_trust_a_key_added_with_rotate_lost(
        demo, monkeypatch, tmp_path, retire):
    from decomkit.custody.verify import verify_backup
    from decomkit.lifecycle.backup import run_backup

    retire(demo, "jxc")
    run_backup(demo, "jxc", actor="analyst")
    assert verify_backup(demo, "jxc", actor="analyst", record=False).ok  # positive control
    monkeypatch.setenv(KEY_DIR_ENV, str(tmp_path / "insider"))  # the real key is not here
    assert main(["keys", "rotate", str(demo.root), "--lost"]) == 0
    run_backup(demo, "jxc", actor="insider")  # signed with the insider's key
    result = verify_backup(demo, "jxc", actor="analyst", record=False)
    assert not result.ok
    assert any("not a trusted key" in p for p in result.problems)


# ------------------------------------------------------------------ 8. a partial anchor file


@pytest.mark.parametrize("left", [0, 40])
def test_8_a_partial_folder_anchor_file_is_repaired_by_ledger_anchor(anchored, tmp_path, left,
                                                                     capsys):
    ws, kept = anchored
    last = sorted((tmp_path / "anchor").rglob("*.json"))[-1]
    whole = last.read_bytes()
    with sqlite3.connect(ws.ledger_path) as db:  # the crash came before the receipt
        db.execute("DELETE FROM anchored WHERE seq = 18")
    last.chmod(0o644)
    last.write_bytes(whole[:left])  # created, then the bytes never (or half) written
    capsys.readouterr()
    assert main(["ledger", "anchor", str(ws.root)]) == 0
    assert "所有校验点均已锚定" in capsys.readouterr().out  # every checkpoint is anchored
    assert last.read_bytes() == whole
    assert not list((tmp_path / "anchor").rglob("*.tmp"))
    assert verify_cli(ws, "--trust", str(kept)) == 0
    # Positive control: a file that is not a prefix of the checkpoint is never overwritten.
    with sqlite3.connect(ws.ledger_path) as db:
        db.execute("DELETE FROM anchored WHERE seq = 18")
    last.chmod(0o644)
    last.write_bytes(b"{}" + whole[2:])
    assert main(["ledger", "anchor", str(ws.root)]) == 1
    assert last.read_bytes() == b"{}" + whole[2:]


# ------------------------------------------------------------------ 9. a readable private key


def test_9_a_private_key_others_can_read_is_refused_with_the_chmod_to_run(demo):
    path = Path(private_key_location(load_keyring(demo.root).current))
    with demo.ledger() as ledger:
        rows = ledger.head()
    try:
        path.chmod(0o666)
        with demo.ledger() as ledger, pytest.raises(SigningKeyError) as caught:
            ledger.transition("jxc", "assessed", "analyst")
        assert f"chmod 600 {path}" in str(caught.value)
        with demo.ledger() as ledger:
            assert ledger.head() == rows  # nothing written
    finally:
        path.chmod(0o600)
    with demo.ledger() as ledger:  # positive control: the same key, mode 600, signs
        ledger.transition("jxc", "assessed", "analyst")
        assert ledger.head()[0] == rows[0] + 1


# ------------------------------------------------------------ 10. a profile, no readable anchor


@pytest.mark.parametrize("language", ["zh", "en"])
def test_10_a_profile_naming_no_readable_anchor_is_not_a_verification(
        demo, tmp_path, capsys, language):
    """The profile pins keys and id, but a key holder could rewrite the whole ledger and
    re-sign it: with no anchor the kit reads back (none, or email/DingTalk only) and no pasted
    line, 'ledger verify --trust' exits 3 and says why, in the workspace's language."""
    from decomkit.core.i18n import t
    from helpers import set_config

    set_config(demo, 'language = "zh"', f'language = "{language}"')
    ws = set_anchor(demo, 'kind = "email"\nto = ["audit@example.com"]')
    kept = tmp_path / "trust-profile.json"
    shutil.copy(profile(ws), kept)
    capsys.readouterr()
    assert verify_cli(ws, "--trust", str(kept)) == 3
    out = capsys.readouterr().out
    assert t("verify.no_anchor", language) in out
    assert t("verify.no_outside", language, code=3) in out
    line = checkpoint_text(stored_checkpoints(ws.ledger_path)[-1])  # what the mailbox received
    assert verify_cli(ws, "--trust", str(kept), "--checkpoint", line) == 0  # positive control
    assert t("verify.no_outside", language, code=3) not in capsys.readouterr().out
    assert verify_cli(ws) == 3  # unpinned: said in the same language
    assert t("verify.unpinned", language, what=t("verify.what_ledger", language),
             code=3) in capsys.readouterr().out
    set_config(ws, 'kind = "email"\nto = ["audit@example.com"]',  # a readable anchor instead
               f'kind = "folder"\npath = "{tmp_path / "anchor"}"')
    ws = reopen(ws)
    assert main(["ledger", "anchor", str(ws.root)]) == 0
    shutil.copy(profile(ws), kept)
    capsys.readouterr()
    assert verify_cli(ws, "--trust", str(kept)) == 0  # positive control
    assert t("verify.no_anchor", language) not in capsys.readouterr().out
