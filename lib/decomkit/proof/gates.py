"""Every gate of an app's lifecycle in one table, and the pure function that decides it.

An action (back up, request approval, revoke, …) may move an app to a ledger state. Its gate
names the states it may start from and the further conditions that must hold. ``evaluate`` and
``decide`` turn a ledger and the facts of a request into a :class:`Grant` or a :class:`Refusal`
that names each unmet condition. Nothing here reads the world: the gate authority
(``decomkit.lifecycle.authority.authorize``) gathers the facts — the plan's hash, the backup
read back from its target — before any effect; the ledger checks the same table again, under
its write lock, when the transition is recorded.

A written override reason may pass only the conditions its gate lists in ``may_override``;
never the typed confirmation, never a self-approval.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

from decomkit.core.errors import TransitionError
from decomkit.core.text import canonical_user_id, visible_text

MIN_OVERRIDE_REASON = 15  # characters; an override must be explained in a sentence
DECISIONS = ("retire", "review", "keep")
# The lifecycle in order: "past a state" comparisons read this.
ORDER = ("new", "assessed", "decided", "backed_up", "backup_verified", "approval_pending",
         "approved", "rejected", "access_revoked", "disabled", "verified_disabled", "re_enabled",
         "reviewed", "closed")


@dataclass(frozen=True)
class Gate:
    state: str | None  # the ledger state the action moves the app to (None: it moves none)
    after: tuple[str, ...]  # states the action may start from
    unmet_state: str  # what is missing when the app is in another state
    requires: tuple[str, ...] = ()  # further conditions, by name (CONDITIONS)
    may_override: tuple[str, ...] = ("state",)  # what a written reason may pass
    verify_backup: bool = False  # read the backup back from its target now
    continues: tuple[str, ...] = ()  # states the same run goes on to under one grant


_APPROVED = "the request is not approved (run 03_approval)"
# 解除免费关联 四.3: everyone who loses the app can still do their work (its replacement).
_DISABLE = ("confirmation", "approved", "same_plan", "backup_verifies_now", "replacement_ready")
_DISABLE_OVERRIDABLE = ("same_plan", "backup_verifies_now", "replacement_ready")
# A retirement under way, from its decision to its close (not after a rollback).
_RETIRING = ("decided", "backed_up", "backup_verified", "approval_pending", "approved",
             "rejected", "access_revoked", "disabled", "verified_disabled", "reviewed", "closed")
GATES: dict[str, Gate] = {
    "assess": Gate("assessed", ("new", "assessed", "decided"), "the app is past assessment"),
    "decide": Gate("decided", ("assessed", "decided"),
                   "the app has not been assessed (run 01_assess)", ("known_decision",)),
    "back_up": Gate("backed_up", ("decided", "backed_up", "backup_verified", "rejected"),
                    "there is no 'retire' decision (run 01_assess)", ("retire_decision",),
                    may_override=("state", "retire_decision")),
    "verify_backup": Gate("backup_verified", ("backed_up", "backup_verified"),
                          "there is no backup to verify (run 02_backup)",
                          ("manifest_backed_up",)),
    "request_approval": Gate(
        "approval_pending", ("backup_verified", "rejected"),
        "the backup is not verified (run 02_backup)",
        ("plan_hash", "approvers", "requester_not_approver", "backup_verifies_now"),
        may_override=("state", "backup_verifies_now"), verify_backup=True),
    "record_approval": Gate("approved", ("approval_pending",),
                            "no approval request is pending (run 03_approval)",
                            ("not_self_approved",), may_override=()),
    "record_rejection": Gate("rejected", ("approval_pending",),
                             "no approval request is pending (run 03_approval)", may_override=()),
    "withdraw": Gate("rejected", ("approval_pending",), "no request is pending",
                     may_override=()),
    "remind": Gate(None, ("approval_pending",), "no request is pending", may_override=()),
    "revoke": Gate("access_revoked", ("approved",), _APPROVED, _DISABLE,
                   may_override=_DISABLE_OVERRIDABLE, verify_backup=True,
                   continues=("disabled", "verified_disabled")),
    "disable": Gate("disabled", ("approved", "access_revoked"), _APPROVED, _DISABLE,
                    may_override=_DISABLE_OVERRIDABLE, verify_backup=True,
                    continues=("verified_disabled",)),
    # Add the people who would lose the app without its replacement to the replacement's
    # visible scope (a platform action of its own, typed confirmation = the retiring app's id).
    "grant_replacement": Gate(None, _RETIRING,
                              "there is no retirement under way (run 01_assess)",
                              ("confirmation", "retire_decision", "replacement_grantable"),
                              may_override=()),
    # 停用指南 FAQ 3: users are told in advance, once the request is approved.
    "notify_in_advance": Gate(None, ("approved",), _APPROVED, ("approved", "same_plan"),
                              may_override=()),
    "verify_disable": Gate("verified_disabled", ("disabled",), "the app has not been disabled",
                           may_override=()),
    # A rerun after the disable: it checks the platform and sends what is left to send.
    "finish_disable": Gate(None, ("disabled", "verified_disabled", "reviewed", "closed"),
                           "the app has not been disabled", ("confirmation",), may_override=(),
                           continues=("verified_disabled",)),
    "retry_notifications": Gate(None, ("verified_disabled", "reviewed", "closed"),
                                "the disable has not finished; run 04_disable again instead",
                                may_override=()),
    # 停用指南 FAQ 2: a contract that ended must be renewed first (or a reason written).
    # 停用指南 stage 七 (清理软件残留): a person records each residue item cleaned.
    "clean_residue": Gate(None, ("verified_disabled", "reviewed", "closed"),
                          "the disable has not been verified (run 04_disable)", may_override=()),
    "re_enable": Gate("re_enabled", ("access_revoked", "disabled", "verified_disabled",
                                     "re_enabled"),
                      "access was never revoked: nothing to undo",
                      ("confirmation", "contract_in_force"), may_override=("contract_in_force",)),
    # 停用指南 stage 四 (软件授权情况): the vendor is told the contract ends — the notice
    # written, then a person records it was sent, with evidence — once the app is to retire.
    "notify_vendor": Gate(None, ("decided", "backed_up", "backup_verified", "approval_pending",
                                 "approved", "access_revoked", "disabled", "verified_disabled",
                                 "reviewed", "closed"),
                          "there is no 'retire' decision to end the contract for (run 01_assess)",
                          ("retire_decision",), may_override=()),
    "review": Gate("reviewed", ("verified_disabled", "reviewed"),
                   "the disable has not been verified (run 04_disable)"),
    "close": Gate("closed", ("reviewed",), "the review is not done (run 05_review)"),
}
# The action a plain ledger transition into a state stands for (the first that names it).
ACTION_FOR_STATE: dict[str, str] = {}
for _action, _gate in GATES.items():
    if _gate.state is not None:
        ACTION_FOR_STATE.setdefault(_gate.state, _action)
# state → (states it may be reached from, what is missing when it may not)
STATES: dict[str, tuple[tuple[str, ...], str]] = {"new": ((), "")} | {
    state: (GATES[action].after, GATES[action].unmet_state)
    for state, action in sorted(ACTION_FOR_STATE.items(), key=lambda kv: ORDER.index(kv[0]))}
# What each stage notebook does, by gate: a batch runs a stage only when one of them is open,
# and runs a finished stage again while one of its follow-ups is (a pending approval).
STAGE_ACTIONS: dict[str, tuple[str, ...]] = {
    "backup": ("back_up",), "approval": ("request_approval", "remind"),
    "review": ("review",)}
STAGE_FOLLOW_UPS: dict[str, tuple[str, ...]] = {"approval": ("request_approval", "remind")}


# ------------------------------------------------------------------ conditions

class EventView(Protocol):
    """What a condition reads of a ledger event."""

    @property
    def seq(self) -> int: ...

    @property
    def data(self) -> dict: ...


class LedgerView(Protocol):
    """What the conditions read of a ledger (``decomkit.proof.ledger.Ledger`` provides it;
    this module sits below the ledger and never imports it)."""

    def state(self, app_id: str) -> str: ...

    def last(self, app_id: str, state: str) -> EventView | None: ...


Check = Callable[[LedgerView, str, dict], str]


def _known_decision(ledger: LedgerView, app_id: str, data: dict) -> str:
    return "" if data.get("decision") in DECISIONS else (
        f"decision must be one of {', '.join(DECISIONS)}")


def _retire_decision(ledger: LedgerView, app_id: str, data: dict) -> str:
    if ledger.state(app_id) != "decided":
        return ""  # a repeat backup, or one after a rejection: the decision stands
    decided = ledger.last(app_id, "decided")
    return "" if decided is not None and decided.data.get("decision") == "retire" else (
        "the decision is not 'retire' (run 01_assess)")


def _manifest_backed_up(ledger: LedgerView, app_id: str, data: dict) -> str:
    backed = ledger.last(app_id, "backed_up")
    if backed is not None and data.get("manifest_hash") == backed.data.get("manifest_hash"):
        return ""
    return "the verified manifest is not the one that was backed up; back up again"


def _plan_hash(ledger: LedgerView, app_id: str, data: dict) -> str:
    return "" if data.get("plan_hash") else "the request carries no plan hash"


def _approvers(ledger: LedgerView, app_id: str, data: dict) -> str:
    if "approvers" in data and not data["approvers"]:
        return "no approvers: add [[approval.chain]] entries to decomkit.toml"
    return ""


def _requester_not_approver(ledger: LedgerView, app_id: str, data: dict) -> str:
    requester = canonical_user_id(data.get("requester"))
    chain = {canonical_user_id(a) for a in data.get("approvers") or ()}
    if requester and requester in chain:
        return (f"the requester {data['requester']!r} is also an approver (user ids are "
                "compared trimmed and case-folded); the requester cannot approve their own "
                "request: change the chain or the operator")
    return ""


def _not_self_approved(ledger: LedgerView, app_id: str, data: dict) -> str:
    pending = ledger.last(app_id, "approval_pending")
    requester = canonical_user_id(pending.data.get("requester") if pending else "")
    agreed = [r.get("user_id") for r in data.get("records") or ()
              if str(r.get("result", "")).upper() == "AGREE"]
    selves = [u for u in agreed if requester and canonical_user_id(u) == requester]
    if selves:
        return (f"the request was agreed by its own requester ({selves[0]!r}); a self-approval "
                "does not count: withdraw the request and ask the approvers")
    return ""


def _backup_verifies_now(ledger: LedgerView, app_id: str, data: dict) -> str:
    if problems := data.get("backup_problems"):
        return ("the backup no longer verifies (" + "; ".join(problems[:3])
                + "); back up and verify again")
    verified = ledger.last(app_id, "backup_verified")
    if verified is None:
        return "the backup was never verified (run 02_backup)"
    if data.get("manifest_hash") != verified.data.get("manifest_hash"):
        return "the backup changed since it was verified; back up and verify again"
    return ""


def _approved(ledger: LedgerView, app_id: str, data: dict) -> str:
    approved = ledger.last(app_id, "approved")
    pending = ledger.last(app_id, "approval_pending")
    if approved is None or pending is None or approved.seq < pending.seq:
        return "the request is not approved"
    return ""


def _same_plan(ledger: LedgerView, app_id: str, data: dict) -> str:
    pending = ledger.last(app_id, "approval_pending")
    if pending is None or data.get("plan_hash") != pending.data.get("plan_hash"):
        return ("the plan changed after it was approved (stale approval); request approval "
                "again")
    return ""


def _contract_in_force(ledger: LedgerView, app_id: str, data: dict) -> str:
    if not data.get("contract_ended"):
        return ""
    fee = data.get("renewal_fee")
    return (f"the contract {data.get('contract_id')} ended on {data.get('contract_term_end')}: "
            "re-enabling needs a renewal"
            + (f" (¥{fee:,.2f} a year)" if isinstance(fee, int | float) else "")
            + "; renew it and update the contracts table, or write why it may be re-enabled")


def _replacement_ready(ledger: LedgerView, app_id: str, data: dict) -> str:
    """Everyone the app's scope lets in can open its replacement (``data["replacement"]``:
    the facts the gate authority read from the platform and the inventory; absent when the
    app names no replacement of the inventory)."""
    facts = data.get("replacement")
    if not facts or not facts.get("missing"):
        return ""
    where = ", ".join(f"{d} {n}" for d, n in facts.get("by_department", {}).items())
    remedy = facts.get("problem") or ("add them to its visible scope first (grant_access in "
                                      "04_disable)")
    return (f"{len(facts['missing'])} of the {facts.get('affected')} people who lose the app "
            f"cannot open its replacement {facts.get('replacement')} ({where}): {remedy}, or "
            "write why they can do without it")


def _replacement_grantable(ledger: LedgerView, app_id: str, data: dict) -> str:
    facts = data.get("replacement")
    if not facts:
        return ("the app names no replacement that is an app of the inventory (its "
                "alternative column)")
    return facts.get("problem") or ""


def _confirmation(ledger: LedgerView, app_id: str, data: dict) -> str:
    if data.get("confirm") != app_id:
        return f"the typed confirmation must equal the app id '{app_id}'"
    return ""


CONDITIONS: dict[str, Check] = {
    "confirmation": _confirmation, "known_decision": _known_decision,
    "retire_decision": _retire_decision, "manifest_backed_up": _manifest_backed_up,
    "plan_hash": _plan_hash, "approvers": _approvers,
    "requester_not_approver": _requester_not_approver, "not_self_approved": _not_self_approved,
    "approved": _approved, "same_plan": _same_plan, "backup_verifies_now": _backup_verifies_now,
    "contract_in_force": _contract_in_force, "replacement_ready": _replacement_ready,
    "replacement_grantable": _replacement_grantable,
}


# ------------------------------------------------------------------ deciding


@dataclass(frozen=True)
class Unmet:
    condition: str
    text: str
    overridable: bool


@dataclass(frozen=True)
class Grant:
    """Leave to act: what was checked, and the override that passed unmet conditions."""

    app_id: str
    action: str
    data: dict  # what the gate checked (plan_hash, manifest_hash, confirm, …)
    override: dict | None = None  # {"reason", "bypassed" (what), "conditions" (names)}
    granted_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def __bool__(self) -> Literal[True]:  # `if not decision` tells a grant from a refusal
        return True

    def covers(self, state: str) -> bool:
        gate = GATES[self.action]
        return state == gate.state or state in gate.continues


@dataclass(frozen=True)
class Refusal:
    app_id: str
    action: str
    unmet: tuple[Unmet, ...]

    def __bool__(self) -> Literal[False]:
        return False

    @property
    def why(self) -> str:
        return "; ".join(u.text for u in self.unmet)

    def error(self) -> TransitionError:
        return TransitionError(self.app_id, _VERBS.get(self.action, self.action), self.why)


_VERBS = {"back_up": "back up", "request_approval": "request approval",
          "revoke": "revoke access", "re_enable": "roll back", "finish_disable": "disable",
          "retry_notifications": "retry notifications", "remind": "remind the approver",
          "withdraw": "withdraw the request",
          "notify_in_advance": "send the advance notice",
          "clean_residue": "record a cleaned residue item",
          "grant_replacement": "grant access to the replacement"}


def evaluate(ledger: LedgerView, app_id: str, action: str, data: dict) -> list[Unmet]:
    """Every unmet condition of ``action``'s gate for ``app_id`` (confirmation first)."""
    gate = GATES[action]
    unmet = []
    names = sorted(gate.requires, key=lambda n: n != "confirmation")
    if "confirmation" in names:
        if text := CONDITIONS["confirmation"](ledger, app_id, data):
            unmet.append(Unmet("confirmation", text, False))
        names.remove("confirmation")
    current = ledger.state(app_id)
    if current not in gate.after:
        unmet.append(Unmet("state", f"{gate.unmet_state} (current state: {current})",
                           "state" in gate.may_override))
    for name in names:
        if text := CONDITIONS[name](ledger, app_id, data):
            unmet.append(Unmet(name, text, name in gate.may_override))
    return unmet


