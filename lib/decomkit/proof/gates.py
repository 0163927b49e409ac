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

What the kit labels blocking (``BLOCKING_FINDINGS``: documents still open in the exports, an
operator without administrator rights) is a condition of the disable gates; ``blocking`` reads
the label from them. The planned date, the advance notice and its period are conditions too. A
condition says why it is unmet as a :class:`Said`: English as the string, and each language for
the people who read the gate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from decomkit.core import said as core_said
from decomkit.core.errors import TransitionError
from decomkit.core.i18n import TEXT, Language, t
from decomkit.core.present import spoken_date
from decomkit.core.text import canonical_id, canonical_user_id, drawn_text

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
# A disable (or unlink) needs what the approval promised, and what the kit labels blocking:
# every finding named here is shown "blocking" (阻断) by 01_assess and 04_disable
# (``blocking``), and closes the gate until it is resolved or a written reason passes it.
BLOCKING_FINDINGS = ("open_documents", "admin")
# 解除免费关联 四.3: everyone who loses the app can still do their work (its replacement).
_READY = ("confirmation", "approved", "same_plan", "backup_verifies_now", "replacement_ready",
          *BLOCKING_FINDINGS)
_READY_OVERRIDE = ("same_plan", "backup_verifies_now", "replacement_ready", *BLOCKING_FINDINGS)
# 停用指南 FAQ 3 and 七: people are told in advance; the disable keeps the day they were told.
_DISABLE = (*_READY, "notice_period", "notice_given", "planned_date_reached")
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
        ("plan_hash", "approvers", "requester_not_approver", "planned_date_ok",
         "backup_verifies_now"),
        may_override=("state", "backup_verifies_now"), verify_backup=True),
    "record_approval": Gate("approved", ("approval_pending",),
                            "no approval request is pending (run 03_approval)",
                            ("not_self_approved",), may_override=()),
    "record_rejection": Gate("rejected", ("approval_pending",),
                             "no approval request is pending (run 03_approval)", may_override=()),
    # Withdrawn while pending, or called off once approved (the disable will not happen):
    # the people already told get a correction (correct_notice).
    "withdraw": Gate("rejected", ("approval_pending", "approved"),
                     "no request is pending or approved", may_override=()),
    "remind": Gate(None, ("approval_pending",), "no request is pending", may_override=()),
    # Answer an approver's question on the pending request (a comment on the same request).
    "answer_approvers": Gate(None, ("approval_pending",), "no request is pending",
                             may_override=()),
    "revoke": Gate("access_revoked", ("approved",), _APPROVED, _DISABLE,
                   may_override=(*_READY_OVERRIDE, "notice_period"), verify_backup=True,
                   continues=("disabled", "verified_disabled")),
    "disable": Gate("disabled", ("approved", "access_revoked"), _APPROVED, _DISABLE,
                    may_override=(*_READY_OVERRIDE, "notice_period"), verify_backup=True,
                    continues=("verified_disabled",)),
    # Add the people who would lose the app without its replacement to the replacement's
    # visible scope (a platform action of its own, typed confirmation = the retiring app's id).
    "grant_replacement": Gate(None, _RETIRING,
                              "there is no retirement under way (run 01_assess)",
                              ("confirmation", "retire_decision", "replacement_grantable"),
                              may_override=()),
    # 停用指南 FAQ 3: users are told in advance, by the real run of the disable (a dry run
    # tells no one), when everything the disable needs holds; a notice shorter than
    # notify.advance_days needs a written reason, kept in the notice's ledger record.
    "notify_in_advance": Gate(None, ("approved",), _APPROVED, (*_READY, "notice_period"),
                              may_override=(*_READY_OVERRIDE, "notice_period"),
                              verify_backup=True),
    # The planned date moved or the retirement was called off: those told get a correction.
    "correct_notice": Gate(None, ("backed_up", "backup_verified", "approval_pending",
                                  "approved", "rejected"), "no request was made: there is "
                           "no notice to correct", may_override=()),
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
    # decomkit tick (lifecycle.schedule): the steps that come due by the calendar. The advance
    # notice a tick sends has no typed confirmation (nobody types at a scheduler): its
    # authority is the approval of this very plan (``approved``, ``same_plan``) with everything
    # else the notice needs; it never passes a short notice (a missed one moves the date).
    "scheduled_notice": Gate(None, ("approved",), _APPROVED,
                             (*(c for c in _READY if c != "confirmation"), "notice_period"),
                             may_override=(), verify_backup=True),
    "reverify_backup": Gate(None, ("backed_up", "backup_verified", "approval_pending",
                                   "approved", "rejected", "access_revoked", "disabled",
                                   "verified_disabled", "reviewed", "closed"),
                            "there is no backup to re-verify (run 02_backup)", may_override=()),
    "deadline_notice": Gate(None, ORDER, "the app has no lifecycle state",
                            ("vendor_not_told",), may_override=()),
    "watch_alert": Gate(None, ("disabled", "verified_disabled", "reviewed", "closed"),
                        "the app has not been disabled", may_override=()),
    "review_prompt": Gate(None, ("disabled", "verified_disabled"),
                          "the app is not waiting for its review", may_override=()),
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

