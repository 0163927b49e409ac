"""The checks of 停用指南 stage 四 before anything is changed: admin rights, licence terms, the
access to revoke, and linked permissions (approval flows and integrations that reference the
app)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from decomkit.analysis.contracts import ExitPlan
from decomkit.context.workspace import Workspace
from decomkit.core.i18n import Language, t
from decomkit.custody.checksums import parse_table
from decomkit.inventory.access import people_with_access
from decomkit.inventory.tables import Inventory
from decomkit.platforms import AppInfo, Platform
from decomkit.proof.gates import blocking

Status = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    item: str  # admin | licence | revocation | linked | open_documents
    status: Status
    detail: str


def people_in_scope(app: AppInfo, users: pd.DataFrame) -> pd.DataFrame:
    """Users (with department) who can open the app now: who loses access on revoke."""
    inside = [app.visible_to(u, d) for u, d in zip(users["user_id"], users["department"],
                                                     strict=True)]
    return users.loc[inside, ["user_id", "name", "department"]]


@dataclass(frozen=True)
class OpenDocuments:
    """Documents still open in one dataset's export, or why it could not be checked."""

    dataset: str
    count: int = 0
    shown: tuple[str, ...] = ()  # the first few document ids
    more: bool = False  # more than those shown
    unchecked_column: str = ""  # the export or this status column is missing

    def text(self, language: Language = "en") -> str:
        if self.unchecked_column:
            return t("check.open_documents.unchecked", language, dataset=self.dataset,
                     column=self.unchecked_column)
        shown = ", ".join(self.shown) + (" …" if self.more else "")
        return t("check.open_documents.item", language, dataset=self.dataset, n=self.count,
                 shown=shown)


def open_document_findings(workspace: Workspace, app_id: str, limit: int = 5
                           ) -> list[OpenDocuments] | None:
    """Documents still open in the app's exports (解除免费关联 四.1: purchases and sales closed
    before unlinking), one finding per dataset that has any or cannot be checked; None when no
    dataset declares its ``open_status_column``. The first column of an export names its
    documents. Read from the exports each time: the gate authority asks again at the moment
    it decides a disable."""
    datasets = workspace.inventory(["datasets"]).datasets
    if "open_status_column" not in datasets:
        return None
    declared = datasets[(datasets["app_id"] == app_id) & datasets["open_status_column"].notna()]
    if not len(declared):
        return None
    found = []
    for row in declared.to_dict("records"):
        path = workspace.export_file(app_id, row["export_file"])
        table = parse_table(path.read_bytes(), path.name) if path is not None else None
        if table is None or row["open_status_column"] not in table[0]:
            found.append(OpenDocuments(row["name"], unchecked_column=row["open_status_column"]))
            continue
        header, rows = table
        values = {v.strip() for v in str(row.get("open_values") or "").split("|") if v.strip()}
        at = header.index(row["open_status_column"])
        open_rows = [r[0] for r in rows if r[at].strip() in values]
        if open_rows:
            found.append(OpenDocuments(row["name"], len(open_rows), tuple(open_rows[:limit]),
                                       len(open_rows) > limit))
    return found


def open_documents(workspace: Workspace, app_id: str, limit: int = 5,
                   language: Language = "en") -> list[str] | None:
    """:func:`open_document_findings` as texts in ``language`` (None: nothing declared)."""
    found = open_document_findings(workspace, app_id, limit)
    return None if found is None else [f.text(language) for f in found]


def finding_status(item: str, found: bool) -> Status:
    """A preflight check's status: "fail" (blocking, 阻断) only when its item closes the
    disable gate (``gates.blocking``: the one table), else "warn"; "ok" when nothing was
    found."""
    if not found:
        return "ok"
    return "fail" if blocking(item) else "warn"


def preflight(platform: Platform, inventory: Inventory, app_id: str, operator: str,
              plan: ExitPlan, language: Language = "zh",
              open_docs: list[str] | None = None) -> list[Check]:
    """The stage 四 checklist; ``open_docs`` is :func:`open_documents` (None: not declared)."""
    checks = []
    app = platform.get_app(app_id)
    if platform.is_admin(operator, app_id):
        checks.append(Check("admin", "ok", t("check.admin.ok", language, operator=operator)))
    else:
        checks.append(Check("admin", finding_status("admin", True),
                            t("check.admin.fail", language, operator=operator)))

    if plan.contract_id is None:
        checks.append(Check("licence", "ok", t("contract.none", language)))
    else:
        exit_text = t(f"contract.exit.{plan.best.kind}", language)
        detail = f"{plan.contract_id}: {exit_text} {plan.best.exit_date}"
        if plan.best.notice_by:
            detail += f" (notice by {plan.best.notice_by})" if language == "en" else \
                f"(须在 {plan.best.notice_by} 前通知)"
        if plan.warning:
            detail += " " + plan.warning
        checks.append(Check("licence", "warn" if plan.warning else "ok", detail))
    if app.status == "expired":
        checks[-1] = Check("licence", "warn", f"[{app.status}] {checks[-1].detail}")

    people = people_with_access(inventory, app_id)  # the imported scopes resolve departments
    if people is None:
        people = people_in_scope(app, inventory.users)
    depts = ", ".join(sorted(people["department"].unique())) or "—"
    checks.append(Check("revocation", "warn" if len(people) else "ok",
                        t("check.revocation.detail", language, n=len(people), depts=depts)))

    processes = inventory.processes
    templates = processes[(processes["app_id"] == app_id)
                          & processes["approval_template"].notna()]["approval_template"]
    systems = inventory.integrations[inventory.integrations["app_id"] == app_id]["system"]
    linked = [f"审批模板「{x}」" if language == "zh" else f"approval template '{x}'"
              for x in templates] + [f"{s}" for s in systems]
    checks.append(Check("linked", "warn", t("check.linked.found", language,
                                              items=", ".join(linked))) if linked
                  else Check("linked", "ok", t("check.linked.none", language)))
    if open_docs is not None:
        checks.append(Check("open_documents", finding_status("open_documents", True), t(
            "check.open_documents.found", language, items="; ".join(open_docs))) if open_docs
            else Check("open_documents", "ok", t("check.open_documents.none", language)))
    return checks


def checks_table(checks: list[Check], language: Language = "zh") -> pd.DataFrame:
    """停用指南's stage 四 checklist table: item, status, detail."""
    item, status, detail = ("item", "status", "detail") if language == "en" else (
        "检查项目", "状态", "说明")
    return pd.DataFrame({item: [t(f"check.{c.item}", language) for c in checks],
                         status: [t(f"status.{c.status}", language) for c in checks],
                         detail: [c.detail for c in checks]})
