"""Records an auditor and a manager can use: the trail first, human tables, local time, the
portfolio page, the deadlines calendar, PDF dossiers."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import icalendar
import nbformat
import pandas as pd
import pytest

from decomkit.context.stage import open_stage
from decomkit.context.workspace import Workspace
from decomkit.core.present import Audience, table_html
from decomkit.records.dossier import render_records
from decomkit.records.overview import HORIZON_DAYS, portfolio_overview
from decomkit.running.runs import run_stage
from decomkit.views.trail import app_trail
from helpers import close_jxc_documents, no_advance_notice

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
# A UTC time as the ledger and papermill store it (2026-11-23T23:30:44.632600+00:00, …Z).
UTC_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(\+00:00|Z)")
SHANGHAI = "Asia/Shanghai"


class _Tables(HTMLParser):
    """Every table of a page as rows of cell texts, with the row's class."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._row = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"class": dict(attrs).get("class", ""), "rows": []})
        elif tag == "tr" and self.tables:
            self._row = {"class": dict(attrs).get("class", ""), "cells": []}
            self.tables[-1]["rows"].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row["cells"].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables_of(html: str) -> list[dict]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


@pytest.fixture(scope="module")
def audited(demo_template, tmp_path_factory, as_of) -> Workspace:
    """The demo after a portfolio run, jxc taken through every stage for real (approved by the
    sandbox's approvers; 销售部 let into 仓储管理WMS, its replacement; disabled), and the review
    of 旧版报销单; then the records."""
    root = tmp_path_factory.mktemp("audited") / "demo"
    shutil.copytree(demo_template, root)
    ws = Workspace.open(root)
    no_advance_notice(ws)  # disabled the day it is approved; the notice: test_notice
    close_jxc_documents(ws)  # its purchases and sales closed first (test_open_documents)
    day = {"as_of": str(as_of)}
    steps = [("portfolio", None, day),
             ("assess", "jxc", {**day, "decision": "retire"}),
             ("backup", "jxc", {}),
             ("approval", "jxc", {"wait_seconds": 6.0}),
             ("disable", "jxc", {"dry_run": False, "confirm": "jxc", "grant_access": True}),
             ("review", "old-expense", {**day, "went_well": "迁移顺利"})]
    for stage, app, parameters in steps:
        result = run_stage(ws, stage, app, parameters)
        assert result.ok, (stage, app, result.error)
    pdf = shutil.which("chromium") is not None
    render_records(ws, as_of=str(as_of), pdf=pdf)
    return ws


def _page(ws: Workspace, *parts: str) -> str:
    return ws.root.joinpath("records", *parts).read_text(encoding="utf-8")


def test_a_retired_app_is_not_a_candidate_nor_assessed_again(audited):
    candidates = pd.read_csv(audited.root / "candidates.csv", encoding="utf-8-sig")
    assert {"old-expense", "room-booking"}.isdisjoint(candidates["app_id"])
    assert "jxc" in set(candidates["app_id"])  # a positive control: open cases stay listed
    for app in ("old-expense", "room-booking"):
        assert not (audited.root / "runs" / app / "01_assess.ipynb").exists()
        assert not (audited.root / "records" / app / "01_assess.html").exists()


def test_the_dossier_of_the_retired_app_shows_its_whole_trail_in_local_time(audited):
    page = _page(audited, "old-expense", "index.html")
    trail = next(t for t in tables_of(page) if t["class"] == "trail")
    rows = [r["cells"] for r in trail["rows"][1:]]
    what = [r[3] for r in rows]
    expected = ["决定", "已备份", "已批准", "已收回权限", "已停用", "已确认停用", "已复盘"]
    positions = [next(i for i, w in enumerate(what) if w.startswith(step)) for step in expected]
    assert positions == sorted(positions), what
    disabled = rows[positions[4]]
    assert disabled[1] == "2026-07-15 18:00"  # 10:00 UTC, in Shanghai
    assert disabled[2] == "it-admin"
    approved = rows[positions[2]][4]
    users = pd.read_csv(audited.root / "data" / "users.csv", encoding="utf-8-sig")
    names = dict(zip(users["user_id"], users["name"], strict=True))
    for approver in audited.config.approval.chain:
        assert names[approver.user_id] in approved, approved
    assert "同意" in approved
    assert re.search(r"备份清单 sha256 [0-9a-f]{64}", page)
    # The summary opens the page: decision and score, dates, savings.
    assert page.index('class="summary"') < page.index('class="trail"') < page.index("05_review")
    assert "停用 (评分 83.4)" in page and "2026-07-15" in page and "¥4,350" in page
    # No assessment dated after the disable.
    assert "01_assess" not in page


