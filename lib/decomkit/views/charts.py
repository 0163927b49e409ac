"""Charts, drawn as static figures (records keep PNGs, never live widgets).

Every number drawn comes from a library function that tests call directly; these functions only
draw. Chinese app names need a CJK font: ``cjk_font()`` finds one among the installed fonts
(``make`` and ``.ci/run`` install Debian's fonts-noto-cjk).
"""

from __future__ import annotations

import io
import math
import warnings
from functools import cache
from typing import TYPE_CHECKING

import pandas as pd

from decomkit.analysis.assess import FACTORS, Assessment
from decomkit.analysis.contracts import ExitPlan
from decomkit.analysis.impact import Impact
from decomkit.core.config import Thresholds
from decomkit.core.i18n import Language, t
from decomkit.views import live

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# matplotlib is imported when the first chart is drawn, not with this module: a cell that shows
# only text and tables (the dashboard's first) does not wait for it. No pyplot: figures never
# depend on a GUI backend.

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
             "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "SimHei", "Noto Sans CJK JP",
             "Noto Sans CJK TC")
QUADRANT_COLOURS = {"invest": "#2a9d8f", "tolerate": "#8ab17d", "migrate": "#e9c46a",
                    "eliminate": "#e76f51"}
DECISION_COLOURS = {"retire": "#e76f51", "review": "#e9c46a", "keep": "#2a9d8f"}


class MissingCJKFont(UserWarning):
    """No font with Chinese glyphs is installed; Chinese names would show as boxes."""


@cache
def cjk_font() -> str | None:
    """Use an installed CJK font for every chart; warn once when there is none."""
    import matplotlib
    from matplotlib import font_manager

    def find() -> str | None:
        installed = {f.name for f in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FONTS if name in installed), None)

    found = find()
    if found is None:  # installed after matplotlib cached its font list: add them now
        for path in font_manager.findSystemFonts():
            if any(k in path.lower() for k in ("cjk", "wqy", "sourcehan", "simhei", "msyh")):
                font_manager.fontManager.addfont(path)
        found = find()
    if found is None:
        warnings.warn("no CJK font is installed, so Chinese text in charts would be missing; "
                      "install one (Debian: apt-get install fonts-noto-cjk) and restart",
                      MissingCJKFont, stacklevel=2)
        return None
    matplotlib.rcParams["font.sans-serif"] = [found, "DejaVu Sans"]
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["axes.unicode_minus"] = False  # CJK fonts often lack U+2212
    return found


def literal(text) -> str:
    """``text`` drawn as written: a ``$`` in an app name or file name never starts mathtext
    (``a$\\x$b`` would otherwise fail to parse and stop the stage)."""
    return str(text).replace("$", r"\$")


def _figure(width: float = 7.5, height: float = 3.6) -> Figure:
    from matplotlib.figure import Figure

    cjk_font()
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _renderer(fig: Figure):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def overlapping_labels(fig: Figure) -> list[tuple[str, str]]:
    """The pairs of texts drawn on the same axes (labels, annotations, tick labels) whose boxes
    overlap, names over names: a chart people read has none."""
    renderer = _renderer(fig)
    pairs = []
    for ax in fig.axes:
        texts = [x for x in [*ax.texts, *ax.get_xticklabels(), *ax.get_yticklabels()]
                 if x.get_visible() and x.get_text().strip()]
        boxes = [x.get_window_extent(renderer) for x in texts]
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                if boxes[i].overlaps(boxes[j]):
                    pairs.append((texts[i].get_text(), texts[j].get_text()))
    return pairs


