"""The first look and the live explorer: what they do, never how long they take (the timings
are in ``bench/interactive.py`` and docs/benchmarks.md).

- The dashboard renders progressively: the page comes at once, and its first output is the
  headline from the snapshot and the ledger, sent before the portfolio is scored or drawn.
- The notebooks' first cells import no charts, widgets or JSON-schema machinery.
- Re-scoring is vectorised and says exactly what the rule per app says.
- The live charts name apps as text, and keep their labels apart.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decomkit.analysis.assess import (
    FACTORS,
    recommend,
    recommendations,
    time_quadrant,
    time_quadrants,
)
from decomkit.context.stage import WORKSPACE_ENV, open_stage
from decomkit.core.config import Thresholds
from decomkit.records.widgets import portfolio_explorer
from decomkit.running.dashboard import first_look, prepare_dashboard
from decomkit.views import live
from helpers import voila_cells, voila_server

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("matplotlib", "ipywidgets", "jsonschema", "nbformat")


def code_cells(name: str) -> list[tuple[str, bool]]:
    """(source, is the parameters cell) of each code cell of a stage notebook."""
    nb = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    return [("".join(c["source"]), "parameters" in c.get("metadata", {}).get("tags", []))
            for c in nb["cells"] if c["cell_type"] == "code"]


def run_cells(cells: list[str], env: dict[str, str]) -> dict:
    """Run ``cells`` in a fresh interpreter; what they printed and which heavy modules they
    imported."""
    script = (
        "import io, contextlib, json, sys\n"
        "import IPython.display\n"  # what the cells display, as text: a Markdown's source
        "IPython.display.display = lambda *items, **_: [print(getattr(i, 'data', i)) "
        "for i in items]\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    for source in {cells!r}:\n"
        "        exec(source, globals())\n"
        f"print(json.dumps({{'out': out.getvalue(), 'modules': [m for m in {HEAVY!r} "
        "if m in sys.modules]}))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=300, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_the_portfolio_s_first_cells_show_the_headline_without_charts_widgets_or_schemas(demo):
    """What the dashboard shows first needs no chart, widget or schema library: its cells up to
    the headline import none, and the headline says how many apps and how many retired."""
    cells = code_cells("00_portfolio.ipynb")
    upto = next(i for i, (source, _) in enumerate(cells) if "headline(" in source)
    chosen = [source for source, _ in cells[:upto + 1]]
    env = {**os.environ, WORKSPACE_ENV: str(demo.root)}
    done = run_cells(chosen, env)
    assert done["modules"] == []
    assert "共 32 个应用" in done["out"] and "已停用 2 个" in done["out"]
    # positive control: the next cell (scoring and charts) does import matplotlib
    assert "matplotlib" in run_cells([*chosen, cells[upto + 1][0]], env)["modules"]


def test_01_assess_imports_no_json_schema_machinery(demo):
    """jsonschema (through nbformat) compiled a grammar for seconds at import; the assessment's
    imports no longer pull it in."""
    imports = code_cells("01_assess.ipynb")[0][0]
    done = run_cells([imports], {**os.environ, WORKSPACE_ENV: str(demo.root)})
    assert "jsonschema" not in done["modules"] and "nbformat" not in done["modules"]
    # positive control: the same cell followed by what used to pull it in is caught
    after = run_cells([imports, "import nbformat"], {**os.environ, WORKSPACE_ENV: str(demo.root)})
    assert "jsonschema" in after["modules"]


@pytest.mark.usefixtures("chromium_path")
def test_the_dashboard_shows_its_headline_before_it_scores_anything(demo):
    """Voila renders progressively: the page carries no output, and the headline's cell is sent
    on its own, before the cell that scores the portfolio has run."""
    pytest.importorskip("voila")
    notebook = prepare_dashboard(demo)
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    headline = next(i for i, c in enumerate(cells) if "headline(" in "".join(c["source"]))
    log = demo.root / "voila.log"
    with voila_server(notebook, log, demo) as base:
        got = voila_cells(base, seconds=240, until=headline)
    shown = {index: json.dumps(cell.get("outputs", []), ensure_ascii=False)
             for index, cell, _ in got}
    assert [index for index, _, _ in got] == list(range(headline + 1)), log.read_text("utf-8")
    assert "共 32 个应用" in shown[headline]
    assert not any("outputs" in c and c["outputs"] for c in cells)  # nothing ran beforehand
    assert all(shown[i] == "[]" for i in range(headline))  # the headline is the first output


@pytest.mark.usefixtures("chromium_path")
def test_the_dashboard_page_carries_the_headline_before_any_script(demo):
    """The page itself (no script run, no kernel output) shows the headline from the snapshot
    and the ledger, in the reader's language, above Voila's hidden cells and its scripts."""
    pytest.importorskip("voila")
    notebook = prepare_dashboard(demo)
    log = demo.root / "voila.log"
    with voila_server(notebook, log, demo) as base, urlopen(base + "/", timeout=240) as response:
        page = response.read().decode("utf-8")
    start = page.find('<div class="decomkit-first-look">')
    assert start > 0, log.read_text("utf-8")
    look = page[start:page.index("</div>", start)]
    assert "共 32 个应用" in look and "已停用 2 个" in look and "正在加载" in look
    assert "**" not in look and "<b>" in look  # bold as HTML, not as markdown marks
    assert start < page.index('id="rendered_cells"')  # outside the cells hidden until loaded
    body = page.index("<body")
    assert "<script src" not in page[body:start]  # no script to wait for before it
    # positive control: the live cells are in the same page, hidden until Voila's scripts run
    assert '<div id="rendered_cells" style="display: none">' in page


def test_the_first_look_follows_the_workspace_language(demo):
    """English workspace or language asked for: the page's headline is English, whole."""
    look = first_look(demo, "en")
    assert "32 apps" in look and "2 retired" in look and "loading" in look
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in look)  # no Chinese left in it


