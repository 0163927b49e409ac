"""Doing one step that came due (``schedule.Due``), under its gate and its idempotency key.

Every step is decided by the gate authority before its first effect; a refusal changes
nothing. A dry run decides and does nothing. Messages go to the people the step concerns
(the app's owner and IT: the IT approver of the chain, else the operator) on every channel of
``notify.channels``, each under the step's key and the channel, so a tick killed part-way and
run again sends nothing twice (a send whose outcome is unknown is settled by asking the
platform, never repeated blindly).

The advance notice: nobody types a confirmation at a scheduler. The tick's authority is the
ledger's approval of this very plan (gate ``scheduled_notice``: approved, the same plan's hash,
the backup read back now, the replacement ready, nothing blocking, and the full notice
period); it never sends a short notice — a notice whose day passed moves the planned date
(``advance.move_planned_date``: a new request) and those told get a correction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Literal

from decomkit.context.stage import Stage
from decomkit.core.errors import DecomkitError, PlatformError
from decomkit.core.i18n import Language, t
from decomkit.core.locks import app_lock
from decomkit.core.present import spoken_date
from decomkit.core.said import Said, in_language
from decomkit.custody.verify import verify_backup
from decomkit.lifecycle.advance import (
    CorrectionsSent,
    check_move,
    move_planned_date,
    send_corrections,
)
from decomkit.lifecycle.approval import track_approval
from decomkit.lifecycle.authority import authorize, notices_missing
from decomkit.lifecycle.execute import send_advance_notice
from decomkit.lifecycle.notify import Message, render, send_once
from decomkit.lifecycle.schedule import Due
from decomkit.lifecycle.vendor import vendor_exit
from decomkit.proof.gates import Grant, Refusal

Status = Literal["done", "already", "refused", "failed", "would", "nothing"]


@dataclass(frozen=True)
class Outcome:
    """What became of one due step: its status and why, in the reader's language."""

    due: Due
    status: Status
    why: str = ""


def _refused(due: Due, decision: Refusal, language: Language) -> Outcome:
    return Outcome(due, "refused", "; ".join(u.say(language) for u in decision.unmet))


def recipients(stage: Stage, app_id: str) -> list[str]:
    """The app's owner (when the apps table names one) and IT."""
    config = stage.workspace.config
    it = next((a.user_id for a in config.approval.chain if a.role == "it"), config.operator)
    owners = stage.inventory.apps.set_index("app_id")["owner"]
    owner = owners.get(app_id)
    people = [str(owner)] if isinstance(owner, str) and owner.strip() else []
    return [*people, *([it] if it not in people else [])]


def tell(stage: Stage, due: Due, grant: Grant, kind: str, language: Language,
         **values: Any) -> bool:
    """One message to the app's owner and IT on each configured channel, once each (the
    step's key and the channel); True when any went now."""
    title, text = render(kind, language, app_name=stage.inventory.app_name(due.app_id, due.app_id),
                         **values)
    user_ids = recipients(stage, due.app_id)
    users = stage.inventory.users.set_index("user_id")
    emails = [str(e) for e in users.reindex(user_ids)["email"].dropna()]
    message = Message(title, text, user_ids, emails)
    sent = False
    with stage.workspace.ledger() as ledger:
        for channel in stage.workspace.config.notify.channels:
            ran = send_once(stage, ledger, grant, due.app_id, channel, f"{due.key}:{channel}",
                            f"tick-notify:{kind}:{channel}", message,
                            {"user_ids": user_ids, "kind": kind})
            sent = sent or ran
    return sent


def mark_done(stage: Stage, due: Due, grant: Grant, result: dict | None = None) -> None:
    """Record the step itself as done under its key (its messages have keys of their own)."""
    with stage.workspace.ledger() as ledger:
        ledger.run_once(due.key, due.app_id, f"tick:{due.step}", stage.analyst,
                        lambda: result or {}, lambda: (False, None), grant=grant)


def _decided(stage: Stage, due: Due, action: str, dry_run: bool, language: Language,
             **kwargs: Any) -> Grant | Outcome:
    decision = authorize(stage.workspace, due.app_id, action, actor=stage.analyst,
                         today=stage.as_of, dry_run=dry_run, **kwargs)
    if isinstance(decision, Refusal):
        return _refused(due, decision, language)
    return Outcome(due, "would") if dry_run else decision


def _advance_notice(stage: Stage, due: Due, dry_run: bool, language: Language) -> Outcome:
    # a rehearsal writes nothing, not even a lock's owner file
    with (nullcontext() if dry_run else
          app_lock(stage.workspace.root, due.app_id, "notify_in_advance")):
        with stage.workspace.ledger() as ledger:
            state = ledger.state(due.app_id)
            pending = ledger.last(due.app_id, "approval_pending")
            approved = ledger.last(due.app_id, "approved")
        missing = notices_missing(stage.workspace, due.app_id)
        if state != "approved" or pending is None or approved is None or not missing:
            return Outcome(due, "nothing")
        plan = pending.data["plan"]
        decided = _decided(stage, due, "scheduled_notice", dry_run, language, plan=plan,
                           platform=stage.platform, look=dry_run)
        if isinstance(decided, Outcome):
            return decided
        send_advance_notice(stage, due.app_id, plan, approved.data["instance_id"], decided,
                            stage.as_of, missing)
    return Outcome(due, "done")


