"""The two decision stages: score the portfolio (00), assess one app and record a decision (01)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from decomkit.analysis.assess import (
    Assessment,
    assess_app,
    quadrant_note,
    score_portfolio,
    usage_label,
)
from decomkit.analysis.contracts import ExitPlan, app_exit_plan
from decomkit.analysis.impact import Impact, assess_impact
from decomkit.analysis.preflight import Check, Readiness, open_documents, preflight
from decomkit.analysis.watch import set_aside, watch_retired
from decomkit.context.stage import Stage
from decomkit.core.i18n import t
from decomkit.core.present import Audience, sheet_frame
from decomkit.core.said import refusal, said
from decomkit.core.sinks import write_csv, write_xlsx
from decomkit.core.text import drawn_text
from decomkit.inventory.tables import Inventory
from decomkit.inventory.usage import usage_counts
from decomkit.lifecycle.authority import readiness_now
from decomkit.platforms.dingtalk_imported import ImportedReads, assessment_reads
from decomkit.proof.gates import DECISIONS, MIN_OVERRIDE_REASON
from decomkit.proof.ledger import Event
from decomkit.views import charts
from decomkit.views.trail import app_summary, app_trail

if TYPE_CHECKING:  # matplotlib loads when a chart is drawn, not with this module
    from matplotlib.figure import Figure

CANDIDATE_COLUMNS = ["app_id", "name", "score", "recommendation", "quadrant", "quadrant_note",
                     "annual_cost", "usage", "mau_recent", "days_idle", "log_end"]
REFRESHABLE = ("new", "assessed")  # a portfolio run never undoes a decision
UNDECIDED = ("new", "assessed", "decided")  # past these, an app's decision is being carried out


@dataclass(frozen=True)
class PortfolioRun:
    table: pd.DataFrame
    candidates: pd.DataFrame
    figures: dict[str, Figure]  # "scores", "cost_usage"
    files: tuple[Path, ...]  # candidates.csv, candidates.xlsx; none when not recorded
    recorded: tuple[str, ...]  # apps whose 'assessed' state was written


def write_candidates(stage: Stage, candidates: pd.DataFrame) -> tuple[Path, Path]:
    """``candidates.csv`` (UTF-8 with BOM, so Excel shows Chinese; ids as they are, the batch
    reads it) and ``candidates.xlsx`` (for people: headers and values in their language)."""
    root = stage.workspace.root
    return (write_csv(root / "candidates.csv", candidates),
            write_xlsx(root / "candidates.xlsx", {t("sheet.candidates", stage.language):
                                                  sheet_frame(candidates, stage.language)}))


def run_portfolio(stage: Stage, record: bool = True) -> PortfolioRun:
    """Score every app and draw the charts; then, with ``record``, write the candidate list
    and mark unassessed apps 'assessed'. Everything that can fail runs before anything is
    written, and ``record=False`` (the dashboard) writes nothing at all.

    An app past its decision (backed up, approved, disabled, reviewed …) is not a candidate:
    it is not scored again against a decision that is being, or was, carried out. A retired
    app (past its disable) has no score at all in the table: its recommendation is
    ``retired`` and its use is what the watch found after the disable (``watch.set_aside``)."""
    table = score_portfolio(stage.inventory, stage.weights, stage.thresholds, stage.as_of,
                            stage.usage, stage.log_end)
    rows = table.to_dict("records")  # plain dicts: a pandas row per app costs more than its label
    table["usage"] = [usage_label(row, stage.language) for row in rows]
    table["quadrant_note"] = [quadrant_note(row, stage.language) for row in rows]
    # A retired app is not scored as if live: its row says what the watch found since.
    table = set_aside(table, watch_retired(stage), stage.language)
    gone = stage.inventory.apps.set_index("app_id")["gone_since"].notna()
    live = table[~gone.reindex(table.index, fill_value=False)]  # gone from the platform already
    with stage.workspace.ledger() as ledger:
        states = ledger.states()
    open_case = live.index.map(lambda app: states.get(app, "new") in UNDECIDED)
    candidates = (live[live["recommendation"].isin(["retire", "review"]) & open_case]
                  .reset_index()[CANDIDATE_COLUMNS].round(2))
    figures = {"scores": charts.score_histogram(table, stage.thresholds, stage.language),
               "cost_usage": charts.cost_usage_scatter(table, stage.language)}
    for figure in figures.values():
        charts.png(figure)  # drawn now: a chart that cannot be drawn fails before any write
    if not record:
        return PortfolioRun(table, candidates, figures, (), ())
    files = write_candidates(stage, candidates)
    recorded = []
    with stage.workspace.ledger() as ledger:
        states = ledger.states()
        for app_id, row in table.iterrows():
            if states.get(app_id, "new") in REFRESHABLE:
                ledger.transition(app_id, "assessed", stage.analyst, {
                    "stage": "portfolio", "score": float(row["score"]),
                    "recommendation": row["recommendation"], "quadrant": row["quadrant"],
                    "as_of": stage.as_of.isoformat()})
                recorded.append(app_id)
    return PortfolioRun(table, candidates, figures, files, tuple(recorded))


@dataclass(frozen=True)
class AppAssessment:
    assessment: Assessment
    impact: Impact
    plan: ExitPlan
    checks: list[Check]
    mau: pd.Series  # monthly active users over the analysis months
    readiness: Readiness | None = None  # who cannot open the replacement (None: names none)


def run_assessment(stage: Stage, app_id: str) -> AppAssessment:
    """Score, impact, licence plan and preflight of one app (one pass over its usage). It
    reads the app's rows (the stage's own when it was opened for the app)."""
    whole = stage.app_id == app_id and stage.inventory.read >= set(Inventory.names())
    inventory = stage.inventory if whole else stage.snapshot.inventory(app_id=app_id)
    counts = usage_counts(inventory, stage.as_of)
    table = score_portfolio(inventory, stage.weights, stage.thresholds, stage.as_of, counts,
                            stage.log_end)
    assessment = assess_app(table, app_id, stage.language)
    monthly_cost = float(table.loc[app_id, "monthly_cost"])
    plan = app_exit_plan(inventory, app_id, stage.as_of, monthly_cost, stage.language)
    # scopes and admins from a fresh DingTalk import when there is one (no metered call)
    reads, _ = assessment_reads(stage.workspace, stage.platform)
    readiness = readiness_now(stage.workspace, app_id, reads)
    checks = preflight(reads, inventory, app_id, stage.analyst, plan,
                       stage.language, open_documents(stage.workspace, app_id,
                                                      language=stage.language), readiness)
    if isinstance(reads, ImportedReads) and reads.used:  # say where they were read, and when
        checks.append(Check("source", "ok", t(
            "check.source.imported", stage.language, day=reads.access.on.isoformat(),
            days=stage.workspace.config.dingtalk.imported_fresh_days)))
    mau = counts[0].loc[app_id]
    if not assessment.metrics["usage_known"]:
        mau = mau.astype(float) * float("nan")  # no source: unknown, not zero
    return AppAssessment(assessment, assess_impact(inventory, app_id, stage.as_of,
                                                   stage.language), plan, checks, mau,
                         readiness)


def record_decision(stage: Stage, result: AppAssessment, decision: str = "",
                    override_reason: str = "") -> Event | None:
    """Write the assessment and the decision to the ledger.

    The decision is the recommendation unless ``decision`` says otherwise, which needs a written
    ``override_reason``. An app already past its decision keeps it: the existing decision is
    returned and nothing is written (None if it went past without one: a backup made by
    override before any decision).
    """
    a = result.assessment
    chosen = decision or a.recommendation
    if chosen not in DECISIONS:
        raise refusal(a.app_id, said("life.verb.decide"), said(
            "life.decision_unknown", choices=", ".join(DECISIONS), got=repr(chosen),
            zh_choices="、".join(f"'{d}'" for d in DECISIONS)))
    if chosen != a.recommendation and len(drawn_text(override_reason)) < MIN_OVERRIDE_REASON:
        raise refusal(a.app_id, said("life.verb.record_choice", chosen=chosen,
                                      label=said(f"decision.{chosen}")),
                       said("life.override_needed", recommendation=a.recommendation,
                            label=said(f"decision.{a.recommendation}"), least=MIN_OVERRIDE_REASON))
    with stage.workspace.ledger() as ledger:
        if ledger.state(a.app_id) not in (*REFRESHABLE, "decided"):
            return ledger.last(a.app_id, "decided")
        ledger.transition(a.app_id, "assessed", stage.analyst, {
            "stage": "assess", "as_of": stage.as_of.isoformat(), **a.summary(),
            "weights": stage.weights.model_dump(), "thresholds": stage.thresholds.model_dump(),
            "impact": result.impact.summary(), "licence": result.plan.summary(),
            "preflight": [asdict(c) for c in result.checks]})
        data = {"decision": chosen, "recommendation": a.recommendation, "score": a.score,
                "reasons": a.reasons, "analyst": stage.analyst}
        if chosen != a.recommendation:
            data["override_reason"] = override_reason.strip()
        return ledger.transition(a.app_id, "decided", stage.analyst, data)


@dataclass(frozen=True)
class AppHistory:
    """What happened to an app past its decision: shown instead of a new assessment."""

    summary: object  # decomkit.views.trail.Summary
    trail: list  # decomkit.views.trail.TrailEntry, oldest first


def decided_history(stage: Stage, app_id: str) -> AppHistory | None:
    """The summary and trail of ``app_id`` when its decision is being or was carried out
    (past 'decided'); None while it is open to assessment."""
    with stage.workspace.ledger() as ledger:
        state = ledger.state(app_id)
    if state in UNDECIDED:
        return None
    who = Audience(stage.language, stage.workspace.config.timezone)
    name = stage.inventory.app_name(app_id)
    return AppHistory(app_summary(stage.workspace, app_id, name, who),
                      app_trail(stage.workspace, app_id, who))