def opened(ledger: LedgerView, app_id: str, action: str) -> str:
    """What keeps ``action`` closed by the ledger alone ("" when its state and recorded
    decision allow it): whether a stage is worth running; its calls are then authorized."""
    unmet = evaluate(ledger, app_id, action, {})
    return "; ".join(u.text for u in unmet if u.condition in ("state", "retire_decision"))


def stage_closed(ledger: LedgerView, app_id: str, stage: str) -> str:
    """Why a stage notebook may not run for ``app_id`` now ("" when it may): it runs when one
    of its gates (``STAGE_ACTIONS``) is open in the ledger; a stage without gates always runs
    (the disable stage: a dry run unless told otherwise)."""
    missing = [opened(ledger, app_id, a) for a in STAGE_ACTIONS.get(stage, ())]
    return "" if not missing or "" in missing else missing[0]


def follow_up_open(ledger: LedgerView, app_id: str, stage: str) -> bool:
    """Whether a finished stage still has something to follow (a pending approval, a request
    to send again after a rejection): one of its follow-up gates is open."""
    return any(opened(ledger, app_id, a) == "" for a in STAGE_FOLLOW_UPS.get(stage, ()))


def disable_step(state: str) -> str:
    """The gate a real disable run passes from ``state``: revoke first, then disable, then
    (a rerun) finish what is left."""
    return next((a for a in ("revoke", "disable", "finish_disable") if state in GATES[a].after),
                "revoke")


