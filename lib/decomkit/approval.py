"""Asking for approval (停用指南 stages 五, 六): the request, its submission, tracking, reminders,
rejection and resubmission, withdrawal.

An approval is bound to the hash of the plan it approves — app, action, scope, date — so a disable
whose plan differs from the approved one is refused as stale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from decomkit.errors import TransitionError
from decomkit.ledger import Event, canonical_json
from decomkit.platforms import ApprovalRequest, ApprovalStatus
from decomkit.stage import Stage

SCOPE_AFTER_REVOKE = "admins_only"


def planned_action(stage: Stage, app_id: str) -> str:
    """'unlink' for a free association (解除免费关联), 'disable' for everything else."""
    apps = stage.inventory.apps.set_index("app_id")
    return "unlink" if apps.loc[app_id, "kind"] == "association" else "disable"


def make_plan(stage: Stage, app_id: str, planned_date: dt.date) -> dict:
    return {"app_id": app_id, "action": planned_action(stage, app_id),
            "scope": SCOPE_AFTER_REVOKE, "date": planned_date.isoformat()}


def plan_hash(plan: dict) -> str:
    return hashlib.sha256(canonical_json(plan).encode("utf-8")).hexdigest()


def requester(stage: Stage) -> str:
    """The platform user who asks: the configured DingTalk operator, else the analyst."""
    return stage.workspace.config.dingtalk.operator_user_id or stage.analyst


def build_request(stage: Stage, app_id: str, plan: dict, reason: str) -> ApprovalRequest:
    """The request form of 停用指南 stage 五: app, reason, planned date, impact, backup
    verification."""
    config = stage.workspace.config
    chain = tuple(a.user_id for a in config.approval.chain)
    originator = requester(stage)
    if not chain:
        raise TransitionError(app_id, "request approval",
                              "no approvers: add [[approval.chain]] entries to decomkit.toml")
    if originator in chain:
        raise TransitionError(app_id, "request approval",
                              f"the requester {originator} is also an approver; the requester "
                              "cannot approve their own request: change the chain or the operator")
    with stage.workspace.ledger() as ledger:
        decided = ledger.last(app_id, "decided")
        assessed = ledger.last(app_id, "assessed")
        verified = ledger.last(app_id, "backup_verified")
        seq, head = ledger.head()  # the ledger as it stood when the request was made
    name = stage.inventory.apps.set_index("app_id").loc[app_id, "name"]
    impact = (assessed.data.get("impact", {}) if assessed else {}).get("reasons", [])
    form = {
        "应用 / App": f"{name} ({app_id})",
        "操作 / Action": plan["action"],
        "停用原因 / Reason": reason or "; ".join(decided.data.get("reasons", [])[:3]),
        "计划停用日期 / Planned date": plan["date"],
        "影响 / Impact": "; ".join(impact[:5]) or "-",
        "备份验证 / Backup verification": verified.data["manifest_hash"] if verified else "-",
        "计划摘要 / Plan hash": plan_hash(plan),
        "台账校验 / Ledger checkpoint": f"{seq}:{head}",
    }
    return ApprovalRequest(app_id, f"停用申请:{name}", originator, chain, form)


def submit_approval(stage: Stage, app_id: str, planned_date: dt.date, reason: str = "") -> Event:
    """Submit (or, after a rejection, resubmit) the request; record it as pending."""
    plan = make_plan(stage, app_id, planned_date)
    digest = plan_hash(plan)
    platform = stage.platform
    with stage.workspace.ledger() as ledger:
        missing = ledger.missing(app_id, "approval_pending", {"plan_hash": digest})
        if missing:
            raise TransitionError(app_id, "request approval", missing)
        request = build_request(stage, app_id, plan, reason)
        platform.check_request(request)  # a form the platform cannot take: refused here
        previous = ledger.last(app_id, "approval_pending")
        attempt = len([e for e in ledger.events(app_id) if e.state == "approval_pending"]) + 1
        key = f"{app_id}:approval:{attempt}"
        instance_id, _ = ledger.run_once(key, app_id, "submit_approval", stage.analyst,
                                         lambda: platform.submit_approval(request, key=key))
        return ledger.transition(app_id, "approval_pending", stage.analyst, {
            "instance_id": instance_id, "plan_hash": digest, "plan": plan,
            "approvers": list(request.approvers), "requester": request.originator,
            "form": request.form,
            "previous_instance": previous.data["instance_id"] if previous else None})


@dataclass(frozen=True)
class Tracking:
    status: ApprovalStatus
    state: str  # the app's ledger state after tracking
    overdue_days: int  # 0 unless pending past approval.due_days
    reminded: bool


def track_approval(stage: Stage, app_id: str, now: dt.datetime | None = None) -> Tracking:
    """Ask the platform; record approval or rejection; remind the approver when overdue."""
    now = now or dt.datetime.now(dt.UTC)
    platform = stage.platform
    with stage.workspace.ledger() as ledger:
        pending = ledger.last(app_id, "approval_pending")
        if pending is None:
            raise TransitionError(app_id, "track approval", "no request was submitted "
                                  "(run 03_approval)")
        instance = pending.data["instance_id"]
        status = platform.approval_status(instance)
        data = {"instance_id": instance, "plan_hash": pending.data["plan_hash"],
                "records": list(status.records)}
        state = ledger.state(app_id)
        if state == "approval_pending" and status.approved:
            ledger.transition(app_id, "approved", stage.analyst, data)
        elif state == "approval_pending" and status.status != "RUNNING":
            refusals = [r for r in status.records if r.get("result") == "REFUSE"]
            ledger.transition(app_id, "rejected", stage.analyst, {
                **data, "withdrawn": status.status == "TERMINATED",
                "why": [r.get("comment", "") for r in refusals]})
        waited = now - dt.datetime.fromisoformat(pending.ts)
        due = stage.workspace.config.approval.due_days
        overdue = waited.days if status.status == "RUNNING" and waited.days >= due else 0
        reminded = False
        if overdue:
            reminded = _remind(stage, app_id, instance, pending, status, overdue, now, ledger)
        return Tracking(status, ledger.state(app_id), overdue, reminded)


def _remind(stage, app_id, instance, pending, status, days, now, ledger) -> bool:
    """One reminder a day to the approver whose turn it is."""
    from decomkit.notify import render

    done = {r.get("user_id") for r in status.records}
    waiting = next((u for u in pending.data["approvers"] if u not in done), None)
    if waiting is None:
        return False
    name = stage.inventory.apps.set_index("app_id").loc[app_id, "name"]
    title, text = render("reminder", stage.language, app_name=name, instance_id=instance,
                         days=days)
    key = f"{app_id}:remind:{instance}:{now.date().isoformat()}"
    from decomkit.platforms import Notification

    platform = stage.platform
    _, sent = ledger.run_once(key, app_id, "remind", stage.analyst, lambda: platform.notify(
        Notification("dingtalk_work", title, text, (waiting,)), key=key))
    return sent


def withdraw_approval(stage: Stage, app_id: str, remark: str) -> Event:
    """Withdraw a pending request (only while it runs); it can be resubmitted later."""
    platform = stage.platform
    with stage.workspace.ledger() as ledger:
        pending = ledger.last(app_id, "approval_pending")
        if ledger.state(app_id) != "approval_pending":
            raise TransitionError(app_id, "withdraw the request", "no request is pending")
        instance = pending.data["instance_id"]
        key = f"{app_id}:withdraw:{instance}"
        ledger.run_once(key, app_id, "withdraw_approval", stage.analyst, lambda: (
            platform.withdraw_approval(instance, requester(stage), remark, key=key)))
        return ledger.transition(app_id, "rejected", stage.analyst, {
            "instance_id": instance, "plan_hash": pending.data["plan_hash"],
            "withdrawn": True, "why": [remark]})


def record_outside_decision(workspace: str, app_id: str, user: str, decision: str,
                            comment: str = "", evidence: str | None = None) -> Tracking:
    """An approver acts: on the sandbox through its approval flow; on the manual platform the
    approval given outside the kit is recorded with its evidence file."""
    from decomkit.stage import open_stage

    stage = open_stage(workspace, tables=["users"])
    platform = stage.platform
    with stage.workspace.ledger() as ledger:
        pending = ledger.last(app_id, "approval_pending")
    if pending is None or ledger_state(stage, app_id) != "approval_pending":
        raise TransitionError(app_id, f"{decision} the request", "no request is pending "
                              "(run 03_approval first)")
    instance = pending.data["instance_id"]
    if not platform.records_decisions:
        raise TransitionError(app_id, f"{decision} the request",
                              f"approvers act in the {platform.name} app itself; track the "
                              "request with 03_approval")
    if evidence is not None:
        platform.decide_approval(instance, user, decision, comment, evidence=evidence)
    else:
        platform.decide_approval(instance, user, decision, comment)
    return track_approval(stage, app_id)


def ledger_state(stage: Stage, app_id: str) -> str:
    with stage.workspace.ledger() as ledger:
        return ledger.state(app_id)
