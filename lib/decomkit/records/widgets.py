"""JupyterLab controls. Each one is the twin of a notebook parameter: its starting value is the
parameter's, so an untouched widget gives exactly what Papermill gives.

The explorers show what they draw in ``HTML`` widgets whose value they set on each slider move
(the table and light SVG charts of :mod:`decomkit.views.live`): the page redraws only the parts
that changed, and no ``Output`` is involved. An ``Output`` is filled while a cell runs only
through ``fill_output`` (its ``outputs`` set once), never by ``display()`` inside ``with
output:``. Under Voila and Papermill, nbclient stands in for the Output widget: each captured
display makes it send an update to the kernel on the shell socket while it waits there for the
cell's reply, and a reply arriving during that send can lose its wake-up, so the page never
finishes (docs/upstream-output-widget-hang.md). Button callbacks run after the cell, in the
browser's widget manager, and may capture as usual.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from decomkit.analysis.assess import (
    FACTORS,
    assess_app,
    contributions,
    portfolio_metrics,
    pressures,
    recommendations,
    score_table,
    time_quadrants,
)
from decomkit.analysis.watch import retired_apps
from decomkit.context.stage import Stage
from decomkit.core.config import Thresholds, Weights
from decomkit.core.errors import DecomkitError
from decomkit.core.files import atomic_write_bytes
from decomkit.core.i18n import Language, t
from decomkit.core.present import table_html, table_text, term
from decomkit.core.said import in_language
from decomkit.core.text import drawn_text
from decomkit.custody.verify import verify_backup
from decomkit.lifecycle.backup import run_backup
from decomkit.lifecycle.console import confirm_step, confirmed_line
from decomkit.lifecycle.review import record_review
from decomkit.records.console import ConsoleSteps
from decomkit.records.display import show, show_markdown
from decomkit.views import charts, live

if TYPE_CHECKING:
    # ipywidgets loads when a control is built, not with this module (as charts does with
    # matplotlib): a notebook imports everything in its first cell, and the dashboard's first
    # cells, up to its headline, stay light.
    import ipywidgets as w


def fill_output(output: w.Output, items: list) -> None:
    """Replace what ``output`` shows with ``items`` in one state update, without capturing
    display calls: figures as PNG, tables as people read them (``present``), anything else
    through IPython's formatters."""
    from IPython.core.formatters import DisplayFormatter
    from IPython.display import Image

    formatter = DisplayFormatter()
    bundles = []
    for item in items:
        if isinstance(item, pd.DataFrame):
            data, metadata = {"text/html": table_html(item), "text/plain": table_text(item)}, {}
        else:
            shown = Image(data=charts.png(item), format="png") if hasattr(item, "savefig") else item
            data, metadata = formatter.format(shown)
        bundles.append({"output_type": "display_data", "data": data, "metadata": metadata})
    output.outputs = tuple(bundles)


def weight_sliders(weights: Weights, language: Language) -> dict[str, w.FloatSlider]:
    import ipywidgets as w

    return {f: w.FloatSlider(value=getattr(weights, f), min=0.0, max=1.0, step=0.05,
                             description=t(f"factor.{f}", language),
                             style={"description_width": "initial"},
                             continuous_update=False) for f in FACTORS}


def as_html(item) -> str:
    """What an explorer shows, as HTML: a table as people read it (``present``), a light chart
    (SVG text) as is, an IPython display object as its HTML."""
    if isinstance(item, pd.DataFrame):
        return table_html(item)
    if isinstance(item, str):
        return item
    return str(item._repr_html_())


class _Explorer:
    """Sliders for the weights, redrawing ``render`` into HTML panes on every change: each pane
    keeps its widget and gets a new value only when what it shows changed."""

    def __init__(self, metrics: pd.DataFrame, weights: Weights, thresholds: Thresholds,
                 language: Language):
        import ipywidgets as w

        self.metrics, self.thresholds, self.language = metrics, thresholds, language
        self.pressure = pressures(metrics)
        self.sliders = weight_sliders(weights, language)
        self.panes: list[w.HTML] = []
        for slider in self.sliders.values():
            slider.observe(lambda _change: self.refresh(), names="value")
        self.view = w.VBox([])
        self.view.add_class("decomkit-live")
        self.widget = w.VBox([w.HBox(list(self.sliders.values())[:3]),
                              w.HBox(list(self.sliders.values())[3:]), self.view])
        self.widget.add_class("decomkit-explorer")  # CSS hooks for the browser tests
        self.refresh()

    @property
    def weights(self) -> Weights:
        total = sum(s.value for s in self.sliders.values())
        values = {f: s.value for f, s in self.sliders.items()}
        if total <= 0:  # all sliders at zero: fall back to equal weights rather than fail
            values = dict.fromkeys(FACTORS, 1.0)
        return Weights(**values)

    @property
    def table(self) -> pd.DataFrame:
        return score_table(self.metrics, self.pressure, self.weights, self.thresholds)

    def refresh(self) -> None:
        self.shown = self.render()  # kept so tests can see what was last drawn
        values = [as_html(item) for item in self.shown]
        if len(values) != len(self.panes):
            import ipywidgets as w

            self.panes = [w.HTML(value) for value in values]
            self.view.children = tuple(self.panes)
            return
        for pane, value in zip(self.panes, values, strict=True):
            if pane.value != value:  # draw only what changed
                pane.value = value

    def render(self) -> list:
        raise NotImplementedError