def test_the_trail_follows_the_workspace_time_zone(audited):
    """A positive control for the local times above: the same event in another zone."""
    utc = app_trail(audited, "old-expense", Audience("en", "UTC"))
    shanghai = app_trail(audited, "old-expense", Audience("zh", SHANGHAI))
    disabled = [(u.time, s.time) for u, s in zip(utc, shanghai, strict=True)
                if u.state == "disabled"]
    assert disabled == [("2026-07-15 10:00", "2026-07-15 18:00")]


def test_the_live_trail_keeps_keys_hashes_and_approvers(audited):
    page = _page(audited, "jxc", "index.html")
    assert re.search(r"幂等键 jxc:approval:1", page)
    assert re.search(r"幂等键 jxc:sbx-\d+:revoke", page)
    assert "同意" in page and "备份清单 sha256" in page


def test_overrides_are_highlighted_with_their_reason(audited, tmp_path):
    ws = Workspace.open(shutil.copytree(audited.root, tmp_path / "w"))
    reason = "业务部门书面确认提前停用,不再等待复评"
    with ws.ledger() as ledger:
        ledger.transition("survey", "assessed", "analyst", {"score": 45.0,
                                                             "recommendation": "review"})
        ledger.transition("survey", "decided", "analyst", {
            "decision": "retire", "recommendation": "review", "score": 45.0,
            "override_reason": reason})
    render_records(ws, ["survey"], as_of="2026-11-23")
    trail = next(t for t in tables_of(_page(ws, "survey", "index.html"))
                 if t["class"] == "trail")
    flagged = [r for r in trail["rows"] if r["class"] == "override"]
    assert len(flagged) == 1 and reason in flagged[0]["cells"][4]


def _outputs(notebook: Path) -> str:
    nb = nbformat.read(notebook, as_version=4)
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for kind in ("text/html", "text/plain", "text/markdown"):
                value = output.get("data", {}).get(kind)
                if value:
                    texts.append(value if isinstance(value, str) else "".join(value))
            if output.get("text"):
                texts.append(output["text"])
    return "\n".join(texts)


def test_no_raw_pandas_or_utc_in_records_and_notebook_outputs(audited):
    shown = {p: p.read_text("utf-8") for p in (audited.root / "records").rglob("*.html")}
    shown |= {p: _outputs(p) for p in (audited.root / "runs").rglob("*.ipynb")}
    assert len(shown) >= 10
    for path, text in shown.items():
        text = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=\s]+", "", text)  # pictures
        # A signed checkpoint line is a token to paste and verify, kept byte for byte.
        text = re.sub(r"decomkit-checkpoint/1 [^<\n]*", "", text)
        for raw in ("<NA>", "&lt;NA&gt;", "NaN", "NaT", 'class="dataframe"'):
            assert raw not in text, (path, raw)
        assert not UTC_TIME.search(text), (path, UTC_TIME.search(text).group())
    # Money cells carry ¥: every cell under a money header of the assessment.
    page = _page(audited, "jxc", "01_assess.html")
    money_headers = {"年成本", "12 个月节省", "24 个月节省", "违约金"}
    seen = 0
    for table in tables_of(page):
        header = table["rows"][0]["cells"]
        for column, name in enumerate(header):
            if name in money_headers:
                for row in table["rows"][1:]:
                    cell = row["cells"][column]
                    assert cell == "" or re.fullmatch(r"-?¥[\d,]+", cell), (name, cell)
                    seen += 1
    assert seen >= 3


def test_human_tables_blank_missing_values_and_say_empty_in_a_sentence():
    frame = pd.DataFrame({"name": ["进销存", None], "annual_cost": [5271.72, float("nan")],
                          "savings_12": [-5271.72, pd.NA],
                          "notice_deadline": [dt.date(2026, 12, 1), None],
                          "when": ["2026-11-23T23:30:44.632600+00:00", ""]},
                         index=pd.RangeIndex(2))
    html = table_html(frame, Audience("zh", SHANGHAI))
    cells = tables_of(html)[0]["rows"]
    assert cells[0]["cells"] == ["名称", "年成本", "12 个月节省", "通知截止", "when"]
    assert cells[1]["cells"] == ["进销存", "¥5,272", "-¥5,272", "2026-12-01",
                                 "2026-11-24 07:30"]
    assert cells[2]["cells"] == ["", "", "", "", ""]
    english = tables_of(table_html(frame, Audience("en", "UTC")))[0]["rows"]
    assert english[0]["cells"][:2] == ["Name", "Annual cost"]
    assert english[1]["cells"][4] == "2026-11-23 23:30"
    empty = table_html(frame.iloc[0:0], Audience("zh", SHANGHAI), empty="users")
    assert empty == '<p class="empty">无近期用户。</p>'
    assert "No recent users." in table_html(frame.iloc[0:0], Audience("en", "UTC"),
                                            empty="users")