def keep_apart(fig: Figure, ax) -> None:
    """Place the annotations of ``ax`` by the rule of the live charts (:func:`live.place_labels`,
    the first annotation first): each near its point, apart from the others and from the legend,
    inside the axes; a label that had to move away from its point gets a thin line to it
    (:func:`live.leader`)."""
    from matplotlib.text import Annotation, Text

    renderer = _renderer(fig)
    notes = [x for x in ax.texts if isinstance(x, Annotation) and x.get_text().strip()]
    if not notes:
        return
    top = fig.bbox.height  # matplotlib counts pixels up from the bottom, the rule down from the top

    def box(extent) -> live.Box:
        return (extent.x0, top - extent.y1, extent.width, extent.height)

    anchors = [(x, top - y) for x, y in ax.transData.transform([note.xy for note in notes])]
    pad = 1.0  # pixels around each name: drawn, a text may land a pixel off its measure
    sizes = [box(Text.get_window_extent(note, renderer).padded(pad))[2:] for note in notes]
    legend = ax.get_legend()
    boxes = live.place_labels(anchors, sizes, box(ax.bbox),
                              [box(legend.get_window_extent(renderer))] if legend else [])
    points = 72 / fig.dpi  # offsets are in points
    to_data = ax.transData.inverted()
    for note, (x, y), placed in zip(notes, anchors, boxes, strict=True):
        left, upper, _, height = placed
        note.set_horizontalalignment("left")
        note.set_verticalalignment("bottom")
        note.xyann = ((left + pad - x) * points, (y - upper - height + pad) * points)
        if end := live.leader((x, y), placed):
            line = to_data.transform([(x, top - y), (end[0], top - end[1])])
            ax.plot(line[:, 0], line[:, 1], color="#999999", lw=0.5, zorder=1, scalex=False,
                    scaley=False)


def png(fig: Figure) -> bytes:
    """The figure as PNG, drawn once: a stage draws its charts before writing anything (so a
    chart that cannot be drawn fails first) and shows the same bytes afterwards."""
    drawn = getattr(fig, "_decomkit_png", None)
    if drawn is None:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        drawn = buffer.getvalue()
        fig._decomkit_png = drawn  # type: ignore[attr-defined]
    return drawn


def usage_trend(mau: pd.Series, name: str, language: Language = "zh") -> Figure:
    """Monthly active users of one app over the analysis months."""
    fig = _figure(7.5, 3.0)
    ax = fig.add_subplot()
    labels = [str(p) for p in mau.index]
    ax.plot(labels, mau.to_numpy(), marker="o", color="#264653")
    ax.fill_between(labels, mau.to_numpy(), alpha=0.15, color="#264653")
    ax.set_title(f"{literal(name)} — {t('chart.mau', language)}")
    ax.set_ylabel(t("chart.mau", language))
    ax.set_ylim(bottom=0)
    ax.tick_params(axis="x", rotation=45)
    return fig


def contributions_bar(assessment: Assessment, thresholds: Thresholds,
                      language: Language = "zh") -> Figure:
    """Each factor's points in the retire score, with the decision thresholds."""
    fig = _figure(7.5, 3.2)
    ax = fig.add_subplot()
    labels = [t(f"factor.{f}", language) for f in FACTORS]
    values = [assessment.contributions[f] for f in FACTORS]
    left = 0.0
    for label, value in zip(labels, values, strict=True):
        ax.barh([0], [value], left=left, label=f"{label} {value:.1f}")
        left += value
    for limit, colour in ((thresholds.keep, DECISION_COLOURS["keep"]),
                          (thresholds.retire, DECISION_COLOURS["retire"])):
        ax.axvline(limit, color=colour, linestyle="--", linewidth=1.5)
    ax.set_xlim(0, 100)
    ax.set_yticks([])
    ax.set_xlabel(t("chart.contribution", language))
    decision = t(f"decision.{assessment.recommendation}", language)
    ax.set_title(f"{literal(assessment.name)}: {t('chart.score', language)} "
                 f"{assessment.score:.1f} "
                 f"→ {decision}")
    fig.legend(loc="outside lower center", ncol=3, frameon=False)
    return fig


def score_histogram(portfolio: pd.DataFrame, thresholds: Thresholds,
                    language: Language = "zh") -> Figure:
    fig = _figure(7.5, 3.0)
    ax = fig.add_subplot()
    for decision, colour in DECISION_COLOURS.items():
        scores = portfolio.loc[portfolio["recommendation"] == decision, "score"]
        ax.hist(scores, bins=range(0, 105, 5), color=colour,
                label=f"{t(f'decision.{decision}', language)} ({len(scores)})")
    ax.axvline(thresholds.keep, color="grey", linestyle="--")
    ax.axvline(thresholds.retire, color="grey", linestyle="--")
    ax.set_xlabel(t("chart.score", language))
    ax.set_ylabel(t("chart.apps", language))
    ax.legend(frameon=False, loc="upper right")
    return fig


