"""Proof that holds against an insider: keys outside the workspace, signed checkpoints, anchors
the operator cannot rewrite, records that verify anywhere."""

from __future__ import annotations

import base64
import email
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

from decomkit.cli import main
from decomkit.context.workspace import Workspace
from decomkit.core.canonical import canonical_json
from decomkit.core.errors import LedgerIntegrityError, SigningKeyError
from decomkit.platforms.dingtalk_form import LABELS
from decomkit.proof.anchors import add_folder_anchor, checkpoint_text
from decomkit.proof.checkpoints import (
    AnchorWarning,
    anchor_now,
    make_checkpoint,
    stored_checkpoints,
    verify_ledger,
)
from decomkit.proof.keys import (
    KEY_DIR_ENV,
    KEY_FILE_ENV,
    Signer,
    key_folder,
    key_id,
    load_keyring,
    load_signer,
    read_public_key_file,
    sign_document,
)
from decomkit.proof.ledger import GENESIS, _row_hash
from decomkit.records.dossier import RecordError, check_records, render_records, verify_records
from helpers import object_lock_bucket

DECOMKIT = str(Path(sys.executable).parent / "decomkit")


def reopen(ws: Workspace) -> Workspace:
    return Workspace.open(ws.root)


def set_anchor(ws: Workspace, block: str) -> Workspace:
    config = ws.root / "decomkit.toml"
    text = config.read_text(encoding="utf-8").replace("\nanchors = []\n", "\n")
    config.write_text(text + "\n[[anchors]]\n" + block.strip() + "\n", encoding="utf-8")
    return reopen(ws)


def transition(ws: Workspace, app: str = "jxc") -> None:
    with ws.ledger() as ledger:
        ledger.transition(app, "assessed", "analyst")


def rows(ws: Workspace) -> int:
    with ws.ledger() as ledger:
        return ledger.head()[0]


def forge(ws: Workspace, *, resign: bool = True, reorder: bool = False) -> None:
    """The insider of the issue: edit row 2's actor and reasons, delete row 10, recompute every
    hash after it, rewrite ledger.head; with the private key, re-sign every checkpoint too.
    ``reorder`` swaps rows 12 and 13 instead."""
    db = sqlite3.connect(ws.ledger_path)
    db.row_factory = sqlite3.Row
    events = [dict(r) for r in db.execute("SELECT * FROM events ORDER BY seq")]
    if reorder:
        events[11], events[12] = events[12], events[11]
    else:
        data = json.loads(events[1]["data"])
        events[1]["actor"] = "finance-director"
        events[1]["data"] = canonical_json({**data, "reasons": ["the board asked for it"]})
        del events[9]
    prev = GENESIS
    for seq, row in enumerate(events, 1):
        row.update(seq=seq, prev_hash=prev)
        row["hash"] = prev = _row_hash({**row, "data": json.loads(row["data"])})
    db.execute("DELETE FROM events")
    db.executemany("INSERT INTO events VALUES (:seq, :ts, :app_id, :kind, :state, :actor, :data,"
                   " :prev_hash, :hash)", events)
    db.execute("DELETE FROM checkpoints")
    if resign:
        signer, ring = load_signer(ws.root), load_keyring(ws.root)
        for row in events:
            if row["kind"] == "transition":
                checkpoint = make_checkpoint(ring.workspace_id, row["seq"], row["hash"], signer)
                db.execute("INSERT INTO checkpoints VALUES (?, ?)",
                           (row["seq"], json.dumps(checkpoint)))
    db.commit()
    db.close()
    ws.ledger_path.with_suffix(".head").write_text(
        canonical_json({"seq": len(events), "hash": prev}), encoding="utf-8")


def profile(ws: Workspace) -> Path:
    """The trust profile of the workspace as it is now, as its auditors were handed it."""
    from decomkit.proof.trust import write_profile

    return write_profile(ws.root, reopen(ws).config)


