"""The advance notice (停用指南 FAQ 3: tell the people affected in advance).

Once the request is approved, everyone who can open the app is told ``notify.advance_days``
days before the planned date, once on each channel (an idempotency key per channel in the
ledger). 03_approval sends it when it is due; 04_disable lists it while it is not sent. The
gate (``notify_in_advance``: approved, the same plan) is decided before anything is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from decomkit.context.stage import Stage
from decomkit.core.errors import PlatformError
from decomkit.lifecycle.approval import make_plan
from decomkit.lifecycle.authority import authorize, readiness_now
from decomkit.lifecycle.execute import affected_people, without_access
from decomkit.lifecycle.notify import render, send
from decomkit.platforms.base import Channel


@dataclass(frozen=True)
class AdvanceNotice:
    app_id: str
    planned_date: dt.date | None
    due_on: dt.date | None  # the planned date less notify.advance_days
    sent: dict[Channel, object] = field(default_factory=dict)  # channel → delivery id
    missing: tuple[Channel, ...] = ()  # channels not told yet
    detail: str = ""  # why nothing was sent now, or what failed

    def lines(self) -> list[str]:
        told = ", ".join(self.sent) or "none"
        return [f"planned date {self.planned_date}; due on {self.due_on}; sent on: {told}"
                + (f"; not sent on: {', '.join(self.missing)}" if self.missing else "")
                ] + ([self.detail] if self.detail else [])


def advance_key(app_id: str, instance: str, channel: str) -> str:
    return f"{app_id}:{instance}:notify-advance:{channel}"


def _request(stage: Stage, app_id: str) -> tuple[dict | None, dict | None]:
    with stage.workspace.ledger() as ledger:
        pending = ledger.last(app_id, "approval_pending")
        approved = ledger.last(app_id, "approved")
    if pending is None or approved is None or approved.seq < pending.seq:
        return pending.data if pending else None, None
    return pending.data, approved.data


def advance_status(stage: Stage, app_id: str) -> AdvanceNotice:
    """What was sent and what is missing; reads the ledger only."""
    pending, approved = _request(stage, app_id)
    if pending is None:
        return AdvanceNotice(app_id, None, None, detail="no request yet (run 03_approval)")
    planned = dt.date.fromisoformat(pending["plan"]["date"])
    days = stage.workspace.config.notify.advance_days
    due = planned - dt.timedelta(days=days)
    if not days:
        return AdvanceNotice(app_id, planned, None, detail="notify.advance_days is 0: none")
    instance = (approved or {}).get("instance_id", pending["instance_id"])
    sent: dict[Channel, object] = {}
    missing: list[Channel] = []
    with stage.workspace.ledger() as ledger:
        for channel in stage.workspace.config.notify.channels:
            action = ledger.action(advance_key(app_id, instance, channel))
            if action is not None and action.status == "done":
                sent[channel] = action.result
            else:
                missing.append(channel)
    return AdvanceNotice(app_id, planned, due, sent, tuple(missing),
                         "" if approved else "sent once the request is approved")


def send_advance_notice(stage: Stage, app_id: str, today: dt.date | None = None
                        ) -> AdvanceNotice:
    """Send the advance notice when it is due and not sent yet; a refusal sends nothing."""
    status = advance_status(stage, app_id)
    today = today or dt.date.today()
    if status.due_on is None or status.planned_date is None or not status.missing:
        return status  # (a due date comes with a planned date)
    plan = make_plan(stage, app_id, status.planned_date)
    decision = authorize(stage.workspace, app_id, "notify_in_advance", plan=plan,
                         actor=stage.analyst)
    if not decision:
        return _with(status, decision.why)
    if today < status.due_on:
        return _with(status, f"not due yet: it goes on {status.due_on} (run 03_approval then)")
    if today > status.planned_date:
        return _with(status, "the planned date has passed: no advance notice can be given")
    _, approved = _request(stage, app_id)
    if approved is None:  # granted above: the approval is in the ledger
        return _with(status, "the request is not approved")
    instance = approved["instance_id"]
    platform, config = stage.platform, stage.workspace.config
    apps = stage.inventory.apps.set_index("app_id")
    alternative = apps.loc[app_id, "alternative"]
    readiness = readiness_now(stage.workspace, app_id, platform)
    title, text = render("advance", stage.language, app_name=apps.loc[app_id, "name"],
                         date=status.planned_date, instance_id=instance,
                         days=(status.planned_date - today).days, contact=config.notify.email_from,
                         alternative=alternative if isinstance(alternative, str) else "",
                         without_access=without_access(readiness, stage.language))
    scope = platform.get_app(app_id).scope
    user_ids, emails = affected_people(stage, scope)
    failed = []
    with stage.workspace.ledger() as ledger:
        for channel in status.missing:
            key = advance_key(app_id, instance, channel)
            settle: Callable[[], tuple[bool, Any] | None] = (
                (lambda: (False, None)) if channel == "robot"
                else partial(platform.settled, "notify", key))
            try:
                ledger.run_once(key, app_id, f"notify-advance:{channel}", stage.analyst,
                                partial(send, platform, config, channel, title, text, user_ids,
                                        emails, key, scope.dept_ids), settle)
            except PlatformError as exc:
                failed.append(f"{channel}: {exc} (run 03_approval again to retry)")
    return _with(advance_status(stage, app_id), "; ".join(failed))


def _with(status: AdvanceNotice, detail: str) -> AdvanceNotice:
    return AdvanceNotice(status.app_id, status.planned_date, status.due_on, status.sent,
                         status.missing, detail)