LANGUAGES: tuple[Language, ...] = ("en", "zh")


class Said(str):
    """What a condition says: the English sentence as the string itself (errors, logs, the
    ledger's record of an override), and the same sentence in each language for the people
    who read the gate (:meth:`in_language`).

    ``values`` may hold a day (said as its reader says it), another :class:`Said`, or a dict
    with one value per language."""

    by_language: dict[str, str]

    def __new__(cls, key: str, **values: Any) -> Said:
        texts: dict[str, str] = {
            lang: t(key, lang, **{k: _value_in(v, lang) for k, v in values.items()})
                 for lang in LANGUAGES}
        said = super().__new__(cls, texts["en"])
        said.by_language = texts
        return said

    def in_language(self, language: Language) -> str:
        return self.by_language.get(language, str(self))


def _value_in(value: Any, language: Language) -> Any:
    if hasattr(value, "in_language"):  # a gate's Said, a core.said.Said, an error
        return value.in_language(language)
    if isinstance(value, dict) and set(value) == set(LANGUAGES):
        return value[language]
    if isinstance(value, dt.date):
        return spoken_date(value, language)
    return value


def say(text: str, language: Language) -> str:
    """``text`` in ``language`` when it is a :class:`Said`, else as it is."""
    return text.in_language(language) if isinstance(text, Said) else text