def decide(app_id: str, action: str, unmet: Sequence[Unmet], override_reason: str = "",
           data: dict | None = None) -> Grant | Refusal:
    """A grant when nothing is unmet, or when a reason that follows the rules passes only
    what may be overridden; otherwise a refusal naming every unmet condition."""
    data = dict(data or {})
    if not unmet:
        return Grant(app_id, action, data)
    reason = " ".join(override_reason.split())
    if not reason:
        return Refusal(app_id, action, tuple(unmet))
    problems = [Unmet(u.condition, f"{u.text} (an override cannot pass this)", False)
                for u in unmet if not u.overridable]
    # Counted and compared on what a reader of the record sees: zero-width or blank padding
    # neither makes a sentence nor disguises the app id.
    seen = canonical_user_id(visible_text(reason))
    if seen in (canonical_user_id(visible_text(app_id)),
                canonical_user_id(visible_text(str(data.get("confirm") or "")))):
        problems.append(Unmet("override_reason", "the override reason says why the gate is "
                              "passed; it is not the confirmation", False))
    elif len(visible_text(reason)) < MIN_OVERRIDE_REASON:
        problems.append(Unmet("override_reason", "the override reason must be a sentence of at "
                              f"least {MIN_OVERRIDE_REASON} characters", False))
    if problems:
        passable = [u for u in unmet if u.overridable]
        return Refusal(app_id, action, tuple(problems + passable))
    return Grant(app_id, action, data, {"reason": reason,
                                        "bypassed": "; ".join(u.text for u in unmet),
                                        "conditions": [u.condition for u in unmet]})




def require(decision: Grant | Refusal) -> Grant:
    """The grant, or the refusal raised as a TransitionError."""
    if isinstance(decision, Refusal):
        raise decision.error()
    return decision
