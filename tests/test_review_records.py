"""The review after a disable, and the records: secret-free, inert, verifiable, viewable."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import papermill as pm
import pytest

from decomkit.context.stage import open_stage
from decomkit.context.workspace import Workspace
from decomkit.core.errors import DecomkitError
from decomkit.lifecycle.review import check_data_safety, review_app
from decomkit.records.dossier import render_records, verify_records
from decomkit.running.runs import run_stage

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
SENTINEL = "SENTINEL-robot-secret-7f3a9c"


def test_review_savings_equal_a_hand_computation(demo, as_of, tmp_path):
    # 旧版报销单 was disabled on 2026-07-15; full months after: Aug, Sep, Oct 2026.
    stage = open_stage(str(demo.root), as_of=str(as_of))
    review = review_app(stage, "old-expense")
    assert review.disabled_on == dt.date(2026, 7, 15) and not review.too_early
    assert review.baseline == 450 + 1500  # infrastructure + maintenance, Apr–Jun
    assert list(review.savings["month"]) == ["2026-08", "2026-09", "2026-10"]
    assert review.realized == 3 * 1950 - 1500 == review.projected
    safety = check_data_safety(stage, "old-expense")
    assert safety.ok and safety.platform_status == "disabled" and safety.backup_ok
    assert review.score_after > review.score_before
    after = review.incidents_after
    assert "旧报销单迁移后两张单据需补录" in set(after["summary"])  # on its replacement, 财务报销
    assert set(after["app_id"]) == {"expense"}  # nothing on the switched-off app itself
    pm.execute_notebook(str(NOTEBOOKS / "05_review.ipynb"), str(tmp_path / "05.ipynb"),
                        parameters={"workspace": str(demo.root), "as_of": str(as_of),
                                    "went_well": "迁移顺利", "close": True},
                        kernel_name="decomkit", progress_bar=False, cwd=str(tmp_path))
    with demo.ledger() as ledger:
        assert ledger.state("old-expense") == "closed"
        reviewed = ledger.last("old-expense", "reviewed").data
    assert reviewed["realized"] == 4350 and reviewed["lessons"] == {"went_well": "迁移顺利"}
    assert reviewed["data_safe"] is True
    assert reviewed["people_checked"] == 240 and reviewed["watch"]["findings"] == []
    text = (tmp_path / "05.ipynb").read_text(encoding="utf-8")
    assert "没有人能打开它" in text and "已核对通讯录中全部 240 人" in text


def test_the_review_of_a_retired_app_still_in_use_says_so(demo, as_of, tmp_path):
    """05_review of 会议室预订(旧): nobody can open it, yet the log shows use after its
    disable — data safety asks for a check, in the reader's language."""
    out = tmp_path / "05-room.ipynb"
    with demo.ledger() as ledger:
        rows = len(ledger.events())
    pm.execute_notebook(str(NOTEBOOKS / "05_review.ipynb"), str(out),
                        parameters={"workspace": str(demo.root), "as_of": str(as_of),
                                    "app_id": "room-booking", "record": False,
                                    "language": "en"},
                        kernel_name="decomkit", progress_bar=False, cwd=str(tmp_path))
    text = out.read_text(encoding="utf-8")
    assert "Check needed" in text and "Still used after the disable on 2026-09-15" in text
    assert "all 240 people in the directory were checked" in text
    assert "people who can still open it" not in text and "platform status:" not in text
    with demo.ledger() as ledger:
        assert len(ledger.events()) == rows  # record = False: nothing written


def test_the_second_retired_app_has_one_month_to_show(demo, as_of):
    # 会议室预订(旧) was disabled on 2026-09-15: one full month after it, October.
    review = review_app(open_stage(str(demo.root), as_of=str(as_of)), "room-booking")
    assert review.disabled_on == dt.date(2026, 9, 15)
    assert list(review.savings["month"]) == ["2026-10"]
    assert review.realized == 1950 - 1500


def test_portfolio_page_shows_realized_savings(recorded):
    page = (recorded.root / "records" / "index.html").read_text(encoding="utf-8")
    assert "¥4,350" in page and "¥450" in page  # 旧版报销单, 会议室预订(旧)
    assert "已实现节省 ¥4,800" in page


