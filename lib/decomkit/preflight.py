"""The checks of 停用指南 stage 四 before anything is changed: admin rights, licence terms, the
access to revoke, and linked permissions (approval flows and integrations that reference the
app)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from decomkit.access import people_with_access
from decomkit.contracts import ExitPlan
from decomkit.i18n import Language, t
from decomkit.platforms import AppInfo, Platform
from decomkit.tables import Inventory

Status = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    item: str  # admin | licence | revocation | linked
    status: Status
    detail: str


def people_in_scope(app: AppInfo, users: pd.DataFrame) -> pd.DataFrame:
    """Users (with department) who can open the app now: who loses access on revoke."""
    inside = [app.visible_to(u, d) for u, d in zip(users["user_id"], users["department"],
                                                     strict=True)]
    return users.loc[inside, ["user_id", "name", "department"]]


def preflight(platform: Platform, inventory: Inventory, app_id: str, operator: str,
              plan: ExitPlan, language: Language = "zh") -> list[Check]:
    checks = []
    app = platform.get_app(app_id)
    if platform.is_admin(operator, app_id):
        checks.append(Check("admin", "ok", t("check.admin.ok", language, operator=operator)))
    else:
        checks.append(Check("admin", "fail", t("check.admin.fail", language, operator=operator)))

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
    return checks


def checks_table(checks: list[Check], language: Language = "zh") -> pd.DataFrame:
    """停用指南's stage 四 checklist table: item, status, detail."""
    item, status, detail = ("item", "status", "detail") if language == "en" else (
        "检查项目", "状态", "说明")
    return pd.DataFrame({item: [t(f"check.{c.item}", language) for c in checks],
                         status: [t(f"status.{c.status}", language) for c in checks],
                         detail: [c.detail for c in checks]})
