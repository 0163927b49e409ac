"""Revoking access and disabling an app (停用指南 stages 四, 七; unlinking a free association as
the guide to ending 进销存's free association describes), and rolling back (停用指南 FAQ 2:
re-enable).

A real run is authorized (``gates.authorize``: approval of the same plan, the backup read back
from its target, the typed confirmation, the override rules) before its first message or
platform call, and holds the app's lock throughout. Every step runs under an idempotency key
derived from the approved request, so a rerun after a crash repeats nothing that finished; a
step a crash left unfinished is settled by asking the platform. Dry run is the default: it lists
the calls a real run would make and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, cast

import pandas as pd

from decomkit.analysis.contracts import ReenableTerms, reenable_terms
from decomkit.analysis.preflight import Readiness
from decomkit.context.stage import Stage
from decomkit.core.errors import (
    ManualStepRequired,
    NotificationFailed,
    PlatformError,
)
from decomkit.core.i18n import TEXT, Language, t
from decomkit.core.locks import app_lock
from decomkit.core.present import spoken_date, to_local, value
from decomkit.core.said import LANGUAGES, Said, in_language, refused, said, said_error
from decomkit.core.text import canonical_user_id
from decomkit.inventory.access import COLUMNS, scope_members
from decomkit.lifecycle.approval import make_plan, planned_action
from decomkit.lifecycle.authority import (
    authorize,
    notice_key,
    notices_missing,
    readiness_now,
    workspace_today,
)
from decomkit.lifecycle.notify import Message, render, send_once
from decomkit.platforms import Platform, Scope
from decomkit.platforms.base import Channel
from decomkit.platforms.dingtalk_form import form_value
from decomkit.proof.gates import ORDER, Grant, Refusal, Unmet, disable_step, require


@dataclass(frozen=True)
class Step:
    name: str  # notify-advance:<channel>, notify-before:<channel>, save-scope, revoke, …
    call: str  # the platform call, as an operator would read it
    changes_platform: bool
    status: str = "planned"  # planned | done | skipped | failed
    detail: str = ""
    detail_key: str = ""  # the detail as its reader reads it: a key of i18n.TEXT …
    detail_values: dict = field(default_factory=dict)  # … and its values

    def says(self, language: Language) -> str:
        """What the step does, in ``language`` (its name when it has no words yet)."""
        kind, _, channel = self.name.partition(":")
        key = f"step.{kind}"
        return t(key, language, channel=t(f"channel.{channel}", language) if channel else "") \
            if key in TEXT else self.name

    def ran(self, now: bool) -> Step:
        """The step as a run left it: done now, or skipped because its key was done before."""
        return Step(self.name, self.call, self.changes_platform, "done" if now else "skipped",
                    "" if now else "already done", "" if now else "step.already_done")

    def detail_says(self, language: Language) -> str:
        if self.detail_key:
            return t(self.detail_key, language, **{
                k: value(v, language) for k, v in self.detail_values.items()})
        return in_language(self.detail, language)



def _notice_failed(key: str, app_id: str, channel: str, exc: PlatformError) -> NotificationFailed:
    """A notice before the change failed on ``channel``: nothing was changed. The channel is
    named as typed in English, by its label in the reader's language."""
    label = f"channel.{channel}"
    where = Said({lang: t(label, lang) if label in TEXT and lang != "en" else channel
                  for lang in LANGUAGES})
    return said_error(NotificationFailed, key, app=app_id, channel=where,
                      error=exc)

def steps_table(steps: list[Step], language: Language) -> pd.DataFrame:
    """The steps as people read them: what, whether it changes the platform, status, detail."""
    return pd.DataFrame([{"step": s.says(language), "changes_platform": s.changes_platform,
                          "status": t(f"status.{s.status}", language),
                          "detail": s.detail_says(language)} for s in steps],
                        columns=["step", "changes_platform", "status", "detail"])


@dataclass(frozen=True)
class DisableRun:
    app_id: str
    dry_run: bool
    steps: list[Step]
    state: str
    blocked: str = ""  # why a real run may not go ahead now ("" when it may), in English
    unmet: tuple[Unmet, ...] = ()  # the same, condition by condition

    def table(self, language: Language = "zh") -> pd.DataFrame:
        return steps_table(self.steps, language)

    def step_lines(self, language: Language) -> list[str]:
        return [f"{s.says(language)}: {t(f'status.{s.status}', language)}" for s in self.steps]

    def gate_lines(self, language: Language) -> list[str]:
        """Why it may not go ahead, as the reader of ``language`` reads it (each unmet
        condition, the blocking findings named), or that the gates are open."""
        return [u.say(language) for u in self.unmet] or [
            in_language(self.blocked, language) if self.blocked else t("gate.open", language)]


