"""Light charts for the live explorers: SVG text built from the scored table in milliseconds.

A weight slider re-scores every app and redraws on each move; a new matplotlib figure per move,
rendered to PNG, took 0.3 to 1.5 s at 1,000 apps. These charts are plain SVG (no library, no
image): the explorer sets them as the value of the widget that already shows the chart, and the
browser redraws only that element. They draw the same numbers as the static figures of
:mod:`decomkit.views.charts` (which records and executed notebooks keep, as PNG).

Names are drawn as text (escaped), never as markup; labels of the named points are placed apart
from each other by :func:`place_labels` (the static scatter of :mod:`decomkit.views.charts`
places its names by the same rule).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from decomkit.analysis.assess import FACTORS, Assessment
from decomkit.core.config import Thresholds
from decomkit.core.i18n import Language, t

QUADRANT_COLOURS = {"invest": "#2a9d8f", "tolerate": "#8ab17d", "migrate": "#e9c46a",
                    "eliminate": "#e76f51"}
DECISION_COLOURS = {"retire": "#e76f51", "review": "#e9c46a", "keep": "#2a9d8f"}
FACTOR_COLOURS = ("#264653", "#2a9d8f", "#8ab17d", "#e9c46a", "#f4a261", "#e76f51")
FONT = 11  # px, labels and ticks
Box = tuple[float, float, float, float]  # left, top, width, height (SVG pixels)


def text_width(text: str, size: float = FONT) -> float:
    """The width a label takes, estimated: a CJK character is about one em, others 0.6 em."""
    return sum(size if ord(c) >= 0x2E80 else 0.6 * size for c in text)


def _overlap(a: Box, b: Box) -> float:
    dx = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    dy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return dx * dy if dx > 0 and dy > 0 else 0.0


def place_labels(anchors: Sequence[tuple[float, float]], sizes: Sequence[tuple[float, float]],
                 area: Box, keep_clear: Sequence[Box] = ()) -> list[Box]:
    """A box for each label near its point, apart from the other labels and from ``keep_clear``.

    Labels are placed in order (the most important first): each takes the nearest of eight
    positions around its point, at growing distances, that overlaps nothing placed before and
    stays inside ``area``; when none is free, the position that overlaps least."""
    placed: list[Box] = []
    left, top, width, height = area
    for (x, y), (w, h) in zip(anchors, sizes, strict=True):
        best: tuple[float, Box] | None = None
        for gap in (4.0, 12.0, 22.0, 34.0, 48.0, 64.0):
            for dx, dy in ((1, -1), (-1, -1), (1, 1), (-1, 1), (0, -1), (0, 1), (1, 0), (-1, 0)):
                bx = x + gap if dx > 0 else x - gap - w if dx < 0 else x - w / 2
                by = y - gap - h if dy < 0 else y + gap if dy > 0 else y - h / 2
                box = (bx, by, w, h)
                outside = (bx < left or by < top or bx + w > left + width
                           or by + h > top + height)
                cost = sum(_overlap(box, other) for other in (*placed, *keep_clear))
                cost += 1e6 if outside else 0.0
                if best is None or cost < best[0]:
                    best = (cost, box)
                if cost == 0:
                    break
            if best is not None and best[0] == 0:
                break
        assert best is not None
        placed.append(best[1])
    return placed


def leader(anchor: tuple[float, float], box: Box, away: float = 6.0
           ) -> tuple[float, float] | None:
    """Where the thin line from a point to its label ends (the nearest point of the label's
    box), or None when the label sits next to its point (within ``away`` pixels): no line."""
    x, y = anchor
    end = (min(max(x, box[0]), box[0] + box[2]), min(max(y, box[1]), box[1] + box[3]))
    return end if math.hypot(end[0] - x, end[1] - y) > away else None


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _svg(width: int, height: int, title: str, body: list[str], kind: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="decomkit-chart" data-chart="{kind}" '
            f'role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'font-family="Noto Sans CJK SC, sans-serif" font-size="{FONT}">'
            f'<title>{_esc(title)}</title>{"".join(body)}</svg>')


def _ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top``."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if m * step >= raw)
    return [step * i for i in range(math.ceil(top / step) + 1)]


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:g}"


def _legend(items: list[tuple[str, str]], x: float, y: float) -> tuple[list[str], Box]:
    body, width = [], 0.0
    for i, (label, colour) in enumerate(items):
        body.append(f'<rect x="{x:.1f}" y="{y + 16 * i:.1f}" width="10" height="10" '
                    f'fill="{colour}"/><text x="{x + 14:.1f}" y="{y + 16 * i + 9:.1f}">'
                    f"{_esc(label)}</text>")
        width = max(width, 14 + text_width(label))
    return body, (x, y, width, 16.0 * len(items))


def score_histogram(portfolio: pd.DataFrame, thresholds: Thresholds,
                    language: Language = "zh") -> str:
    """Apps per 5-point score bin, by recommendation, with the two thresholds."""
    W, H, L, R, T, B = 720, 260, 48, 150, 12, 40
    pw, ph = W - L - R, H - T - B
    scores = portfolio["score"].to_numpy(dtype=float)
    bins = np.clip((scores // 5).astype(int), 0, 19)
    counts = {d: np.bincount(bins[(portfolio["recommendation"] == d).to_numpy()], minlength=20)
              for d in DECISION_COLOURS}
    totals = np.sum(list(counts.values()), axis=0)
    ticks = _ticks(float(max(totals.max(), 1)))
    top = ticks[-1]
    body = []
    for v in ticks:
        y = T + ph - ph * v / top
        body.append(f'<line x1="{L}" x2="{L + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
                    f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(v)}</text>')
    bar = pw / 20
    below = np.zeros(20)
    for decision, colour in DECISION_COLOURS.items():
        for i in np.flatnonzero(counts[decision]):
            n = counts[decision][i]
            y = T + ph - ph * (below[i] + n) / top
            body.append(f'<rect x="{L + i * bar + 1:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" '
                        f'height="{ph * n / top:.1f}" fill="{colour}"/>')
        below += counts[decision]
    for limit in (thresholds.keep, thresholds.retire):
        x = L + pw * limit / 100
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{T}" y2="{T + ph}" stroke="grey" '
                    'stroke-dasharray="4 3"/>')
    for v in range(0, 101, 20):
        body.append(f'<text x="{L + pw * v / 100:.1f}" y="{T + ph + 16}" '
                    f'text-anchor="middle">{v}</text>')
    body.append(f'<line x1="{L}" x2="{L + pw}" y1="{T + ph}" y2="{T + ph}" stroke="#333"/>')
    body.append(f'<text x="{L + pw / 2:.1f}" y="{H - 6}" text-anchor="middle">'
                f'{_esc(t("chart.score", language))}</text>')
    body.append(f'<text transform="translate(12 {T + ph / 2:.1f}) rotate(-90)" '
                f'text-anchor="middle">{_esc(t("chart.apps", language))}</text>')
    legend, _ = _legend([(f"{t(f'decision.{d}', language)} ({int(counts[d].sum())})", c)
                         for d, c in DECISION_COLOURS.items()], L + pw + 16, T + 4)
    return _svg(W, H, t("chart.score", language), body + legend, "scores")


def _symlog(x: np.ndarray, linthresh: float = 10.0) -> np.ndarray:
    """The axis of the static chart: linear up to ``linthresh``, logarithmic beyond."""
    x = np.maximum(x, 0.0)
    with np.errstate(divide="ignore"):
        return np.where(x <= linthresh, x / linthresh, 1 + np.log10(np.maximum(x, 1e-12)
                                                                      / linthresh))


def _dots(xs: np.ndarray, ys: np.ndarray, radii: np.ndarray, colour: str) -> list[str]:
    """Dots as round caps of zero-length strokes, one path per size (radii to a quarter of a
    pixel): a quadrant's dots are a few elements for the browser to parse and lay out on every
    slider move, not one per app."""
    sizes = np.round(radii * 4) / 4
    return [f'<path class="dots" stroke="{colour}" stroke-opacity="0.8" stroke-linecap="round" '
            f'stroke-width="{2 * size:.1f}" d="'
            + "".join(f"M{x:.1f} {y:.1f}h0" for x, y in zip(xs[sizes == size], ys[sizes == size],
                                                           strict=True)) + '"/>'
            for size in np.unique(sizes)]


def cost_usage_scatter(portfolio: pd.DataFrame, language: Language = "zh",
                       label_top: int = 10) -> str:
    """Annual cost against active users (users on a log scale beyond 10), one dot per app
    coloured by TIME quadrant and sized by score; the ``label_top`` highest scores named."""
    W, H, L, R, T, B = 760, 440, 64, 160, 12, 44
    pw, ph = W - L - R, H - T - B
    shown = portfolio[portfolio["quadrant"].isin(list(QUADRANT_COLOURS))]
    shown = shown[shown["mau_recent"].notna() & shown["annual_cost"].notna()]
    users = shown["mau_recent"].to_numpy(dtype=float)
    cost = shown["annual_cost"].to_numpy(dtype=float)
    xs = _symlog(users)
    x_top = max(float(xs.max()) if len(xs) else 1.0, 1.0) * 1.05
    y_ticks = _ticks(max(float(cost.max()) if len(cost) else 1.0, 1.0))
    y_top = y_ticks[-1]
    px = L + pw * xs / x_top
    py = T + ph - ph * cost / y_top
    radius = np.sqrt(40 + shown["score"].to_numpy(dtype=float) * 3) / 2
    body = []
    for v in y_ticks:
        y = T + ph - ph * v / y_top
        body.append(f'<line x1="{L}" x2="{L + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
                    f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(v)}</text>')
    x_marks = [0.0, 10.0] + [10.0 ** k for k in range(2, 8)]
    for v in x_marks:
        x = L + pw * float(_symlog(np.array([v]))[0]) / x_top
        if x <= L + pw:
            body.append(f'<text x="{x:.1f}" y="{T + ph + 16}" text-anchor="middle">'
                        f'{_number(v)}</text>')
    body.append(f'<line x1="{L}" x2="{L + pw}" y1="{T + ph}" y2="{T + ph}" stroke="#333"/>'
                f'<line x1="{L}" x2="{L}" y1="{T}" y2="{T + ph}" stroke="#333"/>')
    quadrants = shown["quadrant"].to_numpy()
    for quadrant, colour in QUADRANT_COLOURS.items():
        here = quadrants == quadrant
        body.extend(_dots(px[here], py[here], radius[here], colour))
    legend, legend_box = _legend(
        [(f"{t(f'quadrant.{q}', language)} ({int((quadrants == q).sum())})", c)
         for q, c in QUADRANT_COLOURS.items()], L + pw + 16, T + 4)
    named = shown.head(label_top)
    names = [str(n) for n in named["name"]]
    anchors = list(zip(px[:len(named)], py[:len(named)], strict=True))
    boxes = place_labels(anchors, [(text_width(n), FONT + 2.0) for n in names],
                         (L, T, pw, ph), [legend_box])
    for name, (x, y), (bx, by, bw, bh) in zip(names, anchors, boxes, strict=True):
        if end := leader((x, y), (bx, by, bw, bh)):
            body.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{end[0]:.1f}" y2="{end[1]:.1f}" '
                        'stroke="#888" stroke-width="0.8"/>')
        body.append(f'<text class="label" x="{bx:.1f}" y="{by + bh - 3:.1f}">{_esc(name)}</text>')
    body.append(f'<text x="{L + pw / 2:.1f}" y="{H - 6}" text-anchor="middle">'
                f'{_esc(t("chart.active_users", language))}</text>')
    body.append(f'<text transform="translate(12 {T + ph / 2:.1f}) rotate(-90)" '
                f'text-anchor="middle">{_esc(t("chart.annual_cost", language))}</text>')
    return _svg(W, H, t("chart.annual_cost", language), body + legend, "cost_usage")


def contributions_bar(assessment: Assessment, thresholds: Thresholds,
                      language: Language = "zh") -> str:
    """One app's score as a stacked bar of its factors' points, with the two thresholds."""
    W, L, R = 720, 16, 16
    pw = W - L - R
    body, left = [], 0.0
    items = []
    for factor, colour in zip(FACTORS, FACTOR_COLOURS, strict=True):
        value = float(assessment.contributions[factor])
        if value > 0:
            body.append(f'<rect x="{L + pw * left / 100:.1f}" y="28" '
                        f'width="{pw * value / 100:.1f}" height="26" fill="{colour}"/>')
        left += value
        items.append((f"{t(f'factor.{factor}', language)} {value:.1f}", colour))
    for limit, colour in ((thresholds.keep, DECISION_COLOURS["keep"]),
                          (thresholds.retire, DECISION_COLOURS["retire"])):
        x = L + pw * limit / 100
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="22" y2="60" stroke="{colour}" '
                    'stroke-width="1.5" stroke-dasharray="4 3"/>')
    decision = t(f"decision.{assessment.recommendation}", language)
    title = (f"{assessment.name}: {t('chart.score', language)} {assessment.score:.1f} → "
             f"{decision}")
    body.append(f'<text x="{L}" y="16" font-weight="bold">{_esc(title)}</text>')
    x, y = float(L), 76.0
    for label, colour in items:  # the legend, wrapped onto a second line when it is long
        if x + 14 + text_width(label) > W - R:
            x, y = float(L), y + 18
        body.append(f'<rect x="{x:.1f}" y="{y:.0f}" width="10" height="10" fill="{colour}"/>'
                    f'<text x="{x + 14:.1f}" y="{y + 9:.0f}">{_esc(label)}</text>')
        x += 24 + text_width(label)
    return _svg(W, int(y) + 24, title, body, "contributions")
