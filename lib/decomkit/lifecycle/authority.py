"""The one gate authority: decides an action now, before any of its effects.

The gate table (``decomkit.proof.gates``) says what each action needs; this module reads what it
asks of the world — the plan's hash, the backup read back from its target, the planned date
against today, the advance notices sent, the blocking findings re-checked from the exports —
and returns a :class:`~decomkit.proof.gates.Grant` or a :class:`~decomkit.proof.gates.Refusal`.
Every effect of the kit is authorized here; the ledger checks the same table again when the
transition is recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace

from decomkit.analysis.preflight import (
    Readiness,
    open_document_findings,
    replacement_readiness,
)
from decomkit.context.workspace import Workspace
from decomkit.core.canonical import plan_hash
from decomkit.core.i18n import t
from decomkit.custody.verify import verify_backup
from decomkit.platforms import Platform, Scope
from decomkit.platforms.base import Channel
from decomkit.platforms.dingtalk_imported import assessment_reads
from decomkit.proof.gates import (
    BLOCKING_FINDINGS,
    GATES,
    LANGUAGES,
    Grant,
    Refusal,
    decide,
    evaluate,
)

# Facts by the conditions that read them.
_DATED = {"planned_date_ok", "notice_period", "planned_date_reached", "notice_given"}
_NOTICE = {"notice_period", "notice_given"}


def workspace_today(workspace: Workspace) -> dt.date:
    """Today in the organisation's time zone (``timezone`` in decomkit.toml), not the
    machine's: a planned date is the organisation's day."""
    return dt.datetime.now(workspace.config.zone).date()


def notice_key(app_id: str, instance: str, kind: str, channel: str) -> str:
    """The idempotency key of a notice to the people affected: ``advance`` (停用预告) or
    ``correction`` (更正), one per approval request and channel."""
    return f"{app_id}:{instance}:notify-{kind}:{channel}"


def notices_missing(workspace: Workspace, app_id: str) -> list[Channel]:
    """The channels on which the advance notice of the standing request (the latest one) has
    not been sent; every channel before any request."""
    channels = list(workspace.config.notify.channels)
    with workspace.ledger() as ledger:
        pending = ledger.last(app_id, "approval_pending")
        if pending is None:
            return channels
        instance = pending.data["instance_id"]
        done = {c for c in channels
                if (a := ledger.action(notice_key(app_id, instance, "advance", c))) is not None
                and a.status == "done"}
    return [c for c in channels if c not in done]


def _open_documents(workspace: Workspace, app_id: str) -> list[dict]:
    return [{lang: item.text(lang) for lang in LANGUAGES}
            for item in open_document_findings(workspace, app_id) or ()]


def _admin(platform: Platform, app_id: str, operator: str) -> list[dict]:
    if platform.is_admin(operator, app_id):
        return []
    return [{lang: t("check.admin.fail", lang, operator=operator) for lang in LANGUAGES}]


# How each blocking finding of the gate table is found, now: in the workspace (the exports)…
FINDERS: dict[str, Callable[[Workspace, str], list[dict]]] = {
    "open_documents": _open_documents,
}
# … and by asking the platform (app, operator).
PLATFORM_FINDERS: dict[str, Callable[[Platform, str, str], list[dict]]] = {
    "admin": _admin,
}


def findings(workspace: Workspace, app_id: str) -> dict[str, list[dict]]:
    """The blocking findings (``gates.BLOCKING_FINDINGS``) of ``app_id`` in the workspace as
    it is now, each item with its text per language: what the disable gate holds against
    it. Those the platform answers are asked by :func:`authorize`."""
    return {name: FINDERS[name](workspace, app_id) for name in BLOCKING_FINDINGS
            if name in FINDERS}

# Actions whose replacement check may read scopes from a fresh DingTalk import (no metered
# call): the request, which changes nothing on the platform; the disable's gates read live.
FROM_IMPORT = ("request_approval",)
# States in which the app's own visible scope is the one saved before revocation.
REVOKED = ("access_revoked", "disabled", "verified_disabled", "reviewed", "closed")
READINESS_CONDITIONS = ("replacement_ready", "replacement_grantable")


def readiness_now(workspace: Workspace, app_id: str, platform: Platform | None = None, *,
                  from_import: bool = False) -> Readiness | None:
    """Whether everyone ``app_id``'s retirement affects can open its replacement, read now
    (:func:`~decomkit.analysis.preflight.replacement_readiness`): the affected people are
    those of the scope saved before revocation once access is revoked, else of the app's
    scope now. ``platform`` is the stage's own (else one is opened and closed here).
    ``from_import``: the scopes may come from a fresh DingTalk import (the assessment and the
    request; never a gate of a change, which reads the platform)."""
    inventory = workspace.inventory(["users", "app_scopes"])
    with workspace.ledger() as ledger:
        revoked = ledger.last(app_id, "access_revoked") \
            if ledger.state(app_id) in REVOKED else None
    scope = Scope.from_record(revoked.data["saved_scope"]) \
        if revoked is not None and "saved_scope" in revoked.data else None
    if platform is not None:
        reads = assessment_reads(workspace, platform)[0] if from_import else platform
        return replacement_readiness(reads, inventory, app_id, scope)
    with workspace.platform() as own:
        reads = assessment_reads(workspace, own)[0] if from_import else own
        return replacement_readiness(reads, inventory, app_id, scope)


def authorize(workspace: Workspace, app_id: str, action: str, *, plan: dict | None = None,
              confirm: str = "", override_reason: str = "", requester: str = "",
              approvers: Sequence[str] | None = None, actor: str = "",
              facts: dict | None = None, today: dt.date | None = None,
              platform: Platform | None = None, look: bool = False,
              dry_run: bool = True) -> Grant | Refusal:
    """Decide ``action`` for ``app_id`` now, before any of its effects; nothing is written.

    ``plan`` is the plan the action carries out (its hash must be the approved one; its date is
    the planned date), ``confirm`` the typed confirmation, ``requester``/``approvers`` the
    people of an approval request, ``facts`` further data a condition reads (the approval
    records), ``today`` the day it happens (default: today in the workspace's time zone).
    ``platform`` answers the findings only it knows (the operator's administrator rights, the
    operator being ``actor``), and whether the people who lose the app can open its replacement
    (read now, on ``platform`` or one opened for it, never from the caller's ``facts``). Both are
    asked only when everything else would grant the action, so a refused run makes no platform
    call, or always when ``look`` (a dry run showing the whole gate).

    Only ``dry_run=False`` (and not ``look``) gives a live grant, the one the effect layer
    (:meth:`Ledger.run_once`) accepts: a dry run cannot act, whatever else it is asked.
    """
    gate = GATES[action]
    data: dict = dict(facts or {})
    data.pop("replacement", None)
    needs = set(gate.requires)
    if confirm or "confirmation" in needs:
        data["confirm"] = confirm
    if plan is not None:
        data["plan_hash"] = plan_hash(plan)
        if needs & _DATED:
            data["planned_date"] = plan["date"]
    if needs & _DATED:
        data["today"] = (today or workspace_today(workspace)).isoformat()
    if needs & _NOTICE:
        data["advance_days"] = workspace.config.notify.advance_days
    if "notice_given" in needs:
        data["notice_missing"] = notices_missing(workspace, app_id)
    if needs & set(BLOCKING_FINDINGS):
        data["findings"] = findings(workspace, app_id)
    if requester:
        data["requester"] = requester
    if approvers is not None:
        data["approvers"] = list(approvers)
    with workspace.ledger() as ledger:
        has_backup = ledger.last(app_id, "backed_up") is not None
    if gate.verify_backup and has_backup:
        report = verify_backup(workspace, app_id, actor=actor or "authorize", record=False)
        data["manifest_hash"] = report.manifest_hash if report.ok else None
        if not report.ok:
            data["backup_problems"] = list(report.problems)
    with workspace.ledger() as ledger:
        unmet = evaluate(ledger, app_id, action, data)
    asked = [name for name in PLATFORM_FINDERS if name in needs] if platform is not None else []
    reads = bool(needs & set(READINESS_CONDITIONS))
    rest = [u for u in unmet if u.condition not in READINESS_CONDITIONS]  # unread yet
    if (asked or reads) and (look or decide(app_id, action, rest, override_reason, data)):
        imported = {"from_import": True} if action in FROM_IMPORT else {}
        if reads and (readiness := readiness_now(workspace, app_id, platform,
                                                 **imported)) is not None:
            data["replacement"] = readiness.facts()
        if platform is not None and asked:
            data["findings"] = {**data.get("findings", {}), **{
                name: PLATFORM_FINDERS[name](platform, app_id, actor) for name in asked}}
        with workspace.ledger() as ledger:
            unmet = evaluate(ledger, app_id, action, data)
    data.pop("backup_problems", None)
    decision = decide(app_id, action, unmet, override_reason, data)
    if decision and not dry_run and not look:  # only a real run's grant may take effect
        return replace(decision, live=True)
    return decision