class PortfolioExplorer(_Explorer):
    """Weights → the score of every app, its distribution and the TIME scatter, live."""

    @cached_property
    def _unweighted(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """What does not move with the weights, found once: the columns drawn with each app's
        quadrant, and the pressures, both in name order (names as plain text), so that a stable
        sort by score keeps equal scores in name order as ``score_table`` does."""
        base = self.metrics[["name", "mau_recent", "annual_cost"]].assign(
            quadrant=time_quadrants(self.pressure))
        base = base.sort_values("name", kind="stable").astype({"name": object})
        return base, self.pressure.loc[base.index]

    @property
    def scores(self) -> pd.DataFrame:
        """What the explorer draws, and only that: the scores as ``score_table`` gives them,
        without joining every metric to them on each move."""
        base, pressure = self._unweighted
        score = contributions(pressure, self.weights).sum(axis=1).round(1)
        table = base.assign(score=score, recommendation=recommendations(score, self.thresholds))
        return table.sort_values("score", ascending=False, kind="stable")

    def render(self) -> list:
        table = self.scores
        return [table[["name", "score", "recommendation", "quadrant"]].head(15),
                live.score_histogram(table, self.thresholds, self.language),
                live.cost_usage_scatter(table, self.language)]


class AssessmentExplorer(_Explorer):
    """Weights → one app's score, its factor contributions and the recommendation, live."""

    def __init__(self, app_id: str, *args, **kwargs):
        self.app_id = app_id
        super().__init__(*args, **kwargs)

    @property
    def assessment(self):
        return assess_app(self.table, self.app_id, self.language)

    def render(self) -> list:
        a = self.assessment
        label = (f"<b>{html.escape(a.name)}</b>: {a.score:.1f} → "
                 f"<b>{html.escape(t(f'decision.{a.recommendation}', self.language))}</b>")
        return [label, live.contributions_bar(a, self.thresholds, self.language)]


def portfolio_explorer(stage: Stage) -> PortfolioExplorer:
    """The live apps under the sliders: a retired app is never scored as if live."""
    metrics = portfolio_metrics(stage.inventory, stage.as_of, stage.usage, stage.log_end)
    return PortfolioExplorer(metrics.drop(index=list(retired_apps(stage) & set(metrics.index))),
                             stage.weights, stage.thresholds, stage.language)


def assessment_explorer(stage: Stage, app_id: str) -> AssessmentExplorer:
    return AssessmentExplorer(app_id, portfolio_metrics(stage.inventory, stage.as_of,
                                                        stage.usage, stage.log_end),
                              stage.weights, stage.thresholds, stage.language)


def show_explorer(stage: Stage) -> None:
    """The portfolio's weight sliders, shown (JupyterLab, the dashboard)."""
    show(portfolio_explorer(stage).widget)


class DatasetPicker:
    """Checkboxes for the datasets to back up (the twin of the ``datasets`` parameter) and a
    button that backs them up and verifies the copy, with progress bars."""

    def __init__(self, stage: Stage, app_id: str, names: list[str], selected: list[str]):
        import ipywidgets as w

        self.boxes = {n: w.Checkbox(value=not selected or n in selected, description=n)
                      for n in names}
        self.button = w.Button(description=t("backup.select", stage.language),
                               button_style="primary")
        self.output = w.Output()

        def back_up(_button) -> None:
            with self.output:
                run_backup(stage.workspace, app_id, self.selected, actor=stage.analyst,
                           progress=True)
                report = verify_backup(stage.workspace, app_id, actor=stage.analyst,
                                       progress=True)
                print(t("show.verified", stage.language) if report.ok else "\n".join(
                    in_language(p, stage.language) for p in report.problems))

        self.button.on_click(back_up)
        self.button.add_class("decomkit-backup")
        self.widget = w.VBox([*self.boxes.values(), self.button, self.output])

    @property
    def selected(self) -> list[str]:
        return [n for n, box in self.boxes.items() if box.value]


class GuardedAction:
    """A text field and a button that stays disabled until the text equals the app id; the
    twin of the ``confirm`` parameter. Pressing it runs ``action(confirm)`` inside ``console``
    (``records.console``): a console step it meets is shown as its step card, and an error the
    kit raises on purpose as one message in ``language`` — never a traceback from the button's
    callback."""

    def __init__(self, app_id: str, label: str, action, console: ConsoleSteps | None = None,
                 language: Language = "zh"):
        import ipywidgets as w

        self.app_id = app_id
        self.text = w.Text(placeholder=app_id, description=t("label.confirm_field", language))
        self.button = w.Button(description=label, button_style="danger", disabled=True)
        self.output = w.Output()
        self.result = None
        self.said = ""  # the refusal, as its reader read it

        def on_text(change) -> None:
            self.button.disabled = change["new"] != app_id

        def on_click(_button) -> None:
            with self.output:
                self.press(action, console, language)

        self.text.observe(on_text, names="value")
        self.button.on_click(on_click)
        self.text.add_class("decomkit-confirm")
        self.button.add_class("decomkit-guarded")
        self.widget = w.VBox([w.HBox([self.text, self.button]), self.output])

    def press(self, action, console: ConsoleSteps | None, language: Language) -> None:
        """What the button does: the action, its step card or refusal, or its steps."""
        self.result, self.said = None, ""
        try:
            with console if console is not None else contextlib.nullcontext():
                self.result = action(self.text.value)
        except DecomkitError as exc:  # a refusal: one message in the reader's language
            self.said = exc.in_language(language)
            show_markdown(html.escape(self.said))
            return
        if self.result is None:  # stopped at a console step: its card is shown above
            return
        if hasattr(self.result, "table"):
            show(self.result.table(language))
        else:
            print(self.result)


class EvidenceUpload:
    """Confirm a console step done by hand: its key, who did it, and an uploaded screenshot
    (the twin of the ``step_done``, ``done_by`` and ``evidence`` parameters). The upload is kept
    under ``evidence/`` by its SHA-256, so a file of the same name never replaces the proof of
    an earlier step."""

    def __init__(self, stage: Stage):
        import ipywidgets as w

        lang = stage.language
        self.key = w.Text(description=t("label.step", lang))
        self.who = w.Text(description=t("label.done_by", lang))
        self.upload = w.FileUpload(description=t("label.evidence", lang), multiple=False)
        self.output = w.Output()

        def on_upload(change) -> None:
            if not change["new"]:
                return
            item = change["new"][0]
            data = bytes(item["content"])
            name = drawn_text(Path(str(item["name"])).name)  # one part, what it draws
            path = stage.workspace.root / "evidence" / \
                f"{hashlib.sha256(data).hexdigest()[:16]}-{name or 'evidence'}"
            with self.output:
                try:
                    if not path.exists():
                        atomic_write_bytes(path, data)
                    step = confirm_step(stage.workspace, self.key.value, self.who.value, path)
                except DecomkitError as exc:  # a refusal: one message in the reader's language
                    show_markdown(html.escape(exc.in_language(lang)))
                    return
                show_markdown(html.escape(confirmed_line(self.key.value, step, lang)))

        self.upload.observe(on_upload, names="value")
        self.widget = w.VBox([self.key, self.who, self.upload, self.output])


class LessonsForm:
    """Text areas for the lessons learned (twins of the notebook's lesson parameters) and a
    button that records the review with them."""

    def __init__(self, stage: Stage, review, safety, lessons: dict[str, str]):
        import ipywidgets as w

        lang = stage.language
        self.fields = {k: w.Textarea(value=v, description=t(f"lesson.{k}", lang),
                                     layout={"width": "90%"},
                                     style={"description_width": "initial"})
                       for k, v in lessons.items()}
        self.button = w.Button(description=t("label.record_review", lang))
        self.output = w.Output()

        def on_click(_button) -> None:
            with self.output:
                try:
                    event = record_review(stage, review, safety, {k: f.value for k, f in
                                                                  self.fields.items()})
                except DecomkitError as exc:
                    show_markdown(html.escape(exc.in_language(lang)))
                    return
                show_markdown(html.escape(t("show.review_recorded", lang, app=review.app_id,
                                            state=term(event.state or "", lang))))

        self.button.on_click(on_click)
        self.widget = w.VBox([*self.fields.values(), self.button, self.output])
