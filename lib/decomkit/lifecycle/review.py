"""After the disable (停用指南 stages 八 evaluate, 九 lessons): did it save what was projected,
did the business keep flowing, are people satisfied, is the data still safe — and what did we learn.

Savings are counted over one named period, the same for both figures: the full calendar months
after the month of the disable, up to the last full month before ``as_of`` (``Review.period``).
realized = Σ (baseline − actual monthly cost) − penalty − migration, where the baseline is the
mean monthly cost of the 3 full months before the disable; projected = the monthly cost the
decision expected to save × the same months − penalty − migration (from the assessment's
licence plan). An app under a contract saves nothing until its vendor is told: its realized
savings count only the months from the recorded vendor exit's date (``vendor.vendor_exit``);
without one, none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from decomkit.analysis.contracts import contract_deadline
from decomkit.analysis.watch import (
    RETIRED_STATES,
    Reach,
    RetiredWatch,
    platform_status,
    scope_text,
    watch_retired,
    who_can_open,
)
from decomkit.context.stage import Stage
from decomkit.core.errors import PlatformError
from decomkit.core.i18n import Language, t
from decomkit.core.present import to_local
from decomkit.core.said import in_language, refused
from decomkit.custody.verify import verify_backup
from decomkit.lifecycle.vendor import vendor_exit
from decomkit.platforms import AppInfo, Scope
from decomkit.proof.ledger import Event

BASELINE_MONTHS = 3
RETIRED = RETIRED_STATES  # past the disable


@dataclass(frozen=True)
class Review:
    app_id: str
    name: str
    disabled_on: dt.date
    too_early: bool
    meaningful_from: dt.date  # when the first full month after the disable is over
    costs: pd.DataFrame  # month, cost, phase (before/after)
    savings: pd.DataFrame  # month, realized (cumulative), projected (cumulative)
    baseline: float
    penalty: float
    migration: float
    incidents_after: pd.DataFrame
    survey_after: pd.DataFrame
    survey_by_department: pd.DataFrame
    score_before: float | None
    score_after: float | None
    contract_id: str | None = None  # the app's contract, when it has one
    vendor_exit: dict | None = None  # the record that its vendor was told (vendor_notified)

    @property
    def period(self) -> tuple[str, str, int]:
        """The months both savings figures cover: first, last, how many."""
        months = list(self.savings["month"])
        return (months[0], months[-1], len(months)) if months else ("", "", 0)

    def period_text(self, language: Language = "zh") -> str:
        first, last, n = self.period
        if not n:
            return ""
        return t("review.period", language, first=first, last=last, n=n)

    @property
    def awaiting_vendor(self) -> bool:
        """Under a contract whose vendor has not been told: nothing realized is counted."""
        return self.contract_id is not None and self.vendor_exit is None

    def basis(self, language: Language = "zh") -> str:
        """Why the realized figure counts what it counts, in a sentence ("" without a
        contract)."""
        if self.contract_id is None:
            return ""
        if self.vendor_exit is None:
            return t("review.vendor_not_told", language, contract=self.contract_id)
        if self.vendor_exit.get("ended"):
            return t("review.contract_ended", language, contract=self.contract_id,
                     end=self.vendor_exit["effective_date"])
        return t("review.vendor_told", language, contract=self.contract_id,
                 on=self.vendor_exit.get("notified_on", ""),
                 effective=self.vendor_exit.get("effective_date", ""))

    @property
    def realized(self) -> float:
        return float(self.savings["realized"].iloc[-1]) if len(self.savings) else 0.0

    @property
    def projected(self) -> float:
        return float(self.savings["projected"].iloc[-1]) if len(self.savings) else 0.0

    def summary(self) -> dict:
        first, last, n = self.period
        return {"disabled_on": self.disabled_on.isoformat(), "too_early": self.too_early,
                "realized": round(self.realized, 2), "projected": round(self.projected, 2),
                "period": {"first": first, "last": last, "months": n},
                "contract_id": self.contract_id,
                "vendor_notified": (self.vendor_exit or {}).get("notified_on"),
                "incidents_after": len(self.incidents_after),
                "survey_after": len(self.survey_after), "score_before": self.score_before,
                "score_after": self.score_after}


def review_opens(disabled_on: dt.date) -> dt.date:
    """The day the review means something: the first full month after the disable's month
    is over (the review window opens; ``decomkit tick`` prompts it that day)."""
    return (pd.Period(disabled_on, "M") + 2).to_timestamp().date()


def _monthly_costs(stage: Stage, app_id: str) -> pd.Series:
    costs = stage.inventory.costs
    costs = costs[costs["app_id"] == app_id]
    return costs.groupby(costs["month"].dt.to_period("M"))["amount"].sum().astype(float)


def _contract(stage: Stage, app_id: str) -> dict | None:
    contracts = stage.inventory.contracts
    mine = contracts[contracts["app_id"] == app_id].sort_values("renewal_date")
    return mine.iloc[-1].to_dict() if len(mine) else None


def review_app(stage: Stage, app_id: str) -> Review:
    contract = _contract(stage, app_id)
    contract_id = str(contract["contract_id"]) if contract else None
    with stage.workspace.ledger() as ledger:
        disabled = ledger.last(app_id, "disabled")
        assessed = ledger.last(app_id, "assessed")
        told = vendor_exit(ledger, app_id, contract_id) if contract_id else None
    if contract is not None and told is None and contract_deadline(contract, stage.as_of) is None:
        # it did not renew and has ended: the exit happened by itself, on its end date
        told = {"ended": True, "contract_id": contract_id, "effective_date":
                pd.Timestamp(contract["renewal_date"]).date().isoformat()}
    if disabled is None:
        raise refused(app_id, "review", "err.not_disabled")
    # The day it was disabled where the organisation is (the ledger keeps UTC).
    disabled_at = to_local(disabled.ts, stage.workspace.config.timezone)
    if disabled_at is None:  # never: the ledger writes ISO times
        raise refused(app_id, "review", "life.disable_time_unreadable", time=repr(disabled.ts))
    disabled_on = disabled_at.date()
    off_month = pd.Period(disabled_on, "M")
    last_full = pd.Period(stage.as_of, "M") - 1
    after = pd.period_range(off_month + 1, last_full, freq="M") if last_full > off_month else \
        pd.PeriodIndex([], freq="M")
    before = pd.period_range(off_month - BASELINE_MONTHS, off_month - 1, freq="M")
    monthly = _monthly_costs(stage, app_id)
    baseline = float(monthly.reindex(before, fill_value=0.0).mean())
    actual = monthly.reindex(after, fill_value=0.0)
    licence = (assessed.data.get("licence") or {}) if assessed else {}
    penalty = float(licence.get("penalty") or 0.0)
    migration = float(licence.get("migration_cost") or 0.0)
    expected = float(licence.get("monthly_cost") or baseline)
    months = range(1, len(after) + 1)
    saved = baseline - actual
    if contract_id is not None:  # the licence runs until the vendor exit takes effect
        start = pd.Timestamp(told["effective_date"]) if told else None
        counted = [start is not None and p.start_time >= start for p in after]
        saved = saved.where(counted, 0.0)
    savings = pd.DataFrame({
        "month": [str(p) for p in after],
        "realized": saved.cumsum().to_numpy() - penalty - migration,
        "projected": [expected * n - penalty - migration for n in months]})
    costs = pd.DataFrame({"month": [str(p) for p in [*before, *after]],
                          "cost": [*monthly.reindex(before, fill_value=0.0),
                                   *actual],
                          "phase": ["before"] * len(before) + ["after"] * len(after)})
    return Review(
        app_id, stage.inventory.app_name(app_id), disabled_on, too_early=len(after) == 0,
        meaningful_from=review_opens(disabled_on), costs=costs, savings=savings,
        baseline=baseline, penalty=penalty, migration=migration,
        incidents_after=_incidents_after(stage, app_id, disabled_on), **_survey(stage, app_id),
        contract_id=contract_id, vendor_exit=told)


def _incidents_after(stage: Stage, app_id: str, since: dt.date) -> pd.DataFrame:
    """Incidents of the app and of its replacement since the disable (business flow)."""
    apps = stage.inventory.apps
    alternative = apps.set_index("app_id").loc[app_id, "alternative"]
    related = {app_id, *apps.loc[apps["name"] == alternative, "app_id"]}
    incidents = stage.inventory.incidents
    return incidents[incidents["app_id"].isin(related)
                     & (incidents["date"] >= pd.Timestamp(since))].reset_index(drop=True)


def _survey(stage: Stage, app_id: str) -> dict:
    survey = stage.inventory.survey_responses
    survey = survey[survey["app_id"] == app_id]
    after = survey[survey["phase"] == "after"].reset_index(drop=True)
    before = survey[survey["phase"].fillna("before") == "before"]
    departments = stage.inventory.users.set_index("user_id")["department"]
    by_dept = (after.assign(department=after["user_id"].map(departments).fillna("?"))
               .groupby("department")["score"].agg(["count", "mean"]).reset_index())

    def mean(frame: pd.DataFrame) -> float | None:
        return round(float(frame["score"].mean()), 2) if len(frame) else None

    return {"survey_after": after, "survey_by_department": by_dept,
            "score_before": mean(before), "score_after": mean(after)}


@dataclass(frozen=True)
class Safety:
    """停用指南 stage 八, 数据安全: the backup verified again now, nobody able to open the app
    (its status and whole visible scope against every person in the directory), and the watch
    since the disable (no use after it, no widened scope, no re-enable outside the kit)."""

    backup_ok: bool
    backup_problems: list[str]
    platform_status: str  # "" when the platform did not answer
    reachable_by: list[str] = field(default_factory=list)  # everyone, never a sample
    reach: Reach | None = None  # None when the platform did not answer
    watch: RetiredWatch | None = None  # None for an app that is not retired
    platform_error: str = ""

    @property
    def ok(self) -> bool:
        """Data safe: the backup verifies, the platform answered, the app is not enabled, nobody
        and no unresolved role can open it, and the watch found nothing. What the watch could
        not see (a log that ends before the disable) is said, not counted against it."""
        return (self.backup_ok and self.reach is not None and self.platform_status != "enabled"
                and not self.reachable_by and not self.reach.roles
                and not (self.watch and self.watch.findings))

    def lines(self, language: Language) -> list[str]:
        """The check in sentences, in the reader's language."""
        lines = [t("safety.backup_ok", language) if self.backup_ok else
                 t("safety.backup_failed", language, problems="; ".join(
                     in_language(p, language) for p in self.backup_problems[:5]))]
        reach = self.reach
        if reach is None:
            lines.append(t("safety.platform_unanswered", language, error=self.platform_error))
        else:
            values = {"status": platform_status(reach.status, language),
                      "scope": scope_text(reach.scope, language), "checked": reach.checked}
            lines.append(t("safety.reachable", language, n=len(reach.people),
                           who=", ".join(reach.people[:10]) + (" …" if len(reach.people) > 10
                                                               else ""), **values)
                         if reach.people else t("safety.nobody", language, **values))
            if reach.affected:
                lines.append(t("safety.affected", language, affected=reach.affected,
                               n=len(reach.affected_reachable)))
            if reach.roles:
                lines.append(t("safety.roles", language, roles=", ".join(reach.roles)))
        watch = self.watch
        if watch is not None:  # the status and scope are said above: use, and what changed
            lines.append(watch.use_line(language))
            if watch.widened:
                lines.append(watch.scope_line(language))
            if watch.re_enabled:
                lines.append(str(watch.status_line(language)))
        return lines

    def summary(self) -> dict:
        return {"data_safe": self.ok, "backup_problems": self.backup_problems[:10],
                "platform_status": self.platform_status,
                "reachable_by": self.reachable_by[:50], "reachable": len(self.reachable_by),
                "people_checked": self.reach.checked if self.reach else 0,
                "watch": self.watch.summary() if self.watch else None}