def test_the_portfolio_page_shows_counts_savings_and_flagged_deadlines(audited, as_of):
    page = _page(audited, "index.html")
    assert 'class="counts"' in page and "已复盘" in page
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{500,}', page)
    assert "已实现节省 ¥4,800" in page  # 旧版报销单 4,350 + 会议室预订(旧) 450
    overview = portfolio_overview(open_stage(str(audited.root), as_of=str(as_of)))
    soon = overview.deadlines_within(HORIZON_DAYS)
    assert len(soon) >= 1 and (soon["days_left"] <= 120).all()
    tables = tables_of(page)
    deadlines = next(t for t in tables if "截止日" in t["rows"][0]["cells"])
    flagged = [r for r in deadlines["rows"][1:] if r["class"].startswith("flag-")]
    assert len(flagged) == len(soon)
    for row, days in zip(flagged, soon["days_left"], strict=True):
        limit = "today" if days == 0 else 60 if days <= 60 else 90 if days <= 90 else 120
        assert row["class"] == f"flag-{limit}"
    assert '<a href="jxc/index.html">进销存</a>' in page
    assert 'href="deadlines.ics"' in page


def test_the_deadlines_calendar_has_one_event_per_deadline_with_stable_ids(audited, as_of):
    path = audited.root / "records" / "deadlines.ics"
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    events = list(calendar.walk("VEVENT"))
    overview = portfolio_overview(open_stage(str(audited.root), as_of=str(as_of)),
                                  verify_backups=False)
    assert len(events) == len(overview.open_deadlines) >= 1
    assert sorted(e.decoded("dtstart") for e in events) == sorted(
        overview.open_deadlines["deadline"])
    for event in events:
        triggers = sorted(a.decoded("trigger") for a in event.walk("VALARM"))
        assert triggers == [dt.timedelta(days=-d) for d in (120, 90, 60, 30)]
    uids = {str(e["uid"]) for e in events}
    render_records(audited, [], as_of=str(as_of))  # again: the same UIDs
    again = icalendar.Calendar.from_ical(path.read_bytes())
    assert {str(e["uid"]) for e in again.walk("VEVENT")} == uids
    assert len(uids) == len(events)


def test_the_manifest_covers_the_calendar_and_pdfs(audited):
    manifest = json.loads((audited.root / "records" / "manifest.json").read_text("utf-8"))
    assert "deadlines.ics" in manifest["files"]
    for pdf in (audited.root / "records").rglob("*.pdf"):
        assert str(pdf.relative_to(audited.root / "records")) in manifest["files"]


def test_pdf_dossiers_carry_the_app_the_approvers_and_page_numbers(chromium_path, audited):
    records = audited.root / "records"
    dossiers = sorted(p.parent.name for p in records.glob("*/index.html"))
    pdfs = sorted(p.parent.name for p in records.glob("*/*.pdf"))
    assert pdfs == dossiers and len(pdfs) >= 3
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext not found: install Debian's poppler-utils")
    text = subprocess.run([pdftotext, "-layout", str(records / "jxc" / "jxc.pdf"), "-"],
                          capture_output=True, text=True, check=True, timeout=60).stdout
    assert "进销存" in text
    users = pd.read_csv(audited.root / "data" / "users.csv", encoding="utf-8-sig")
    names = dict(zip(users["user_id"], users["name"], strict=True))
    with audited.ledger() as ledger:  # the chain routed for jxc's request (by rule)
        chain = ledger.last("jxc", "approval_pending").data["approvers"]
    assert chain
    for approver in chain:
        assert names[approver] in text
    from decomkit.records.dossier import signing_fingerprint

    assert signing_fingerprint(audited) in text  # the footer
    assert re.search(r"\b1 / \d+\b", text) and re.search(r"\b2 / \d+\b", text)


def _screenshot(browser: str, page: Path, shot: Path, profile: Path) -> None:
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                    "--window-size=1200,2400", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120, check=True)