@pytest.fixture
def folder_anchored(demo, tmp_path):
    """The demo (18 rows of history) anchored to a local folder, every checkpoint published."""
    add_folder_anchor(demo.root, tmp_path / "anchor")
    ws = reopen(demo)
    assert main(["ledger", "anchor", str(ws.root)]) == 0
    assert len(list((tmp_path / "anchor").rglob("*.json"))) == 18
    return ws


# ------------------------------------------------------------------ the forgery


def test_the_forgery_passes_without_an_anchor_and_fails_with_the_folder_anchor(folder_anchored):
    ws = folder_anchored
    verify_ledger(ws)  # positive control
    forge(ws)
    unanchored = reopen(ws)
    config = ws.root / "decomkit.toml"
    anchored_text = config.read_text(encoding="utf-8")
    config.write_text(anchored_text.split("\n[[anchors]]")[0], encoding="utf-8")
    report = verify_ledger(reopen(ws))  # the key holder's forgery, with no anchor to betray it
    assert report.rows == 17 and report.checkpoints == 17
    config.write_text(anchored_text, encoding="utf-8")
    with pytest.raises(LedgerIntegrityError) as caught:
        verify_ledger(unanchored)
    first = str(caught.value).split("\n  - ")[1]
    assert first.startswith("folder ") and "checkpoint row 2 " in first
    assert "rewritten at or before row 2" in first


@pytest.mark.parametrize("checkpoints", ["deleted", "kept"])
def test_without_the_key_the_forgery_fails_even_with_no_anchor(demo, checkpoints):
    verify_ledger(demo)  # positive control
    if checkpoints == "kept":
        saved = stored_checkpoints(demo.ledger_path)
    forge(demo, resign=False)
    if checkpoints == "kept":  # the insider puts the signed originals back
        with sqlite3.connect(demo.ledger_path) as db:
            db.executemany("INSERT INTO checkpoints VALUES (?, ?)",
                           [(c["seq"], json.dumps(c)) for c in saved if c["seq"] <= 17])
    expected = ("have no signed checkpoint" if checkpoints == "deleted"
                else "the ledger's row 2 hashes to")
    with pytest.raises(LedgerIntegrityError, match=expected):
        verify_ledger(demo)


def test_a_key_added_by_an_insider_with_rotate_lost_does_not_verify_a_forgery(
        demo, monkeypatch, tmp_path, capsys):
    """Without the private key, 'keys rotate --lost' puts the insider's own key in the
    workspace's list; the rewritten ledger, re-signed with it, used to verify (exit 0)."""
    verify_ledger(demo)  # positive control
    monkeypatch.setenv(KEY_DIR_ENV, str(tmp_path / "insider"))  # the real key is not here
    assert main(["keys", "rotate", str(demo.root), "--lost"]) == 0
    insider = load_keyring(demo.root).current
    forge(demo)  # re-signs every checkpoint with the insider's key
    with pytest.raises(LedgerIntegrityError, match=f"key {insider} .* is not endorsed"):
        verify_ledger(demo)
    capsys.readouterr()
    assert main(["ledger", "verify", str(demo.root)]) == 1
    assert "没有经过本工作区更早密钥的背书" in capsys.readouterr().err  # the demo speaks zh
    # An auditor who was told the new fingerprint and pins it trusts it: the refusal above is
    # the missing endorsement, nothing else.
    pinned = (read_public_key_file(demo.root / "keys" / f"{insider}.pub.pem"),)
    assert verify_ledger(demo, public_keys=pinned).rows == 17


def test_the_cli_fails_and_names_the_anchored_checkpoint(folder_anchored, capsys):
    trust = str(profile(folder_anchored))
    assert main(["ledger", "verify", str(folder_anchored.root), "--trust", trust]) == 0
    assert "18 个校验点,每个都是链的前缀" in capsys.readouterr().out  # each a prefix (zh)
    forge(folder_anchored)
    assert main(["ledger", "verify", str(folder_anchored.root), "--trust", trust]) == 1
    assert "保存着第 2 行的校验点" in capsys.readouterr().err  # checkpoint row 2 (zh)


