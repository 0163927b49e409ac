"""``decomkit tick``: do what is due on a day, for every app, and nothing else.

What is due comes from ``lifecycle.schedule``; each step is done under its gate and its own
idempotency key (``lifecycle.due_steps``), so running the tick twice on a day, or after missed
days, never sends anything twice and catches up what was missed. Each real tick leaves one
ledger note (what was due, what was done, what was refused and why, what failed); a dry run
decides every step and writes nothing. The weekly portfolio refresh rebuilds
``records/index.html`` and ``records/deadlines.ics`` as of the tick's day.

It is what a scheduler calls (cron, a systemd timer, Windows Task Scheduler, the Jupyter
scheduler): docs/operator.md, Scheduling. "A day" is the workspace's ``timezone``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from decomkit.context.stage import Stage, open_stage
from decomkit.context.workspace import Workspace
from decomkit.core.errors import WorkspaceError
from decomkit.core.i18n import Language, t
from decomkit.core.present import Audience, table_text
from decomkit.core.said import said
from decomkit.lifecycle.authority import workspace_today
from decomkit.lifecycle.due_steps import Outcome, do_step
from decomkit.lifecycle.schedule import PORTFOLIO, Due, schedule
from decomkit.records.overview import portfolio_overview
from decomkit.records.portfolio_page import render_portfolio, write_deadlines_calendar

FAILED = ("refused", "failed")


@dataclass(frozen=True)
class TickReport:
    as_of: dt.date
    dry_run: bool
    language: Language
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Whether anything due was refused or failed (the command's exit code is 1)."""
        return any(o.status in FAILED for o in self.outcomes)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"app_id": o.due.app_id if o.due.app_id != PORTFOLIO else "",
              "due_step": o.due.step, "about": o.due.what if o.due.step == "deadline_notice"
              else "", "tick_result": o.status, "why": o.why} for o in self.outcomes],
            columns=["app_id", "due_step", "about", "tick_result", "why"])

    def text(self, timezone: str = "Asia/Shanghai") -> str:
        head = t("tick.dry_head" if self.dry_run else "tick.head", self.language,
                 day=self.as_of.isoformat(), n=len(self.outcomes))
        return head + "\n" + table_text(self.table(), Audience(self.language, timezone),
                                        empty="tick")

    def note(self) -> dict:
        """The tick's ledger note: plain JSON values."""
        def of(status: tuple[str, ...]) -> list[dict]:
            return [{"key": o.due.key, "why": o.why} for o in self.outcomes
                    if o.status in status]
        return {"event": "tick", "as_of": self.as_of.isoformat(),
                "due": [o.due.key for o in self.outcomes],
                "done": [o.due.key for o in self.outcomes if o.status == "done"],
                "already": [o.due.key for o in self.outcomes if o.status in ("already",
                                                                             "nothing")],
                "refused": of(("refused",)), "failed": of(("failed",))}


def _refresh(stage: Stage, due: Due, dry_run: bool) -> Outcome:
    if dry_run:
        return Outcome(due, "would")

    # Files the kit rebuilds, no effect on a platform or a person: a note keyed by the day
    # keeps it to once a week (no gate's grant is needed to redraw a page; the schedule
    # leaves out a week already rebuilt). The tick's stage is of the same day and holds the
    # whole inventory (not read again); the page is in the workspace's language whatever
    # the tick's.
    workspace, as_of = stage.workspace, stage.as_of
    overview = portfolio_overview(stage, verify_backups=False)
    render_portfolio(workspace, as_of.isoformat(), overview, stage)
    write_deadlines_calendar(workspace, overview)
    with workspace.ledger() as ledger:
        ledger.note(PORTFOLIO, stage.analyst, {"event": "portfolio_refresh", "key": due.key,
                                                "as_of": as_of.isoformat()})
    return Outcome(due, "done")


def run_tick(workspace: str | Workspace, as_of: dt.date | None = None, dry_run: bool = False,
             language: str = "") -> TickReport:
    """Do (or, dry, decide) what is due on ``as_of`` (default: today in the workspace's time
    zone) and what earlier days missed; one ledger note for a real tick."""
    root = workspace.root if isinstance(workspace, Workspace) else workspace
    opened = workspace if isinstance(workspace, Workspace) else Workspace.open(root)
    if not dry_run and as_of is not None and as_of != workspace_today(opened) \
            and opened.config.platform != "sandbox":
        # Another day's tick would tell people on the wrong day (a notice short of its days,
        # a deadline message early): only a rehearsal, or the sandbox, may run as of it.
        why = said("tick.as_of_live", day=as_of.isoformat())
        raise WorkspaceError(str(why)).saying(why)
    outcomes: list[Outcome] = []
    # '' is today where the organisation is (never the machine's day)
    with open_stage(str(root), language=language,
                    as_of=as_of.isoformat() if as_of else "") as stage:
        day = stage.as_of
        lang: Language = "en" if stage.language == "en" else "zh"
        for due in schedule(stage):
            if due.step == "portfolio_refresh":
                outcomes.append(_refresh(stage, due, dry_run))
            else:
                outcomes.append(do_step(stage, due, dry_run, lang))
        report = TickReport(day, dry_run, lang, outcomes)
        if not dry_run:
            with stage.workspace.ledger() as ledger:
                ledger.note(PORTFOLIO, stage.analyst, report.note())
    return report