def _approval(stage: Stage, app_id: str) -> tuple[str, dict | None, dict | None]:
    """(state, the approved event's data, the pending request's data) of ``app_id``."""
    with stage.workspace.ledger() as ledger:
        approved = ledger.last(app_id, "approved")
        pending = ledger.last(app_id, "approval_pending")
        return (ledger.state(app_id), approved.data if approved else None,
                pending.data if pending else None)


def _plan_of(stage: Stage, app_id: str, pending: dict | None) -> dict | None:
    """The plan as it stands today for the request's date (None without a request)."""
    if pending is None:
        return None
    return make_plan(stage, app_id, dt.date.fromisoformat(pending["plan"]["date"]))


def affected_people(stage: Stage, scope: Scope) -> tuple[list[str], list[str]]:
    """(user ids, emails) of everyone the saved visible scope let in (departments with their
    sub-departments, by id or path: ``inventory.access.scope_members``)."""
    users = scope_members(stage.inventory, scope.user_ids, scope.dept_ids, scope.role_ids,
                          scope.only_admin_visible)
    return list(users["user_id"]), list(users["email"].dropna())


def without_access(readiness: Readiness | None, language: str) -> str:
    """Who cannot open the replacement yet, as a notice names them: departments and counts,
    never names in a message to everyone ("" when nobody)."""
    if readiness is None or readiness.ready:
        return ""
    return readiness.who("en" if language == "en" else "zh", names_up_to=0)


def residue(stage: Stage, app_id: str) -> list[str]:
    """What still references the app after it is off (停用指南 stage 七, 清理软件残留)."""
    inv = stage.inventory
    lang = stage.language
    tasks = [t("residue.integration", lang, id=r.integration_id, system=r.system)
             for r in inv.integrations[inv.integrations["app_id"] == app_id].itertuples()]
    processes = inv.processes[inv.processes["app_id"] == app_id]
    tasks += [t("residue.template", lang, name=name)
              for name in processes["approval_template"].dropna() if str(name).strip()]
    tasks += [t("residue.process", lang, id=r.process_id, name=r.name)
              for r in processes.itertuples()]
    tasks.append(t("residue.jobs", lang, app=app_id))
    return tasks


def advance_missing(stage: Stage, app_id: str, state: str) -> list[Channel]:
    """The channels the advance notice must still go out on before this app's disable (none
    once access is revoked, or when ``notify.advance_days`` is 0)."""
    if state != "approved" or not stage.workspace.config.notify.advance_days:
        return []
    return notices_missing(stage.workspace, app_id)


def _plan_steps(stage: Stage, action: str, advance: list[Channel] | None = None) -> list[Step]:
    channels = stage.workspace.config.notify.channels
    return ([Step(f"notify-advance:{c}", f"notify({c}) affected users: advance notice", True)
             for c in advance or ()]
            + [Step(f"notify-before:{c}", f"notify({c}) affected users", True) for c in channels]
            + [Step("save-scope", "get_app → keep the visible scope for rollback", False),
               Step("revoke", "set_visible_scope(only_admin_visible=True)", True),
               Step(action, f"{action}(app)", True),
               Step("verify", "get_app status + visible_to(ordinary user)", False),
               Step("residue", "list integrations, approval templates, jobs to clean", False)]
            + [Step(f"notify-after:{c}", f"notify({c}) affected users", True) for c in channels])