scores = st.floats(min_value=0, max_value=100, allow_nan=False).map(lambda s: round(s, 1))


@settings(max_examples=60, deadline=None)
@given(st.lists(scores, min_size=1, max_size=40), scores, scores)
def test_vectorised_recommendations_say_what_the_rule_per_app_says(values, keep, retire):
    thresholds = Thresholds(keep=min(keep, retire), retire=max(keep, retire))
    series = pd.Series(values, index=[f"app-{i}" for i in range(len(values))])
    assert list(recommendations(series, thresholds)) == [recommend(v, thresholds)
                                                         for v in values]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0, 0.3, 0.6]),
                         min_size=len(FACTORS), max_size=len(FACTORS)), min_size=1, max_size=30))
def test_vectorised_quadrants_say_what_the_rule_per_app_says(rows):
    """Exactly on the 0.5 cut included: the same arithmetic, so the same side of it."""
    pressure = pd.DataFrame(rows, columns=list(FACTORS),
                            index=[f"app-{i}" for i in range(len(rows))])
    assert list(time_quadrants(pressure)) == [time_quadrant(row)
                                              for _, row in pressure.iterrows()]


def overlap(a, b) -> bool:
    return (min(a[0] + a[2], b[0] + b[2]) > max(a[0], b[0])
            and min(a[1] + a[3], b[1] + b[3]) > max(a[1], b[1]))


def test_labels_of_crowded_points_are_placed_apart_and_inside():
    anchors = [(300 + i % 3, 200 + i % 2) for i in range(10)]  # ten points on top of each other
    sizes = [(live.text_width(f"业务应用{i:04d}"), 13.0) for i in range(10)]
    area = (0.0, 0.0, 600.0, 400.0)
    legend = (280.0, 170.0, 60.0, 20.0)
    boxes = live.place_labels(anchors, sizes, area, [legend])
    assert len(boxes) == 10
    for i, box in enumerate(boxes):
        assert box[0] >= 0 and box[0] + box[2] <= 600 and box[1] >= 0 and box[1] + box[3] <= 400
        assert not overlap(box, legend)
        assert not any(overlap(box, other) for other in boxes[i + 1:])
    # positive control: the check sees an overlap when there is one
    assert overlap(boxes[0], (boxes[0][0] + 1, boxes[0][1] + 1, 5, 5))


