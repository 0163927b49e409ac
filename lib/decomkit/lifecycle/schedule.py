"""What is due on a day, by the calendar: the steps ``decomkit tick`` does by itself.

Each step has an idempotency key (:func:`tick_key`: app, step, the day it is due) so a second
tick on the same day, or one that catches up missed days, never does a step twice. "A day" is
the organisation's day (``timezone`` in decomkit.toml), and it is always the tick's ``as_of``
day, never the clock of the machine.

What comes due (``STEPS``):

- ``advance_notice``: an approved request whose advance notice has not gone out, from the day
  it is approved up to ``notify.advance_days`` before its planned date (the ``send by`` day);
- ``move_date``: that day passed with the notice still missing: the planned date moves (a new
  request), never a short notice;
- ``correction``: a notice that no longer holds (the date moved, the retirement called off);
- ``reminder``: a request pending ``approval.due_days`` or longer, once a day;
- ``reverify_backup``: every kept backup, at ``tick.reverify_*`` days by how often its data
  changes (the first tick checks each);
- ``deadline_notice``: a contract's notice deadline (or the end of one that does not renew) at
  ``tick.deadline_days`` before it, until its vendor exit is recorded; a tick that missed a
  threshold sends the tightest one crossed, once;
- ``watch_alert``: a retired app the watch finds used, its scope widened or re-enabled, once
  per finding (and again for a newer visit);
- ``review_prompt``: a disabled app whose review window opens (``review.review_opens``);
- ``portfolio_refresh``: the portfolio page and the deadlines calendar, weekly on
  ``tick.refresh_weekday``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

from decomkit.analysis.contracts import contract_deadline
from decomkit.analysis.watch import watch_retired
from decomkit.context.stage import Stage
from decomkit.core.present import to_local
from decomkit.lifecycle.advance import corrections_due
from decomkit.lifecycle.authority import notices_missing
from decomkit.lifecycle.backup import recommend_frequency
from decomkit.lifecycle.review import review_opens
from decomkit.lifecycle.vendor import vendor_exits
from decomkit.proof.gates import GATES
from decomkit.proof.ledger import Ledger

STEPS = ("move_date", "advance_notice", "correction", "reminder", "reverify_backup",
         "deadline_notice", "watch_alert", "review_prompt", "portfolio_refresh")
PORTFOLIO = "_portfolio"  # the ledger's id for what concerns the whole portfolio (the tick's note)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def tick_key(app_id: str, step: str, due_day: dt.date, what: str = "") -> str:
    """The idempotency key of a scheduled step: app, step (and what it is about, such as a
    contract), the day it is due."""
    return f"{app_id}:tick:{step}{':' + what if what else ''}:{due_day.isoformat()}"


@dataclass(frozen=True)
class Due:
    """One step due on ``day`` (the organisation's day) for ``app_id``."""

    day: dt.date
    app_id: str
    step: str
    what: str = ""  # what it is about within the app: a contract, the watch's findings
    facts: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        if self.step == "reminder":  # the key 03_approval's tracking reminds under, too
            return f"{self.app_id}:remind:{self.what}:{self.day.isoformat()}"
        return tick_key(self.app_id, self.step, self.day, self.what)

    @property
    def now(self) -> bool:
        """Whether it may be done on a day up to ``day`` (an approved request's notice)."""
        return self.step == "advance_notice" and bool(self.facts.get("approved"))


def requested_on(pending_data: dict, ts: str, stage: Stage) -> dt.date:
    """The organisation's day a request was made (recorded since ticks; else its time)."""
    if day := pending_data.get("requested_on"):
        return dt.date.fromisoformat(day)
    local = to_local(ts, stage.workspace.config.timezone)
    assert local is not None  # the ledger writes ISO times
    return local.date()


def refreshes(ledger: Ledger) -> set[str]:
    """The keys of the weekly page rebuilds done: notes, not actions (a rebuild changes nothing
    outside the workspace, so it needs no gate's grant). One read of the portfolio's events."""
    return {e.data["key"] for e in ledger.events(PORTFOLIO)
            if e.kind == "note" and e.data.get("event") == "portfolio_refresh"}


def _done(ledger: Ledger, key: str, rebuilt: set[str]) -> bool:
    if key.startswith(f"{PORTFOLIO}:"):
        return key in rebuilt
    action = ledger.action(key)
    return action is not None and action.status == "done"


def _last_checks(ledger: Ledger, step: str) -> dict[str, dt.date]:
    """The last day a scheduled step was done, per app (read from its keys): one read for
    every app."""
    last: dict[str, dt.date] = {}
    for e in ledger.done_actions(f"tick:{step}"):
        day = dt.date.fromisoformat(e.data["key"].rsplit(":", 1)[1])
        last[e.app_id] = max(day, last.get(e.app_id, day))
    return last


def _approvals(stage: Stage, ledger: Ledger, states: dict[str, str], as_of: dt.date
               ) -> Iterator[Due]:
    config = stage.workspace.config
    advance = config.notify.advance_days
    for app_id, state in sorted(states.items()):
        pending = ledger.last(app_id, "approval_pending")
        if pending is None:
            continue
        instance = pending.data["instance_id"]
        if state == "approval_pending":
            first = requested_on(pending.data, pending.ts, stage) + dt.timedelta(
                days=config.approval.due_days)
            yield Due(max(first, as_of), app_id, "reminder", instance)
        plan = pending.data.get("plan") or {}
        if state not in ("approval_pending", "approved") or not advance or not plan:
            continue  # a request recorded outside the kit names no day to tell people of
        if not notices_missing(stage.workspace, app_id):
            continue
        planned = dt.date.fromisoformat(plan["date"])
        send_by = planned - dt.timedelta(days=advance)
        if state == "approved" and as_of > send_by:
            new = as_of + dt.timedelta(days=advance + config.approval.due_days)
            yield Due(as_of, app_id, "move_date", instance,
                      {"planned": planned, "new_date": new})
        elif send_by >= as_of:
            # due from the approval on; `day` is the last day it gives the full notice
            yield Due(send_by, app_id, "advance_notice", instance,
                      {"planned": planned, "approved": state == "approved"})


def _corrections(stage: Stage, ledger: Ledger, states: dict[str, str], as_of: dt.date
                 ) -> Iterator[Due]:
    after = GATES["correct_notice"].after
    for app_id, state in sorted(states.items()):
        if state in after and ledger.last(app_id, "approval_pending") is not None \
                and corrections_due(stage, app_id):
            yield Due(as_of, app_id, "correction")


def _backups(stage: Stage, ledger: Ledger, states: dict[str, str], as_of: dt.date
             ) -> Iterator[Due]:
    config = stage.workspace.config
    after = GATES["reverify_backup"].after
    datasets = stage.inventory.datasets
    checked = _last_checks(ledger, "reverify_backup")
    for app_id, state in sorted(states.items()):
        if state not in after or ledger.last(app_id, "backed_up") is None:
            continue
        frequency, _ = recommend_frequency(datasets[datasets["app_id"] == app_id],
                                           config.backup.frequency)
        every = config.tick.reverify_days(frequency)
        last = checked.get(app_id)
        day = as_of if last is None else max(last + dt.timedelta(days=every), as_of)
        yield Due(day, app_id, "reverify_backup", facts={"every": every, "last": last})


def _deadlines(stage: Stage, as_of: dt.date, end: dt.date) -> Iterator[Due]:
    """Each contract's tightest threshold crossed by ``as_of`` (due now unless sent), and the
    thresholds the window up to ``end`` will cross."""
    thresholds = sorted(set(stage.workspace.config.tick.deadline_days))
    told = vendor_exits(stage.workspace)
    for c in stage.inventory.contracts.to_dict("records"):
        deadline = contract_deadline(c, as_of)
        app_id, contract_id = str(c["app_id"]), str(c["contract_id"])
        if deadline is None or (app_id, contract_id) in told:
            continue
        left = deadline.days_left(as_of)
        facts = {"deadline": deadline.day, "kind": deadline.kind}
        crossed = [d for d in thresholds if left <= d]
        if crossed:
            yield Due(deadline.day - dt.timedelta(days=crossed[0]), app_id, "deadline_notice",
                      contract_id, {**facts, "threshold": crossed[0]})
        for days in thresholds:
            day = deadline.day - dt.timedelta(days=days)
            if as_of < day < end:
                yield Due(day, app_id, "deadline_notice", contract_id,
                          {**facts, "threshold": days})


def _retired(stage: Stage, ledger: Ledger, states: dict[str, str], as_of: dt.date
             ) -> Iterator[Due]:
    for app_id, w in watch_retired(stage).items():
        if w.findings:
            yield Due(w.last_use or w.disabled_on, app_id, "watch_alert",
                      "+".join(w.findings), {"watch": w})
    zone = stage.workspace.config.timezone
    for app_id, state in sorted(states.items()):
        disabled = ledger.last(app_id, "disabled")
        if state in GATES["review_prompt"].after and disabled is not None:
            local = to_local(disabled.ts, zone)
            assert local is not None
            yield Due(review_opens(local.date()), app_id, "review_prompt",
                      facts={"disabled_on": local.date()})


def _refresh(stage: Stage, as_of: dt.date) -> Iterator[Due]:
    weekday = WEEKDAYS.index(stage.workspace.config.tick.refresh_weekday)
    last = as_of - dt.timedelta(days=(as_of.weekday() - weekday) % 7)
    yield Due(last, PORTFOLIO, "portfolio_refresh")
    yield Due(last + dt.timedelta(days=7), PORTFOLIO, "portfolio_refresh")


def _everything(stage: Stage, as_of: dt.date, end: dt.date) -> list[Due]:
    with stage.workspace.ledger() as ledger:
        states = ledger.states()
        found = [*_approvals(stage, ledger, states, as_of),
                 *_corrections(stage, ledger, states, as_of),
                 *_backups(stage, ledger, states, as_of),
                 *_deadlines(stage, as_of, end),
                 *_retired(stage, ledger, states, as_of),
                 *_refresh(stage, as_of)]
        rebuilt = refreshes(ledger)
        return [d for d in found if not _done(ledger, d.key, rebuilt)]


def _order(due: Due) -> tuple:
    return (due.day, STEPS.index(due.step), due.app_id, due.what)


def schedule(stage: Stage) -> list[Due]:
    """What is due on the stage's day (``stage.as_of``) and not done yet, including what
    earlier days missed; in the order a tick does it. Reads only."""
    as_of = stage.as_of
    due = [d for d in _everything(stage, as_of, as_of) if d.day <= as_of or d.now]
    return sorted(due, key=lambda d: (STEPS.index(d.step), d.app_id, d.what, d.day))


def due_next(stage: Stage, days: int = 30) -> pd.DataFrame:
    """What comes due from the stage's day over the next ``days`` days (what is due today
    first), one row per step: day, app_id, name, step, about. Reads only."""
    as_of = stage.as_of
    end = as_of + dt.timedelta(days=days)
    names = stage.inventory.apps.set_index("app_id")["name"]
    rows = [{"due_day": max(d.day, as_of), "app_id": d.app_id if d.app_id != PORTFOLIO else "",
             "name": str(names.get(d.app_id, "")), "due_step": d.step,
             "about": d.what if d.step == "deadline_notice" else ""}
            for d in sorted(_everything(stage, as_of, end), key=_order) if d.day < end]
    return pd.DataFrame(rows, columns=["due_day", "app_id", "name", "due_step", "about"])