def _move_date(stage: Stage, due: Due, dry_run: bool, language: Language) -> Outcome:
    new: dt.date = due.facts["new_date"]
    why = t("tick.moved", language, old=spoken_date(due.facts["planned"], language),
            new=spoken_date(new, language), days=stage.workspace.config.notify.advance_days)
    if dry_run:  # decided as the real run decides it (a refusal is raised, said)
        check_move(stage, due.app_id, new, why, stage.as_of)
        return Outcome(due, "would", why)
    move_planned_date(stage, due.app_id, new, remark=why, today=stage.as_of)
    return Outcome(due, "done", why)


def _correction(stage: Stage, due: Due, dry_run: bool, language: Language) -> Outcome:
    decided = _decided(stage, due, "correct_notice", dry_run, language)
    if isinstance(decided, Outcome):
        return decided
    result = send_corrections(stage, due.app_id)
    if result.failed:  # each channel said in the reader's words
        return Outcome(due, "failed", "; ".join(CorrectionsSent([], result.failed).lines(language)))
    return Outcome(due, "done" if result.sent else "already")


def _reminder(stage: Stage, due: Due, dry_run: bool, language: Language) -> Outcome:
    # decided here too, so a refusal reads as one (the tracking below only skips it)
    decided = _decided(stage, due, "remind", dry_run, language)
    if isinstance(decided, Outcome):
        return decided
    noon = dt.datetime.combine(stage.as_of, dt.time(12), tzinfo=stage.workspace.config.zone)
    tracking = track_approval(stage, due.app_id, now=noon)
    return Outcome(due, "done" if tracking.reminded else "nothing")


def _reverify(stage: Stage, due: Due, dry_run: bool, language: Language) -> Outcome:
    decided = _decided(stage, due, "reverify_backup", dry_run, language)
    if isinstance(decided, Outcome):
        return decided
    workspace = stage.workspace

    def check() -> dict:
        report = verify_backup(workspace, due.app_id, actor=stage.analyst, record=False)
        return {"ok": report.ok,  # each problem kept in every language (a JSON object)
                "problems": [getattr(p, "by_language", p) for p in report.problems[:10]],
                "manifest_hash": report.manifest_hash}

    with workspace.ledger() as ledger:  # the result, problems and all, is the ledger's finding
        result, _ = ledger.run_once(f"{due.key}:check", due.app_id, "tick:reverify_check",
                                    stage.analyst, check, lambda: (False, None),
                                    grant=decided)
    if result["ok"]:
        mark_done(stage, due, decided, result)
        return Outcome(due, "done")
    problems = "; ".join(in_language(Said(p) if isinstance(p, dict) else p, language)
                         for p in result["problems"][:3])
    tell(stage, due, decided, "backup_failed", language, day=spoken_date(due.day, language),
         problems=problems)
    mark_done(stage, due, decided, result)
    return Outcome(due, "failed", t("tick.backup_failed", language, problems=problems))


def _deadline(stage: Stage, due: Due, dry_run: bool, language: Language) -> Outcome:
    with stage.workspace.ledger() as ledger:  # this app's events, not every app's
        told = vendor_exit(ledger, due.app_id, due.what) is not None
    decided = _decided(stage, due, "deadline_notice", dry_run, language,
                       facts={"vendor_told": told, "contract_id": due.what})
    if isinstance(decided, Outcome):
        return decided
    deadline: dt.date = due.facts["deadline"]
    tell(stage, due, decided, "deadline", language, contract_id=due.what,
         what=t(f"tick.deadline.{due.facts['kind']}", language),
         deadline=spoken_date(deadline, language), days=(deadline - stage.as_of).days)
    mark_done(stage, due, decided, {"threshold": due.facts["threshold"]})
    return Outcome(due, "done")


def _watch(stage: Stage, due: Due, dry_run: bool, language: Language) -> Outcome:
    decided = _decided(stage, due, "watch_alert", dry_run, language)
    if isinstance(decided, Outcome):
        return decided
    watch = due.facts["watch"]
    tell(stage, due, decided, "watch_alert", language, day=spoken_date(stage.as_of, language),
         disabled_on=spoken_date(watch.disabled_on, language),
         lines=("" if language == "zh" else " ").join(watch.lines(language)))
    mark_done(stage, due, decided, watch.summary())
    return Outcome(due, "done")


def _review(stage: Stage, due: Due, dry_run: bool, language: Language) -> Outcome:
    decided = _decided(stage, due, "review_prompt", dry_run, language)
    if isinstance(decided, Outcome):
        return decided
    tell(stage, due, decided, "review_prompt", language,
         disabled_on=spoken_date(due.facts["disabled_on"], language),
         opens=spoken_date(due.day, language))
    mark_done(stage, due, decided)
    return Outcome(due, "done")


STEP_DOERS: dict[str, Callable[[Stage, Due, bool, Language], Outcome]] = {
    "move_date": _move_date, "advance_notice": _advance_notice, "correction": _correction,
    "reminder": _reminder, "reverify_backup": _reverify, "deadline_notice": _deadline,
    "watch_alert": _watch, "review_prompt": _review,
}


def do_step(stage: Stage, due: Due, dry_run: bool, language: Language) -> Outcome:
    """Do (or, dry, decide) one due step; a kit error becomes a refused (a platform's: failed)
    outcome saying why in the reader's language."""
    try:
        return STEP_DOERS[due.step](stage, due, dry_run, language)
    except PlatformError as exc:
        return Outcome(due, "failed", exc.in_language(language))
    except DecomkitError as exc:
        return Outcome(due, "refused", exc.in_language(language))
