"""Approvers' questions and the requester's answers (停用指南 stage 六: while the request waits,
the requester answers and supplies what is missing).

A comment by an approver that asks something is a question. Tracking records each new one in
the ledger (a note) and tells the requester once, through the reminder channel; the answer —
text and an optional attachment — goes onto the same request on the platform (DingTalk: the
process-instance comment call) and into the ledger, where it closes every question open
when it was given."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from decomkit.context.stage import Stage
from decomkit.core.files import atomic_write_bytes
from decomkit.core.i18n import t
from decomkit.core.locks import app_lock
from decomkit.core.said import refused
from decomkit.core.sinks import scrub
from decomkit.core.text import body_text, canonical_user_id
from decomkit.lifecycle.authority import authorize
from decomkit.platforms import ApprovalStatus, Notification, Platform
from decomkit.proof.gates import Grant, Refusal
from decomkit.proof.ledger import Event, Ledger

# What makes a comment a question: a question mark, or words that ask or ask for something.
_ASKS = re.compile(r"[?？]|吗[。!！]?\s*$|是否|能否|可否|有没有|为什么|为何|如何|怎么|多少|"
                   r"请(补充|提供|说明|解释|确认|附上)|\b(why|how|what|when|which|who|please "
                   r"(provide|explain|confirm|attach|add))\b", re.IGNORECASE)
ASKED, ANSWERED = "approval_question", "approval_answer"  # the ledger notes' kinds


def asks(text: str) -> bool:
    """Whether a comment asks something."""
    return bool(_ASKS.search(text or ""))


@dataclass(frozen=True)
class Question:
    key: str  # stable: the request, who asked, what and when
    instance_id: str
    user_id: str
    text: str
    date: str


def questions_in(status: ApprovalStatus, requester: str) -> list[Question]:
    """The questions approvers asked on the request, in a comment or with a decision."""
    found = []
    for remark in (*status.records, *status.comments):
        user, text = str(remark.get("user_id") or ""), str(remark.get("comment") or "")
        if canonical_user_id(user) == canonical_user_id(requester) or not asks(text):
            continue
        date = str(remark.get("date") or "")
        key = hashlib.sha256("\x1f".join((status.instance_id, user, text, date)).encode()
                             ).hexdigest()[:16]
        found.append(Question(key, status.instance_id, user, text, date))
    return found


def _notes(ledger: Ledger, app_id: str, kind: str, instance_id: str) -> list[Event]:
    return [e for e in ledger.events(app_id) if e.kind == "note"
            and e.data.get("kind") == kind and e.data.get("instance_id") == instance_id]


def open_questions(ledger: Ledger, app_id: str, instance_id: str) -> list[Question]:
    """The questions tracking recorded on ``instance_id`` that no answer has closed yet."""
    answered = {k for e in _notes(ledger, app_id, ANSWERED, instance_id)
                for k in e.data.get("answers", ())}
    return [Question(e.data["key"], instance_id, e.data["user_id"], e.data["text"],
                     e.data.get("date", ""))
            for e in _notes(ledger, app_id, ASKED, instance_id)
            if e.data["key"] not in answered]


def record_questions(stage: Stage, app_id: str, status: ApprovalStatus, requester: str,
                     ledger: Ledger, may_notify: Callable[[], Grant | Refusal]
                     ) -> list[Question]:
    """Record the request's new questions and tell the requester of each, once (when
    ``may_notify()``: the reminder's gate); return the open ones. A notice the gate or the
    platform refused is tried again at the next tracking; one sent is never sent again."""
    seen = {e.data.get("key") for e in _notes(ledger, app_id, ASKED, status.instance_id)}
    name = stage.inventory.app_name(app_id)
    platform = stage.platform
    for question in questions_in(status, requester):
        if question.key not in seen:
            ledger.note(app_id, stage.analyst, {
                "kind": ASKED, "instance_id": question.instance_id, "key": question.key,
                "user_id": question.user_id, "text": question.text, "date": question.date})
        key = f"{app_id}:question:{question.key}"
        told = ledger.action(key)
        if told is not None and told.status == "done":
            continue
        grant = may_notify()
        if not isinstance(grant, Grant):
            continue
        title, text = (t("question.notice.title", stage.language, name=name),
                       t("question.notice.text", stage.language, name=name,
                         who=question.user_id, question=question.text,
                         instance_id=question.instance_id, app_id=app_id))
        _tell(ledger, platform, app_id, stage.analyst, key,
              Notification("dingtalk_work", title, text, (requester,)), grant)
    return open_questions(ledger, app_id, status.instance_id)


def _tell(ledger: Ledger, platform: Platform, app_id: str, actor: str, key: str,
          notice: Notification, grant: Grant) -> None:
    """One notice under ``key``, never sent twice."""
    ledger.run_once(key, app_id, "notify", actor, lambda: platform.notify(notice, key=key),
                    lambda: platform.settled("notify", key), grant=grant)


def _holds_secret(data: bytes) -> bool:
    """A private key, or text in which the sinks would mask something."""
    if b"PRIVATE KEY" in data:
        return True
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False  # an image or a document: its bytes are not read as text
    return scrub(text) != text


def answer_approvers(stage: Stage, app_id: str, text: str, attachment: str | Path | None = None,
                     ) -> Event:
    """Add the requester's answer (and an attachment) to the pending request, on the platform
    and in the ledger; it closes the questions open now. Refused, with nothing sent or
    written, when no request is pending, the answer is empty (once cleaned), or its file is
    missing or holds a secret."""
    path = Path(attachment).expanduser() if attachment and str(attachment).strip() else None
    # What goes to the approvers and into the workspace is a sink like any other: the text
    # with secrets masked and no control characters (so it is judged empty after cleaning); an
    # attachment holding a key or a secret is refused (it would be copied into the workspace
    # and named on the request). The file is read once: the bytes checked are the bytes kept.
    text = scrub(body_text(text)).strip()
    if not text:
        raise refused(app_id, "answer_approvers", "answer.empty")
    data = digest = None
    if path is not None:
        if not path.is_file():
            raise refused(app_id, "answer_approvers", "answer.no_file", path=path.name)
        data = path.read_bytes()
        if _holds_secret(data):
            raise refused(app_id, "answer_approvers", "answer.secret_file", path=path.name)
        digest = hashlib.sha256(data).hexdigest()
    with app_lock(stage.workspace.root, app_id, "answer_approvers"), \
            stage.workspace.ledger() as ledger:
        pending = ledger.last(app_id, "approval_pending")
        if pending is None or ledger.state(app_id) != "approval_pending":
            raise refused(app_id, "answer_approvers", "answer.none_pending")
        grant = authorize(stage.workspace, app_id, "answer_approvers", actor=stage.analyst,
                          dry_run=False)
        if isinstance(grant, Refusal):
            raise grant.error()
        instance = pending.data["instance_id"]
        who = str(pending.data.get("requester") or stage.analyst)  # who asked, answers
        key = f"{app_id}:answer:{instance}:" + hashlib.sha256(
            f"{text}\x1f{digest or ''}".encode()).hexdigest()[:16]
        earlier = [e for e in _notes(ledger, app_id, ANSWERED, instance)
                   if e.data.get("key") == key]
        if earlier:  # the same answer again: given once
            return earlier[-1]
        kept = None
        if path is not None and data is not None and digest is not None:  # the trail keeps it
            kept = stage.workspace.root / "approvals" / app_id / f"{digest[:16]}{path.suffix[:12]}"
            if not kept.exists():
                kept.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(kept, data)
        platform = stage.platform
        ledger.run_once(key, app_id, "comment_approval", stage.analyst, lambda: (
            platform.comment_approval(instance, who, text, path, key=key)),
            lambda: platform.settled("comment_approval", key), grant=grant)
        return ledger.note(app_id, stage.analyst, {
            "kind": ANSWERED, "instance_id": instance, "text": text, "by": who,
            "answers": [q.key for q in open_questions(ledger, app_id, instance)],
            "evidence": kept.relative_to(stage.workspace.root).as_posix() if kept else None,
            "evidence_sha256": digest, "key": key})
