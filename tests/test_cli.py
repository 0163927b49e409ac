"""The command line, run as a user runs it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "decomkit"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=300)


def test_demo_status_and_ledger_verify(tmp_path):
    ws = tmp_path / "demo"
    done = run("demo", str(ws), "--events", "3000", "--as-of", "2026-11-23")
    assert done.returncode == 0, done.stderr
    assert str(ws) in done.stdout and "进销存" in done.stdout
    assert "未评估:30,已确认停用:2" in done.stdout  # two apps were retired before
    assert run("status", str(ws)).stdout.count("未评估") >= 30
    # The demo sets no anchor: its keys match the profile, but that is not a verification.
    verified = run("ledger", "verify", str(ws), "--trust", str(ws / "keys" / "trust-profile.json"))
    assert verified.returncode == 3 and "台账核验通过:18 行" in verified.stdout
    assert "没有可读回的锚点" in verified.stdout
    unpinned = run("ledger", "verify", str(ws))
    assert unpinned.returncode == 3 and "按工作区自己的声明核对" in unpinned.stdout


def test_demo_refuses_an_existing_workspace_without_replace(tmp_path):
    assert run("init", str(tmp_path / "w")).returncode == 0
    again = run("demo", str(tmp_path / "w"), "--events", "1000")
    assert again.returncode == 1 and "中已有工作区" in again.stderr  # already holds one
    assert "Traceback" not in again.stderr


def test_tampered_ledger_fails_verify(demo, retire):
    retire(demo, "jxc")
    db = sqlite3.connect(demo.ledger_path)
    db.execute("UPDATE events SET actor = 'mallory' WHERE seq = 1")
    db.commit()
    done = run("ledger", "verify", str(demo.root))
    assert done.returncode == 1
    assert "第 1 行在写入后被改动过" in done.stderr and "Traceback" not in done.stderr


def test_bad_config_is_one_clear_line(tmp_path):
    assert run("init", str(tmp_path / "w")).returncode == 0
    config = tmp_path / "w" / "decomkit.toml"
    config.write_text(config.read_text().replace('language = "zh"', 'language = "fr"'))
    done = run("status", str(tmp_path / "w"))
    assert done.returncode == 1
    assert "设置项「language」" in done.stderr and "'en' 或 'zh'" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_tables_are_listed_by_status(tmp_path):
    assert run("init", str(tmp_path / "w")).returncode == 0
    (tmp_path / "w/data/apps.csv").write_text("app_id,name\nA1,x\nA1,y\n", encoding="utf-8")
    done = run("status", str(tmp_path / "w"))
    # one language per message, the workspace's: the location, the problem and what to do
    assert done.returncode == 1 and "apps.csv,第 3 行,列「应用ID」:重复的编号" in done.stderr
    assert "row 3" not in done.stderr and "column" not in done.stderr


def test_status_shows_decisions_beside_undecided_apps(demo, retire):
    retire(demo, "jxc")
    done = run("status", str(demo.root))
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if "jxc" in line)
    assert "已决定" in line and "停用" in line  # decided, retire (a zh workspace)


def printed_summary(done: subprocess.CompletedProcess) -> Path:
    """The summary a batch says it wrote: ``summary: PATH``, on a line of its own."""
    lines = [line for line in done.stdout.splitlines() if line.startswith("summary: ")]
    assert len(lines) == 1, done.stdout
    return Path(lines[0].removeprefix("summary: "))


def batch_summary(done: subprocess.CompletedProcess) -> dict:
    return json.loads(printed_summary(done).read_text("utf-8"))


def results(summary: dict) -> dict[tuple[str, str], str]:
    return {(app, s["stage"]): s["status"] for app, a in summary["apps"].items()
            for s in a["stages"]}


def test_batch_refuses_unknown_apps_before_running_anything(demo):
    done = run("batch", str(demo.root), "--apps", "jxc,nope")
    assert done.returncode == 1 and "未知的应用 ID:nope" in done.stderr
    assert not (demo.root / "runs" / "_portfolio").exists()


def test_batch_executes_stages_into_runs(demo, as_of):
    done = run("batch", str(demo.root), "--apps", "jxc", "-p", "as_of", str(as_of))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (demo.root / "runs/_portfolio/00_portfolio.ipynb").exists()
    assert (demo.root / "runs/jxc/01_assess.ipynb").exists()
    with demo.ledger() as ledger:
        assert ledger.last("jxc", "decided").data["decision"] == "retire"


def test_batch_skips_a_stage_whose_gate_is_closed(demo, as_of):
    done = run("batch", str(demo.root), "--apps", "jxc,doc-editor", "-p", "as_of", str(as_of))
    assert done.returncode == 0, done.stdout + done.stderr
    summary = batch_summary(done)
    assert results(summary)[("jxc", "backup")] == "ok"
    assert results(summary)[("doc-editor", "backup")] == "skipped"
    assert "the decision is not 'retire'" in summary["apps"]["doc-editor"]["stages"][1]["detail"]
    with demo.ledger() as ledger:
        assert ledger.state("jxc") == "backup_verified"
        assert ledger.state("doc-editor") == "decided"


def test_each_batch_keeps_its_own_summary_and_prints_where(demo):
    """The next batch (make demo's review after its pipeline) leaves the last one's summary."""
    first = run("batch", str(demo.root), "--stages", "approval,review", "--apps", "jxc")
    second = run("batch", str(demo.root), "--stages", "review", "--apps", "jxc,crm")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    paths = [printed_summary(done) for done in (first, second)]
    assert sorted((demo.root / "runs").glob("batch-*.json")) == paths  # in the order they ran
    assert paths[0].name.startswith("batch-") and paths[0].name.endswith("-approval-review.json")
    assert paths[1].name.endswith("-review.json") and paths[1].parent == demo.root / "runs"
    assert not set('<>:"\\|?*') & set(paths[0].name)  # a name Windows accepts too
    firsts, seconds = (json.loads(path.read_text("utf-8")) for path in paths)
    assert firsts["stages"] == ["approval", "review"] and seconds["stages"] == ["review"]
    assert results(firsts) == {("jxc", "approval"): "skipped"}  # no decision yet: gate closed
    assert results(seconds) == {("jxc", "review"): "skipped", ("crm", "review"): "skipped"}
    assert firsts["batch"] != seconds["batch"]


@pytest.mark.parametrize("workers", ["0", "-3", "two"])
def test_workers_must_be_one_or_more(workers, tmp_path, capsys):
    """--workers 0 or -3 ran with one worker and wrote 0 / -3 into the summary; now refused
    before anything runs."""
    from decomkit.cli import main

    with pytest.raises(SystemExit) as refused:
        main(["batch", str(tmp_path / "nowhere"), "--stages", "portfolio", "--workers", workers])
    assert refused.value.code == 2
    assert "--workers" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()
