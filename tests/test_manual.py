"""The manual platform: console steps from the seeds, confirmed by a person with evidence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from decomkit.context.stage import open_stage
from decomkit.core.errors import ManualStepRequired, PlatformError
from decomkit.core.present import audience
from decomkit.custody.verify import verify_backup
from decomkit.lifecycle.approval import submit_approval, track_approval
from decomkit.lifecycle.backup import run_backup
from decomkit.lifecycle.console import waiting_steps
from decomkit.lifecycle.execute import grant_replacement, run_disable
from decomkit.platforms.manual import ManualPlatform
from decomkit.records.console import console_steps
from decomkit.views.trail import app_trail
from helpers import close_jxc_documents, no_advance_notice

APP = "jxc"
BIN = Path(sys.executable).parent / "decomkit"


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "250"})


def shot(folder: Path, name: str) -> Path:
    """A screenshot of its own: one file proves one step."""
    path = folder / f"{name.replace(':', '_')}.png"
    path.write_bytes(b"\x89PNG screenshot of " + name.encode())
    return path


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


def confirm_pending(ws, folder: Path, who="王伟") -> list[str]:
    """Confirm every waiting step, each with a screenshot of its own."""
    pending = ManualPlatform(ws.root / "platform").pending()
    for key in pending:
        done = cli("confirm", str(ws.root), key, "--as", who, "--evidence",
                   str(shot(folder, key)))
        assert done.returncode == 0, done.stderr
    return list(pending)


def test_a_whole_retirement_by_hand(manual, tmp_path):
    ws, _ = manual
    stage = open_stage(str(ws.root), analyst="it-admin")
    with pytest.raises(ManualStepRequired) as caught:
        submit_approval(stage, APP, reason="已由仓储管理WMS替代")
    assert "OA 审批" in str(caught.value) and "decomkit confirm" in str(caught.value)
    assert caught.value.key == f"{APP}:approval:1"
    assert confirm_pending(ws, tmp_path) == [f"{APP}:approval:1"]
    event = submit_approval(stage, APP, reason="已由仓储管理WMS替代")
    for user in event.data["approvers"]:
        done = cli("approve", str(ws.root), APP, "--as", user, "--decision", "agree",
                   "--evidence", str(shot(tmp_path, f"approval-{user}")))
        assert done.returncode == 0, done.stderr
    assert track_approval(stage, APP).state == "approved"
    confirmed = []
    for _ in range(8):  # each run stops at the next console step until all are done
        try:  # first 销售部 is let into 仓储管理WMS, the replacement, then the disable
            grant_replacement(stage, APP, dry_run=False, confirm=APP)
            run = run_disable(stage, APP, dry_run=False, confirm=APP)
            break
        except ManualStepRequired as exc:
            assert "decomkit confirm" in str(exc)
            confirmed += confirm_pending(ws, tmp_path)
    assert run.state == "verified_disabled"
    assert [k.split(":")[1] if "grant" in k else k.rsplit(":", 1)[-1] if "notify" not in k
            else k.split(":")[2] for k in confirmed] == [
        "grant-replacement", "notify-before", "revoke", "unlink", "verify", "notify-after"]
    with ManualPlatform(ws.root / "platform")._state() as state:
        recorded = state["steps"]
    digests = [s["evidence_sha256"] for s in recorded.values()]
    assert all(s["who"] == "王伟" for s in recorded.values())
    assert len(set(digests)) == len(digests)  # one file per step
    assert any("解除关联" in line for s in recorded.values() for line in s["instructions"])
    # The verification rests on the end state's own evidence, not on the earlier steps'.
    end = recorded[f"{APP}:{event.data['instance_id']}:verify"]
    assert end["operation"] == "verify_end_state"
    with ws.ledger() as ledger:
        verified = ledger.last(APP, "verified_disabled")
    assert verified.data["evidence_sha256"] == end["evidence_sha256"]
    assert verified.data["evidence_sha256"] not in [
        s["evidence_sha256"] for s in recorded.values() if s is not end]
    verify = next(s for s in run.steps if s.name == "verify")
    assert end["evidence_sha256"] in verify.detail and "仅管理员可见" in verify.detail


def test_the_end_state_step_asks_for_the_end_state(manual):
    ws, _ = manual
    for language, words in (("zh", ("已停用", "不能用之前步骤的截图")),
                            ("en", ("disabled", "not a screenshot of an earlier step"))):
        platform = ManualPlatform(ws.root / "platform", language=language)
        with pytest.raises(ManualStepRequired) as caught:
            platform.end_state_evidence(APP, "disabled", key=f"{APP}:pi:{language}:verify")
        assert all(w in str(caught.value) for w in words)
        (card,) = [c for c in waiting_steps(ws, APP, language)
                   if c.key == f"{APP}:pi:{language}:verify"]
        assert card.operation == "verify_end_state" and words[1] in card.evidence


def test_english_instructions(manual):
    ws, _ = manual
    platform = ManualPlatform(ws.root / "platform", language="en")
    with pytest.raises(ManualStepRequired, match="Click 解除关联 \\(unlink\\)"):
        platform.unlink(APP, key="k")


def test_one_file_proves_one_step(manual, tmp_path):
    """#23: one screenshot (the same SHA-256) was accepted as the evidence of four steps. A
    file already given for another step (or an approval) is refused and nothing is recorded;
    a file of its own is accepted (the positive control)."""
    ws, _ = manual
    platform = ManualPlatform(ws.root / "platform")
    for key in ("k1", "k2"):
        with pytest.raises(ManualStepRequired):
            platform.disable(APP, key=f"{APP}:{key}")
    first = shot(tmp_path, "first")
    done = cli("confirm", str(ws.root), f"{APP}:k1", "--as", "王伟", "--evidence", str(first))
    assert done.returncode == 0, done.stderr
    before = platform.path.read_bytes()
    with ws.ledger() as ledger:
        rows = len(ledger.events())
    copy = tmp_path / "renamed-copy.png"  # the same bytes under another name
    copy.write_bytes(first.read_bytes())
    for evidence in (first, copy):
        refused = cli("confirm", str(ws.root), f"{APP}:k2", "--as", "王伟", "--evidence",
                      str(evidence))
        assert refused.returncode != 0
        assert "已经作为" in refused.stderr and f"{APP}:k1" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert platform.path.read_bytes() == before  # nothing recorded
    with ws.ledger() as ledger:
        assert len(ledger.events()) == rows
    assert platform.pending()[f"{APP}:k2"]["status"] == "pending"
    own = shot(tmp_path, "second")
    done = cli("confirm", str(ws.root), f"{APP}:k2", "--as", "王伟", "--evidence", str(own))
    assert done.returncode == 0, done.stderr
    assert f"{APP}:k2" not in platform.pending()
    with ws.ledger() as ledger:
        notes = [e.data for e in ledger.events(APP) if e.kind == "note"]
    assert [n["key"] for n in notes if n.get("event") == "console_step_confirmed"] == [
        f"{APP}:k1", f"{APP}:k2"]
    # A confirmed step keeps its proof: confirming it again with another file (which would
    # free the first file for another step) is refused; the same confirmation again is kept.
    kept = platform.path.read_bytes()
    swapped = cli("confirm", str(ws.root), f"{APP}:k1", "--as", "mallory", "--evidence",
                  str(shot(tmp_path, "third")))
    assert swapped.returncode != 0 and "不能替换" in swapped.stderr
    assert platform.path.read_bytes() == kept
    with pytest.raises(PlatformError, match="already confirmed"):
        platform.confirm(f"{APP}:k1", "王伟", own)
    assert platform.confirm(f"{APP}:k1", "王伟", first)["evidence_sha256"]  # the same again


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


def clean(notebook: Path) -> str:
    """The executed notebook's outputs, asserted free of any error: no error output, no
    traceback, no papermill error banner. Returns the outputs' text."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    texts = []
    for cell in nb["cells"]:
        assert "papermill-error-cell-tag" not in cell.get("metadata", {}).get("tags", [])
        assert "An Exception was encountered" not in "".join(cell["source"])
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", output
            assert output.get("name") != "stderr", output
            text = json.dumps(output, ensure_ascii=False)
            assert "Traceback" not in text and "ManualStepRequired" not in text
            texts.append(text)
    return "\n".join(texts)


