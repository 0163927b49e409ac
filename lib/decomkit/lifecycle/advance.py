"""The advance notice and its corrections (停用指南 FAQ 3 and 七: tell the people affected in
advance; 解除免费关联 四.1: tell them before the change).

The planned date defaults to the first day that gives ``notify.advance_days`` of notice from the
day of the request (``approval.default_planned_date``). The notice itself goes out from the real
run of the disable (``execute.run_disable`` with ``dry_run=False``), once it is approved and
every gate of the disable holds, once per channel; a dry run tells no one. A notice shorter than
``advance_days`` is refused unless a written reason passes it (gate ``notify_in_advance``; the
reason is kept in the notice's ledger record).

When the planned date moves (:func:`move_planned_date`: a new request for the new date) or the
retirement is called off (withdrawn, rejected), everyone who was told gets a correction, once
per channel (:func:`send_corrections`, gate ``correct_notice``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import cast

from decomkit.context.stage import Stage
from decomkit.core.errors import PlatformError
from decomkit.core.i18n import TEXT, Language, t
from decomkit.core.present import spoken_date
from decomkit.core.said import LANGUAGES, Said, in_language, refused
from decomkit.core.text import drawn_text
from decomkit.lifecycle.approval import make_plan, requester, submit_approval, withdraw_approval
from decomkit.lifecycle.authority import authorize, notice_key, workspace_today
from decomkit.lifecycle.execute import advance_missing, affected_people
from decomkit.lifecycle.notify import Message, render, send_once
from decomkit.lifecycle.routing import route
from decomkit.platforms.base import Channel
from decomkit.proof.gates import ORDER, Refusal
from decomkit.proof.ledger import Event, Ledger

# States in which the latest request still stands (pending, approved, carried out).
_STANDING = ("approval_pending", "approved", "access_revoked", "disabled", "verified_disabled",
             "reviewed", "closed", "re_enabled")


@dataclass(frozen=True)
class AdvanceNotice:
    """Where the advance notice of an app's standing request is."""

    app_id: str
    state: str
    planned_date: dt.date | None
    advance_days: int
    today: dt.date
    sent: dict[Channel, dict] = field(default_factory=dict)  # channel → its ledger record
    missing: tuple[Channel, ...] = ()  # channels not told yet

    @property
    def send_by(self) -> dt.date | None:
        """The last day a notice gives ``advance_days`` before the planned date."""
        if self.planned_date is None:
            return None
        return self.planned_date - dt.timedelta(days=self.advance_days)

    def lines(self, language: Language = "en") -> list[str]:
        """What a reader of ``language`` is told about it; no raw value, days in words."""
        if self.planned_date is None:
            return [t("advance.no_request" if self.state in ORDER[:ORDER.index("rejected")]
                      else "advance.not_standing", language)]
        planned = spoken_date(self.planned_date, language)
        lines = [t("advance.planned", language, date=planned)]
        if not self.advance_days:
            return [*lines, t("advance.none_configured", language)]
        for channel, record in self.sent.items():
            sent_on = record.get("sent_on")
            lines.append(t("advance.sent", language, channel=t(f"channel.{channel}", language),
                           day=spoken_date(sent_on, language), days=record.get("days", ""))
                         if sent_on else t("advance.sent_undated", language,
                                           channel=t(f"channel.{channel}", language)))
            if override := record.get("override"):
                what = ("、" if language == "zh" else "; ").join(
                    t(f"override.{c}", language) if f"override.{c}" in TEXT else c
                    for c in override.get("conditions", ()))
                lines.append(t("advance.override", language, what=what,
                               reason=override.get("reason", "")))
        if not self.missing:
            return lines
        channels = ("、" if language == "zh" else ", ").join(
            t(f"channel.{c}", language) for c in self.missing)
        if self.state not in ("approval_pending", "approved"):
            return [*lines, t("advance.not_sent", language, channels=channels)]
        send_by = self.send_by
        if send_by is not None and self.today <= send_by:
            lines.append(t("advance.goes_with_the_run", language, channels=channels,
                           send_by=spoken_date(send_by, language), days=self.advance_days))
        else:
            earliest = self.today + dt.timedelta(days=self.advance_days)
            lines.append(t("advance.too_late", language, channels=channels,
                           days=self.advance_days, earliest=spoken_date(earliest, language)))
        return lines