def run_disable(stage: Stage, app_id: str, *, dry_run: bool = True, confirm: str = "",
                override_reason: str = "", today: dt.date | None = None) -> DisableRun:
    """Tell people in advance, then — on or after the planned date — revoke, disable (or
    unlink), verify, list residue, notify; or, dry, say what a real run would do and why it
    may not.

    The advance notice (停用指南 FAQ 3) goes out only from a real run: a dry run tells no one
    of a disable it will not perform. A real run before the planned date sends the notice
    (authorized as ``notify_in_advance``: everything the disable needs, and at least
    ``notify.advance_days`` of notice or a written reason) and stops; run again on or after
    the planned date. Every gate is decided before the first effect: a refusal changes
    nothing anywhere."""
    today = today or workspace_today(stage.workspace)
    if dry_run:
        state, _, pending = _approval(stage, app_id)
        plan = _plan_of(stage, app_id, pending)
        steps = _plan_steps(stage, plan["action"] if plan else planned_action(stage, app_id),
                            advance_missing(stage, app_id, state))
        decision = authorize(stage.workspace, app_id, disable_step(state), plan=plan,
                             confirm=confirm, override_reason=override_reason,
                             actor=stage.analyst, today=today, platform=stage.platform,
                             look=True)
        return _closed(app_id, True, steps, state, decision, override_reason)
    with app_lock(stage.workspace.root, app_id, "disable"):
        state, approved, pending = _approval(stage, app_id)  # as it is now, under the lock
        plan = _plan_of(stage, app_id, pending)
        told: list[Step] = []
        if (advance := advance_missing(stage, app_id, state)) and approved is not None \
                and plan is not None:
            notice = require(authorize(stage.workspace, app_id, "notify_in_advance", plan=plan,
                                       confirm=confirm, override_reason=override_reason,
                                       actor=stage.analyst, today=today,
                                       platform=stage.platform, dry_run=False))
            told = send_advance_notice(stage, app_id, plan, approved["instance_id"], notice,
                                       today, advance)
        if plan is not None and state == "approved" and today < dt.date.fromisoformat(
                plan["date"]):
            # Told, not yet due: the disable keeps the day people were told.
            decision = authorize(stage.workspace, app_id, disable_step(state), plan=plan,
                                 confirm=confirm, override_reason=override_reason,
                                 actor=stage.analyst, today=today, platform=stage.platform,
                                 look=True)
            return _closed(app_id, False, told, state, decision, override_reason)
        grant = require(authorize(stage.workspace, app_id, disable_step(state), plan=plan,
                                  confirm=confirm, override_reason=override_reason,
                                  actor=stage.analyst, today=today, platform=stage.platform,
                                  dry_run=False))
        if approved is None or pending is None or plan is None:  # granted: it was approved
            raise refused(app_id, "disable", "err.not_approved")
        return _execute(stage, app_id, plan, approved["instance_id"], grant,
                        _plan_steps(stage, plan["action"]), pending, told, today)


def _closed(app_id: str, dry_run: bool, steps: list[Step], state: str,
            decision: Grant | Refusal, override_reason: str = "") -> DisableRun:
    """A run that does not (or, dry, would not) go ahead, with what keeps it closed; what the
    written reason will pass is not listed."""
    unmet = decision.unmet if isinstance(decision, Refusal) else ()
    if override_reason and any(not u.overridable for u in unmet):
        unmet = tuple(u for u in unmet if not u.overridable)
    return DisableRun(app_id, dry_run, steps, state, "; ".join(u.text for u in unmet), unmet)


def send_advance_notice(stage: Stage, app_id: str, plan: dict, instance: str, grant: Grant,
                        today: dt.date, channels: list[Channel]) -> list[Step]:
    """The advance notice (停用预告) on each of ``channels``, once each (an idempotency key per
    request and channel), to everyone the app's visible scope lets in. Its ledger record keeps
    the planned date, the day it went, the days of notice, who was told and the override that
    allowed a shorter notice. A failure stops the run before any change."""
    platform, config = stage.platform, stage.workspace.config
    planned = dt.date.fromisoformat(plan["date"])
    apps = stage.inventory.apps.set_index("app_id")
    alternative = apps.loc[app_id, "alternative"]
    # People who will not reach the replacement (only when a reason passed the gap) are told
    # whom to ask for access.
    readiness = readiness_now(stage.workspace, app_id, platform)
    title, text = render("advance", stage.language, app_name=stage.inventory.app_name(app_id),
                         date=spoken_date(planned, stage.language), instance_id=instance,
                         days=(planned - today).days, contact=config.notify.email_from,
                         alternative=alternative if isinstance(alternative, str) else "",
                         without_access=without_access(readiness, stage.language))
    scope = platform.get_app(app_id).scope
    user_ids, emails = affected_people(stage, scope)
    record = {"planned_date": plan["date"], "sent_on": today.isoformat(),
              "days": (planned - today).days, "advance_days": config.notify.advance_days,
              "language": stage.language, "user_ids": user_ids,
              "dept_ids": list(scope.dept_ids)}
    if grant.override:
        record["override"] = grant.override
    message = Message(title, text, user_ids, emails, scope.dept_ids)
    steps = []
    with stage.workspace.ledger() as ledger:
        for channel in channels:
            try:
                ran = send_once(stage, ledger, grant, app_id, channel,
                                notice_key(app_id, instance, "advance", channel),
                                f"notify-advance:{channel}", message, record)
            except ManualStepRequired:
                raise  # a person sends it; the stage resumes after the confirmation
            except PlatformError as exc:
                raise _notice_failed("life.advance_failed", app_id, channel, exc) from None
            steps.append(Step(f"notify-advance:{channel}",
                              f"notify({channel}) affected users: advance notice", True).ran(ran))
    return steps