def test_reordered_rows_contradict_the_first_anchored_checkpoint_they_move(folder_anchored):
    forge(folder_anchored, reorder=True)
    with pytest.raises(LedgerIntegrityError) as caught:
        verify_ledger(folder_anchored)
    first = str(caught.value).split("\n  - ")[1]
    assert "checkpoint row 12 " in first and "rewritten at or before row 12" in first


def test_a_shortened_ledger_contradicts_the_last_anchored_checkpoint(folder_anchored):
    db = sqlite3.connect(folder_anchored.ledger_path)
    db.execute("DELETE FROM events WHERE seq > 15")
    db.execute("DELETE FROM checkpoints WHERE seq > 15")
    db.commit()
    db.close()
    head = folder_anchored.ledger_path.with_suffix(".head")
    with sqlite3.connect(folder_anchored.ledger_path) as db:
        last = db.execute("SELECT hash FROM events WHERE seq = 15").fetchone()[0]
    head.write_text(canonical_json({"seq": 15, "hash": last}), encoding="utf-8")
    with pytest.raises(LedgerIntegrityError, match=r"checkpoint row 16 .*ends at row 15"):
        verify_ledger(folder_anchored)


@pytest.mark.parametrize("anchored", [True, False])
def test_deleting_the_ledger_fails_verification(demo, tmp_path, anchored, capsys, retire):
    from decomkit.lifecycle.backup import run_backup

    ws = demo
    if anchored:
        add_folder_anchor(ws.root, tmp_path / "anchor")
        ws = reopen(ws)
        main(["ledger", "anchor", str(ws.root)])
    else:
        retire(ws, "jxc")
        run_backup(ws, "jxc", actor="analyst")
    for path in ws.root.glob("ledger.*"):
        path.unlink()
    assert main(["ledger", "verify", str(ws.root)]) == 1
    err = capsys.readouterr().err
    assert "台账不存在,但工作区中有" in err  # the ledger is missing, but … (zh)
    assert ("处的校验点" if anchored else "备份(backups/") in err
    assert not ws.ledger_path.exists()  # verifying did not create an empty ledger


def test_an_empty_new_workspace_verifies_but_has_nothing_outside_to_verify_against(
        workspace, capsys):
    assert main(["ledger", "verify", str(workspace.root)]) == 3  # against its own claims only
    out = capsys.readouterr().out
    assert "台账核验通过:0 行" in out and "按工作区自己的声明核对" in out
    trust = str(workspace.root / "keys" / "trust-profile.json")
    assert main(["ledger", "verify", str(workspace.root), "--trust", trust]) == 3  # no anchor
    out = capsys.readouterr().out
    assert "按工作区自己的声明核对" not in out and "没有读到工作区之外的任何内容" in out


# ------------------------------------------------------------------ S3 Object Lock (moto)


@pytest.fixture
def s3_anchored(demo, s3_endpoint):
    client, bucket, block = object_lock_bucket(s3_endpoint)
    ws = set_anchor(demo, block)
    assert main(["ledger", "anchor", str(ws.root)]) == 0
    return ws, client, bucket


def test_the_forgery_is_caught_by_the_object_lock_anchor(s3_anchored):
    ws, client, bucket = s3_anchored
    listed = client.list_object_versions(Bucket=bucket)["Versions"]
    assert len(listed) == 18
    head = client.head_object(Bucket=bucket, Key=listed[0]["Key"])
    assert head["ObjectLockMode"] == "COMPLIANCE"
    verify_ledger(ws)
    forge(ws)
    with pytest.raises(LedgerIntegrityError) as caught:
        verify_ledger(ws)
    first = str(caught.value).split("\n  - ")[1]
    assert first.startswith("audit bucket holds checkpoint row 2 ")


