"""An app's trail for auditors: every ledger event in the order it happened, in local time,
with who did it, what happened and the evidence that proves it (approvers and their comments,
backup manifest hashes, idempotency keys, evidence-file hashes, overrides and their reasons);
and the summary a dossier opens with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from decomkit.context.workspace import Workspace
from decomkit.core.errors import DecomkitError
from decomkit.core.i18n import TEXT, Language, t
from decomkit.core.present import (
    Audience,
    form_label,
    local_date,
    local_time,
    money,
    operation,
    term,
    value,
)
from decomkit.proof.checkpoints import stored_checkpoints
from decomkit.proof.ledger import Event

LIFECYCLE = ("decided", "backed_up", "backup_verified", "approval_pending", "approved",
             "access_revoked", "disabled", "verified_disabled", "reviewed", "closed")


@dataclass(frozen=True)
class TrailEntry:
    seq: int
    time: str  # local, e.g. 2026-07-15 18:00
    actor: str  # a name with the user id when the inventory knows it
    what: str  # one sentence in the reader's language
    details: tuple[str, ...]  # evidence lines: approvers, hashes, keys
    override: str  # the written reason a gate was bypassed or a recommendation overruled
    checkpoint: str  # signed checkpoint / anchor covering the event, when the ledger has one
    state: str | None
    hash: str
    failed: bool = False


@dataclass(frozen=True)
class Summary:
    app_id: str
    name: str
    state: str
    decision: str  # "" before a decision
    score: float | None
    recommendation: str
    decided_on: str  # local dates
    planned_disable: str
    disabled_on: str
    reviewed_on: str
    projected: float | None  # savings expected: over ``period`` once reviewed, else 12 months
    realized: float | None  # savings so far (05_review), None before the review is meaningful
    facts: dict = field(default_factory=dict)
    period: str = ""  # the months both savings cover, once reviewed ("" before)

    def rows(self, language: Language) -> list[tuple[str, str]]:
        """(label, value) pairs in the reader's language; blanks for what did not happen."""
        score = "" if self.score is None else f"{self.score:.1f}"
        decision = t(f"decision.{self.decision}", language) if self.decision else ""
        return [
            (t("summary.state", language), t(f"state.{self.state}", language)),
            (t("summary.decision", language),
             f"{decision} ({t('summary.score', language)} {score})" if decision else ""),
            (t("summary.decided_on", language), self.decided_on),
            (t("summary.planned_disable", language), self.planned_disable),
            (t("summary.disabled_on", language), self.disabled_on),
            (t("summary.reviewed_on", language), self.reviewed_on),
            *self._savings_rows(language),
        ]

    def _savings_rows(self, language: Language) -> list[tuple[str, str]]:
        """Realized and projected over the same named months once reviewed; before that, the
        projection for the first 12 months after the disable, and nothing realized."""
        if self.period:
            return [(t("summary.projected_period", language, period=self.period),
                     money(self.projected)),
                    (t("summary.realized_period", language, period=self.period),
                     money(self.realized))]
        return [(t("summary.projected", language), money(self.projected)),
                (t("summary.realized", language), money(self.realized))]


def people(workspace: Workspace) -> dict[str, str]:
    """User id → ``name (user id)``, from the inventory's users and the approver chain."""
    names = {a.user_id: a.name for a in workspace.config.approval.chain if a.name}
    try:
        users = workspace.inventory(["users"]).users
        names.update({str(u): str(n) for u, n in zip(users["user_id"], users["name"],
                                                     strict=True) if isinstance(n, str)})
    except DecomkitError:  # a trail is still readable with bare ids
        pass
    return {user: f"{name} ({user})" for user, name in names.items()}


def _who(user: str, names: dict[str, str]) -> str:
    return names.get(str(user), str(user))


def _short(digest: str | None) -> str:
    return f"sha256 {digest}" if digest else ""


def _checkpoint(event: Event, checkpoints: list[dict], who: Audience) -> str:
    """The signed ledger checkpoint that first covers ``event`` (the hook for tamper
    evidence): its row, key and time. Without checkpoints the column is left out."""
    mark = event.data.get("checkpoint") or event.data.get("anchor")
    if mark:
        return str(mark)
    covering = next((c for c in checkpoints if int(c.get("seq", 0)) >= event.seq), None)
    if covering is None:
        return ""
    return (f"#{covering['seq']} {covering.get('key_id', '')} "
            f"{local_time(covering.get('time'), who.zone)}").strip()


def ledger_checkpoints(workspace: Workspace) -> list[dict]:
    """The ledger's signed checkpoints, oldest first, when the kit keeps them."""
    return sorted(stored_checkpoints(workspace.ledger_path), key=lambda c: int(c["seq"]))


