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


def open_documents(workspace: Workspace, app_id: str, limit: int = 5) -> list[str] | None:
    """Documents still open in the app's exports (解除免费关联 四.1: purchases and sales closed
    before unlinking), one text per dataset that has any; None when no dataset declares its
    ``open_status_column``. The first column of an export names its documents."""
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
            found.append(f"{row['name']}: the export or its column "
                         f"'{row['open_status_column']}' is missing, so it cannot be checked")
            continue
        header, rows = table
        values = {v.strip() for v in str(row.get("open_values") or "").split("|") if v.strip()}
        at = header.index(row["open_status_column"])
        open_rows = [r[0] for r in rows if r[at].strip() in values]
        if open_rows:
            shown = ", ".join(open_rows[:limit]) + (" …" if len(open_rows) > limit else "")
            found.append(f"{row['name']} {len(open_rows)} ({shown})")
    return found


def preflight(platform: Platform, inventory: Inventory, app_id: str, operator: str,
              plan: ExitPlan, language: Language = "zh",
              open_docs: list[str] | None = None) -> list[Check]:
    """The stage 四 checklist; ``open_docs`` is :func:`open_documents` (None: not declared)."""
    checks = []
    app = platform.get_app(app_id)
    if platform.is_admin(operator, app_id):
        checks.append(Check("admin", "ok", t("check.admin.ok", language, operator=operator)))
    else:
        checks.append(Check("admin", "fail", t("check.admin.fail", language, operator=operator)))

    if plan.contract_id is None:
        checks.append(Check("licence", "ok", t("contract.none", language)))
    else:  # each exit option on its own line, then the warning on its own
        lines = plan.option_lines(language)
        checks += [Check("licence", "ok", line) for line in lines[:len(plan.options)]]
        checks += [Check("licence", "warn", line) for line in lines[len(plan.options):]]
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
        checks.append(Check("open_documents", "fail", t(
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
