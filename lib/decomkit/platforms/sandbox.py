"""The local sandbox platform: a DingTalk-like organisation kept in the workspace.

State lives in ``platform/sandbox.json`` and every call takes a file lock (``filelock``, as on
Windows), so separate processes
(batch workers, a notebook and the CLI) see one consistent platform. For tests it can be told to
fail its next calls: ``error`` refuses the call; ``timeout`` carries the change out and then loses
the answer, the hard case for idempotency.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal, cast

from decomkit.core.errors import PlatformTimeout
from decomkit.core.files import atomic_write_text
from decomkit.core.i18n import TEXT, t
from decomkit.core.locks import state_file
from decomkit.core.said import Said, platform_error, said
from decomkit.core.sinks import state_json
from decomkit.core.text import canonical_user_id
from decomkit.inventory.tables import Inventory
from decomkit.platforms.base import (
    AppInfo,
    ApprovalRequest,
    ApprovalStatus,
    AppStatus,
    Notification,
    Platform,
    Scope,
    WorkspaceLike,
    check_widening,
    comment_record,
)

STATE_NAME = "sandbox.json"


def _status(status: str) -> Said:
    """A request's status as a refusal names it: as DingTalk spells it in English (what the
    message always said), by its label in Chinese."""
    label = f"status.{status}"
    return Said({"en": status, "zh": t(label, "zh") if label in TEXT else status})


def _app_from_state(app_id: str, raw: dict) -> AppInfo:
    scope = raw["scope"]
    return AppInfo(app_id=app_id, name=raw["name"], status=raw["status"],
                   scope=Scope(tuple(scope["user_ids"]), tuple(scope["dept_ids"]),
                               tuple(scope["role_ids"]), scope["only_admin_visible"]),
                   admins=tuple(raw["admins"]))


def _scope_to_state(scope: Scope) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(scope).items()}


class SandboxPlatform(Platform):
    name = "sandbox"
    records_decisions = True

    def __init__(self, folder: Path, *, auto_agree_after_seconds: float = -1):
        self.folder = Path(folder)
        self.state_path = self.folder / STATE_NAME
        self.auto_agree_after_seconds = auto_agree_after_seconds
        if not self.state_path.exists():
            raise platform_error("open", "platform.no_sandbox", path=self.state_path)

    @classmethod
    def from_workspace(cls, workspace: WorkspaceLike) -> SandboxPlatform:
        """The workspace's sandbox, seeded from its inventory the first time."""
        folder = workspace.root / "platform"
        if not (folder / STATE_NAME).exists():
            sandbox_from_inventory(folder, workspace.inventory(["usage_events", "users"]),
                                   operator=workspace.config.operator)
        return cls(folder,
                   auto_agree_after_seconds=workspace.config.approval.auto_agree_after_seconds)

    # ------------------------------------------------------------ set-up and test controls

    @classmethod
    def create(cls, folder: Path, apps: list[AppInfo], users: dict[str, str],
               **kwargs) -> SandboxPlatform:
        """Write a fresh sandbox holding ``apps`` and ``users`` (user id → department)."""
        state = {
            "apps": {a.app_id: {"name": a.name, "status": a.status,
                                "scope": _scope_to_state(a.scope), "admins": list(a.admins)}
                     for a in apps},
            "users": users, "approvals": {}, "outbox": [], "keys": {}, "calls": [],
            "fail_next": [],
        }
        atomic_write_text(Path(folder) / STATE_NAME,
                          state_json(state))
        return cls(folder, **kwargs)

    def fail_next(self, mode: Literal["error", "timeout", "hang"] = "error",
                  operation: str | None = None, count: int = 1, after: int = 0) -> None:
        """Make ``count`` calls (of ``operation``, or any) fail in ``mode``, after letting
        ``after`` matching calls through. ``hang`` blocks before changing anything, so a test
        can kill the caller mid-call."""
        with self._state() as state:
            state["fail_next"].append({"mode": mode, "operation": operation, "count": count,
                                       "after": after})

    def calls(self, changing_only: bool = False) -> list[dict]:
        """Changing calls (and failed ones) so far: operation, key, whether it changed."""
        with self._state(write=False) as state:
            return [c for c in state["calls"] if c["changed"] or not changing_only]

    def outbox(self) -> list[dict]:
        with self._state(write=False) as state:
            return list(state["outbox"])

    def decide_approval(self, instance_id: str, user_id: str,
                        decision: Literal["agree", "refuse"], comment: str = "", *,
                        evidence: str | None = None) -> ApprovalStatus:
        """An approver acts on a request (what an approver does in the DingTalk app); the
        sandbox's approvers act through the kit, so it takes no evidence file."""
        if evidence is not None:
            raise platform_error("decide_approval", "platform.sandbox_no_evidence")

        def act(state: dict) -> None:
            inst = self._instance(state, instance_id)
            if canonical_user_id(user_id) == canonical_user_id(inst["originator"]):
                raise platform_error("decide_approval", "platform.own_request")
            if inst["status"] != "RUNNING":
                raise platform_error("decide_approval", "platform.request_is",
                                     status=_status(inst["status"]))
            acted = {canonical_user_id(r["user_id"]) for r in inst["records"]}
            waiting = [u for u in inst["approvers"] if canonical_user_id(u) not in acted]
            if not waiting or canonical_user_id(waiting[0]) != canonical_user_id(user_id):
                raise platform_error("decide_approval", "platform.not_next_approver",
                                     user=user_id,
                                     next=waiting[0] if waiting else said("platform.nobody"))
            self._record_decision(inst, user_id, decision, comment)
        self._call("decide_approval", None, act, mutates=True)
        return self.approval_status(instance_id)

    # ------------------------------------------------------------ reads

    def list_apps(self) -> list[AppInfo]:
        return self._call("list_apps", None, lambda s: [
            _app_from_state(k, v) for k, v in s["apps"].items()])

    def get_app(self, app_id: str) -> AppInfo:
        return self._call("get_app", None, lambda s: _app_from_state(app_id, self._app(s, app_id)))

    def is_admin(self, user_id: str, app_id: str) -> bool:
        return self._call("is_admin", None, lambda s: _app_from_state(
            app_id, self._app(s, app_id)).is_admin(user_id))

    def visible_to(self, user_id: str, app_id: str) -> bool:
        return self._call("visible_to", None, lambda s: _app_from_state(
            app_id, self._app(s, app_id)).visible_to(user_id, s["users"].get(user_id)))

    def approval_status(self, instance_id: str) -> ApprovalStatus:
        def read(state: dict) -> ApprovalStatus:
            inst = self._instance(state, instance_id)
            if (inst["status"] == "RUNNING" and self.auto_agree_after_seconds >= 0
                    and time.time() - inst["created"] >= self.auto_agree_after_seconds):
                for user in inst["approvers"]:
                    if inst["status"] == "RUNNING":
                        self._record_decision(inst, user, "agree", "auto-agreed (sandbox)")
            return ApprovalStatus(instance_id, inst["status"], inst["result"],
                                  tuple(inst["records"]), tuple(inst.get("comments", ())))
        return self._call("approval_status", None, read, mutates=True)

    # ------------------------------------------------------------ changes

    def set_visible_scope(self, app_id: str, scope: Scope, *, key: str) -> None:
        def change(state: dict) -> None:
            self._app(state, app_id)["scope"] = _scope_to_state(scope)
        self._call("set_visible_scope", key, change)

    def add_to_scope(self, app_id: str, user_ids: Sequence[str], *, key: str,
                     labels: Mapping[str, str] | None = None) -> None:
        """One change under the state's lock: the scope read and widened together."""
        def change(state: dict) -> None:
            raw = self._app(state, app_id)["scope"]
            check_widening(app_id, _app_from_state(app_id, self._app(state, app_id)).scope)
            have = {canonical_user_id(u) for u in raw["user_ids"]}
            raw["user_ids"] += [u for u in dict.fromkeys(user_ids)
                                if canonical_user_id(u) not in have]
        self._call("add_to_scope", key, change)

    def disable(self, app_id: str, *, key: str) -> None:
        self._call("disable", key, lambda s: self._set_status(s, app_id, "disabled"))

    def enable(self, app_id: str, *, key: str) -> None:
        self._call("enable", key, lambda s: self._set_status(s, app_id, "enabled"))

    def unlink(self, app_id: str, *, key: str) -> None:
        self._call("unlink", key, lambda s: self._set_status(s, app_id, "unlinked"))

    def submit_approval(self, request: ApprovalRequest, *, key: str) -> str:
        def submit(state: dict) -> str:
            self._app(state, request.app_id)
            if not request.approvers:
                raise platform_error("submit_approval", "platform.no_approvers")
            instance_id = f"sbx-{len(state['approvals']) + 1:05d}"
            state["approvals"][instance_id] = {
                **asdict(request), "approvers": list(request.approvers), "created": time.time(),
                "status": "RUNNING", "result": None, "records": []}
            return instance_id
        return self._call("submit_approval", key, submit)

    def withdraw_approval(self, instance_id: str, operator: str, remark: str, *,
                          key: str) -> None:
        def withdraw(state: dict) -> None:
            inst = self._instance(state, instance_id)
            if inst["status"] != "RUNNING":
                raise platform_error("withdraw_approval", "platform.withdraw_not_running",
                                     status=_status(inst["status"]))
            inst["status"] = "TERMINATED"
            inst["records"].append({"user_id": operator, "result": "NONE", "comment": remark,
                                    "date": time.time()})
        self._call("withdraw_approval", key, withdraw)

    def comment_approval(self, instance_id: str, user_id: str, text: str,
                         attachment: Path | None = None, *, key: str) -> None:
        """A remark on a running request by its requester or one of its approvers (what
        either does in the DingTalk app); an attachment is kept by name and SHA-256."""
        remark = comment_record(user_id, text, attachment)

        def add(state: dict) -> None:
            inst = self._instance(state, instance_id)
            if inst["status"] != "RUNNING":
                raise platform_error("comment_approval", "platform.comment_not_running",
                                     status=_status(inst["status"]))
            people = {canonical_user_id(u) for u in (inst["originator"], *inst["approvers"])}
            if canonical_user_id(user_id) not in people:
                raise platform_error("comment_approval", "platform.not_in_request",
                                     user=user_id)
            inst.setdefault("comments", []).append({**remark, "date": time.time()})
        self._call("comment_approval", key, add)

    def notify(self, notification: Notification, *, key: str) -> str:
        def send(state: dict) -> str:
            delivery = f"msg-{len(state['outbox']) + 1:06d}"
            state["outbox"].append({"id": delivery, "key": key, **asdict(notification)})
            return delivery
        return self._call("notify", key, send)

    def settled(self, operation: str, key: str) -> tuple[bool, Any] | None:
        """The sandbox keeps every key it acted on, with the change, in one write."""
        with self._state(write=False) as state:
            done = state["keys"].get(key)
        return (True, done["result"]) if done else (False, None)

    # ------------------------------------------------------------ machinery

    @contextmanager
    def _state(self, write: bool = True) -> Iterator[dict]:
        with state_file(self.folder / "sandbox.lock"):
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
            yield state
            if write:
                self._save(state)

    def _save(self, state: dict) -> None:
        atomic_write_text(self.state_path,
                          state_json(state))

    def _call(self, operation: str, key: str | None, body: Callable[[dict], Any],
              mutates: bool | None = None) -> Any:
        """Run ``body`` on the state. Calls with a key change the platform and are logged;
        plain reads take a shared lock and write nothing unless a failure is pending."""
        changing = key is not None
        if not changing and not mutates:
            with self._state(write=False) as state:
                if not state["fail_next"]:
                    return body(state)
        result = None
        with self._state() as state:
            if changing and key in state["keys"]:
                state["calls"].append({"operation": operation, "key": key, "changed": False})
                return state["keys"][key]["result"]
            failure = self._take_failure(state, operation)
            if failure == "hang":
                self._save(state)  # the used-up rule must survive the kill
                time.sleep(3600)
            if failure != "error":
                result = body(state)
                if changing:
                    state["keys"][key] = {"operation": operation, "result": result}
            if changing or failure:
                state["calls"].append({"operation": operation, "key": key,
                                       "changed": changing and failure != "error"})
        # Raised after the state is saved, so the used-up failure is remembered.
        if failure == "error":
            raise platform_error(operation, "platform.told_to_fail", retryable=True)
        if failure == "timeout":  # the change stands; only the answer is lost
            raise platform_error(operation, "platform.no_answer", retryable=True,
                                 error_class=PlatformTimeout)
        return result

    @staticmethod
    def _take_failure(state: dict, operation: str) -> str | None:
        for rule in state["fail_next"]:
            if rule["operation"] in (None, operation) and rule.get("after", 0) > 0:
                rule["after"] -= 1
                return None
            if rule["operation"] in (None, operation) and rule["count"] > 0:
                rule["count"] -= 1
                state["fail_next"] = [r for r in state["fail_next"] if r["count"] > 0]
                return rule["mode"]
        return None

    @staticmethod
    def _app(state: dict, app_id: str) -> dict:
        try:
            return state["apps"][app_id]
        except KeyError:
            raise platform_error("get_app", "platform.not_in_sandbox", app=app_id) from None

    @staticmethod
    def _instance(state: dict, instance_id: str) -> dict:
        try:
            return state["approvals"][instance_id]
        except KeyError:
            raise platform_error("approval_status", "platform.no_approval",
                                 instance=instance_id) from None

    def _set_status(self, state: dict, app_id: str, status: str) -> None:
        self._app(state, app_id)["status"] = status

    @staticmethod
    def _record_decision(inst: dict, user_id: str, decision: str, comment: str) -> None:
        inst["records"].append({"user_id": user_id, "result": decision.upper(),
                                "comment": comment, "date": time.time()})
        if decision == "refuse":
            inst["status"], inst["result"] = "COMPLETED", "refuse"
        elif len(inst["records"]) == len(inst["approvers"]):
            inst["status"], inst["result"] = "COMPLETED", "agree"


