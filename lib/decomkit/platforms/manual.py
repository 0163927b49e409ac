"""The manual platform: a person does each change in the admin console, the kit records it.

A changing call does not change anything by itself: the first time it records a pending step
with console instructions (from 停用指南 and the 解除免费关联 guide, in English and 中文) and
raises ``ManualStepRequired`` naming the step's key (a stage shows it as a step card and waits:
``lifecycle.console``). ``confirm`` records who did it and the SHA-256 of an evidence file (a
screenshot); a file already given for another step is refused. The same call made again then
succeeds, and the kit's view of the app follows. The check after a disable asks for evidence of
the end state (``end_state_evidence``), a step of its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, TypeVar

from decomkit.core.errors import ManualStepRequired, PlatformTimeout
from decomkit.core.files import atomic_write_text
from decomkit.core.i18n import Language, t
from decomkit.core.locks import state_file
from decomkit.core.resources import templates_dir
from decomkit.core.said import platform_error
from decomkit.core.sinks import state_json
from decomkit.core.text import canonical_user_id, drawn_text
from decomkit.platforms.base import (
    AppInfo,
    ApprovalRequest,
    ApprovalStatus,
    Notification,
    Platform,
    Scope,
    WorkspaceLike,
    check_widening,
    comment_record,
)
from decomkit.platforms.sandbox import apps_from_inventory

STATE_NAME = "manual.json"
_T = TypeVar("_T")  # what a step's apply (or an attempt's send) returns


def instructions(operation: str, language: str, app: str, details: str = "") -> list[str]:
    import yaml

    steps = yaml.safe_load((templates_dir() / "manual" / "steps.yaml").read_text("utf-8"))
    return [s.format(app=app, details=details) for s in steps[operation][language]]


class ManualPlatform(Platform):
    name = "manual"
    records_decisions = True

    def __init__(self, folder: Path, apps: dict[str, AppInfo] | None = None,
                 language: str = "zh", users: dict[str, str] | None = None):
        self.folder, self.language = Path(folder), language
        self.path = self.folder / STATE_NAME
        if apps is not None and not self.path.exists():  # only a seeded platform starts a file
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.path, state_json({
                "apps": {a.app_id: _app_state(a) for a in apps.values()},
                "users": users or {}, "steps": {}, "approvals": {}}))

    @classmethod
    def from_workspace(cls, workspace: WorkspaceLike) -> ManualPlatform:
        """The workspace's console record (also where DingTalk's no-API steps go), seeded
        from the inventory the first time."""
        folder = workspace.root / "platform"
        apps = users = None
        if not (folder / STATE_NAME).exists():
            inventory = workspace.inventory(["usage_events", "users"])
            apps = {a.app_id: a for a in apps_from_inventory(inventory,
                                                             workspace.config.operator)}
            users = dict(zip(inventory.users["user_id"], inventory.users["department"],
                             strict=True))
        return cls(folder, apps, workspace.config.language, users)

    @contextmanager
    def _state(self, write: bool = True) -> Iterator[dict]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with state_file(self.folder / "manual.lock"):
            state = (json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists()
                     else {"apps": {}, "steps": {}, "approvals": {}})
            yield state
            if write:
                atomic_write_text(self.path, state_json(state))

    # ------------------------------------------------------------ steps

    def pending(self) -> dict[str, dict]:
        with self._state(write=False) as state:
            return {k: v for k, v in state["steps"].items() if v["status"] == "pending"}

    def waiting(self) -> dict[str, dict]:
        """The steps waiting for a person, read without creating anything (a workspace that
        never used the console has none)."""
        if not self.path.exists():
            return {}
        return self.pending()

    def _lang(self) -> Language:
        return "en" if self.language == "en" else "zh"

    def _evidence_used(self, state: dict, digest: str, key: str) -> str:
        """What other step (or approval) was already proved by a file with ``digest``."""
        for other, step in state["steps"].items():
            if other != key and step.get("evidence_sha256") == digest:
                return other
        for instance, inst in state.get("approvals", {}).items():
            for record in inst.get("records", []):
                if record.get("evidence_sha256") == digest:
                    return f"{instance} ({record.get('user_id', '')})"
        return ""

    def confirm(self, key: str, who: str, evidence: str | Path) -> dict:
        """Record that ``who`` did step ``key`` in the console, with an evidence file."""
        path = Path(evidence)
        if not drawn_text(who):
            raise platform_error("confirm", "err.say_who_did_step")
        if not path.is_file() or path.stat().st_size == 0:
            raise platform_error("confirm", "err.evidence_file_missing", file=path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        with self._state() as state:
            step = state["steps"].get(key)
            if step is None:
                raise platform_error("confirm", "err.no_step_waiting", step=key)
            if step["status"] == "confirmed":  # its proof is kept: never swapped for another
                if step.get("evidence_sha256") == digest and step.get("who") == who.strip():
                    return dict(step)  # the same confirmation again (a notebook re-run)
                raise platform_error("confirm", "console.already_confirmed", step=key,
                                     who=step.get("who", ""), file=step.get("evidence", ""))
            other = self._evidence_used(state, digest, key)
            if other:  # one screenshot cannot prove two different steps
                raise platform_error("confirm", "console.reused", file=path.name, other=other)
            step.update(status="confirmed", who=who.strip(), evidence=path.name,
                        evidence_sha256=digest,
                        confirmed_at=dt.datetime.now(dt.UTC).isoformat())
            return dict(step)

    def _step(self, operation: str, key: str, app_id: str, details: str,
              apply: Callable[[dict], _T]) -> _T:
        """Apply a confirmed step, or record it as pending and say what to do."""
        with self._state() as state:
            step = state["steps"].get(key)
            if step and step["status"] == "confirmed":
                if not step.get("applied"):
                    step["result"] = apply(state)
                    step["applied"] = True
                return step.get("result")
            name = state["apps"].get(app_id, {}).get("name", app_id)
            state["steps"][key] = {"operation": operation, "app_id": app_id, "status": "pending",
                                   "name": name, "details": details,
                                   "instructions": instructions(operation, self.language, name,
                                                                details)}
            steps = state["steps"][key]["instructions"]
        numbered = "\n".join(f"  {i}. {s}" for i, s in enumerate(steps, 1))
        # what a reader of each language sees: the steps drawn again in their language
        said = {lang: t("console.raised", lang, step=key, steps="\n".join(
            f"  {i}. {s}" for i, s in enumerate(instructions(operation, lang, name, details), 1)))
            for lang in ("en", "zh")}
        raise ManualStepRequired(operation, f"a person must do this in the console:\n{numbered}\n"
                                 f"then run: decomkit confirm WORKSPACE {key} --as NAME "
                                 "--evidence FILE, and run this stage again", key=key
                                 ).saying(said)

    def attempt(self, key: str, app_id: str, operation: str, details: str,
                send: Callable[[], _T]) -> _T | str:
        """Make a call the platform cannot de-duplicate (no idempotency field), at most once.

        The attempt is recorded before ``send`` runs. An answer that never came (a timeout, a
        5xx, or a crash that left the attempt recorded) is not repeated blindly: it becomes a
        console step (``<operation>_unknown``) the operator checks and confirms."""
        with self._state() as state:
            step = state["steps"].get(key)
            if step is None:
                state["steps"][key] = {"operation": operation, "app_id": app_id,
                                       "status": "attempted"}
        if step is not None and step["status"] == "sent":
            return step["result"]
        if step is not None:  # attempted before, outcome never learnt; or already a step
            return self._step(f"{operation}_unknown", key, app_id, details, lambda s: key)
        try:
            result = send()
        except PlatformTimeout:
            return self._step(f"{operation}_unknown", key, app_id, details, lambda s: key)
        except Exception:  # refused before it ran: nothing was sent, so it may be tried again
            with self._state() as state:
                state["steps"].pop(key, None)
            raise
        with self._state() as state:
            state["steps"][key].update(status="sent", result=result)
        return result

    def settled(self, operation: str, key: str) -> tuple[bool, object] | None:
        """A step is done once a person confirmed it and the kit applied it."""
        with self._state(write=False) as state:
            step = state["steps"].get(key)
        if step and (step.get("applied") or step.get("status") == "sent"):
            return True, step.get("result")
        return False, None

    def has_step(self, key: str) -> bool:
        """Whether anything (a console step, an attempted send) is recorded under ``key``."""
        with self._state(write=False) as state:
            return key in state["steps"]

    # ------------------------------------------------------------ the interface

    def list_apps(self) -> list[AppInfo]:
        with self._state(write=False) as state:
            return [_app_info(k, v) for k, v in state["apps"].items()]

    def get_app(self, app_id: str) -> AppInfo:
        with self._state(write=False) as state:
            if app_id not in state["apps"]:
                raise platform_error("get_app", "platform.not_in_inventory", app=app_id)
            return _app_info(app_id, state["apps"][app_id])

    def is_admin(self, user_id: str, app_id: str) -> bool:
        return self.get_app(app_id).is_admin(user_id)

    def visible_to(self, user_id: str, app_id: str) -> bool:
        with self._state(write=False) as state:
            department = state.get("users", {}).get(user_id)
        return self.get_app(app_id).visible_to(user_id, department)

    def set_visible_scope(self, app_id: str, scope: Scope, *, key: str) -> None:
        lang, sep = self._lang(), "、" if self.language == "zh" else ", "
        none = t("console.none", lang)
        details = t("console.scope.admins", lang) if scope.only_admin_visible else t(
            "console.scope.set", lang, users=sep.join(scope.user_ids) or none,
            depts=sep.join(scope.dept_ids) or none)

        def apply(state):
            _known(state, app_id)["scope"] = _app_state(AppInfo(app_id, "", "enabled", scope,
                                                                ()))["scope"]
        self._step("set_visible_scope", key, app_id, details, apply)

    def add_to_scope(self, app_id: str, user_ids: Sequence[str], *, key: str,
                     labels: Mapping[str, str] | None = None) -> None:
        """A console step: add these people to the visible scope, keeping everyone in it."""
        check_widening(app_id, self.get_app(app_id).scope)
        people = list(dict.fromkeys(user_ids))
        details = ("、" if self.language == "zh" else ", ").join(
            (labels or {}).get(u, u) for u in people)

        def apply(state):
            raw = _known(state, app_id)["scope"]
            have = {canonical_user_id(u) for u in raw["user_ids"]}
            raw["user_ids"] += [u for u in people if canonical_user_id(u) not in have]
        self._step("add_to_scope", key, app_id, details, apply)

    def _status(self, operation: str, status: str, app_id: str, key: str) -> None:
        def apply(state):
            _known(state, app_id)["status"] = status
        self._step(operation, key, app_id, "", apply)

    def disable(self, app_id: str, *, key: str) -> None:
        self._status("disable", "disabled", app_id, key)

    def end_state_evidence(self, app_id: str, status: str, *, key: str) -> dict | None:
        """A console step of its own: a new screenshot or export showing the app ``status``
        and visible to admins only. Its evidence (distinct from every earlier step's, as
        ``confirm`` checks) is what the verification records."""
        shown = t(f"console.status.{status}", self._lang()) if status in (
            "disabled", "unlinked") else status

        def apply(state: dict) -> dict:
            step = state["steps"][key]
            return {"evidence": step["evidence"], "evidence_sha256": step["evidence_sha256"],
                    "who": step["who"]}
        return self._step("verify_end_state", key, app_id, shown, apply)

    def enable(self, app_id: str, *, key: str) -> None:
        self._status("enable", "enabled", app_id, key)

    def unlink(self, app_id: str, *, key: str) -> None:
        self._status("unlink", "unlinked", app_id, key)

    def submit_approval(self, request: ApprovalRequest, *, key: str) -> str:
        details = "; ".join(f"{k}: {v}" for k, v in request.form.items())

        def apply(state):
            instance = f"manual-{len(state['approvals']) + 1}"
            state["approvals"][instance] = {"originator": request.originator,
                                            "approvers": list(request.approvers),
                                            "status": "RUNNING", "result": None, "records": []}
            return instance
        return self._step("submit_approval", key, request.app_id, details, apply)

    def decide_approval(self, instance_id: str, user_id: str,
                        decision: Literal["agree", "refuse"], comment: str = "", *,
                        evidence: str | None = None) -> ApprovalStatus:
        """Record an approval given outside the kit, with its evidence file."""
        if evidence is None or not Path(evidence).is_file():
            raise platform_error("decide_approval", "err.approval_needs_evidence")
        digest = hashlib.sha256(Path(evidence).read_bytes()).hexdigest()
        with self._state() as state:
            inst = state["approvals"][instance_id]
            if canonical_user_id(user_id) == canonical_user_id(inst["originator"]):
                raise platform_error("decide_approval", "err.own_request")
            other = self._evidence_used(state, digest, "")
            if other:  # each approver's decision is proved by its own record
                raise platform_error("decide_approval", "console.reused",
                                     file=Path(evidence).name, other=other)
            inst["records"].append({"user_id": user_id, "result": decision.upper(),
                                    "comment": comment, "evidence": Path(evidence).name,
                                    "evidence_sha256": digest})
            if decision == "refuse":
                inst.update(status="COMPLETED", result="refuse")
            elif ({canonical_user_id(r["user_id"]) for r in inst["records"]}
                  >= {canonical_user_id(u) for u in inst["approvers"]}):
                inst.update(status="COMPLETED", result="agree")
        return self.approval_status(instance_id)

    def approval_status(self, instance_id: str) -> ApprovalStatus:
        with self._state(write=False) as state:
            inst = state["approvals"][instance_id]
            return ApprovalStatus(instance_id, inst["status"], inst["result"],
                                  tuple(inst["records"]), tuple(inst.get("comments", ())))

    def comment_approval(self, instance_id: str, user_id: str, text: str,
                         attachment: Path | None = None, *, key: str) -> None:
        """A remark on the request kept outside the kit (an approver's question, the
        requester's answer and its attachment), recorded here as it was given."""
        remark = comment_record(user_id, text, attachment)
        with self._state() as state:
            inst = state["approvals"].get(instance_id)
            if inst is None:
                raise platform_error("comment_approval", "platform.no_approval",
                                     instance=instance_id)
            if any(c.get("key") == key for c in inst.get("comments", ())):
                return  # the same answer again: recorded once
            inst.setdefault("comments", []).append(
                {**remark, "key": key, "date": dt.datetime.now(dt.UTC).isoformat()})

    def withdraw_approval(self, instance_id: str, operator: str, remark: str, *,
                          key: str) -> None:
        def apply(state):
            state["approvals"][instance_id]["status"] = "TERMINATED"
        app_id = key.split(":", 1)[0]
        self._step("withdraw_approval", key, app_id, remark, apply)

    def notify(self, notification: Notification, *, key: str) -> str:
        app_id = key.split(":", 1)[0]
        self._step("notify", key, app_id, f"{notification.title} — {notification.text}",
                   lambda state: key)
        return key


def _known(state: dict, app_id: str) -> dict:
    """The recorded view of an app (DingTalk's fallback may name one not seeded here)."""
    return state["apps"].setdefault(app_id, _app_state(AppInfo(app_id, app_id, "enabled",
                                                               Scope(), ())))


def _app_state(app: AppInfo) -> dict:
    return {"name": app.name, "status": app.status, "admins": list(app.admins),
            "scope": {"user_ids": list(app.scope.user_ids), "dept_ids": list(app.scope.dept_ids),
                      "role_ids": list(app.scope.role_ids),
                      "only_admin_visible": app.scope.only_admin_visible}}


def _app_info(app_id: str, raw: dict) -> AppInfo:
    s = raw["scope"]
    return AppInfo(app_id, raw["name"], raw["status"],
                   Scope(tuple(s["user_ids"]), tuple(s["dept_ids"]), tuple(s["role_ids"]),
                         s["only_admin_visible"]), tuple(raw["admins"]))