def describe(event: Event, names: dict[str, str], who: Audience,
             checkpoints: Sequence[dict] = ()) -> TrailEntry:
    """One ledger event as a trail entry people can read."""
    lang, data = who.language, event.data
    details: list[str] = []
    failed = False
    override = ""
    if isinstance(data.get("override"), dict):
        override = t("trail.override_gate", lang, reason=data["override"].get("reason", ""),
                     bypassed=data["override"].get("bypassed", ""))
    if data.get("override_reason"):
        override = t("trail.override_decision", lang, reason=data["override_reason"],
                     recommendation=t(f"decision.{data.get('recommendation', 'review')}", lang))
    if event.kind == "transition":
        what = _transition(event, lang)
        state = event.state
        if state == "decided" and data.get("reasons"):  # the assessment that led to it repeats them
            details += [str(r) for r in data["reasons"]]
        if state == "approval_pending":
            chain = [_who(u, names) for u in data.get("approvers", [])]
            if chain:
                details.append(t("trail.approvers", lang, names=" → ".join(chain)))
            for key, said in (data.get("form") or {}).items():
                details.append(f"{form_label(key, lang)}{'：' if lang == 'zh' else ': '}"
                               f"{value(said, lang)}")
            if data.get("plan_hash"):
                details.append(t("trail.plan", lang, digest=data["plan_hash"]))
        if state in ("approved", "rejected"):
            for record in data.get("records", []):
                details.append(t("trail.approval_record", lang,
                                 who=_who(record.get("user_id", "?"), names),
                                 result=term("outcome", record.get("result", ""), lang),
                                 comment=record.get("comment") or "—",
                                 time=local_time(record.get("date") or record.get("time"),
                                                 who.zone)))
            details += [t("trail.why", lang, why=w) for w in data.get("why", []) if w]
            failed = state == "rejected"
        if state == "backed_up" and data.get("invalidated"):
            failed = True
            details += [str(p) for p in data["invalidated"][:5]]
        if data.get("manifest_hash"):
            details.append(t("trail.manifest", lang, digest=data["manifest_hash"]))
        if state == "reviewed" and data.get("lessons"):
            details += [f"{t('lesson.' + k, lang) if 'lesson.' + k in TEXT else k}: {v}"
                        for k, v in data["lessons"].items()]
    elif event.kind == "action":
        state = None
        failed = data.get("status") == "failed"
        what = t("trail.action_failed" if failed else "trail.action_waiting"
                 if data.get("status") == "waiting" else "trail.action", lang,
                 operation=operation(str(data.get("operation", "?")), lang))
        if data.get("error"):
            details.append(str(data["error"]))
    else:
        state = None
        what, extra, failed = _note(data, lang, names)
        details += extra
    if data.get("key"):
        details.append(t("trail.key", lang, ikey=data["key"]))
    if data.get("evidence_sha256"):
        details.append(t("trail.evidence", lang, file=data.get("evidence", ""),
                         digest=data["evidence_sha256"]))
    return TrailEntry(event.seq, local_time(event.ts, who.zone), _who(event.actor, names), what,
                      tuple(d for d in details if d), override,
                      _checkpoint(event, list(checkpoints), who), state,
                      event.hash, failed)


def _transition(event: Event, lang: Language) -> str:
    data, state = event.data, event.state
    if state == "assessed":  # the portfolio's scoring and an app's own assessment differ
        score = data.get("score")
        stage = data.get("stage")
        text = t(f"trail.assessed.{stage}" if stage in ("portfolio", "assess")
                 else "state.assessed", lang)
        if score is not None and data.get("recommendation"):
            text += " — " + t("trail.scored", lang, score=float(score),
                              recommendation=t(f"decision.{data['recommendation']}", lang))
        return text
    if state == "decided":
        return t("trail.decided", lang, decision=t(f"decision.{data.get('decision')}", lang),
                 score=float(data.get("score") or 0))
    if state == "backed_up" and data.get("invalidated"):
        return t("trail.backup_invalidated", lang)
    if state == "backed_up":
        return t("trail.backed_up", lang, files=data.get("files", "?"),
                 size=f"{int(data.get('bytes') or 0):,}")
    if state == "reviewed":
        months = data.get("period") or {}
        if months.get("months"):
            return t("trail.reviewed_period", lang, realized=money(data.get("realized")),
                     projected=money(data.get("projected")),
                     period=t("review.period", lang, first=months["first"],
                              last=months["last"], n=months["months"]))
        return t("trail.reviewed", lang, realized=money(data.get("realized")),
                 projected=money(data.get("projected")))
    return t(f"state.{state}", lang)


