"""The one gate authority: decides an action now, before any of its effects.

The gate table (``decomkit.proof.gates``) says what each action needs; this module reads what it
asks of the world — the plan's hash, the backup read back from its target — and returns a
:class:`~decomkit.proof.gates.Grant` or a :class:`~decomkit.proof.gates.Refusal`. Every effect of
the kit is authorized here; the ledger checks the same table again when the transition is
recorded."""

from __future__ import annotations

from collections.abc import Sequence

from decomkit.analysis.preflight import Readiness, replacement_readiness, saved_scope
from decomkit.context.workspace import Workspace
from decomkit.core.canonical import plan_hash
from decomkit.custody.verify import verify_backup
from decomkit.platforms import Platform
from decomkit.proof.gates import GATES, Grant, Refusal, decide, evaluate

# States in which the app's own visible scope is the one saved before revocation.
REVOKED = ("access_revoked", "disabled", "verified_disabled", "reviewed", "closed")
READINESS_CONDITIONS = ("replacement_ready", "replacement_grantable")


def readiness_now(workspace: Workspace, app_id: str,
                  platform: Platform | None = None) -> Readiness | None:
    """Whether everyone ``app_id``'s retirement affects can open its replacement, read now
    (:func:`~decomkit.analysis.preflight.replacement_readiness`): the affected people are
    those of the scope saved before revocation once access is revoked, else of the app's
    scope now. ``platform`` is the stage's own (else one is opened and closed here)."""
    inventory = workspace.inventory(["users", "app_scopes"])
    with workspace.ledger() as ledger:
        revoked = ledger.last(app_id, "access_revoked") \
            if ledger.state(app_id) in REVOKED else None
    scope = saved_scope(revoked.data["saved_scope"]) \
        if revoked is not None and "saved_scope" in revoked.data else None
    if platform is not None:
        return replacement_readiness(platform, inventory, app_id, scope)
    with workspace.platform() as own:
        return replacement_readiness(own, inventory, app_id, scope)


def authorize(workspace: Workspace, app_id: str, action: str, *, plan: dict | None = None,
              confirm: str = "", override_reason: str = "", requester: str = "",
              approvers: Sequence[str] | None = None, actor: str = "",
              facts: dict | None = None, platform: Platform | None = None) -> Grant | Refusal:
    """Decide ``action`` for ``app_id`` now, before any of its effects; nothing is written.

    ``plan`` is the plan the action carries out (its hash must be the approved one),
    ``confirm`` the typed confirmation, ``requester``/``approvers`` the people of an approval
    request, ``facts`` further data a condition reads (the approval records). A gate that asks
    whether people can reach the replacement gets it read now, on ``platform`` (the stage's;
    else one opened for it), never from the caller's facts.
    """
    gate = GATES[action]
    data: dict = dict(facts or {})
    data.pop("replacement", None)
    if any(c in gate.requires for c in READINESS_CONDITIONS):
        readiness = readiness_now(workspace, app_id, platform)
        if readiness is not None:
            data["replacement"] = readiness.facts()
    if confirm or "confirmation" in gate.requires:
        data["confirm"] = confirm
    if plan is not None:
        data["plan_hash"] = plan_hash(plan)
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
    data.pop("backup_problems", None)
    return decide(app_id, action, unmet, override_reason, data)