def test_a_fresh_disable_is_too_early_to_review(demo):
    review = review_app(open_stage(str(demo.root), as_of="2026-07-20"), "old-expense")
    assert review.too_early and review.meaningful_from == dt.date(2026, 9, 1)
    assert review.realized == 0


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.handlers, self.urls = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if name in ("href", "src") and value:
                self.urls.append((tag, value))


@pytest.fixture(scope="module")
def recorded_template(demo_template, as_of, tmp_path_factory) -> Path:
    """The demo with an app named to attack the record, assessed, backed up and rendered,
    with a sentinel secret in the environment the notebooks run in: built once per module,
    the ``recorded`` fixture copies it."""
    root = tmp_path_factory.mktemp("recorded") / "demo"
    shutil.copytree(demo_template, root)
    with pytest.MonkeyPatch.context() as monkeypatch:
        return _record(Workspace.open(root), as_of, monkeypatch).root


@pytest.fixture
def recorded(recorded_template, tmp_path, monkeypatch) -> Workspace:
    """A private copy of ``recorded_template``, the sentinel secret still in the environment."""
    monkeypatch.setenv("DECOMKIT_ROBOT_SECRET", SENTINEL)
    root = tmp_path / "demo"
    shutil.copytree(recorded_template, root)
    return Workspace.open(root)


def _record(demo: Workspace, as_of, monkeypatch) -> Workspace:
    monkeypatch.setenv("DECOMKIT_ROBOT_SECRET", SENTINEL)
    apps = demo.root / "data" / "apps.csv"
    text = apps.read_bytes().decode("gbk")
    evil = '<img src=x onerror=alert(1)><script>alert(2)</script><a href="javascript:alert(3)">x'
    apps.write_bytes(text.replace("文档编辑器", evil.replace(",", " ")).encode("gbk",
                                                                          "replace"))
    for app, stage in (("doc-editor", "assess"), ("jxc", "assess"), ("jxc", "backup")):
        result = run_stage(demo, stage, app, {"as_of": str(as_of),
                                              "decision": "retire" if app == "jxc" else "",
                                              "override_reason": ""} if stage == "assess"
                           else {})
        assert result.ok, result.error
    render_records(demo, as_of=str(as_of))
    return demo


def test_no_secret_in_runs_or_records(recorded):
    for folder in ("runs", "records"):
        for path in (recorded.root / folder).rglob("*"):
            if path.is_file():
                assert SENTINEL.encode() not in path.read_bytes(), path


def test_hostile_names_come_out_inert(recorded):
    for path in (recorded.root / "records").rglob("*.html"):
        parser = _Tags()
        parser.feed(path.read_text(encoding="utf-8"))
        assert "script" not in parser.tags, path
        assert parser.handlers == [], path
        for tag, url in parser.urls:
            assert not url.lower().startswith("javascript:"), (path, url)
            if tag == "img":
                assert url.startswith("data:image/"), (path, url)  # no host file embedded
    dossier = (recorded.root / "records" / "doc-editor" / "index.html").read_text("utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in dossier  # shown as text, not markup


def test_changing_any_byte_is_caught_and_named(recorded):
    root = recorded.root / "records"
    assert verify_records(root) >= 5
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != "manifest.json")
    for path in files:
        original = path.read_bytes()
        path.write_bytes(original[:-1] + bytes([original[-1] ^ 0x01]))
        with pytest.raises(DecomkitError, match=str(path.relative_to(root))):
            verify_records(root)
        path.write_bytes(original)
    (root / "extra.html").write_text("x")
    with pytest.raises(DecomkitError, match=r"extra\.html: added"):
        verify_records(root)
    (root / "extra.html").unlink()
    (root / "jxc" / "tables.xlsx").unlink()
    with pytest.raises(DecomkitError, match=r"jxc/tables\.xlsx: missing"):
        verify_records(root)


