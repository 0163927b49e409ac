"""The one interface every platform implements, and the values it speaks in."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol, Self

from decomkit.core.config import Config
from decomkit.core.said import platform_error
from decomkit.core.text import body_text, canonical_user_id, header_text
from decomkit.inventory.tables import Inventory

AppStatus = Literal["enabled", "disabled", "expired", "unlinked"]
Channel = Literal["dingtalk_work", "robot", "email"]  # as config.notify.channels names them


class WorkspaceLike(Protocol):
    """What a platform reads of the workspace that opens it (``decomkit.context.workspace``
    sits above the platforms and provides this); read-only, as a frozen workspace has them."""

    @property
    def root(self) -> Path: ...

    @property
    def config(self) -> Config: ...

    def inventory(self, tables: list[str] | None = None,
                  app_id: str | None = None) -> Inventory: ...


@dataclass(frozen=True)
class Scope:
    """Who can see an app (DingTalk's visible scope)."""

    user_ids: tuple[str, ...] = ()
    dept_ids: tuple[str, ...] = ()
    role_ids: tuple[str, ...] = ()
    only_admin_visible: bool = False

    @classmethod
    def from_record(cls, raw: dict) -> Scope:
        """A visible scope as the ledger keeps it (lists), back as a Scope."""
        return cls(tuple(raw.get("user_ids") or ()), tuple(raw.get("dept_ids") or ()),
                   tuple(raw.get("role_ids") or ()), bool(raw.get("only_admin_visible")))

    def includes(self, user_id: str, department: str | None) -> bool:
        """Whether the scope lets this (non-admin) user in. An empty scope means everyone, as
        on DingTalk; roles are not resolved, so a role-only scope lets nobody in here."""
        if self.only_admin_visible:
            return False
        if not (self.user_ids or self.dept_ids or self.role_ids):
            return True
        return (canonical_user_id(user_id) in {canonical_user_id(u) for u in self.user_ids}
                or department in self.dept_ids)


@dataclass(frozen=True)
class AppInfo:
    app_id: str
    name: str
    status: AppStatus
    scope: Scope
    admins: tuple[str, ...]

    def visible_to(self, user_id: str, department: str | None) -> bool:
        """Whether the user can open the app now: it is enabled, and they are an admin or
        inside its visible scope. The one rule every platform's view follows."""
        return self.status == "enabled" and (self.is_admin(user_id)
                                             or self.scope.includes(user_id, department))

    def is_admin(self, user_id: str) -> bool:
        return canonical_user_id(user_id) in {canonical_user_id(a) for a in self.admins}


@dataclass(frozen=True)
class ApprovalRequest:
    app_id: str
    title: str
    originator: str  # user id of the requester
    approvers: tuple[str, ...]  # user ids, in order
    form: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ApprovalStatus:
    instance_id: str
    status: Literal["RUNNING", "COMPLETED", "TERMINATED"]
    result: Literal["agree", "refuse"] | None
    records: tuple[dict, ...] = ()  # {"user_id", "result": AGREE/REFUSE, "comment", "date"}
    # Remarks added to the request without a decision (an approver's question, the
    # requester's answer): {"user_id", "comment", "date", "attachment"?}
    comments: tuple[dict, ...] = ()

    @property
    def approved(self) -> bool:
        return self.status == "COMPLETED" and self.result == "agree"


@dataclass(frozen=True)
class Notification:
    channel: Channel
    title: str
    text: str
    user_ids: tuple[str, ...] = ()
    dept_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Every channel (email headers, DingTalk, the sandbox's outbox) gets a one-line title
        # and a body without control characters, whatever a person's text held.
        object.__setattr__(self, "title", header_text(self.title))
        object.__setattr__(self, "text", body_text(self.text))


def comment_record(user_id: str, text: str, attachment: Path | None) -> dict:
    """A remark as a platform keeps it: who, what, and an attachment's name and SHA-256."""
    if not text.strip():
        raise platform_error("comment_approval", "platform.empty_comment")
    record: dict = {"user_id": user_id, "comment": text.strip()}
    if attachment is not None:
        path = Path(attachment)
        if not path.is_file():
            raise platform_error("comment_approval", "platform.attachment_missing",
                                 file=path.name)
        record.update(attachment=path.name,
                      attachment_sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    return record


def check_widening(app_id: str, scope: Scope) -> None:
    """Refuse to add people to a scope where adding does not widen it: an admins-only scope
    keeps them out, and an empty one (everyone) would shrink to the people added."""
    if scope.only_admin_visible:
        raise platform_error("add_to_scope", "platform.admins_only", app=app_id)
    if not (scope.user_ids or scope.dept_ids or scope.role_ids):
        raise platform_error("add_to_scope", "platform.open_to_everyone", app=app_id)


class Platform(ABC):
    """Operations a decommission needs. Every changing call takes an idempotency ``key``:
    a repeated key must not repeat the change. A platform may hold connections: close it (or
    use it in a ``with`` block) when the stage is done."""

    name: str
    # Approvers act through the kit (sandbox, manual: ``decide_approval``), not in an app.
    records_decisions = False

    @classmethod
    @abstractmethod
    def from_workspace(cls, workspace: WorkspaceLike) -> Platform:
        """The platform as the workspace configures it."""

    def close(self) -> None:
        """Release connections (nothing to release by default)."""
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @abstractmethod
    def list_apps(self) -> list[AppInfo]: ...

    @abstractmethod
    def get_app(self, app_id: str) -> AppInfo: ...

    def forget(self, app_id: str) -> None:
        """Drop anything cached about ``app_id``, so the next read asks the platform (before
        a verification or a settlement). A platform that caches nothing does nothing."""
        return None

    @abstractmethod
    def is_admin(self, user_id: str, app_id: str) -> bool:
        """Whether ``user_id`` may manage ``app_id`` (the preflight's admin-rights check)."""

    @abstractmethod
    def visible_to(self, user_id: str, app_id: str) -> bool:
        """Whether ``user_id`` can open ``app_id`` now."""

    @abstractmethod
    def set_visible_scope(self, app_id: str, scope: Scope, *, key: str) -> None: ...

    def add_to_scope(self, app_id: str, user_ids: Sequence[str], *, key: str,
                     labels: Mapping[str, str] | None = None) -> None:
        """Let ``user_ids`` open ``app_id`` as well: add them to its visible scope and change
        nothing else (the scope is never narrowed, nor restricted in between). ``labels``
        (user id → name and department) is what a person reads in a console step. By default
        one :meth:`set_visible_scope` to the current scope plus them; a platform whose scope
        change is not one atomic call overrides it."""
        current = self.get_app(app_id).scope
        check_widening(app_id, current)
        have = {canonical_user_id(u) for u in current.user_ids}
        added = tuple(u for u in dict.fromkeys(user_ids) if canonical_user_id(u) not in have)
        if added:
            self.set_visible_scope(app_id, replace(current, user_ids=current.user_ids + added),
                                   key=key)

    @abstractmethod
    def disable(self, app_id: str, *, key: str) -> None: ...

    @abstractmethod
    def enable(self, app_id: str, *, key: str) -> None: ...

    @abstractmethod
    def unlink(self, app_id: str, *, key: str) -> None:
        """End a free association (免费关联), as the guide to ending 进销存's free
        association (解除免费关联) describes."""

    def check_request(self, request: ApprovalRequest) -> None:
        """Refuse, before anything is recorded or sent, a request this platform cannot take
        (DingTalk: a template whose form lacks the kit's fields). Nothing to check by default."""
        return None

    @abstractmethod
    def submit_approval(self, request: ApprovalRequest, *, key: str) -> str:
        """Start an approval; return its instance id."""

    @abstractmethod
    def approval_status(self, instance_id: str) -> ApprovalStatus: ...

    @abstractmethod
    def decide_approval(self, instance_id: str, user_id: str,
                        decision: Literal["agree", "refuse"], comment: str = "", *,
                        evidence: str | None = None) -> ApprovalStatus:
        """An approver's decision recorded through the kit (``decomkit approve``): on a
        platform whose approvers act through the kit (``records_decisions``: the sandbox; the
        manual platform, with an ``evidence`` file of the approval given outside it). A platform
        whose approvers act in its own app (DingTalk) raises PlatformError."""

    @abstractmethod
    def withdraw_approval(self, instance_id: str, operator: str, remark: str, *,
                          key: str) -> None: ...

    @abstractmethod
    def comment_approval(self, instance_id: str, user_id: str, text: str,
                         attachment: Path | None = None, *, key: str) -> None:
        """Add a remark to a request without deciding it: an approver's question, or the
        requester's answer with an optional attachment (DingTalk: the process-instance
        comment call). The request stays where it is."""

    @abstractmethod
    def notify(self, notification: Notification, *, key: str) -> str:
        """Send a notification; return the platform's delivery id."""

    def settled(self, operation: str, key: str) -> tuple[bool, Any] | None:
        """Whether the change made under ``key`` took effect, and its result, for a run that
        did not finish: (True, result), (False, None), or None when the platform cannot tell
        (then a person checks; the kit never repeats it blindly)."""
        return None

    def end_state_evidence(self, app_id: str, status: str, *, key: str) -> dict | None:
        """Evidence that ``app_id`` is now ``status`` and seen by admins only, for the
        verification after a disable: None where the kit reads it from the platform itself (an
        API); the manual platform asks a person for a new screenshot or export of the end
        state (a console step), never their earlier confirmations."""
        return None