def test_the_store_refuses_to_delete_an_anchored_checkpoint_and_an_overwrite_changes_nothing(
        s3_anchored):
    from botocore.exceptions import ClientError

    ws, client, bucket = s3_anchored
    workspace_id = load_keyring(ws.root).workspace_id
    key = f"decomkit/{workspace_id}/{2:012d}.json"
    original = client.list_object_versions(Bucket=bucket, Prefix=key)["Versions"][0]
    body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    with pytest.raises(ClientError, match="AccessDenied"):
        client.delete_object(Bucket=bucket, Key=key, VersionId=original["VersionId"])
    forge(ws)  # the insider holds the key: re-signed checkpoints of the forged chain …
    forged = next(c for c in stored_checkpoints(ws.ledger_path) if c["seq"] == 2)
    client.put_object(Bucket=bucket, Key=key, Body=json.dumps(forged).encode())  # … put over it
    client.delete_object(Bucket=bucket, Key=f"decomkit/{workspace_id}/{3:012d}.json")
    kept = client.get_object(Bucket=bucket, Key=key, VersionId=original["VersionId"])
    assert kept["Body"].read() == body  # the locked version is still there, unchanged
    with pytest.raises(LedgerIntegrityError, match="audit bucket holds checkpoint row 2 "):
        verify_ledger(ws)


def test_a_retention_policy_bucket_without_object_lock_headers_works_the_same(
        demo, s3_endpoint):
    """Aliyun OSS's S3-compatible endpoint: plain puts, the bucket's WORM policy keeps them."""
    import boto3

    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket="oss-like")
    ws = set_anchor(demo, f'kind = "s3"\nurl = "s3://oss-like/audit"\nendpoint_url = '
                          f'"{s3_endpoint}"\nobject_lock = false')
    assert main(["ledger", "anchor", str(ws.root)]) == 0
    assert verify_ledger(ws).anchored == {"s3 s3://oss-like/audit": 18}
    forge(ws)
    with pytest.raises(LedgerIntegrityError, match="oss-like/audit holds checkpoint row 2 "):
        verify_ledger(ws)


# ------------------------------------------------------------------ anchors down, email, DingTalk