def cost_usage_scatter(portfolio: pd.DataFrame, language: Language = "zh",
                       label_top: int = 10) -> Figure:
    """Annual cost against active users, coloured by TIME quadrant; top candidates named."""
    import matplotlib.ticker

    fig = _figure(8.0, 5.0)
    ax = fig.add_subplot()
    portfolio = portfolio[portfolio["quadrant"].isin(list(QUADRANT_COLOURS))]  # retired: none
    for quadrant, colour in QUADRANT_COLOURS.items():
        part = portfolio[portfolio["quadrant"] == quadrant]
        ax.scatter(part["mau_recent"], part["annual_cost"], s=40 + part["score"] * 3,
                   color=colour, alpha=0.8, edgecolor="white",
                   label=f"{t(f'quadrant.{quadrant}', language)} ({len(part)})")
    for _, row in portfolio.head(label_top).iterrows():
        ax.annotate(literal(row["name"]), (row["mau_recent"], row["annual_cost"]),
                    fontsize=8, xytext=(4, 4), textcoords="offset points")
    ax.set_xscale("symlog", linthresh=10)
    # plain numbers (1,000 rather than 10³: no mathtext parser to build), the legend beside the
    # plot (searching for the emptiest corner among 1,000 dots took longer than the drawing)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel(t("chart.active_users", language))
    ax.set_ylabel(t("chart.annual_cost", language))
    ax.legend(title="TIME", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    keep_apart(fig, ax)  # names of apps with the same cost and use would print over each other
    return fig


_EDGE_COLOURS = {"process": "#e76f51", "integration": "#264653", "users": "#8ab17d",
                 "data": "#e9c46a"}


def impact_graph(impact: Impact, name: str, language: Language = "zh") -> Figure:
    """The app in the middle, what depends on it around it."""
    fig = _figure(7.5, 5.5)
    ax = fig.add_subplot()
    others = [(a if b == name else b, kind.split(":")[0]) for a, b, kind in impact.edges]
    ax.text(0, 0, literal(name), color="white", ha="center", va="center", fontsize=10,
            zorder=4,
            bbox={"boxstyle": "round,pad=0.6", "facecolor": "#264653", "edgecolor": "none"})
    for i, (node, kind) in enumerate(others):
        angle = 2 * math.pi * i / max(len(others), 1)
        x, y = math.cos(angle), math.sin(angle)
        colour = _EDGE_COLOURS[kind]
        ax.plot([0, x], [0, y], color=colour, linewidth=1.5, zorder=1)
        ax.scatter([x], [y], s=500, color=colour, zorder=2)
        ax.text(x * 1.18, y * 1.18, literal(node), ha="center", va="center", fontsize=8)
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.4, 1.4)
    for kind, colour in _EDGE_COLOURS.items():
        ax.scatter([], [], color=colour, label=t(f"edge.{kind}", language))
    ax.legend(loc="lower left", frameon=False, fontsize=8)
    ax.set_aspect("equal")
    ax.axis("off")
    level = t(f"risk.{impact.level}", language)
    ax.set_title(f"{t('chart.impact', language)} — {level}")
    return fig