def test_the_manual_walk_through_waits_instead_of_failing(manual, tmp_path):
    """#23: each console step is a step card in normal output; the stage ends cleanly
    (exit 0) waiting for a console step, and batch, status and the records say so; after
    ``decomkit confirm`` the next run goes on, to a disable verified on its own evidence."""
    import papermill as pm

    ws, _ = manual
    stages = Path(__file__).resolve().parents[1] / "notebooks"
    # 03 in a batch: the request is a console step.
    run = cli("batch", str(ws.root), "--stages", "approval", "--apps", APP, "--quiet")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "等待控制台手动操作" in run.stdout and "1 个应用,0 个失败" in run.stdout  # zh
    summary = json.loads(Path(run.stdout.split("summary: ")[1].strip()).read_text("utf-8"))
    assert summary["failed"] == [] and summary["waiting"] == [APP]
    (stage_run,) = summary["apps"][APP]["stages"]
    assert stage_run["status"] == "waiting" and f"confirm {ws.root} {APP}:approval:1" in \
        stage_run["detail"]
    text = clean(ws.root / "runs" / APP / "03_approval.ipynb")
    assert "等待控制台手动操作:提交停用审批" in text and "需要附上的证据" in text
    assert (f"decomkit confirm {ws.root} {APP}:approval:1 --as 操作人姓名 --evidence 证据文件"
            in text)
    status = cli("status", str(ws.root))
    assert status.returncode == 0
    assert f"等待控制台操作:{APP}" in status.stdout and f"{APP}:approval:1" in status.stdout
    with ws.ledger() as ledger:
        state = ledger.state(APP)
        notes = [e.data for e in ledger.events(APP) if e.kind == "note"]
        actions = [e.data for e in ledger.events(APP) if e.kind == "action"]
    assert state == "backup_verified"  # not failed, not done
    assert {"event": "console_step_waiting", "key": f"{APP}:approval:1",
            "operation": "submit_approval"} in notes
    assert not any(n.get("event") == "stage failed" for n in notes)
    assert actions[-1]["status"] == "waiting"
    trail = [e.what for e in app_trail(ws, APP, audience())]
    assert "等待控制台手动操作 — 提交停用审批" in trail
    assert not any("失败" in w or "FAILED" in w for w in trail)
    # Confirmed, the same batch goes on: the request is submitted.
    confirm_pending(ws, tmp_path)
    run = cli("batch", str(ws.root), "--stages", "approval", "--apps", APP, "--quiet")
    assert run.returncode == 0 and "waiting for a console step" not in run.stdout
    clean(ws.root / "runs" / APP / "03_approval.ipynb")
    platform = ManualPlatform(ws.root / "platform")
    stage = open_stage(str(ws.root), analyst="it-admin")
    with ws.ledger() as ledger:
        event = ledger.last(APP, "approval_pending")
    for user in event.data["approvers"]:
        platform.decide_approval(event.data["instance_id"], user, "agree",
                                 evidence=shot(tmp_path, f"approval-{user}"))
    assert track_approval(stage, APP).state == "approved"
    # 04, a real run through the notebook: each console step waits, cleanly, until confirmed.
    parameters = {"workspace": str(ws.root), "dry_run": False, "confirm": APP,
                  "grant_access": True}
    out = tmp_path / "04.ipynb"
    waited = []
    for _ in range(8):
        pm.execute_notebook(str(stages / "04_disable.ipynb"), str(out), kernel_name="decomkit",
                            parameters=parameters, progress_bar=False, cwd=str(tmp_path))
        text = clean(out)
        pending = platform.pending()
        if not pending:
            break
        (key,) = pending
        waited.append(pending[key]["operation"])
        assert "等待控制台手动操作" in text and f"decomkit confirm {ws.root} {key}" in text
        parameters.update(step_done=key, done_by="李娜",
                          evidence=str(shot(tmp_path, key)))
    assert waited == ["add_to_scope", "notify", "set_visible_scope", "unlink",
                      "verify_end_state", "notify"]
    assert "已记录" in text  # the notebook's own confirmation, in the reader's language
    with ws.ledger() as ledger:
        assert ledger.state(APP) == "verified_disabled"
    assert "等待控制台操作" not in cli("status", str(ws.root)).stdout  # nothing waits now


