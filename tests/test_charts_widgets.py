"""Charts draw Chinese without missing glyphs; widgets are live twins of the parameters."""

from __future__ import annotations

import warnings

import pytest

from decomkit.analysis.assess import assess_app, score_portfolio
from decomkit.analysis.contracts import app_exit_plan
from decomkit.analysis.impact import assess_impact
from decomkit.context.stage import open_stage
from decomkit.inventory.tables import Inventory
from decomkit.inventory.usage import monthly_active_users
from decomkit.records.widgets import assessment_explorer, portfolio_explorer
from decomkit.views import charts


@pytest.fixture
def stage(demo, as_of):
    return open_stage(str(demo.root), as_of=str(as_of), tables=Inventory.names())  # the log too


def test_a_cjk_font_is_installed_and_used():
    assert charts.cjk_font() in charts.CJK_FONTS


@pytest.mark.parametrize("language", ["zh", "en"])
def test_charts_with_chinese_names_have_no_missing_glyphs(stage, language):
    inv, as_of = stage.inventory, stage.as_of
    table = score_portfolio(inv, stage.weights, stage.thresholds, as_of)
    a = assess_app(table, "jxc", language)
    figures = [
        charts.usage_trend(monthly_active_users(inv, as_of).loc["jxc"], "进销存", language),
        charts.contributions_bar(a, stage.thresholds, language),
        charts.score_histogram(table, stage.thresholds, language),
        charts.cost_usage_scatter(table, language),
        charts.impact_graph(assess_impact(inv, "jxc", as_of, language), "进销存", language),
        charts.contract_timeline(app_exit_plan(inv, "bi-pro", as_of, 1000.0, language),
                                 language),
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        images = [charts.png(f) for f in figures]
    glyphs = [str(w.message) for w in caught if "missing from" in str(w.message)
              or "Glyph" in str(w.message)]
    assert glyphs == []
    assert all(img.startswith(b"\x89PNG") and len(img) > 5000 for img in images)


def test_portfolio_sliders_rescore_live(stage):
    explorer = portfolio_explorer(stage)
    before = explorer.table["score"].copy()
    scored = score_portfolio(stage.inventory, stage.weights, stage.thresholds, stage.as_of,
                             stage.usage)["score"]
    # the retired apps are not under the sliders: they are never scored as if live
    assert before.equals(scored.drop(index=["old-expense", "room-booking"]))
    panes = list(explorer.panes)
    first_table, first_chart = panes[0].value, panes[2].value
    explorer.sliders["usage"].value = 0.0
    after = explorer.table["score"]
    assert not after.equals(before.reindex(after.index))
    # the same widgets, with new values: the table and the chart were redrawn in place
    assert explorer.panes == panes
    assert panes[0].value != first_table and panes[2].value != first_chart
    top = explorer.table["name"].iloc[0]  # the highest score is named on the chart, as text
    assert panes[2].value.startswith("<svg") and f">{top}</text>" in panes[2].value


def test_assessment_slider_changes_score_and_decision(stage):
    explorer = assessment_explorer(stage, "doc-editor")
    assert explorer.assessment.recommendation == "review"
    for factor in ("cost", "performance", "security", "fit", "alternative"):
        explorer.sliders[factor].value = 0.0
    explorer.sliders["usage"].value = 1.0
    assert explorer.assessment.score == pytest.approx(
        100 * explorer.pressure.loc["doc-editor", "usage"], abs=0.05)
    for slider in explorer.sliders.values():
        slider.value = 0.0  # all zero: equal weights rather than a crash
    assert 0 <= explorer.assessment.score <= 100


def test_overlapping_labels_are_detected_and_kept_apart():
    """Positive control: two names at one point overlap and are found; keep_apart moves them
    until none does."""
    fig = charts._figure()
    ax = fig.add_subplot()
    ax.scatter([1, 1.001], [5, 5.001])
    for name in ("会议室预订(旧)", "旧版考勤机助手"):
        ax.annotate(name, (1, 5), xytext=(4, 4), textcoords="offset points")
    assert charts.overlapping_labels(fig) == [("会议室预订(旧)", "旧版考勤机助手")]
    charts.keep_apart(fig, ax)
    assert charts.overlapping_labels(fig) == []


def test_names_stay_inside_the_plot_and_a_moved_name_keeps_a_line_to_its_point():
    """The static scatter places names by the live charts' rule: a name at the top right corner
    is drawn inside the axes (offset up and right, it would stick out), and only a name that
    had to move away from its point gets a line to it."""
    fig = charts._figure()
    ax = fig.add_subplot()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.annotate("旧版考勤机助手", (10, 10), xytext=(4, 4), textcoords="offset points")
    ax.annotate("进销存", (2, 2), xytext=(4, 4), textcoords="offset points")
    renderer = charts._renderer(fig)
    corner = ax.texts[0].get_window_extent(renderer)
    assert not ax.bbox.contains(corner.x1, corner.y1)  # positive control: it sticks out
    charts.keep_apart(fig, ax)
    renderer = charts._renderer(fig)
    for note in ax.texts:
        box = note.get_window_extent(renderer)
        assert ax.bbox.contains(box.x0, box.y0) and ax.bbox.contains(box.x1, box.y1)
    assert len(ax.lines) == 0  # both sit next to their points: no line
    for name in ("会议室预订(旧)", "销售日报", "库存盘点助手", "简易项目管理"):
        ax.annotate(name, (2, 2), xytext=(4, 4), textcoords="offset points")
    charts.keep_apart(fig, ax)  # five names at one point: those pushed away get a line
    assert 0 < len(ax.lines) < 5 and charts.overlapping_labels(fig) == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_charts_people_read_keep_their_labels_apart(stage, language):
    from decomkit.records.overview import portfolio_overview

    inv, as_of = stage.inventory, stage.as_of
    table = score_portfolio(inv, stage.weights, stage.thresholds, as_of)
    a = assess_app(table, "jxc", language)
    overview = portfolio_overview(stage)
    figures = {
        "contributions": charts.contributions_bar(a, stage.thresholds, language),
        "scores": charts.score_histogram(table, stage.thresholds, language),
        "cost_usage": charts.cost_usage_scatter(table, language),
        "impact": charts.impact_graph(assess_impact(inv, "jxc", as_of, language), "进销存",
                                      language),
        "timeline": charts.contract_timeline(app_exit_plan(inv, "bi-pro", as_of, 1000.0,
                                                           language), language),
        "savings": charts.portfolio_savings_chart(overview.savings, language),
    }
    assert {name: charts.overlapping_labels(fig) for name, fig in figures.items()} == {
        name: [] for name in figures}
