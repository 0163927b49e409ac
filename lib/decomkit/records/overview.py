"""The portfolio as a manager reads it: how many apps in each state, savings projected against
realized, licence deadlines coming up (a notice deadline, or the end of a contract that does not
renew; flagged at 120 / 90 / 60 days, the renewal rhythm of SaaS management tools, and red when
due today or when an app is retired and its vendor not yet told), approvals waiting and for how
long, backups that no longer verify, and the retired apps as the watch finds them (use after the
disable, a widened scope, a re-enable outside the kit). A deadline whose vendor was told
(``decomkit vendor notified``) says so and is no longer red. The same figures feed
``records/index.html``, ``records/deadlines.ics`` and ``00_portfolio``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from decomkit.analysis.contracts import contract_deadline
from decomkit.analysis.watch import RetiredWatch, watch_retired
from decomkit.context.stage import Stage
from decomkit.core.errors import DecomkitError
from decomkit.core.i18n import t
from decomkit.core.said import in_language
from decomkit.custody.verify import verify_backup
from decomkit.lifecycle.questions import open_questions
from decomkit.lifecycle.review import RETIRED, portfolio_savings
from decomkit.lifecycle.vendor import vendor_exits
from decomkit.proof.gates import STATES
from decomkit.views.trail import people

HORIZON_DAYS = 120
FLAGS = (60, 90, 120)  # a deadline is flagged by the tightest of these it falls within
RED = ("today", "tell_vendor", "60")  # flags that stay red until the vendor is told
REMINDERS = (120, 90, 60, 30)  # calendar alarms, days before a notice deadline
BACKED_UP = ("backed_up", "backup_verified", "approval_pending", "approved", "rejected",
             "access_revoked", "disabled", "verified_disabled", "re_enabled", "reviewed")


@dataclass(frozen=True)
class Overview:
    as_of: dt.date
    counts: pd.DataFrame  # state, apps
    savings: pd.DataFrame  # app_id, name, state, disabled_on, realized, projected, too_early
    deadlines: pd.DataFrame  # every contract's coming deadline: app_id, name, contract_id, ...
    waiting: pd.DataFrame  # app_id, name, instance_id, requested, waiting_days, waiting_for,
    # questions (the approvers' open questions, one "name: text" a line)
    failing: pd.DataFrame  # app_id, name, problems
    watch: dict[str, RetiredWatch] = field(default_factory=dict)  # retired apps, watched

    def deadlines_within(self, days: int = HORIZON_DAYS) -> pd.DataFrame:
        """Deadlines in the next ``days``, and every retired app's whose vendor is not told."""
        frame = self.deadlines
        return frame[(frame["days_left"] <= days) | (frame["flag"] == "tell_vendor")
                     ].reset_index(drop=True)

    @property
    def open_deadlines(self) -> pd.DataFrame:
        """Deadlines still to act on: every one whose vendor has not been told."""
        return self.deadlines[self.deadlines["flag"] != "notified"].reset_index(drop=True)

    @property
    def realized(self) -> float:
        shown = self.savings[~self.savings["too_early"]]
        return float(shown["realized"].sum()) if len(shown) else 0.0

    @property
    def projected(self) -> float:
        shown = self.savings[~self.savings["too_early"]]
        return float(shown["projected"].sum()) if len(shown) else 0.0


def state_counts(states: dict[str, str], app_ids: list[str]) -> pd.DataFrame:
    """Apps per lifecycle state, in lifecycle order; states with no app are left out."""
    counts = pd.Series([states.get(a, "new") for a in app_ids]).value_counts()
    order = [s for s in STATES if s in counts.index]
    return pd.DataFrame({"state": order, "apps": [int(counts[s]) for s in order]})


def flag(days_left: int, notified: bool = False, retired: bool = False) -> str:
    """How a deadline is flagged: ``notified`` once the vendor was told; ``today`` when it is
    due today; ``tell_vendor`` when the app is retired and its vendor not told; else ``60`` /
    ``90`` / ``120``, the tightest reminder window it is in ("" beyond)."""
    if notified:
        return "notified"
    if days_left <= 0:
        return "today"
    if retired:
        return "tell_vendor"
    return next((str(limit) for limit in FLAGS if days_left <= limit), "")