def _note(data: dict, lang: Language, names: dict[str, str]) -> tuple[str, list[str], bool]:
    kind = str(data.get("event") or data.get("kind") or "note")
    extra = [str(p) for p in (data.get("problems") or [])[:5]]
    if data.get("manifest_hash"):
        extra.append(t("trail.manifest", lang, digest=data["manifest_hash"]))
    if data.get("who"):
        extra.append(_who(data["who"], names))
    if kind in ("approval_question", "approval_answer") and data.get("text"):
        asker = _who(data.get("user_id") or data.get("by") or "", names)  # by name
        extra.append(f"{asker}{'：' if lang == 'zh' else ': '}“{data['text']}”")
    if kind in ("vendor_notified", "vendor_notice_written"):
        extra.append(t("trail.vendor_notice", lang, contract=data.get("contract_id", ""),
                       notice_date=data.get("notice_date", ""),
                       effective=data.get("effective_date", ""), file=data.get("notice", ""),
                       digest=data.get("notice_sha256", "")))
    key = f"note.{kind}"
    text = t(key, lang) if key in TEXT else kind.replace("_", " ")
    if data.get("step"):
        text += f" — {data['step']}"
    if kind.startswith("console_step_") and f"console.op.{data.get('operation')}" in TEXT:
        text += " — " + t(f"console.op.{data['operation']}", lang)  # what the console step did
    return text, extra, kind.endswith("failed")


def app_trail(workspace: Workspace, app_id: str, who: Audience) -> list[TrailEntry]:
    """Every event of ``app_id``, oldest first; imported history appears like any other."""
    with workspace.ledger() as ledger:
        events = ledger.events(app_id)
    names, checkpoints = people(workspace), ledger_checkpoints(workspace)
    return [describe(e, names, who, checkpoints) for e in events]


def trail_frame(entries: list[TrailEntry]) -> pd.DataFrame:
    """The trail as a table (for tables.xlsx and notebooks)."""
    frame = pd.DataFrame([{"seq": e.seq, "time": e.time, "actor": e.actor, "what": e.what,
                           "details": "\n".join(e.details), "override": e.override,
                           "checkpoint": e.checkpoint, "hash": e.hash} for e in entries],
                         columns=["seq", "time", "actor", "what", "details", "override",
                                  "checkpoint", "hash"])
    if not frame["checkpoint"].astype(bool).any():
        frame = frame.drop(columns="checkpoint")
    return frame


def app_summary(workspace: Workspace, app_id: str, name: str, who: Audience,
                realized: float | None = None) -> Summary:
    """Decision and score, state, planned and actual dates, savings projected and realized."""
    with workspace.ledger() as ledger:
        state = ledger.state(app_id)
        decided = ledger.last(app_id, "decided")
        assessed = ledger.last(app_id, "assessed")
        pending = ledger.last(app_id, "approval_pending")
        disabled = ledger.last(app_id, "disabled")
        reviewed = ledger.last(app_id, "reviewed")
    licence = (assessed.data.get("licence") or {}) if assessed else {}
    plan = (pending.data.get("plan") or {}) if pending else {}
    decision = decided.data.get("decision", "") if decided else ""
    score = decided.data.get("score") if decided else (assessed.data.get("score")
                                                       if assessed else None)
    projected = licence.get("savings_12")
    period = ""
    if reviewed and realized is None and not reviewed.data.get("too_early"):
        realized = reviewed.data.get("realized")
        months = reviewed.data.get("period") or {}
        if months.get("months") and reviewed.data.get("projected") is not None:
            projected = reviewed.data["projected"]  # the same months as the realized figure
            period = t("review.period", who.language, first=months["first"],
                       last=months["last"], n=months["months"])
    basis = decided or assessed
    return Summary(
        app_id, name, state, decision, float(score) if score is not None else None,
        basis.data.get("recommendation", "") if basis else "",
        local_date(decided.ts, who.zone) if decided else "",
        str(plan.get("date") or licence.get("exit_date") or ""),
        local_date(disabled.ts, who.zone) if disabled else "",
        local_date(reviewed.ts, who.zone) if reviewed else "",
        float(projected) if projected is not None else None,
        float(realized) if realized is not None else None, period=period)


def past_decision(workspace: Workspace, app_id: str) -> bool:
    """Whether the app's decision is being carried out or done (past 'decided'): it is then
    not scored again as a candidate."""
    with workspace.ledger() as ledger:
        state = ledger.state(app_id)
    return state not in ("new", "assessed", "decided")


def days_between(earlier: str, now: dt.datetime) -> int:
    return (now - dt.datetime.fromisoformat(earlier)).days