def test_screenshots_of_the_portfolio_page_and_a_dossier(chromium_path, audited, tmp_path):
    import matplotlib.image

    ARTIFACTS.mkdir(exist_ok=True)
    for page, name in (("index.html", "records-portfolio.png"),
                       ("old-expense/index.html", "records-dossier-old-expense.png")):
        shot = ARTIFACTS / name
        _screenshot(chromium_path, audited.root / "records" / page, shot, tmp_path / "c")
        pixels = matplotlib.image.imread(shot)[..., :3]
        drawn = (pixels.min(axis=2) < 0.5).mean()  # text, rules and charts, not blank page
        assert drawn > 0.02, f"{name}: the page is (nearly) blank"
        if name == "records-portfolio.png":  # the savings chart's coloured bars
            coloured = ((pixels.max(axis=2) - pixels.min(axis=2)) > 0.3).mean()
            assert coloured > 0.005, f"{name}: the savings chart is not visible"


def test_01_assess_of_a_retired_app_shows_its_history_and_records_nothing(demo, as_of):
    with demo.ledger() as ledger:
        before = ledger.head()
    result = run_stage(demo, "assess", "old-expense", {"as_of": str(as_of)})
    assert result.ok, result.error
    with demo.ledger() as ledger:
        assert ledger.head() == before  # no new assessment, no new decision
    shown = _outputs(result.notebook)
    assert "不再重新评分" in shown and "已确认停用" in shown
    assert "2026-07-15 18:00" in shown  # the disable, in local time
    assert "→ review" not in shown and "→ 待评估" not in shown


def test_the_page_names_waiting_approvals_with_their_age_and_failing_backups(audited, as_of,
                                                                            tmp_path):
    ws = Workspace.open(shutil.copytree(audited.root, tmp_path / "w"))
    chain = [a.user_id for a in ws.config.approval.chain]
    asked = dt.datetime.combine(as_of - dt.timedelta(days=10), dt.time(2), tzinfo=dt.UTC)
    with ws.ledger() as ledger:
        ledger.transition("survey", "approval_pending", "analyst", {
            "instance_id": "sbx-waiting", "plan_hash": "0" * 64, "approvers": chain},
            override_reason="a request made outside the kit, recorded for the test",
            at=asked.isoformat())
        backup = ledger.last("jxc", "backed_up").data["path"]
    victim = next((ws.root / "backups" / backup).glob("*.csv"))
    victim.write_bytes(victim.read_bytes() + b"tampered")
    now = dt.datetime.combine(as_of, dt.time(3), tzinfo=dt.UTC)
    overview = portfolio_overview(open_stage(str(ws.root), as_of=str(as_of)), now=now)
    waiting = overview.waiting.set_index("app_id")
    assert list(waiting.index) == ["survey"] and waiting.loc["survey", "waiting_days"] == 10
    users = pd.read_csv(ws.root / "data" / "users.csv", encoding="utf-8-sig")
    first = users.set_index("user_id").loc[chain[0], "name"]
    assert waiting.loc["survey", "waiting_for"] == f"{first} ({chain[0]})"
    failing = overview.failing.set_index("app_id")
    assert list(failing.index) == ["jxc"] and victim.name in failing.loc["jxc", "problems"]
    render_records(ws, [], as_of=str(as_of))
    page = _page(ws, "index.html")
    assert "sbx-waiting" in page and victim.name in page
    assert "2026-11-13 10:00" in page  # when it was asked, in Shanghai time


def test_a_checkpoint_column_appears_once_events_are_covered_by_signed_checkpoints():
    from decomkit.proof.ledger import Event
    from decomkit.records.dossier import trail_html
    from decomkit.views.trail import describe

    who = Audience("zh", SHANGHAI)
    events = [Event(seq, f"2026-07-15T0{seq}:00:00+00:00", "jxc", "transition", "disabled",
                    "it-admin", {}, "0" * 64, "1" * 64) for seq in (3, 5)]
    plain = [describe(e, {}, who) for e in events]
    assert "签名检查点" not in trail_html(plain, who)
    checkpoints = [{"seq": 4, "key_id": "k-2026", "time": "2026-07-15T04:30:00+00:00"}]
    covered = [describe(e, {}, who, checkpoints) for e in events]
    html = trail_html(covered, who)
    assert "签名检查点" in html and "#4 k-2026 2026-07-15 12:30" in html
    assert covered[1].checkpoint == ""  # row 5 is not covered yet


def test_pdf_without_a_browser_is_refused_before_anything_is_written(demo, monkeypatch):
    from decomkit.core.errors import RecordError

    monkeypatch.setenv("PATH", "/nonexistent")
    records = demo.root / "records"
    before = sorted(records.rglob("*"))
    with pytest.raises(RecordError, match="--pdf needs Chromium"):
        render_records(demo, ["old-expense"], as_of="2026-11-23", pdf=True)
    assert sorted(records.rglob("*")) == before