def notice_deadlines(stage: Stage, states: dict[str, str] | None = None) -> pd.DataFrame:
    """Every contract's next deadline (``contracts.contract_deadline``): the notice deadline
    of one that renews by itself, the end date of one that does not; with whether and when its
    vendor was told (``vendor_notified``). Soonest first."""
    contracts = stage.inventory.contracts
    names = stage.inventory.apps.set_index("app_id")["name"]
    if states is None:
        with stage.workspace.ledger() as ledger:
            states = ledger.states()
    told = vendor_exits(stage.workspace)
    rows = []
    for c in contracts.to_dict("records"):
        deadline = contract_deadline(c, stage.as_of)
        if deadline is None:
            continue  # it has ended: nothing left to do by a date
        days_left = deadline.days_left(stage.as_of)
        exit_ = told.get((str(c["app_id"]), str(c["contract_id"])))
        retired = states.get(c["app_id"], "new") in RETIRED
        fee = c.get("annual_fee")
        rows.append({"app_id": c["app_id"], "name": names.get(c["app_id"], c["app_id"]),
                     "contract_id": c["contract_id"], "deadline_kind": deadline.kind,
                     "deadline": deadline.day, "renewal_date": deadline.term_end,
                     "days_left": days_left,
                     "flag": flag(days_left, exit_ is not None, retired),
                     "vendor_notified": exit_["notified_on"] if exit_ else "",
                     "annual_fee": float(fee) if fee is not None and pd.notna(fee) else None})
    columns = ["app_id", "name", "contract_id", "deadline_kind", "deadline", "renewal_date",
               "days_left", "flag", "vendor_notified", "annual_fee"]
    return (pd.DataFrame(rows, columns=columns).sort_values(["deadline", "app_id"])
            .reset_index(drop=True))


def waiting_approvals(stage: Stage, states: dict[str, str], names: dict[str, str],
                      people: dict[str, str], now: dt.datetime) -> pd.DataFrame:
    rows = []
    with stage.workspace.ledger() as ledger:
        for app_id, state in sorted(states.items()):
            if state != "approval_pending":
                continue
            pending = ledger.last(app_id, "approval_pending")
            if pending is None:  # never: the app's state is that transition's
                continue
            approved = {r.get("user_id") for e in ledger.events(app_id)
                        if e.seq > pending.seq for r in e.data.get("records", [])}
            waiting_for = next((u for u in pending.data.get("approvers", [])
                                if u not in approved), "")
            asked = open_questions(ledger, app_id, pending.data.get("instance_id", ""))
            rows.append({"app_id": app_id, "name": names.get(app_id, app_id),
                         "instance_id": pending.data.get("instance_id", ""),
                         "requested": pending.ts,
                         "waiting_days": (now - dt.datetime.fromisoformat(pending.ts)).days,
                         "waiting_for": people.get(waiting_for, waiting_for),
                         "questions": "\n".join(f"{people.get(q.user_id, q.user_id)}: {q.text}"
                                                for q in asked)})
    return pd.DataFrame(rows, columns=["app_id", "name", "instance_id", "requested",
                                       "waiting_days", "waiting_for", "questions"])


def failing_backups(stage: Stage, states: dict[str, str], names: dict[str, str]) -> pd.DataFrame:
    """Read every kept backup back (sizes and SHA-256 against its manifest); nothing is
    recorded — the page reports, the stages act."""
    rows = []
    with stage.workspace.ledger() as ledger:
        kept = [app for app, state in sorted(states.items())
                if state in BACKED_UP and ledger.last(app, "backed_up") is not None]
    for app_id in kept:
        try:
            report = verify_backup(stage.workspace, app_id, actor=stage.analyst, record=False)
            problems = report.problems
        except Exception as exc:  # the page reports any failure; a kit's error in words
            problems = [exc.in_language(stage.language) if isinstance(exc, DecomkitError)
                        else f"{type(exc).__name__}: {exc}"]
        if problems:
            rows.append({"app_id": app_id, "name": names.get(app_id, app_id),
                         "problems": "; ".join(in_language(p, stage.language)
                                               for p in problems[:3])})
    return pd.DataFrame(rows, columns=["app_id", "name", "problems"])


def portfolio_overview(stage: Stage, now: dt.datetime | None = None,
                       verify_backups: bool = True) -> Overview:
    """Every figure of the manager's page, as of the stage's date."""
    now = now or dt.datetime.combine(stage.as_of, dt.datetime.now(dt.UTC).timetz())
    apps = stage.inventory.apps
    names = dict(zip(apps["app_id"], apps["name"], strict=True))
    with stage.workspace.ledger() as ledger:
        states = ledger.states()
    empty = pd.DataFrame(columns=["app_id", "name", "problems"])
    return Overview(
        stage.as_of, state_counts(states, list(apps["app_id"])), portfolio_savings(stage),
        notice_deadlines(stage, states),
        waiting_approvals(stage, states, names, people(stage.workspace), now),
        failing_backups(stage, states, names) if verify_backups else empty,
        watch_retired(stage))


def headline(stage: Stage) -> str:
    """One sentence a manager reads first, from the snapshot and the ledger only (no score, no
    chart, so it shows at once): how many apps, how many retired, how far being retired, and the
    dates the figures are as of."""
    apps = list(stage.inventory.apps["app_id"])
    with stage.workspace.ledger() as ledger:
        states = ledger.states()
    retired = sum(states.get(app, "new") in RETIRED for app in apps)
    underway = sum(states.get(app, "new") not in (*RETIRED, "new", "assessed", "decided")
                   for app in apps)
    log_end = stage.log_end
    return t("portfolio.headline", stage.language, apps=f"{len(apps):,}", retired=retired,
             underway=underway, as_of=stage.as_of,
             log_end=log_end if log_end is not None else "—")