def apps_from_inventory(inventory: Inventory, operator: str) -> list[AppInfo]:
    """The inventory's apps as a platform would show them: each visible to the departments
    that use it, managed by the operator and the app's owner."""
    users = dict(zip(inventory.users["user_id"], inventory.users["department"], strict=True))
    events = inventory.usage_events[["app_id", "user_id"]].drop_duplicates().astype(str)
    depts = events.assign(dept=events["user_id"].map(users)).dropna().groupby("app_id")["dept"]
    dept_ids = {app: tuple(sorted(set(d))) for app, d in depts}
    apps = []
    for row in inventory.apps.itertuples(index=False):
        admins = tuple(dict.fromkeys(a for a in (operator, row.owner) if isinstance(a, str)))
        # the apps table's status is a checked enum of platform statuses
        status = cast(AppStatus, row.status) if isinstance(row.status, str) else "enabled"
        apps.append(AppInfo(row.app_id, row.name, status,
                            Scope(dept_ids=dept_ids.get(row.app_id, ())), admins))
    return apps


def sandbox_from_inventory(folder: Path, inventory: Inventory, operator: str) -> SandboxPlatform:
    users = dict(zip(inventory.users["user_id"], inventory.users["department"], strict=True))
    return SandboxPlatform.create(folder, apps_from_inventory(inventory, operator), users)