def advance_status(stage: Stage, app_id: str, today: dt.date | None = None) -> AdvanceNotice:
    """What was sent and what is missing for the standing request; reads the ledger only."""
    today = today or workspace_today(stage.workspace)
    days = stage.workspace.config.notify.advance_days
    with stage.workspace.ledger() as ledger:
        state = ledger.state(app_id)
        pending = ledger.last(app_id, "approval_pending")
        if pending is None or state not in _STANDING:
            return AdvanceNotice(app_id, state, None, days, today)
        instance = pending.data["instance_id"]
        sent: dict[Channel, dict] = {}
        for channel in stage.workspace.config.notify.channels:
            action = ledger.action(notice_key(app_id, instance, "advance", channel))
            if action is not None and action.status == "done":
                sent[channel] = action.result if isinstance(action.result, dict) else {}
    planned = dt.date.fromisoformat(pending.data["plan"]["date"])
    missing = tuple(advance_missing(stage, app_id, "approved")) if state in (
        "approval_pending", "approved") else ()
    return AdvanceNotice(app_id, state, planned, days, today, sent, missing)


# ------------------------------------------------------------------ corrections


@dataclass(frozen=True)
class Correction:
    """One advance notice that no longer holds, and what replaces it."""

    instance_id: str  # the request the notice announced
    channel: Channel
    told_date: dt.date  # the day the notice named
    record: dict  # the notice's ledger record (who was told)
    new_date: dt.date | None  # the new planned date, when the date moved
    new_approved: bool  # whether the new date is approved yet

    @property
    def kind(self) -> str:
        return "moved" if self.new_date is not None else "cancelled"


def _told(ledger: Ledger, app_id: str) -> list[tuple[str, Channel, dict, str]]:
    """(instance, channel, record, planned date) of every advance notice that went out."""
    events = ledger.events(app_id)  # one read of the app's events
    dates = {e.data["instance_id"]: e.data["plan"]["date"] for e in events
             if e.kind == "transition" and e.state == "approval_pending" and e.data.get("plan")}
    told: list[tuple[str, Channel, dict, str]] = []
    seen: set[tuple[str, str]] = set()
    for event in events:
        operation = str(event.data.get("operation", ""))
        if event.kind != "action" or not operation.startswith("notify-advance:") \
                or event.data.get("status") != "done":
            continue
        instance = event.data["key"].removeprefix(f"{app_id}:").rsplit(":notify-advance:", 1)[0]
        action = ledger.action(event.data["key"])
        record = action.result if action is not None and isinstance(action.result, dict) else {}
        date = record.get("planned_date") or dates.get(instance)
        channel = cast(Channel, operation.split(":", 1)[1])  # written from a Channel
        if date and (instance, channel) not in seen:
            seen.add((instance, channel))
            told.append((instance, channel, record, date))
    return told


def corrections_due(stage: Stage, app_id: str) -> list[Correction]:
    """The advance notices that no longer hold and have no correction yet: their request was
    superseded by one for another date, or the retirement was withdrawn or rejected."""
    with stage.workspace.ledger() as ledger:
        state = ledger.state(app_id)
        latest = ledger.last(app_id, "approval_pending")
        approved = ledger.last(app_id, "approved")
        # a request recorded outside the kit carries no plan: nobody was told a day by it
        standing = ((latest.data.get("plan") or {}).get("date")
                    if latest and state in _STANDING else None)
        new_approved = bool(approved and latest and approved.seq > latest.seq)
        due = []
        for instance, channel, record, date in _told(ledger, app_id):
            if date == standing:
                continue  # the day people were told still holds
            key = notice_key(app_id, instance, "correction", channel)
            action = ledger.action(key)
            if action is not None and action.status == "done":
                continue
            due.append(Correction(instance, channel, dt.date.fromisoformat(date), record,
                                  dt.date.fromisoformat(standing) if standing else None,
                                  new_approved))
    return due


@dataclass(frozen=True)
class CorrectionsSent:
    sent: list[Correction]
    failed: list[str]  # the channel and the platform's error, as it said it

    def lines(self, language: Language = "en") -> list[str]:
        lines = [t(f"correction.{c.kind}_line", language,
                   channel=t(f"channel.{c.channel}", language),
                   told=spoken_date(c.told_date, language),
                   new=spoken_date(c.new_date, language) if c.new_date else "")
                 for c in self.sent]
        lines += [t("correction.failed", language, channel=t(f"channel.{channel}", language)
                    if f"channel.{channel}" in TEXT else channel, error=error)
                  for channel, _, error in (in_language(f, language).partition(": ")
                                            for f in self.failed)]
        return lines or [t("correction.none", language)]