def test_an_anchor_that_is_down_never_blocks_and_the_next_run_publishes(demo, tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    ws = set_anchor(demo, f'kind = "folder"\npath = "{blocker / "anchor"}"')
    with pytest.warns(AnchorWarning, match="not anchored yet"), ws.ledger() as ledger:
        ledger.transition("old-expense", "re_enabled", "analyst", {"confirm": "old-expense"})
    with ws.ledger() as ledger:
        assert ledger.state("old-expense") == "re_enabled"
    assert main(["ledger", "verify", str(ws.root)]) == 1  # an anchor it cannot read
    assert "无法读取" in capsys.readouterr().err  # cannot be read (zh)
    blocker.unlink()
    blocker.mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("error", AnchorWarning)
        transition(ws)
    assert len(list((blocker / "anchor").rglob("*.json"))) == 20
    assert verify_ledger(ws).unanchored == {}


def test_the_auditors_mailbox_receives_each_checkpoint(demo, smtp_inbox):
    inbox, port = smtp_inbox
    config = demo.root / "decomkit.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "smtp_port = 25", f"smtp_port = {port}"), encoding="utf-8")
    ws = set_anchor(demo, 'kind = "email"\nto = ["audit@example.com"]')
    transition(ws)
    assert len(inbox.messages) == 19  # the history's 18 and the new one
    assert all(m.rcpt_tos == ["audit@example.com"] for m in inbox.messages)
    transition(ws)  # already sent: not again
    assert len(inbox.messages) == 20
    mail = email.message_from_bytes(inbox.messages[1].content)
    line = next(x for x in mail.get_payload(decode=True).decode().splitlines()
                if x.startswith("decomkit-checkpoint/1"))
    assert " seq=2 " in line
    assert verify_ledger(ws, checkpoint_texts=(line,)).rows == 20
    forge(ws)
    with pytest.raises(LedgerIntegrityError, match=r"the pasted checkpoint holds .*row 2 "):
        verify_ledger(ws, checkpoint_texts=(line,))


def test_the_dingtalk_approval_form_and_the_auditors_robot_carry_the_checkpoint(
        demo, monkeypatch, retire):

    from decomkit.context.stage import open_stage
    from decomkit.custody.verify import verify_backup
    from decomkit.lifecycle.approval import submit_approval
    from decomkit.lifecycle.backup import run_backup
    from decomkit.platforms.dingtalk import clear_token_cache
    from decomkit.platforms.dingtalk_form import TEMPLATE_NAME, form_components
    from fake_dingtalk import (
        APP_KEY,
        APP_SECRET,
        ROBOT_SECRET,
        ROBOT_TOKEN,
        FakeDingTalk,
        User,
        organisation_from_inventory,
    )

    app = "bi-pro"
    organisation, agent_ids = organisation_from_inventory(
        demo.inventory(["usage_events", "users"]), admins={"it-admin"})
    it = next(i for i, name in organisation.departments.items() if name == "技术部")
    organisation.users.setdefault("it-admin", User("it-admin", "IT 管理员", [it]))
    organisation.templates["PROC-DECOM"] = {"name": TEMPLATE_NAME,
                                            "formComponents": form_components(),
                                            "gmtModified": "2026-11-01T09:00Z"}
    clear_token_cache()
    fake = FakeDingTalk(organisation).start()
    try:
        for name, value in (("DINGTALK_APP_KEY", APP_KEY), ("DINGTALK_APP_SECRET", APP_SECRET),
                            ("AUDIT_ROBOT_TOKEN", ROBOT_TOKEN),
                            ("AUDIT_ROBOT_SECRET", ROBOT_SECRET)):
            monkeypatch.setenv(f"DECOMKIT_{name}", value)
        fake.configure(demo.root, agent_ids,
                       more=(('process_code = ""', 'process_code = "PROC-DECOM"'),
                             ("agent_id = 0 ", "agent_id = 1 ")))
        ws = set_anchor(demo, 'kind = "dingtalk"\nname = "auditors group"\nrobot = true')
        retire(ws, app)
        run_backup(ws, app, actor="analyst")
        assert verify_backup(ws, app, actor="analyst").ok
        event = submit_approval(open_stage(str(ws.root), analyst="it-admin"), app,
                                reason="成本过高")
        form = fake.instances[event.data["instance_id"]]["formComponentValues"]
        value = next(f["value"] for f in form if f["name"] == LABELS["checkpoint"])
        latest = next(c for c in stored_checkpoints(ws.ledger_path)
                      if checkpoint_text(c) == value)  # the head before approval_pending
        assert latest["seq"] < event.seq
        posted = [m["msg"]["text"]["content"] for m in fake.messages if m.get("robot")]
        assert posted and all("decomkit-checkpoint/1 ws=" in text for text in posted)
        # one robot message a minute (issue 26): a minute later the latest covers the rest
        state = ws.root / "platform" / "audit-robot.json"
        saved = json.loads(state.read_text("utf-8"))
        state.write_text(json.dumps({**saved, "last_sent": saved["last_sent"] - 61}), "utf-8")
        anchor_now(ws)
        report = verify_ledger(ws, checkpoint_texts=(value,))
        assert report.unanchored == {}  # the robot took every checkpoint, the history's too
        assert report.notes  # "cannot be read back by the kit"
        forge(ws)
        with pytest.raises(LedgerIntegrityError, match="the pasted checkpoint holds"):
            verify_ledger(ws, checkpoint_texts=(value,))
    finally:
        fake.stop()
        clear_token_cache()


# ------------------------------------------------------------------ keys


def _private_forms(root_env: Path) -> list[bytes]:
    """Every form a private key of the test key folder could take in a file."""
    from cryptography.hazmat.primitives import serialization

    forms = [b"PRIVATE KEY"]
    for path in root_env.glob("*.pem"):
        pem = path.read_bytes()
        key = serialization.load_pem_private_key(pem, password=None)
        raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
        forms += [pem, raw, base64.b64encode(raw), raw.hex().encode(), pem.split(b"\n")[1]]
    return forms


def test_no_private_key_material_in_the_workspace_its_backups_records_or_anchor(
        folder_anchored, tmp_path, retire):
    from decomkit.lifecycle.backup import run_backup

    ws = folder_anchored
    retire(ws, "jxc")
    run_backup(ws, "jxc", actor="analyst")
    render_minimal_records(ws)
    forms = _private_forms(key_folder())
    assert len(forms) > 5  # positive control: there is a key to look for
    scanned = 0
    for folder in (ws.root, tmp_path / "anchor"):
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                scanned += 1
                for form in forms:
                    assert form not in data, (path, form[:12])
    assert scanned > 50
    assert not (ws.root / ".keys").exists()
    assert {p.suffix for p in (ws.root / "keys").iterdir()} == {".json", ".pem"}


def test_without_its_private_key_nothing_is_written(demo, tmp_path, monkeypatch, retire):
    from decomkit.lifecycle.backup import run_backup

    before, head = rows(demo), demo.ledger_path.with_suffix(".head").read_bytes()
    own = os.environ[KEY_DIR_ENV]
    monkeypatch.setenv(KEY_DIR_ENV, str(tmp_path / "elsewhere"))
    with pytest.raises(SigningKeyError, match=r"is not at .*elsewhere"):
        transition(demo)
    assert rows(demo) == before
    assert demo.ledger_path.with_suffix(".head").read_bytes() == head
    monkeypatch.setenv(KEY_DIR_ENV, own)
    retire(demo, "jxc")
    before = rows(demo)
    monkeypatch.setenv(KEY_DIR_ENV, str(tmp_path / "elsewhere"))
    with pytest.raises(SigningKeyError):
        run_backup(demo, "jxc", actor="analyst")
    assert not (demo.root / "backups" / "jxc").exists() and rows(demo) == before


def test_a_key_file_inside_the_workspace_is_refused(demo, monkeypatch):
    inside = demo.root / "data" / "k.pem"
    shutil.copy(key_folder() / f"{load_keyring(demo.root).current}.pem", inside)
    monkeypatch.setenv(KEY_FILE_ENV, str(inside))
    with pytest.raises(SigningKeyError, match="inside the workspace"):
        transition(demo)


def test_the_key_can_come_from_the_environment_as_pem(demo, monkeypatch):
    pem = (key_folder() / f"{load_keyring(demo.root).current}.pem").read_text()
    monkeypatch.setenv(KEY_DIR_ENV, "/nonexistent")
    monkeypatch.setenv("DECOMKIT_SIGNING_KEY", pem)
    transition(demo)
    assert verify_ledger(demo).checkpoints == 19


def test_rotation_keeps_old_signatures_verifiable(demo, capsys):
    old = load_keyring(demo.root).current
    assert main(["keys", "rotate", str(demo.root)]) == 0
    new = load_keyring(demo.root).current
    assert new != old and f"签名密钥 {new}" in capsys.readouterr().out
    transition(demo)
    checkpoints = stored_checkpoints(demo.ledger_path)
    assert checkpoints[0]["key_id"] == old and checkpoints[-1]["key_id"] == new
    assert verify_ledger(demo).checkpoints == 19  # 18 with the old key, one with the new
    assert (demo.root / "keys" / f"{new}.endorsed-by-{old}.json").is_file()
    only_new = (read_public_key_file(demo.root / "keys" / f"{new}.pub.pem"),)
    with pytest.raises(LedgerIntegrityError, match=f"signed by key {old}"):
        verify_ledger(demo, public_keys=only_new)
    both = (*only_new, read_public_key_file(demo.root / "keys" / f"{old}.pub.pem"))
    verify_ledger(demo, public_keys=both)
    assert main(["keys", "show", str(demo.root)]) == 0
    shown = capsys.readouterr().out
    assert f"{old} " in shown and "停用" in shown and f"{new} " in shown  # retired (zh)
    assert f"{new}.pem" in shown  # where its private key is looked for


def test_an_old_workspace_with_the_shared_key_is_told_what_to_do(demo, capsys):
    shutil.rmtree(demo.root / "keys")
    with sqlite3.connect(demo.ledger_path) as db:
        db.execute("DROP TABLE checkpoints")
    (demo.root / ".keys").mkdir()
    (demo.root / ".keys" / "signing.key").write_text("0" * 64)
    with pytest.raises(SigningKeyError, match=r"decomkit keys init.*|signing\.key"):
        transition(demo)
    assert main(["ledger", "verify", str(demo.root)]) == 1
    assert "keys init" in capsys.readouterr().err
    assert main(["keys", "init", str(demo.root)]) == 0
    out = capsys.readouterr().out
    assert "已移出工作区" in out and "重新运行 02_backup" in out  # the note, in the demo's zh
    assert not (demo.root / ".keys").exists()
    transition(demo)
    assert verify_ledger(demo).checkpoints == 2  # the adopted head, then the transition


# ------------------------------------------------------------------ records anywhere


def render_minimal_records(ws: Workspace) -> Path:
    """Records from a small executed notebook, without starting a kernel."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 进销存 assessed")])
    nb.metadata["papermill"] = {"parameters": {"analyst": "analyst"},
                                "start_time": "2026-11-23T01:00:00", "end_time":
                                "2026-11-23T01:01:00"}
    path = ws.root / "runs" / "jxc" / "01_assess.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    render_records(ws, ["jxc"], as_of="2026-11-23")
    return ws.root / "records"


@pytest.fixture
def records_copy(demo, tmp_path):
    render_minimal_records(demo)
    copy = tmp_path / "auditor" / "records"
    shutil.copytree(demo.root / "records", copy)
    public = tmp_path / "auditor" / "decomkit.pub.pem"
    shutil.copy(demo.root / "keys" / f"{load_keyring(demo.root).current}.pub.pem", public)
    return demo, copy, public


def _verify_cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DECOMKIT_")}
    return subprocess.run([DECOMKIT, "record", "verify", *args], capture_output=True,
                          text=True, timeout=120, env=env, cwd="/")


def test_a_copied_records_folder_verifies_with_only_the_public_key(records_copy):
    demo, copy, public = records_copy
    done = _verify_cli(str(copy), "--public-key", str(public))
    assert done.returncode == 0, done.stderr
    assert "records verified" in done.stdout and "rendered at ledger checkpoint row 18" in \
        done.stdout
    unpinned = _verify_cli(str(copy))
    assert unpinned.returncode == 3 and "checked against its own claims" in unpinned.stdout
    result = check_records(copy, (read_public_key_file(public),), demo)
    assert result.checkpoint["seq"] == 18 and result.trust == "pinned"


def test_a_changed_byte_an_added_file_and_a_re_signed_manifest_each_fail_and_are_named(
        records_copy):
    _, copy, public = records_copy
    pinned = (read_public_key_file(public),)
    page = copy / "jxc" / "01_assess.html"
    original = page.read_bytes()
    page.write_bytes(original.replace(b"assessed", b"assessee", 1))
    with pytest.raises(RecordError, match=r"jxc/01_assess\.html: changed"):
        verify_records(copy, pinned)
    page.write_bytes(original)
    (copy / "jxc" / "extra.html").write_text("<p>approved</p>")
    with pytest.raises(RecordError, match=r"jxc/extra\.html: added"):
        verify_records(copy, pinned)
    (copy / "jxc" / "extra.html").unlink()
    assert verify_records(copy, pinned) >= 4  # positive control
    page.write_bytes(original.replace(b"assessed", b"assessee", 1))
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["jxc/01_assess.html"] = __import__("hashlib").sha256(
        page.read_bytes()).hexdigest()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    fresh = Ed25519PrivateKey.generate()
    (copy / "manifest.json").write_text(json.dumps(sign_document(
        manifest, Signer(key_id(fresh.public_key()), fresh))), encoding="utf-8")
    with pytest.raises(RecordError, match=r"manifest\.json: it is signed by key .* not a "
                                          r"trusted key"):
        verify_records(copy, pinned)
    done = _verify_cli(str(copy), "--public-key", str(public))
    assert done.returncode == 1 and "manifest.json" in done.stderr


def test_a_linked_folder_or_file_in_the_records_fails_and_is_named(records_copy, tmp_path):
    """A linked folder's files are not walked: a page planted through it would stand beside
    the record unchecked. A link to an identical file is refused as well (a record is files)."""
    _, copy, public = records_copy
    pinned = (read_public_key_file(public),)
    assert verify_records(copy, pinned) >= 4  # positive control
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "approval.html").write_text("<p>approved by the board</p>")
    (copy / "jxc" / "evidence").symlink_to(planted, target_is_directory=True)
    with pytest.raises(RecordError, match=r"jxc/evidence: a symbolic link"):
        verify_records(copy, pinned)
    (copy / "jxc" / "evidence").unlink()
    page = copy / "jxc" / "01_assess.html"
    twin = tmp_path / "01_assess.html"
    twin.write_bytes(page.read_bytes())
    page.unlink()
    page.symlink_to(twin)
    with pytest.raises(RecordError, match=r"jxc/01_assess\.html: a symbolic link"):
        verify_records(copy, pinned)


def test_records_checked_against_a_forged_workspace_fail(records_copy, tmp_path):
    demo, copy, public = records_copy
    add_folder_anchor(demo.root, tmp_path / "anchor")
    ws = reopen(demo)
    main(["ledger", "anchor", str(ws.root)])
    pinned = (read_public_key_file(public),)
    check_records(copy, pinned, ws)
    forge(ws)
    with pytest.raises(RecordError, match="against the workspace's ledger"):
        check_records(copy, pinned, ws)


def test_an_anchor_setting_that_is_wrong_is_named_with_its_allowed_keys():
    from decomkit.core.config import ConfigError, parse_config

    config = parse_config({"anchors": [
        {"kind": "s3", "url": "s3://b/p", "endpoint_url": "https://oss-cn-hangzhou.aliyuncs.com",
         "object_lock": False}, {"kind": "email", "to": ["audit@example.com"]},
        {"kind": "dingtalk"}, {"kind": "folder", "path": "/srv/anchor"}]})
    assert [a.kind for a in config.anchors] == ["s3", "email", "dingtalk", "folder"]
    with pytest.raises(ConfigError, match=r"anchors\.0\.folder\.dir' is not a setting; allowed "
                                          r"keys here: kind, name, path"):
        parse_config({"anchors": [{"kind": "folder", "path": "x", "dir": "y"}]})
    with pytest.raises(ConfigError, match="does not match any of the expected tags"):
        parse_config({"anchors": [{"kind": "ftp"}]})


def test_checkpoints_removed_from_an_anchor_are_named(folder_anchored, tmp_path):
    folder = next((tmp_path / "anchor").iterdir())
    (folder / f"{5:012d}.json").unlink()
    with pytest.raises(LedgerIntegrityError, match=r"no longer holds checkpoints it took: rows 5"):
        verify_ledger(folder_anchored)


def test_something_that_is_not_a_checkpoint_at_an_anchor_is_named(folder_anchored, tmp_path):
    folder = next((tmp_path / "anchor").iterdir())
    (folder / "000000000099.json").write_text('{"seq": "99", "head": 1}')
    with pytest.raises(LedgerIntegrityError, match=r"000000000099\.json is not a checkpoint"):
        verify_ledger(folder_anchored)


def test_init_says_where_the_private_key_is_and_it_is_outside(tmp_path, capsys):
    assert main(["init", str(tmp_path / "ws")]) == 0
    out = capsys.readouterr().out
    ring = load_keyring(tmp_path / "ws")
    private = key_folder() / f"{ring.current}.pem"
    assert f"私钥 {private}" in out and private.is_file()  # a zh workspace says where
    assert private.stat().st_mode & 0o077 == 0  # 0600: the user's only
    assert not private.resolve().is_relative_to((tmp_path / "ws").resolve())


def test_a_backup_signed_before_a_rotation_still_verifies(demo, retire):
    from decomkit.custody.verify import verify_backup
    from decomkit.lifecycle.backup import run_backup

    retire(demo, "jxc")
    run_backup(demo, "jxc", actor="analyst")
    assert main(["keys", "rotate", str(demo.root)]) == 0
    report = verify_backup(demo, "jxc", actor="analyst", record=False)
    assert report.ok, report.problems