def _settle_scope(platform: Platform, app_id: str, scope: Scope):
    """Asks the platform whether the app's visible scope is ``scope`` already."""
    def settle() -> tuple[bool, None]:
        platform.forget(app_id)  # asked of the platform, not of a cached answer
        return platform.get_app(app_id).scope == scope, None
    return settle


def _settle_status(platform: Platform, app_id: str, status: str):
    """Asks the platform whether the app's status is ``status`` already."""
    def settle() -> tuple[bool, None]:
        platform.forget(app_id)  # asked of the platform, not of a cached answer
        return platform.get_app(app_id).status == status, None
    return settle


def _repeat_safe():
    """A step without effect outside the kit (a read, a list): doing it again is harmless."""
    return False, None


def _disable_day(stage: Stage, app_id: str, today: dt.date) -> dt.date:
    """The day the app was disabled (the ledger's, in the workspace's time zone), else
    ``today``: what the notice after the disable names, even when it is sent on a retry."""
    with stage.workspace.ledger() as ledger:
        disabled = ledger.last(app_id, "disabled")
    local = to_local(disabled.ts, stage.workspace.config.zone) if disabled else None
    return local.date() if local else today


def _execute(stage: Stage, app_id: str, plan: dict, instance: str, grant: Grant,
             steps: list[Step], pending: dict, told: list[Step] | None = None,
             today: dt.date | None = None) -> DisableRun:
    platform = stage.platform
    config = stage.workspace.config
    today = today or workspace_today(stage.workspace)
    name = stage.inventory.app_name(app_id)
    alternative = stage.inventory.apps.set_index("app_id").loc[app_id, "alternative"]
    reason = form_value(pending.get("form", {}), "reason")
    values = {"app_name": name, "date": spoken_date(today, stage.language),
              "instance_id": instance, "reason": reason if isinstance(reason, str) else "",
              "alternative": alternative if isinstance(alternative, str) else "",
              "contact": config.notify.email_from}
    # People who will not reach the replacement (only when a reason passed the gap) are told
    # whom to ask for access.
    values["without_access"] = without_access(readiness_now(stage.workspace, app_id, platform),
                                              stage.language)
    done: list[Step] = list(told or ())

    def key(step: str) -> str:
        return f"{app_id}:{instance}:{step}"

    gate = {k: grant.data[k] for k in ("plan_hash", "manifest_hash", "confirm")
            if k in grant.data}
    with stage.workspace.ledger() as ledger:
        def once(step: Step, perform, settle=_repeat_safe) -> Any:  # the step's result
            result, ran = ledger.run_once(key(step.name), app_id, step.name, stage.analyst,
                                          perform, settle, grant=grant)
            done.append(step.ran(ran))
            return result

        def move(state: str, data: dict) -> None:
            if ORDER.index(ledger.state(app_id)) < ORDER.index(state):
                ledger.transition(app_id, state, stage.analyst, data, grant=grant)

        by_name = {s.name: s for s in steps}
        scope = once(by_name["save-scope"], lambda: asdict(platform.get_app(app_id).scope))
        user_ids, emails = affected_people(stage, Scope.from_record(scope))
        def notify(phase: str) -> None:
            """Tell people on every channel. Before the change a failure stops everything;
            after it, the failure is recorded (run_once) for retry_notifications()."""
            day = today if phase == "before" else _disable_day(stage, app_id, today)
            title, text = render(phase, stage.language,
                                 **{**values, "date": spoken_date(day, stage.language)})
            message = Message(title, text, user_ids, emails, Scope.from_record(scope).dept_ids)
            for step in [s for s in steps if s.name.startswith(f"notify-{phase}:")]:
                channel = cast(Channel, step.name.split(":", 1)[1])  # the plan's channels
                try:
                    done.append(step.ran(send_once(stage, ledger, grant, app_id, channel,
                                                   key(step.name), step.name, message)))
                except ManualStepRequired:
                    raise  # a person sends it; the stage resumes after the confirmation
                except PlatformError as exc:
                    if phase == "before":
                        raise _notice_failed("life.before_failed", app_id, channel,
                                             exc) from None
                    done.append(Step(step.name, step.call, True, "failed",
                                     said("life.failed_retry", error=exc)))

        notify("before")
        admins_only = Scope(only_admin_visible=True)
        once(by_name["revoke"], lambda: platform.set_visible_scope(
            app_id, admins_only, key=key("revoke")), _settle_scope(platform, app_id, admins_only))
        move("access_revoked", {**gate, "saved_scope": scope})
        action = plan["action"]
        operation = platform.unlink if action == "unlink" else platform.disable
        once(by_name[action], lambda: operation(app_id, key=key(action)),
             _settle_status(platform, app_id, "unlinked" if action == "unlink" else "disabled"))
        move("disabled", {**gate, "action": action})
        # Where the kit cannot read the platform (the manual console), the check asks for
        # evidence of the end state itself: a new file, not the earlier steps' confirmations.
        proof = platform.end_state_evidence(
            app_id, "unlinked" if action == "unlink" else "disabled", key=key("verify"))
        platform.forget(app_id)  # the verification reads the platform, not a cached answer
        app = platform.get_app(app_id)
        ordinary = next((u for u in user_ids if not app.is_admin(u)), None)
        still_visible = ordinary is not None and platform.visible_to(ordinary, app_id)
        if proof:  # the end state proven by its own evidence (a console step)
            verified = Step("verify", by_name["verify"].call, False, "done", t(
                "console.verified", stage.language, status=t(
                    f"console.status.{'unlinked' if action == 'unlink' else 'disabled'}",
                    stage.language), file=proof["evidence"], digest=proof["evidence_sha256"]))
        else:
            verified = Step("verify", by_name["verify"].call, False, "done",
                            f"status {app.status}; {ordinary} can see it: {still_visible}",
                            "step.verified", {"status": app.status, "who": ordinary or "",
                                              "visible": still_visible})
        done.append(verified)
        if app.status == "enabled" or still_visible:
            raise refused(app_id, "verify_disable", "err.still_shown", status=app.status,
                          who=ordinary, visible=still_visible)
        # The scope as the platform shows it at the disable: what the watch compares with.
        move("verified_disabled", {"status": app.status, "checked_user": ordinary,
                                   "scope": asdict(app.scope), **(proof or {})})
        once(by_name["residue"], lambda: residue(stage, app_id))  # kept as the action's result
        notify("after")
        state = ledger.state(app_id)
    return DisableRun(app_id, False, done, state)