def test_a_label_away_from_its_point_gets_a_line_to_the_nearest_edge():
    """The leader rule both scatters share: none beside the point, else to the box's edge."""
    assert live.leader((10.0, 10.0), (14.0, -7.0, 40.0, 13.0)) is None  # 4 px up-right
    assert live.leader((10.0, 10.0), (40.0, 30.0, 40.0, 13.0)) == (40.0, 30.0)
    assert live.leader((10.0, 10.0), (-50.0, 40.0, 120.0, 13.0)) == (10.0, 40.0)  # straight down


def test_live_charts_name_apps_as_text():
    hostile = '<img src=x onerror="alert(1)">&'
    table = pd.DataFrame({
        "name": [hostile, "进销存", "b"], "score": [90.0, 40.0, 10.0],
        "recommendation": ["retire", "review", "keep"],
        "quadrant": ["eliminate", "migrate", "invest"],
        "mau_recent": [3.0, 120.0, np.nan], "annual_cost": [50000.0, 1200.0, 10.0],
    }, index=["x", "jxc", "y"])
    scatter = live.cost_usage_scatter(table, "en")
    histogram = live.score_histogram(table, Thresholds(), "zh")
    assert "<img" not in scatter
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;" in scatter
    assert ">进销存</text>" in scatter
    dots = re.findall(r'<path class="dots"[^>]* d="([^"]*)"', scatter)
    assert "".join(dots).count("M") == 2  # an app whose use is unknown has no place on the axis
    assert histogram.startswith("<svg") and "(1)" in histogram


def test_the_live_scatter_draws_every_app_once_in_a_few_elements():
    """One element per quadrant and dot size, not one per app; every app with a known use and
    cost is drawn once, at its size (positive control: the count follows the table)."""
    n = 1000
    rng = np.random.default_rng(7)
    table = pd.DataFrame({
        "name": [f"app {i}" for i in range(n)], "score": rng.uniform(0, 100, n).round(1),
        "quadrant": rng.choice(list(live.QUADRANT_COLOURS), n),
        "mau_recent": rng.integers(0, 5000, n).astype(float),
        "annual_cost": rng.uniform(0, 90000, n)}).sort_values("score", ascending=False)
    for rows in (n, 10):
        scatter = live.cost_usage_scatter(table.head(rows), "en")
        paths = re.findall(r'<path class="dots"[^>]* stroke-width="([^"]*)" d="([^"]*)"', scatter)
        assert sum(d.count("M") for _, d in paths) == rows
        # radius 3.2 to 9.2 px (score 0 to 100), a quarter of a pixel apart
        assert len(paths) <= len(live.QUADRANT_COLOURS) * 25
        assert all(3 <= float(width) / 2 <= 9.5 for width, _ in paths)
        assert "<circle" not in scatter


def test_the_explorer_draws_the_scores_score_table_gives(demo, as_of):
    """The explorer's lean re-scoring (no metrics joined, quadrants found once) gives, for every
    position of the sliders tried, exactly the scores, decisions, quadrants and order of the
    full table."""
    explorer = portfolio_explorer(open_stage(str(demo.root), as_of=str(as_of)))
    for factor, value in (("usage", 0.0), ("fit", 1.0), ("cost", 0.35), ("alternative", 0.0)):
        explorer.sliders[factor].value = value
        lean = explorer.scores
        full = explorer.table[lean.columns]
        assert lean.equals(full.astype({"name": object}))  # names as plain text, same order
        assert list(lean["name"]) == [str(n) for n in full["name"]]
    assert explorer.panes[1].value == live.score_histogram(explorer.table, explorer.thresholds,
                                                           explorer.language)