def send_corrections(stage: Stage, app_id: str) -> CorrectionsSent:
    """Tell everyone who was told of a day that no longer holds: once per notice and
    channel (an idempotency key in the ledger), to the people that notice reached, in the
    notice's language. A failed send is recorded and tried again on the next run."""
    due = corrections_due(stage, app_id)
    if not due:
        return CorrectionsSent([], [])
    grant = authorize(stage.workspace, app_id, "correct_notice", actor=stage.analyst,
                      dry_run=False)
    if not grant:
        return CorrectionsSent([], [grant.why])
    platform, config = stage.platform, stage.workspace.config
    apps = stage.inventory.apps.set_index("app_id")
    users = stage.inventory.users.set_index("user_id")
    sent: list[Correction] = []
    failed: list[str] = []  # each a Said: "channel: error" in every language
    with stage.workspace.ledger() as ledger:
        for item in due:
            language = item.record.get("language") or stage.language
            title, text = render(
                "correction", language, app_name=apps.loc[app_id, "name"],
                told_date=spoken_date(item.told_date, language), instance_id=item.instance_id,
                new_date=spoken_date(item.new_date, language) if item.new_date else "",
                new_approved=item.new_approved, days=config.notify.advance_days,
                contact=config.notify.email_from)
            if "user_ids" in item.record:
                user_ids = list(item.record["user_ids"])
                dept_ids = tuple(item.record.get("dept_ids") or ())
                emails = [e for e in users.reindex(user_ids)["email"].dropna()]
            else:  # a notice settled by asking the platform: those the scope lets in now
                scope = platform.get_app(app_id).scope
                user_ids, emails = affected_people(stage, scope)
                dept_ids = scope.dept_ids
            message = Message(title, text, user_ids, emails, tuple(dept_ids))
            try:
                send_once(stage, ledger, grant, app_id, item.channel,
                          notice_key(app_id, item.instance_id, "correction", item.channel),
                          f"notify-correction:{item.channel}", message, {
                              "told_date": item.told_date.isoformat(), "kind": item.kind,
                              "new_date": item.new_date.isoformat() if item.new_date else None,
                              "user_ids": user_ids})
                sent.append(item)
            except PlatformError as exc:
                failed.append(Said({lang: f"{item.channel}: {exc.in_language(lang)}"
                                    for lang in LANGUAGES}))
    return CorrectionsSent(sent, failed)


# ------------------------------------------------------------------ moving, calling off


def check_move(stage: Stage, app_id: str, planned_date: dt.date, remark: str,
               today: dt.date | None = None) -> None:
    """Raise why the planned date may not move to ``planned_date`` (the new request's gate,
    all but the state, which the withdrawal changes); reads only, so a dry run decides it."""
    with stage.workspace.ledger() as ledger:
        state = ledger.state(app_id)
        pending = ledger.last(app_id, "approval_pending")
    if pending is None or state not in ("approval_pending", "approved"):
        raise refused(app_id, "move_date", "err.no_request_to_move")
    if pending.data["plan"]["date"] == planned_date.isoformat():
        raise refused(app_id, "move_date", "err.same_date", day=planned_date.isoformat())
    if not drawn_text(remark):  # what a reader sees: blank fillers are no remark
        raise refused(app_id, "move_date", "err.say_why_move")
    today = today or workspace_today(stage.workspace)
    # The new request's gate is decided before the old request is withdrawn: everything but
    # the state, which the withdrawal itself changes. A refusal withdraws and tells no one.
    decision = authorize(stage.workspace, app_id, "request_approval",
                         plan=make_plan(stage, app_id, planned_date),
                         requester=requester(stage),
                         approvers=list(route(stage, app_id)),
                         actor=stage.analyst, today=today)
    if isinstance(decision, Refusal):
        unmet = tuple(u for u in decision.unmet if u.condition != "state")
        if unmet:
            raise Refusal(decision.app_id, decision.action, unmet).error()


def move_planned_date(stage: Stage, app_id: str, planned_date: dt.date, remark: str,
                      reason: str = "", today: dt.date | None = None) -> Event:
    """Move the planned date of the standing request: the approval was for the old date (the
    plan's hash holds it), so the request is withdrawn (or, approved, called off) and a new
    one asked for the new date; everyone told of the old date gets a correction."""
    today = today or workspace_today(stage.workspace)
    check_move(stage, app_id, planned_date, remark, today)
    withdraw_approval(stage, app_id, remark)
    try:
        return submit_approval(stage, app_id, planned_date, reason, today=today)
    finally:
        send_corrections(stage, app_id)


def cancel_retirement(stage: Stage, app_id: str, remark: str) -> CorrectionsSent:
    """Withdraw the pending request or call off the approved one; correct those told."""
    withdraw_approval(stage, app_id, remark)
    return send_corrections(stage, app_id)
