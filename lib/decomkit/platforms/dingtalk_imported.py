"""The assessment's reads of visible scopes and app admins from a fresh DingTalk import.

``decomkit import dingtalk`` reads every app's visible scope and admin roles into the
``app_scopes`` table. While that import is fresh (``dingtalk.imported_fresh_days``), the
assessment takes an app's scope and the operator's admin rights from it instead of asking
DingTalk per app (two metered calls an app: ``get_scope`` and ``admin_access``), and says
the import's date. It asks DingTalk when the import is stale or missing, when the table says
nothing about the app, and for an admin answer the table cannot give (the operator is not
listed as a user of a managing role: a department member or the organisation's own admin).

Only the assessment reads through this view. The reads safety rests on stay live: the scope
saved before a change (for rollback), the verification after it, and the disable gate's own
admin and replacement checks (``lifecycle.authority``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, NoReturn, Protocol

from decomkit.core.config import Config
from decomkit.core.said import platform_error, said
from decomkit.core.text import canonical_user_id
from decomkit.inventory.importers import LEDGER_SUBJECT
from decomkit.inventory.tables import Inventory
from decomkit.platforms.base import (
    AppInfo,
    ApprovalRequest,
    ApprovalStatus,
    Notification,
    Platform,
    Scope,
    WorkspaceLike,
)

IMPORT_EVENT = "inventory imported"
SOURCE_PREFIX = "dingtalk "


def import_source(api_base: str, tables: set[str]) -> str:
    """The source a DingTalk import records in its ledger note (its English form, read back by
    :func:`imported_tables`) and shows its reader."""
    return said("import.source_dingtalk", api=api_base, tables=", ".join(sorted(tables)))


def imported_tables(source: str, api_base: str) -> set[str]:
    """The tables (``scopes``, ``admins``, …) a DingTalk import of ``api_base`` read, from
    its recorded source; empty for any other source (a file, another organisation)."""
    head = f"{SOURCE_PREFIX}{api_base} ("
    if not (source.startswith(head) and source.endswith(")")):
        return set()
    return {t.strip() for t in source[len(head):-1].split(",") if t.strip()}


class _Events(Protocol):
    def events(self, app_id: str | None = None) -> list[Any]: ...


class ImportedWorkspace(Protocol):
    """What the view reads of the workspace: its settings, tables and ledger."""

    @property
    def root(self) -> Path: ...

    @property
    def config(self) -> Config: ...

    def inventory(self, tables: list[str] | None = None,
                  app_id: str | None = None) -> Inventory: ...

    def ledger(self) -> AbstractContextManager[_Events]: ...


def last_import(workspace: ImportedWorkspace) -> dt.date | None:
    """The UTC day of the latest DingTalk import of this organisation that read both the
    scopes and the admins (None: never)."""
    base = workspace.config.dingtalk.api_base
    with workspace.ledger() as ledger:
        events = ledger.events(LEDGER_SUBJECT)
    for event in reversed(events):
        data = event.data
        if (data.get("event") == IMPORT_EVENT
                and {"scopes", "admins"} <= imported_tables(str(data.get("source", "")), base)):
            return dt.datetime.fromisoformat(event.ts.replace("Z", "+00:00")).date()
    return None


def fresh_import(workspace: ImportedWorkspace, today: dt.date | None = None) -> dt.date | None:
    """The day of the latest DingTalk import of scopes and admins when it is at most
    ``dingtalk.imported_fresh_days`` old (0: never used), else None."""
    days = workspace.config.dingtalk.imported_fresh_days
    on = last_import(workspace) if days > 0 else None
    today = today or dt.datetime.now(dt.UTC).date()
    return on if on is not None and (today - on).days <= days else None


@dataclass(frozen=True)
class ImportedAccess:
    """Each app's visible scope and its admins' user ids, as the import read them."""

    scopes: Mapping[str, Scope]
    admins: Mapping[str, frozenset[str]]
    on: dt.date

    @classmethod
    def from_inventory(cls, inventory: Inventory, on: dt.date) -> ImportedAccess:
        table = inventory.app_scopes
        if "gone_since" in table:
            table = table[table["gone_since"].isna()]
        scopes: dict[str, Scope] = {}
        admins: dict[str, frozenset[str]] = {}
        for app_id, rows in table.groupby("app_id"):
            visible = rows[rows["access"] == "visible"]
            if not visible.empty:
                scopes[str(app_id)] = _scope(visible)
            managing = rows[(rows["access"] == "admin") & (rows["member_type"] == "user")]
            admins[str(app_id)] = frozenset(canonical_user_id(str(u))
                                            for u in managing["member_id"])
        return cls(scopes, admins, on)


def _scope(visible) -> Scope:
    kinds = visible["member_type"]
    if (kinds == "admins_only").any():
        return Scope(only_admin_visible=True)
    if (kinds == "everyone").any():
        return Scope()

    def ids(kind: str) -> tuple[str, ...]:
        return tuple(str(i) for i in visible[kinds == kind]["member_id"].dropna())

    return Scope(ids("user"), ids("dept"), ids("role"))


class ImportedReads(Platform):
    """``platform`` with each app's scope and a positive admin answer taken from ``access``
    (the import); everything else, and anything the import does not know, asked of
    ``platform``. Read-only: the assessment never changes anything."""

    def __init__(self, platform: Platform, access: ImportedAccess):
        self.platform, self.access = platform, access
        self.name = platform.name
        self.used: set[str] = set()  # apps answered from the import

    @classmethod
    def from_workspace(cls, workspace: WorkspaceLike) -> Platform:
        raise platform_error("platform", "platform.view_from_workspace")

    def list_apps(self) -> list[AppInfo]:
        return self.platform.list_apps()

    def get_app(self, app_id: str) -> AppInfo:
        scope = self.access.scopes.get(app_id)
        if scope is None:
            return self.platform.get_app(app_id)
        # the status from the app list (one read a stage run, shared by every app)
        listed = next((a for a in self.platform.list_apps() if a.app_id == app_id), None)
        if listed is None:
            return self.platform.get_app(app_id)  # not listed: its own clear error
        self.used.add(app_id)
        return replace(listed, scope=scope)

    def is_admin(self, user_id: str, app_id: str) -> bool:
        if canonical_user_id(user_id) in self.access.admins.get(app_id, frozenset()):
            self.used.add(app_id)
            return True
        return self.platform.is_admin(user_id, app_id)

    def visible_to(self, user_id: str, app_id: str) -> bool:
        return self.platform.visible_to(user_id, app_id)

    def forget(self, app_id: str) -> None:
        self.platform.forget(app_id)

    # the assessment changes nothing: every change goes to the stage's own platform
    def _refuse(self, operation: str) -> NoReturn:
        raise platform_error(operation, "platform.view_read_only")

    def set_visible_scope(self, app_id: str, scope: Scope, *, key: str) -> None:
        self._refuse("set_visible_scope")

    def disable(self, app_id: str, *, key: str) -> None:
        self._refuse("disable")

    def enable(self, app_id: str, *, key: str) -> None:
        self._refuse("enable")

    def unlink(self, app_id: str, *, key: str) -> None:
        self._refuse("unlink")

    def submit_approval(self, request: ApprovalRequest, *, key: str) -> str:
        self._refuse("submit_approval")

    def approval_status(self, instance_id: str) -> ApprovalStatus:
        return self.platform.approval_status(instance_id)

    def decide_approval(self, instance_id: str, user_id: str,
                        decision: Literal["agree", "refuse"], comment: str = "", *,
                        evidence: str | None = None) -> ApprovalStatus:
        self._refuse("decide_approval")

    def withdraw_approval(self, instance_id: str, operator: str, remark: str, *,
                          key: str) -> None:
        self._refuse("withdraw_approval")

    def comment_approval(self, instance_id: str, user_id: str, text: str,
                         attachment: Path | None = None, *, key: str) -> None:
        self._refuse("comment_approval")

    def notify(self, notification: Notification, *, key: str) -> str:
        self._refuse("notify")

    def add_to_scope(self, app_id: str, user_ids: Sequence[str], *, key: str,
                     labels: Mapping[str, str] | None = None) -> None:
        self._refuse("add_to_scope")


def assessment_reads(workspace: ImportedWorkspace, platform: Platform,
                     today: dt.date | None = None) -> tuple[Platform, dt.date | None]:
    """The platform the assessment reads through, and the day of the import it reads scopes
    and admins from (None: it asks DingTalk). Only DingTalk is metered: any other platform is
    returned as it is."""
    if platform.name != "dingtalk":
        return platform, None
    on = fresh_import(workspace, today)
    if on is None:
        return platform, None
    inventory = workspace.inventory(["app_scopes"])
    return ImportedReads(platform, ImportedAccess.from_inventory(inventory, on)), on