def _day(value: Any) -> dt.date | None:
    """A day from a fact (ISO text or date); None when the fact was not gathered."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _known_decision(ledger: LedgerView, app_id: str, data: dict) -> str:
    choices = {lang: ", ".join(DECISIONS) if lang == "en" else "、".join(
        t(f"decision.{d}", lang) for d in DECISIONS) for lang in LANGUAGES}
    return "" if data.get("decision") in DECISIONS else Said("gate.known_decision",
                                                             choices=choices)


def _retire_decision(ledger: LedgerView, app_id: str, data: dict) -> str:
    if ledger.state(app_id) != "decided":
        return ""  # a repeat backup, or one after a rejection: the decision stands
    decided = ledger.last(app_id, "decided")
    return "" if decided is not None and decided.data.get("decision") == "retire" else (
        Said("gate.retire_decision"))


def _manifest_backed_up(ledger: LedgerView, app_id: str, data: dict) -> str:
    backed = ledger.last(app_id, "backed_up")
    if backed is not None and data.get("manifest_hash") == backed.data.get("manifest_hash"):
        return ""
    return Said("gate.manifest_backed_up")


def _plan_hash(ledger: LedgerView, app_id: str, data: dict) -> str:
    return "" if data.get("plan_hash") else Said("gate.plan_hash")


def _approvers(ledger: LedgerView, app_id: str, data: dict) -> str:
    if "approvers" in data and not data["approvers"]:
        return Said("gate.approvers")
    return ""


def _requester_not_approver(ledger: LedgerView, app_id: str, data: dict) -> str:
    requester = canonical_user_id(data.get("requester"))
    chain = {canonical_user_id(a) for a in data.get("approvers") or ()}
    if requester and requester in chain:
        return Said("gate.requester_not_approver", requester=repr(data["requester"]))
    return ""


def _not_self_approved(ledger: LedgerView, app_id: str, data: dict) -> str:
    pending = ledger.last(app_id, "approval_pending")
    requester = canonical_user_id(pending.data.get("requester") if pending else "")
    agreed = [r.get("user_id") for r in data.get("records") or ()
              if str(r.get("result", "")).upper() == "AGREE"]
    selves = [u for u in agreed if requester and canonical_user_id(u) == requester]
    if selves:
        return Said("gate.not_self_approved", who=repr(selves[0]))
    return ""


def _backup_verifies_now(ledger: LedgerView, app_id: str, data: dict) -> str:
    if problems := data.get("backup_problems"):
        return Said("gate.backup_fails", problems=core_said.joined(problems[:3]))
    verified = ledger.last(app_id, "backup_verified")
    if verified is None:
        return Said("gate.backup_never_verified")
    if data.get("manifest_hash") != verified.data.get("manifest_hash"):
        return Said("gate.backup_changed")
    return ""


def _approved(ledger: LedgerView, app_id: str, data: dict) -> str:
    approved = ledger.last(app_id, "approved")
    pending = ledger.last(app_id, "approval_pending")
    if approved is None or pending is None or approved.seq < pending.seq:
        return Said("gate.approved")
    return ""


def _same_plan(ledger: LedgerView, app_id: str, data: dict) -> str:
    pending = ledger.last(app_id, "approval_pending")
    if pending is None or data.get("plan_hash") != pending.data.get("plan_hash"):
        return Said("gate.same_plan")
    return ""


def _contract_in_force(ledger: LedgerView, app_id: str, data: dict) -> str:
    if not data.get("contract_ended"):
        return ""
    fee = data.get("renewal_fee")
    return Said("gate.contract_ended", contract=data.get("contract_id"),
                end=data.get("contract_term_end"),
                fee=Said("gate.contract_fee", fee=f"{fee:,.2f}") if isinstance(
                    fee, int | float) else "")


def _replacement_problem(facts: dict) -> str:
    """Why adding people to the replacement's scope would not let them in ("" when it would),
    said in each language (``replacement.problem.<code>``)."""
    if code := facts.get("problem_code"):
        return Said(f"replacement.problem.{code}", name=facts.get("replacement"))
    return str(facts.get("problem") or "")  # a record from before the code was kept


def _replacement_ready(ledger: LedgerView, app_id: str, data: dict) -> str:
    """Everyone the app's scope lets in can open its replacement (``data["replacement"]``:
    the facts the gate authority read from the platform and the inventory; absent when the
    app names no replacement of the inventory)."""
    facts = data.get("replacement")
    if not facts or not facts.get("missing"):
        return ""
    counts = facts.get("by_department", {}).items()
    where = {"en": ", ".join(f"{d} {n}" for d, n in counts),
             "zh": "、".join(t("replacement.people", "zh", dept=d, n=n) for d, n in counts)}
    return Said("gate.replacement_ready", n=len(facts["missing"]), affected=facts.get("affected"),
                name=facts.get("replacement"), where=where,
                remedy=_replacement_problem(facts) or Said("gate.replacement_grant"))


def _replacement_grantable(ledger: LedgerView, app_id: str, data: dict) -> str:
    facts = data.get("replacement")
    if not facts:
        return Said("gate.replacement_grantable")
    return _replacement_problem(facts)


def _confirmation(ledger: LedgerView, app_id: str, data: dict) -> str:
    if data.get("confirm") != app_id:
        return Said("gate.confirmation", app_id=app_id)
    return ""


# The facts below are gathered by the gate authority (the planned date, today in the
# workspace's time zone, the notices sent, the findings re-checked from the exports). A plain
# ledger transition without them (a lifecycle imported from before the kit) cannot read the
# world: what was not gathered is not held against it.


def _planned_date_ok(ledger: LedgerView, app_id: str, data: dict) -> str:
    planned, today = _day(data.get("planned_date")), _day(data.get("today"))
    if planned is None or today is None or planned >= today:
        return ""
    return Said("gate.planned_date_ok", date=planned, today=today)


def _notice_period(ledger: LedgerView, app_id: str, data: dict) -> str:
    """The advance notice, sent now, would give ``advance_days``. Before a disable it matters
    only while the notice has not gone out (it was decided when it went)."""
    if "notice_missing" in data and not data["notice_missing"]:
        return ""
    planned, today = _day(data.get("planned_date")), _day(data.get("today"))
    days = int(data.get("advance_days") or 0)
    if planned is None or today is None or not days or (planned - today).days >= days:
        return ""
    return Said("gate.notice_period", days=max((planned - today).days, 0), date=planned,
                advance=days, earliest=today + dt.timedelta(days=days))


def _notice_given(ledger: LedgerView, app_id: str, data: dict) -> str:
    missing = data.get("notice_missing") or ()
    if not missing or not int(data.get("advance_days") or 0):
        return ""
    channels = {lang: "、".join(t(f"channel.{c}", lang) for c in missing) if lang == "zh"
                else ", ".join(t(f"channel.{c}", lang) for c in missing) for lang in LANGUAGES}
    return Said("gate.notice_given", channels=channels, advance=data["advance_days"],
                date=_day(data.get("planned_date")) or "")


def _planned_date_reached(ledger: LedgerView, app_id: str, data: dict) -> str:
    planned, today = _day(data.get("planned_date")), _day(data.get("today"))
    if planned is None or today is None or today >= planned:
        return ""
    return Said("gate.planned_date_reached", date=planned)


def _vendor_not_told(ledger: LedgerView, app_id: str, data: dict) -> str:
    """A contract deadline is told until the vendor exit is recorded (the authority reads it)."""
    return Said("gate.vendor_not_told", contract=data.get("contract_id", "")) \
        if data.get("vendor_told") else ""


def _finding(name: str) -> Check:
    """A blocking finding (``BLOCKING_FINDINGS``): unmet while the authority found any. Each
    item of ``data["findings"][name]`` is a dict with its text per language."""
    def check(ledger: LedgerView, app_id: str, data: dict) -> str:
        items = (data.get("findings") or {}).get(name) or ()
        if not items:
            return ""
        joined = {lang: "; ".join(str(i.get(lang, i.get("en", ""))) for i in items)
                  for lang in LANGUAGES}
        return Said(f"gate.{name}", items=joined)
    check.__name__ = f"_{name}"
    return check


CONDITIONS: dict[str, Check] = {
    "confirmation": _confirmation, "known_decision": _known_decision,
    "retire_decision": _retire_decision, "manifest_backed_up": _manifest_backed_up,
    "plan_hash": _plan_hash, "approvers": _approvers,
    "requester_not_approver": _requester_not_approver, "not_self_approved": _not_self_approved,
    "approved": _approved, "same_plan": _same_plan, "backup_verifies_now": _backup_verifies_now,
    "contract_in_force": _contract_in_force, "replacement_ready": _replacement_ready,
    "replacement_grantable": _replacement_grantable, "planned_date_ok": _planned_date_ok,
    "notice_period": _notice_period, "notice_given": _notice_given,
    "planned_date_reached": _planned_date_reached,
    "vendor_not_told": _vendor_not_told,
    **{name: _finding(name) for name in BLOCKING_FINDINGS},
}
# The gates a blocking finding closes: what 01_assess and 04_disable label "blocking".
DISABLE_ACTIONS = ("revoke", "disable")


def blocking(finding: str) -> bool:
    """Whether a preflight finding (a check's item) blocks the disable: it is a condition of
    the disable gates. The one source of the label "blocking" (阻断)."""
    return any(finding in GATES[action].requires for action in DISABLE_ACTIONS)


# ------------------------------------------------------------------ deciding


@dataclass(frozen=True)
class Unmet:
    condition: str
    text: str  # English; a Said also says it in the reader's language
    overridable: bool

    def say(self, language: Language) -> str:
        return say(self.text, language)


@dataclass(frozen=True)
class Grant:
    """Leave to act: what was checked, and the override that passed unmet conditions."""

    app_id: str
    action: str
    data: dict  # what the gate checked (plan_hash, manifest_hash, confirm, …)
    override: dict | None = None  # {"reason", "bypassed" (what), "conditions" (names)}
    granted_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    # Leave to change the platform or tell people: set only by the gate authority for a run
    # asked with dry_run=False; the effect layer (Ledger.run_once) refuses any other grant.
    live: bool = False

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

    def lines(self, language: Language) -> list[str]:
        """Each unmet condition, as the reader of ``language`` reads it."""
        return [u.say(language) for u in self.unmet]

    def error(self) -> TransitionError:
        said: dict[str, str] = {lang: t("gate.refused", lang, app=self.app_id, action=t(
            f"verb.{self.action}", lang) if f"verb.{self.action}" in TEXT else self.action,
            why=("; " if lang == "en" else ";").join(self.lines(lang))) for lang in LANGUAGES}
        return TransitionError(self.app_id, _VERBS.get(self.action, self.action), self.why,
                               said)


_VERBS = {"back_up": "back up", "request_approval": "request approval",
          "revoke": "revoke access", "re_enable": "roll back", "finish_disable": "disable",
          "retry_notifications": "retry notifications", "remind": "remind the approver",
          "answer_approvers": "answer the approvers",
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
        key = f"gate.unmet.{action}"
        missing = {lang: t(key, lang) if key in TEXT else gate.unmet_state
                   for lang in LANGUAGES}
        missing["en"] = gate.unmet_state
        states = {lang: t(f"state.{current}", lang) if f"state.{current}" in TEXT else current
                  for lang in LANGUAGES}
        unmet.append(Unmet("state", Said("gate.state", unmet=missing, state=states),
                           "state" in gate.may_override))
    for name in names:
        if text := CONDITIONS[name](ledger, app_id, data):
            unmet.append(Unmet(name, text, name in gate.may_override))
    return unmet


def opened(ledger: LedgerView, app_id: str, action: str) -> str:
    """What keeps ``action`` closed by the ledger alone ("" when its state and recorded
    decision allow it): whether a stage is worth running; its calls are then authorized."""
    unmet = [u for u in evaluate(ledger, app_id, action, {})
             if u.condition in ("state", "retire_decision")]
    if not unmet:
        return ""
    return core_said.Said({lang: ("; " if lang == "en" else ";").join(
        u.say(lang) for u in unmet) for lang in LANGUAGES})  # str(): the English form as ever


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
    problems = [Unmet(u.condition, Said("gate.not_overridable", text=u.text), False)
                for u in unmet if not u.overridable]
    # Counted and compared on what a reader of the record sees: zero-width or blank padding
    # neither makes a sentence nor disguises the app id.
    seen = canonical_id(drawn_text(reason))
    if seen in (canonical_id(drawn_text(app_id)),
                canonical_id(drawn_text(str(data.get("confirm") or "")))):
        problems.append(Unmet("override_reason", Said("gate.override_is_confirmation"), False))
    elif len(drawn_text(reason)) < MIN_OVERRIDE_REASON:
        problems.append(Unmet("override_reason", Said("gate.override_too_short",
                                                      n=MIN_OVERRIDE_REASON), False))
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