def retry_notifications(stage: Stage, app_id: str) -> DisableRun:
    """Run again the notifications of a disable that failed; the disable itself stays."""
    with app_lock(stage.workspace.root, app_id, "retry_notifications"):
        _, approved, pending = _approval(stage, app_id)
        grant = require(authorize(stage.workspace, app_id, "retry_notifications",
                                  actor=stage.analyst, dry_run=False))
        plan = _plan_of(stage, app_id, pending)
        if approved is None or pending is None or plan is None:  # granted: it was disabled
            raise refused(app_id, "retry_notifications", "err.not_approved")
        return _execute(stage, app_id, plan, approved["instance_id"], grant,
                        _plan_steps(stage, plan["action"]), pending)


@dataclass(frozen=True)
class GrantRun:
    """Access to the replacement for the people an app's retirement would leave without it
    (解除免费关联 四.3): who is (or, dry, would be) added to its visible scope."""

    app_id: str
    replacement: str  # the replacement's name ("" when the app names none of the inventory)
    dry_run: bool
    people: pd.DataFrame  # user_id, name, department
    steps: list[Step]
    blocked: str = ""  # why a real run may not go ahead now ("" when it may), in English
    unmet: tuple[Unmet, ...] = ()  # the same, condition by condition

    def table(self, language: Language = "zh") -> pd.DataFrame:
        return steps_table(self.steps, language)

    def lines(self, language: str = "zh") -> list[str]:
        """What it did or would do, in the reader's language (the refusal as the gate says)."""
        lang: Language = "en" if language == "en" else "zh"
        if not self.replacement:
            return [t("grant.none", lang)]
        n, name = len(self.people), self.replacement
        if not n:
            text = t("grant.nobody", lang, name=name)
        elif self.dry_run:
            text = t("grant.dry", lang, n=n, name=name)
        else:
            done = any(s.status == "done" for s in self.steps)
            text = t("grant.done" if done else "grant.already", lang, n=n, name=name)
        return [text] + [u.say(lang) for u in self.unmet]


