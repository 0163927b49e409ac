"""The one gate authority: decides an action now, before any of its effects.

The gate table (``decomkit.proof.gates``) says what each action needs; this module reads what it
asks of the world — the plan's hash, the backup read back from its target — and returns a
:class:`~decomkit.proof.gates.Grant` or a :class:`~decomkit.proof.gates.Refusal`. Every effect of
the kit is authorized here; the ledger checks the same table again when the transition is
recorded."""

from __future__ import annotations

from collections.abc import Sequence

from decomkit.context.workspace import Workspace
from decomkit.core.canonical import plan_hash
from decomkit.custody.verify import verify_backup
from decomkit.proof.gates import GATES, Grant, Refusal, decide, evaluate


def authorize(workspace: Workspace, app_id: str, action: str, *, plan: dict | None = None,
              confirm: str = "", override_reason: str = "", requester: str = "",
              approvers: Sequence[str] | None = None, actor: str = "",
              facts: dict | None = None) -> Grant | Refusal:
    """Decide ``action`` for ``app_id`` now, before any of its effects; nothing is written.

    ``plan`` is the plan the action carries out (its hash must be the approved one),
    ``confirm`` the typed confirmation, ``requester``/``approvers`` the people of an approval
    request, ``facts`` further data a condition reads (the approval records).
    """
    gate = GATES[action]
    data: dict = dict(facts or {})
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