def check_data_safety(stage: Stage, app_id: str) -> Safety:
    """Reads the backup back from its target and asks the platform once (``get_app``: the
    status and the whole visible scope), then checks every person in the directory against
    it — never a sample, and no call per person — and watches the app since its disable
    (``watch.watch_retired``). The slow part of a review, kept apart so savings can be shown
    without it."""
    report = verify_backup(stage.workspace, app_id, actor=stage.analyst, record=False)
    watch = watch_retired(stage, [app_id]).get(app_id)
    try:
        app = watch.app if watch is not None else stage.platform.get_app(app_id)
        error = watch.platform_error if watch is not None else ""
    except PlatformError as exc:
        app, error = None, exc.in_language(stage.language)
    if app is None:
        return Safety(report.ok, report.problems, "", [], None, watch, error)
    reach = who_can_open(stage, app, _affected(stage, app_id))
    return Safety(report.ok, report.problems, app.status, list(reach.people), reach, watch)


def _affected(stage: Stage, app_id: str) -> list[str]:
    """Everyone the disable took the app from: the people its saved visible scope let in, and
    the people the usage log shows using it."""
    with stage.workspace.ledger() as ledger:
        revoked = ledger.last(app_id, "access_revoked")
    saved = (revoked.data.get("saved_scope") if revoked else None) or None
    people: list[str] = []
    if isinstance(saved, dict):
        scope = Scope.from_record(saved)
        people += who_can_open(stage, AppInfo(app_id, "", "enabled", scope, ())).people
    if "usage_events" in stage.snapshot.tables:
        people += list(stage.snapshot.table("usage_events", app_id)["user_id"].astype(str)
                       .unique())
    return list(dict.fromkeys(people))