def grant_key(app_id: str, replacement_id: str, user_ids: list[str]) -> str:
    """The idempotency key of adding these people: the same people, the same key."""
    people = ",".join(sorted(canonical_user_id(u) for u in user_ids))
    return (f"{app_id}:grant-replacement:{replacement_id}:"
            f"{hashlib.sha256(people.encode()).hexdigest()[:16]}")


def grant_replacement(stage: Stage, app_id: str, *, dry_run: bool = True,
                      confirm: str = "") -> GrantRun:
    """Add everyone who loses ``app_id`` but cannot open its replacement to the
    replacement's visible scope — or, dry, say who and change nothing.

    Under its own gate (``grant_replacement``: a retirement under way, a replacement the kit
    can widen, the typed confirmation = ``app_id``), decided before the platform call; the
    call runs once under a key of the people added (a rerun adds nobody twice). On the manual
    platform it is a console step a person confirms."""
    readiness = readiness_now(stage.workspace, app_id, stage.platform)
    if readiness is None:
        return GrantRun(app_id, "", dry_run, pd.DataFrame(columns=COLUMNS), [])
    people = readiness.missing
    call = Step("grant-replacement", f"add_to_scope({readiness.replacement_id}, "
                f"{len(people)} people)", True)
    if dry_run:
        decision = authorize(stage.workspace, app_id, "grant_replacement", confirm=confirm,
                             actor=stage.analyst, platform=stage.platform)
        return GrantRun(app_id, readiness.replacement, True, people,
                        [call] if len(people) else [], "" if decision else decision.why,
                        () if decision else decision.unmet)
    platform = stage.platform
    with app_lock(stage.workspace.root, app_id, "grant_replacement"):
        grant = require(authorize(stage.workspace, app_id, "grant_replacement", confirm=confirm,
                                  actor=stage.analyst, platform=platform, dry_run=False))
        facts = grant.data["replacement"]
        users, target = list(facts["missing"]), facts["replacement_id"]
        people = people[people["user_id"].isin(users)].reset_index(drop=True)
        if not users:
            return GrantRun(app_id, readiness.replacement, False, people, [])
        labels = {r.user_id: f"{r.name}({r.user_id},{r.department})"
                  for r in people.itertuples()}
        key = grant_key(app_id, target, users)

        def perform() -> list[str]:
            platform.add_to_scope(target, users, key=key, labels=labels)
            return sorted(users)

        def settle() -> tuple[bool, object]:
            scope = {canonical_user_id(u) for u in platform.get_app(target).scope.user_ids}
            return ({canonical_user_id(u) for u in users} <= scope, sorted(users))

        with stage.workspace.ledger() as ledger:
            _, ran = ledger.run_once(key, app_id, "grant-replacement", stage.analyst, perform,
                                     settle, grant=grant)
    step = Step(call.name, call.call, True, "done" if ran else "skipped",
                "" if ran else "already done")
    return GrantRun(app_id, readiness.replacement, False, people, [step])


@dataclass(frozen=True)
class RollbackPlan:
    """A re-enable before it happens: the contract's term and fees (停用指南 FAQ 2), the
    steps, and why it may not go ahead now ("" when it may)."""

    app_id: str
    terms: ReenableTerms
    steps: list[Step]
    blocked: str  # in English; a missing saved scope is a Said (core.said), in each language

    unmet: tuple[Unmet, ...] = ()

    def lines(self, language: Language = "zh") -> list[str]:
        return [*self.terms.lines(language), *(
            [u.say(language) for u in self.unmet] or
            [in_language(self.blocked, language) if self.blocked else
             t("rollback.open", language)])]


