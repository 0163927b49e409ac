"""The manual platform: console steps from the seeds, confirmed by a person with evidence."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from decomkit.context.stage import open_stage
from decomkit.core.errors import ManualStepRequired, PlatformError
from decomkit.custody.verify import verify_backup
from decomkit.lifecycle.approval import submit_approval, track_approval
from decomkit.lifecycle.backup import run_backup
from decomkit.lifecycle.execute import grant_replacement, run_disable
from decomkit.platforms.manual import ManualPlatform
from helpers import close_jxc_documents, no_advance_notice

APP = "jxc"
BIN = Path(sys.executable).parent / "decomkit"


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def manual(demo, tmp_path, retire):
    config = demo.root / "decomkit.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'platform = "sandbox"', 'platform = "manual"'), encoding="utf-8")
    no_advance_notice(demo)  # the advance notice and open documents: test_notice,
    close_jxc_documents(demo)  # test_open_documents
    retire(demo, APP)
    run_backup(demo, APP, actor="analyst")
    assert verify_backup(demo, APP, actor="analyst").ok
    evidence = tmp_path / "screenshot.png"
    evidence.write_bytes(b"\x89PNG fake screenshot of the console")
    return demo, evidence


def confirm_pending(ws, evidence, who="王伟") -> list[str]:
    pending = ManualPlatform(ws.root / "platform").pending()
    for key in pending:
        done = cli("confirm", str(ws.root), key, "--as", who, "--evidence", str(evidence))
        assert done.returncode == 0, done.stderr
    return list(pending)


def test_a_whole_retirement_by_hand(manual):
    ws, evidence = manual
    stage = open_stage(str(ws.root), analyst="it-admin")
    with pytest.raises(ManualStepRequired) as caught:
        submit_approval(stage, APP, reason="已由仓储管理WMS替代")
    assert "OA 审批" in str(caught.value) and "decomkit confirm" in str(caught.value)
    assert confirm_pending(ws, evidence) == [f"{APP}:approval:1"]
    event = submit_approval(stage, APP, reason="已由仓储管理WMS替代")
    for user in event.data["approvers"]:
        done = cli("approve", str(ws.root), APP, "--as", user, "--decision", "agree",
                   "--evidence", str(evidence))
        assert done.returncode == 0, done.stderr
    assert track_approval(stage, APP).state == "approved"
    confirmed = []
    for _ in range(7):  # each run stops at the next console step until all are done
        try:  # first 销售部 is let into 仓储管理WMS, the replacement, then the disable
            grant_replacement(stage, APP, dry_run=False, confirm=APP)
            run = run_disable(stage, APP, dry_run=False, confirm=APP)
            break
        except ManualStepRequired as exc:
            assert "decomkit confirm" in str(exc)
            confirmed += confirm_pending(ws, evidence)
    assert run.state == "verified_disabled"
    assert [k.split(":")[1] if "grant" in k else k.rsplit(":", 1)[-1] if "notify" not in k
            else k.split(":")[2] for k in confirmed] == [
        "grant-replacement", "notify-before", "revoke", "unlink", "notify-after"]
    steps = ManualPlatform(ws.root / "platform")._state
    with steps() as state:
        recorded = state["steps"]
    digest = hashlib.sha256(evidence.read_bytes()).hexdigest()
    assert all(s["who"] == "王伟" and s["evidence_sha256"] == digest for s in recorded.values())
    assert any("解除关联" in line for s in recorded.values() for line in s["instructions"])


def test_english_instructions(manual):
    ws, _ = manual
    platform = ManualPlatform(ws.root / "platform", language="en")
    with pytest.raises(ManualStepRequired, match="Click 解除关联 \\(unlink\\)"):
        platform.unlink(APP, key="k")


def test_confirmation_needs_a_name_and_evidence(manual, tmp_path):
    ws, evidence = manual
    platform = ManualPlatform(ws.root / "platform")
    with pytest.raises(ManualStepRequired):
        platform.disable(APP, key="k")
    with pytest.raises(PlatformError, match="missing or empty"):
        platform.confirm("k", "王伟", tmp_path / "nothing.png")
    with pytest.raises(PlatformError, match="say who"):
        platform.confirm("k", " ", evidence)
    with pytest.raises(PlatformError, match="no step 'nope'"):
        platform.confirm("nope", "王伟", evidence)


def test_dingtalk_falls_back_to_the_console_for_unlink(tmp_path):
    from decomkit.core.config import DingTalk
    from decomkit.platforms.dingtalk import DingTalkPlatform, clear_token_cache
    from fake_dingtalk import APP_KEY, APP_SECRET, App, FakeDingTalk, Organisation

    clear_token_cache()
    fake = FakeDingTalk(Organisation(apps={3001: App(3001, "进销存", self_built=True)})).start()
    try:
        manual = ManualPlatform(tmp_path / "platform")
        client = DingTalkPlatform(DingTalk(api_base=fake.url, oapi_base=fake.url,
                                           operator_user_id="it-admin",
                                           agent_ids={APP: 3001}),
                                  APP_KEY, APP_SECRET, manual=manual, max_wait=0.05)
        with pytest.raises(ManualStepRequired, match="解除关联"):
            client.unlink(APP, key="jxc:pi-1:unlink")
        evidence = tmp_path / "shot.png"
        evidence.write_bytes(b"png")
        manual.confirm("jxc:pi-1:unlink", "王伟", evidence)
        client.unlink(APP, key="jxc:pi-1:unlink")  # now recorded as done
        fake.fail("/app/inactive", "500", count=5)  # the disable call keeps failing
        with pytest.raises(ManualStepRequired, match="停用"):
            client.disable(APP, key="jxc:pi-1:disable")
        assert fake.count("/app/inactive") == 5
    finally:
        fake.stop()
        clear_token_cache()


def test_the_disable_notebook_walks_through_console_steps(manual, tmp_path):
    import papermill as pm

    ws, evidence = manual
    stage = open_stage(str(ws.root), analyst="it-admin")
    platform = ManualPlatform(ws.root / "platform")
    with pytest.raises(ManualStepRequired):
        submit_approval(stage, APP)
    confirm_pending(ws, evidence)
    event = submit_approval(stage, APP)
    for user in event.data["approvers"]:
        platform.decide_approval(event.data["instance_id"], user, "agree", evidence=evidence)
    track_approval(stage, APP)
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "04_disable.ipynb"
    parameters = {"workspace": str(ws.root), "dry_run": False, "confirm": APP,
                  "grant_access": True}
    for _ in range(7):
        try:
            pm.execute_notebook(str(notebook), str(tmp_path / "04.ipynb"), kernel_name="decomkit",
                                parameters=parameters, progress_bar=False, cwd=str(tmp_path))
            break
        except pm.PapermillExecutionError as exc:
            assert "decomkit confirm" in str(exc)
            key = next(iter(platform.pending()))
            parameters.update(step_done=key, done_by="李娜", evidence=str(evidence))
    with ws.ledger() as ledger:
        assert ledger.state(APP) == "verified_disabled"
    assert "已确认控制台步骤" in (tmp_path / "04.ipynb").read_text(encoding="utf-8")