def test_the_record_command_and_its_verification(recorded):
    binary = Path(sys.executable).parent / "decomkit"
    done = subprocess.run([str(binary), "record", str(recorded.root), "jxc"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "records/index.html" in done.stdout
    assert SENTINEL not in done.stdout + done.stderr  # nor in the log
    done = subprocess.run([str(binary), "record", "verify", str(recorded.root / "records")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 3 and "records verified" in done.stdout  # unpinned
    assert "checked against its own claims" in done.stdout
    profile = recorded.root / "keys" / "trust-profile.json"
    done = subprocess.run([str(binary), "record", "verify", str(recorded.root / "records"),
                           "--trust", str(profile)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "records verified" in done.stdout


def test_the_dossier_opens_in_chromium_and_shows_its_charts(chromium_path, recorded, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "dossier-jxc.png"
    subprocess.run([chromium_path, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'c'}",
                    "--window-size=1100,2400", f"--screenshot={shot}",
                    (recorded.root / "records" / "jxc" / "index.html").as_uri()],
                   capture_output=True, timeout=120, check=True)
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)[..., :3]
    saturated = (pixels.max(axis=2) - pixels.min(axis=2)) > 0.3  # chart colours, not text
    assert saturated.mean() > 0.01, "no chart is visible in the screenshot"


def test_data_safety_fails_when_the_backup_is_damaged(demo, as_of):
    stage = open_stage(str(demo.root), as_of=str(as_of))
    with demo.ledger() as ledger:
        path = ledger.last("old-expense", "backed_up").data["path"]
    victim = next((demo.root / "backups" / path).glob("*.csv"))
    victim.write_bytes(victim.read_bytes()[:-3])
    safety = check_data_safety(stage, "old-expense")
    assert not safety.ok and any(victim.name in p for p in safety.backup_problems)
    assert review_app(stage, "old-expense").realized == 4350  # savings need no backup read


# ---------------------------------------- #22 item 8: realized and projected over one period


def test_the_dossier_puts_realized_and_projected_over_the_same_named_months(demo, as_of):
    """Before: a 12-month projection (¥21,900) beside three months realized, neither named."""
    from decomkit.core.present import Audience
    from decomkit.lifecycle.review import record_review
    from decomkit.views.trail import app_summary, app_trail

    stage = open_stage(str(demo.root), as_of=str(as_of))
    review = review_app(stage, "old-expense")
    assert review.period == ("2026-08", "2026-10", 3)
    record_review(stage, review, check_data_safety(stage, "old-expense"), {})
    for language, label in (("zh", "2026-08 至 2026-10(3 个月)"),
                            ("en", "2026-08 to 2026-10 (3 months)")):
        summary = app_summary(demo, "old-expense", "旧版报销单", Audience(language))
        rows = dict(summary.rows(language))
        savings = {k: v for k, v in rows.items() if label in k}
        assert sorted(savings.values()) == ["¥4,350", "¥4,350"], rows
        assert not [k for k in rows if "12 个月" in k or "12 months" in k]
        trail = app_trail(demo, "old-expense", Audience(language))
        assert label in trail[-1].what


def test_before_the_review_the_projection_names_its_twelve_months(demo):
    from decomkit.core.present import Audience
    from decomkit.views.trail import app_summary

    rows = dict(app_summary(demo, "old-expense", "旧版报销单", Audience("en")).rows("en"))
    assert rows["Savings projected (the first 12 months after the disable)"] == "¥21,900"
    assert rows["Savings realized so far"] == ""


def test_one_trail_row_per_ledger_event_and_two_assessments_told_apart(demo, as_of):
    """jxc's trail showed "已评估" twice: the portfolio run (00) records 'assessed' for every
    app, and 01_assess records it again with the impact, licence and preflight before the
    decision. Two ledger events, two rows — each says which it was."""
    from decomkit.core.present import Audience
    from decomkit.lifecycle.decide import record_decision, run_assessment, run_portfolio
    from decomkit.views.trail import app_trail

    run_portfolio(open_stage(str(demo.root), as_of=str(as_of)))
    one = open_stage(str(demo.root), as_of=str(as_of), app_id="jxc")
    record_decision(one, run_assessment(one, "jxc"))
    with demo.ledger() as ledger:
        events = ledger.events("jxc")
    trail = app_trail(demo, "jxc", Audience("zh"))
    assert [e.seq for e in trail] == [e.seq for e in events]
    assessed = [e.what for e in trail if e.state == "assessed"]
    assert len(assessed) == 2 and len(set(assessed)) == 2
    assert assessed[0].startswith("已评估(应用组合评分)") and "影响、授权与预检" in assessed[1]