def _rollback_decision(stage: Stage, app_id: str, confirm: str, override_reason: str,
                       as_of: dt.date | None, dry_run: bool = True
                       ) -> tuple[ReenableTerms, Grant | Refusal]:
    # The contracts table read now: a stage opened without it must not look contract-free.
    terms = reenable_terms(stage.workspace.inventory(["contracts"]), app_id,
                           as_of or dt.date.today())
    return terms, authorize(stage.workspace, app_id, "re_enable", confirm=confirm,
                            override_reason=override_reason, actor=stage.analyst,
                            facts=terms.facts(), dry_run=dry_run)


def rollback_plan(stage: Stage, app_id: str, confirm: str = "", override_reason: str = "",
                  as_of: dt.date | None = None) -> RollbackPlan:
    """What a rollback would do and cost; changes nothing."""
    terms, decision = _rollback_decision(stage, app_id, confirm, override_reason, as_of)
    steps = [Step("enable", "enable(app)", True),
             Step("restore-scope", "set_visible_scope(the scope saved before revocation)", True)]
    if not decision:
        return RollbackPlan(app_id, terms, steps, decision.why, decision.unmet)
    if saved_scope(stage, app_id) is None:  # what the real run refuses with, said the same
        return RollbackPlan(app_id, terms, steps, said("rollback.no_saved_scope"))
    return RollbackPlan(app_id, terms, steps, "")


def saved_scope(stage: Stage, app_id: str) -> Scope | None:
    """The visible scope kept when the app's access was revoked, or None when the ledger has
    none (an app retired outside the kit, or a history imported without it)."""
    with stage.workspace.ledger() as ledger:
        revoked = ledger.last(app_id, "access_revoked")
    raw = revoked.data.get("saved_scope") if revoked is not None else None
    return Scope.from_record(raw) if isinstance(raw, dict) else None


def rollback(stage: Stage, app_id: str, confirm: str, override_reason: str = "",
             as_of: dt.date | None = None, *, dry_run: bool = True) -> DisableRun:
    """Re-enable the app and restore the visible scope saved before revocation, exactly —
    only with ``dry_run=False``; dry (the default), say what it would do and change nothing.

    The contract is checked first (停用指南 FAQ 2): one that ended refuses the re-enable
    unless ``override_reason`` says why; its terms are kept with the re-enable."""
    if dry_run:
        plan = rollback_plan(stage, app_id, confirm, override_reason, as_of)
        with stage.workspace.ledger() as ledger:
            state = ledger.state(app_id)
        return DisableRun(app_id, True, plan.steps, state, plan.blocked, plan.unmet)
    with app_lock(stage.workspace.root, app_id, "re_enable"):
        terms, decision = _rollback_decision(stage, app_id, confirm, override_reason, as_of,
                                             dry_run=False)
        grant = require(decision)
        _, approved, _ = _approval(stage, app_id)
        if approved is None:  # granted: access was revoked, so the request was approved
            raise refused(app_id, "re_enable", "err.not_approved")
        instance = approved["instance_id"]
        platform = stage.platform
        # A ledger may reach 'disabled' without the kit's revocation (the gate allows approved
        # to disabled; a history imported): without a saved scope there is nothing to restore
        # exactly, and nothing is done.
        saved = saved_scope(stage, app_id)
        if saved is None:
            raise refused(app_id, "re_enable", "rollback.no_saved_scope")
        with stage.workspace.ledger() as ledger:
            steps = []
            for name, perform, settle in (
                    ("enable", lambda: platform.enable(app_id, key=f"{app_id}:{instance}:enable"),
                     _settle_status(platform, app_id, "enabled")),
                    ("restore-scope", lambda: platform.set_visible_scope(
                        app_id, saved, key=f"{app_id}:{instance}:restore-scope"),
                     _settle_scope(platform, app_id, saved))):
                _, ran = ledger.run_once(f"{app_id}:{instance}:{name}", app_id, name,
                                         stage.analyst, perform, settle, grant=grant)
                steps.append(Step(name, name, True, "done" if ran else "skipped"))
            if ledger.state(app_id) != "re_enabled":
                ledger.transition(app_id, "re_enabled", stage.analyst,
                                  {"restored_scope": asdict(saved), **terms.facts()},
                                  grant=grant)
            return DisableRun(app_id, False, steps, ledger.state(app_id))