def test_a_step_nobody_can_confirm_stays_an_error(manual):
    """The positive control of the clean ending: a console step without a record (no key)
    is not swallowed."""
    ws, _ = manual
    stage = open_stage(str(ws.root), analyst="it-admin")
    console = console_steps(stage, APP)
    with pytest.raises(ManualStepRequired), console:
        raise ManualStepRequired("unlink", "no record of it")
    assert not console.waiting


def test_the_confirm_button_shows_the_step_card_or_the_refusal(manual, monkeypatch):
    """04's interactive button (GuardedAction) runs its action inside the console block: a
    console step is its step card, a refusal one message in the reader's language; nothing
    raises from the button's callback. The dossier's summary says the app is waiting."""
    from decomkit.core.errors import TransitionError
    from decomkit.records import console as console_records
    from decomkit.records import widgets
    from decomkit.records.dossier import render_records

    ws, _ = manual
    shown: list[str] = []
    monkeypatch.setattr(console_records, "show_markdown", shown.append)
    monkeypatch.setattr(widgets, "show_markdown", shown.append)
    with open_stage(str(ws.root), analyst="it-admin") as stage:
        console = console_steps(stage, APP)
        guard = widgets.GuardedAction(APP, "停用", lambda text: stage.platform.disable(
            APP, key=f"{APP}:test:disable"), console, "zh")
        guard.text.value = APP
        guard.press(lambda text: stage.platform.disable(APP, key=f"{APP}:test:disable"),
                    console, "zh")  # what the click does
        assert console.waiting and guard.result is None
        assert any("等待控制台" in s and "decomkit confirm" in s for s in shown)

        def refuse(text):
            raise TransitionError(APP, "disable", "not approved",
                                  {"zh": "jxc:无法停用:申请尚未批准", "en": "not approved"})
        guard.press(refuse, None, "zh")
        assert guard.said == "jxc:无法停用:申请尚未批准" and shown[-1] == guard.said
    render_records(ws, [APP])
    page = (ws.root / "records" / APP / "index.html").read_text(encoding="utf-8")
    summary = page[page.index('<section class="summary">'):page.index("</section>")]
    assert "等待控制台操作" in summary and f"{APP}:test:disable" in summary
