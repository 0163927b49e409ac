"""Revoking access and disabling an app (停用指南 stages 四, 七; unlinking a free association as
the guide to ending 进销存's free association describes), and rolling back (停用指南 FAQ 2:
re-enable).

Every step runs under an idempotency key derived from the approved request, so a rerun after a
crash repeats nothing that finished. Dry run is the default: it lists the calls a real run would
make and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import pandas as pd

from decomkit.approval import make_plan, plan_hash, planned_action
from decomkit.backup import verify_backup
from decomkit.errors import DecomkitError, ManualStepRequired, PlatformError, TransitionError
from decomkit.ledger import STATES
from decomkit.notify import render, send
from decomkit.platforms import Scope
from decomkit.stage import Stage

ORDER = list(STATES)


@dataclass(frozen=True)
class Step:
    name: str  # notify-before:<channel>, save-scope, revoke, disable|unlink, verify, residue, …
    call: str  # the platform call, as an operator would read it
    changes_platform: bool
    status: str = "planned"  # planned | done | skipped | failed
    detail: str = ""


@dataclass(frozen=True)
class DisableRun:
    app_id: str
    dry_run: bool
    steps: list[Step]
    state: str
    blocked: str = ""  # why a real run may not go ahead now ("" when it may)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(s) for s in self.steps])


class NotificationFailed(DecomkitError):
    """A notification before the change failed; nothing was changed."""


def _context(stage: Stage, app_id: str) -> tuple[dict, dict]:
    with stage.workspace.ledger() as ledger:
        approved = ledger.last(app_id, "approved")
        pending = ledger.last(app_id, "approval_pending")
    if approved is None or pending is None:
        raise TransitionError(app_id, "disable", "the request is not approved (run 03_approval)")
    return approved.data, pending.data


def current_manifest_hash(stage: Stage, app_id: str) -> str:
    """Verify the backup again now; its manifest hash, or a refusal naming what changed."""
    report = verify_backup(stage.workspace, app_id, actor=stage.analyst)
    if not report.ok:
        raise TransitionError(app_id, "disable", "the backup no longer verifies ("
                              + "; ".join(report.problems[:3]) + "); back up and verify again")
    return report.manifest_hash


def saved_scope(raw: dict) -> Scope:
    """The scope saved before revocation, as the ledger keeps it (lists), back as a Scope."""
    return Scope(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})


def affected_people(stage: Stage, scope: Scope) -> tuple[list[str], list[str]]:
    """(user ids, emails) of everyone the saved visible scope let in."""
    users = stage.inventory.users
    inside = [scope.includes(u, d) for u, d in zip(users["user_id"], users["department"],
                                                   strict=True)]
    users = users[inside]
    return list(users["user_id"]), list(users["email"].dropna())


def residue(stage: Stage, app_id: str) -> list[str]:
    """What still references the app after it is off (停用指南 stage 七, 清理软件残留)."""
    inv = stage.inventory
    tasks = [f"detach integration {r.integration_id} ({r.system})"
             for r in inv.integrations[inv.integrations["app_id"] == app_id].itertuples()]
    processes = inv.processes[inv.processes["app_id"] == app_id]
    tasks += [f"retire approval template '{t}'" for t in processes["approval_template"].dropna()]
    tasks += [f"update business process {r.process_id} '{r.name}'" for r in processes.itertuples()]
    tasks.append(f"remove scheduled jobs and exports that read {app_id}")
    return tasks


def _plan_steps(stage: Stage, action: str) -> list[Step]:
    channels = stage.workspace.config.notify.channels
    return ([Step(f"notify-before:{c}", f"notify({c}) affected users", True) for c in channels]
            + [Step("save-scope", "get_app → keep the visible scope for rollback", False),
               Step("revoke", "set_visible_scope(only_admin_visible=True)", True),
               Step(action, f"{action}(app)", True),
               Step("verify", "get_app status + visible_to(ordinary user)", False),
               Step("residue", "list integrations, approval templates, jobs to clean", False)]
            + [Step(f"notify-after:{c}", f"notify({c}) affected users", True) for c in channels])


def run_disable(stage: Stage, app_id: str, *, dry_run: bool = True, confirm: str = "",
                override_reason: str = "") -> DisableRun:
    """Revoke, disable (or unlink), verify, list residue, notify — or, dry, say so."""
    try:
        approved, pending = _context(stage, app_id)
    except TransitionError as exc:
        if not dry_run:
            raise
        with stage.workspace.ledger() as ledger:  # a dry run still shows the calls it would make
            current = ledger.state(app_id)
        return DisableRun(app_id, True, _plan_steps(stage, planned_action(stage, app_id)),
                          current, exc.missing)
    plan = make_plan(stage, app_id, dt.date.fromisoformat(pending["plan"]["date"]))
    steps = _plan_steps(stage, plan["action"])
    with stage.workspace.ledger() as ledger:
        state = ledger.state(app_id)
    gate = {"plan_hash": plan_hash(plan), "confirm": confirm}
    if dry_run:
        gate["manifest_hash"] = ledger_verified_hash(stage, app_id)
        with stage.workspace.ledger() as ledger:
            blocked = _blocked(ledger, app_id, state, gate)
        return DisableRun(app_id, True, steps, state, blocked)
    gate["manifest_hash"] = current_manifest_hash(stage, app_id)
    with stage.workspace.ledger() as ledger:
        blocked = _blocked(ledger, app_id, state, gate)
    if blocked and not override_reason:
        raise TransitionError(app_id, "disable", blocked)
    return _execute(stage, app_id, plan, approved["instance_id"], gate, steps, override_reason,
                    pending)


def ledger_verified_hash(stage: Stage, app_id: str) -> str | None:
    with stage.workspace.ledger() as ledger:
        verified = ledger.last(app_id, "backup_verified")
    return verified.data["manifest_hash"] if verified else None


def _blocked(ledger, app_id: str, state: str, gate: dict) -> str:
    if ORDER.index(state) >= ORDER.index("verified_disabled") and state != "re_enabled":
        return ""  # already done: a rerun only finishes what is left
    target = "disabled" if state == "access_revoked" else "access_revoked"
    try:
        return ledger.missing(app_id, target, gate)
    except TransitionError as exc:
        return exc.missing


def _execute(stage: Stage, app_id: str, plan: dict, instance: str, gate: dict,
             steps: list[Step], override_reason: str, pending: dict) -> DisableRun:
    platform = stage.platform
    config = stage.workspace.config
    name = stage.inventory.apps.set_index("app_id").loc[app_id, "name"]
    alternative = stage.inventory.apps.set_index("app_id").loc[app_id, "alternative"]
    values = {"app_name": name, "date": plan["date"], "instance_id": instance,
              "reason": pending.get("form", {}).get("停用原因 / Reason", ""),
              "alternative": alternative if isinstance(alternative, str) else "",
              "contact": config.notify.email_from}
    done: list[Step] = []

    def key(step: str) -> str:
        return f"{app_id}:{instance}:{step}"

    with stage.workspace.ledger() as ledger:
        def once(step: Step, perform) -> object:
            result, ran = ledger.run_once(key(step.name), app_id, step.name, stage.analyst,
                                          perform)
            done.append(Step(step.name, step.call, step.changes_platform,
                             "done" if ran else "skipped", "" if ran else "already done"))
            return result

        def move(state: str, data: dict) -> None:
            if ORDER.index(ledger.state(app_id)) < ORDER.index(state):
                ledger.transition(app_id, state, stage.analyst, data,
                                  override_reason=override_reason)

        by_name = {s.name: s for s in steps}
        scope = once(by_name["save-scope"], lambda: asdict(platform.get_app(app_id).scope))
        user_ids, emails = affected_people(stage, saved_scope(scope))
        def notify(phase: str) -> None:
            """Tell people on every channel. Before the change a failure stops everything;
            after it, the failure is recorded (run_once) for retry_notifications()."""
            title, text = render(phase, stage.language, **values)
            for step in [s for s in steps if s.name.startswith(f"notify-{phase}:")]:
                channel = step.name.split(":", 1)[1]
                try:
                    once(step, lambda c=channel, s=step: send(
                        platform, config, c, title, text, user_ids, emails, key(s.name),
                        saved_scope(scope).dept_ids))
                except ManualStepRequired:
                    raise  # a person sends it; the stage resumes after the confirmation
                except PlatformError as exc:
                    if phase == "before":
                        raise NotificationFailed(
                            f"{app_id}: telling users before the change failed on {channel} "
                            f"({exc}); nothing was changed on the platform. Fix the channel "
                            "and run again") from None
                    done.append(Step(step.name, step.call, True, "failed",
                                     f"{exc} — retry with retry_notifications()"))

        notify("before")
        once(by_name["revoke"], lambda: platform.set_visible_scope(
            app_id, Scope(only_admin_visible=True), key=key("revoke")))
        move("access_revoked", {**gate, "saved_scope": scope})
        action = plan["action"]
        operation = platform.unlink if action == "unlink" else platform.disable
        once(by_name[action], lambda: operation(app_id, key=key(action)))
        move("disabled", {**gate, "action": action})
        app = platform.get_app(app_id)
        ordinary = next((u for u in user_ids if u not in app.admins), None)
        still_visible = ordinary is not None and platform.visible_to(ordinary, app_id)
        done.append(Step("verify", by_name["verify"].call, False, "done",
                         f"status {app.status}; {ordinary} can see it: {still_visible}"))
        if app.status == "enabled" or still_visible:
            raise TransitionError(app_id, "verify the disable",
                                  f"the platform still shows it ({app.status}, visible to "
                                  f"{ordinary}: {still_visible}); check the console, then rerun")
        move("verified_disabled", {"status": app.status, "checked_user": ordinary})
        once(by_name["residue"], lambda: residue(stage, app_id))  # kept as the action's result
        notify("after")
        state = ledger.state(app_id)
    return DisableRun(app_id, False, done, state)


def retry_notifications(stage: Stage, app_id: str) -> DisableRun:
    """Run again the notifications of a disable that failed; the disable itself stays."""
    with stage.workspace.ledger() as ledger:
        state = ledger.state(app_id)
    if ORDER.index(state) < ORDER.index("verified_disabled"):
        raise TransitionError(app_id, "retry notifications", "the disable has not finished; "
                              "run 04_disable again instead")
    approved, pending = _context(stage, app_id)
    plan = make_plan(stage, app_id, dt.date.fromisoformat(pending["plan"]["date"]))
    return _execute(stage, app_id, plan, approved["instance_id"], {}, _plan_steps(
        stage, plan["action"]), "", pending)


def rollback(stage: Stage, app_id: str, confirm: str) -> DisableRun:
    """Re-enable the app and restore the visible scope saved before revocation, exactly."""
    if confirm != app_id:
        raise TransitionError(app_id, "roll back", f"the typed confirmation must equal the app "
                              f"id '{app_id}'")
    approved, _ = _context(stage, app_id)
    instance = approved["instance_id"]
    platform = stage.platform
    with stage.workspace.ledger() as ledger:
        revoked = ledger.last(app_id, "access_revoked")
        if revoked is None:
            raise TransitionError(app_id, "roll back", "access was never revoked: nothing to undo")
        saved = revoked.data["saved_scope"]
        steps = []
        for name, perform in (
                ("enable", lambda: platform.enable(app_id, key=f"{app_id}:{instance}:enable")),
                ("restore-scope", lambda: platform.set_visible_scope(
                    app_id, saved_scope(saved), key=f"{app_id}:{instance}:restore-scope"))):
            _, ran = ledger.run_once(f"{app_id}:{instance}:{name}", app_id, name, stage.analyst,
                                     perform)
            steps.append(Step(name, name, True, "done" if ran else "skipped"))
        if ledger.state(app_id) != "re_enabled":
            ledger.transition(app_id, "re_enabled", stage.analyst, {"restored_scope": saved})
        return DisableRun(app_id, False, steps, ledger.state(app_id))