def contract_timeline(plan: ExitPlan, language: Language = "zh") -> Figure:
    """Today, the notice deadline, the end of term and the best exit on one line."""
    import matplotlib.dates
    fig = _figure(7.5, 2.0)
    ax = fig.add_subplot()
    marks = [(plan.as_of, t("chart.today", language), "#264653")]
    if plan.notice_deadline:
        marks.append((plan.notice_deadline, t("chart.deadline", language), "#e76f51"))
    if plan.term_end:
        marks.append((plan.term_end, t("chart.renewal", language), "#e9c46a"))
    marks.append((plan.best.exit_date, t("chart.exit", language), "#2a9d8f"))
    days = [pd.Timestamp(d) for d, _, _ in marks]
    ax.hlines(0, min(days), max(days) + pd.Timedelta(days=1), color="grey")
    for k, (day, label, colour) in enumerate(marks):
        ax.scatter([pd.Timestamp(day)], [0], s=90, color=colour, zorder=3)
        ax.annotate(f"{label}\n{day}", (pd.Timestamp(day), 0), ha="center", fontsize=8,
                    xytext=(0, 12 if k % 2 == 0 else -30), textcoords="offset points")
    # At least a month either side, so a single date (no contract) is not drawn in hours.
    ax.set_xlim(min(days) - pd.Timedelta(days=30), max(days) + pd.Timedelta(days=30))
    locator = matplotlib.dates.AutoDateLocator(maxticks=6, minticks=3)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(matplotlib.dates.ConciseDateFormatter(locator))
    ax.set_yticks([])
    ax.set_ylim(-1, 1)
    ax.set_title(t("chart.timeline", language))
    return fig


def verification_chart(files: pd.DataFrame, sizes: dict[str, int],
                       language: Language = "zh") -> Figure:
    """One bar per backed-up file (its size), green when every check passed, red otherwise."""
    fig = _figure(7.5, 0.6 + 0.45 * max(len(files), 1))
    ax = fig.add_subplot()
    good = files["problem"].fillna("") == ""
    kib = [sizes.get(p, 0) / 1024 for p in files["path"]]
    ax.barh([literal(p) for p in files["path"]], kib,
            color=["#2a9d8f" if g else "#e76f51" for g in good])
    for y, (value, rows) in enumerate(zip(kib, files["restored_rows"], strict=True)):
        label = f"{rows:.0f} {t('chart.rows', language)}" if pd.notna(rows) else ""
        ax.text(value, y, f" {label}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("KiB")
    ax.set_title(t("chart.verification", language))
    return fig


def review_chart(review, language: Language = "zh") -> Figure:
    """Monthly cost before and after the disable, and realized against projected savings."""
    fig = _figure(8.0, 3.4)
    costs_ax, savings_ax = fig.subplots(1, 2)
    colours = ["#264653" if p == "before" else "#2a9d8f" for p in review.costs["phase"]]
    costs_ax.bar(review.costs["month"], review.costs["cost"], color=colours)
    costs_ax.set_title(t("chart.cost_before_after", language))
    costs_ax.tick_params(axis="x", rotation=45)
    if len(review.savings):
        savings_ax.plot(review.savings["month"], review.savings["realized"], marker="o",
                        label=t("chart.realized", language), color="#2a9d8f")
        savings_ax.plot(review.savings["month"], review.savings["projected"], linestyle="--",
                        label=t("chart.projected", language), color="#e76f51")
        savings_ax.axhline(0, color="grey", linewidth=0.8)
        savings_ax.legend(frameon=False)
    savings_ax.set_title(t("chart.savings", language))
    savings_ax.tick_params(axis="x", rotation=45)
    return fig


def portfolio_savings_chart(savings: pd.DataFrame, language: Language = "zh") -> Figure:
    """Projected against realized savings so far, one pair of bars per disabled app."""
    import matplotlib.ticker
    fig = _figure(7.5, 0.6 + 0.55 * max(len(savings), 1))
    ax = fig.subplots()
    shown = savings[~savings["too_early"].astype(bool)] if len(savings) else savings
    rows = range(len(shown))
    ax.barh([r + 0.2 for r in rows], shown["projected"], height=0.4, color="#e9c46a",
            label=t("chart.projected", language))
    ax.barh([r - 0.2 for r in rows], shown["realized"], height=0.4, color="#2a9d8f",
            label=t("chart.realized", language))
    ax.set_yticks(list(rows), list(shown["name"]))
    ax.invert_yaxis()
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"¥{v:,.0f}"))
    ax.set_title(t("chart.savings", language))
    ax.legend(frameon=False, loc="lower right")
    return fig