def record_review(stage: Stage, review: Review, safety: Safety, lessons: dict[str, str],
                  close: bool = False) -> Event:
    """Write the review (and the lessons learned) to the ledger; optionally close the case."""
    if review.too_early:
        raise refused(review.app_id, "record_review", "err.too_early",
                      day=review.meaningful_from)
    with stage.workspace.ledger() as ledger:
        event = ledger.transition(review.app_id, "reviewed", stage.analyst, {
            **review.summary(), **safety.summary(),
            "lessons": {k: v for k, v in lessons.items() if v}})
        if close:
            event = ledger.transition(review.app_id, "closed", stage.analyst,
                                      {"realized": round(review.realized, 2)})
        return event


def portfolio_savings(stage: Stage) -> pd.DataFrame:
    """Every app that has been disabled: state, date, the months counted, realized and
    projected savings over them, and (under a contract) whether its vendor was told."""
    rows = []
    with stage.workspace.ledger() as ledger:
        states = ledger.states()
    for app_id, state in sorted(states.items()):
        if state not in RETIRED:
            continue
        r = review_app(stage, app_id)
        rows.append({"app_id": app_id, "name": r.name, "state": state,
                     "disabled_on": r.disabled_on, "period": r.period_text(stage.language),
                     "realized": round(r.realized, 2), "projected": round(r.projected, 2),
                     "too_early": r.too_early, "savings_basis": r.basis(stage.language)})
    return pd.DataFrame(rows, columns=["app_id", "name", "state", "disabled_on", "period",
                                       "realized", "projected", "too_early", "savings_basis"])
