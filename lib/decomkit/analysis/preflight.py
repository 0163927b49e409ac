"""The checks of 停用指南 stage 四 before anything is changed: admin rights, licence terms, the
access to revoke, linked permissions (approval flows and integrations that reference the app),
open documents, and whether everyone who loses the app can open its replacement (解除免费关联
四.3: 确保每位员工都能够继续顺利完成自己的工作任务)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from decomkit.analysis.contracts import ExitPlan
from decomkit.context.workspace import Workspace
from decomkit.core.i18n import Language, t
from decomkit.custody.checksums import parse_table
from decomkit.inventory.access import COLUMNS, people_with_access, scope_members
from decomkit.inventory.tables import Inventory
from decomkit.platforms import AppInfo, Platform, Scope
from decomkit.proof.gates import blocking

Status = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    item: str  # admin | licence | revocation | linked | open_documents | replacement | source
    status: Status
    detail: str


def people_in_scope(app: AppInfo, users: pd.DataFrame) -> pd.DataFrame:
    """Users (with department) who can open the app now: who loses access on revoke."""
    inside = [app.visible_to(u, d) for u, d in zip(users["user_id"], users["department"],
                                                     strict=True)]
    return users.loc[inside, ["user_id", "name", "department"]]


# Why adding people to the replacement's scope cannot let them in (English, for the gate's
# refusal; the reader's language comes from i18n's ``replacement.problem.<code>``).
PROBLEMS = {
    "not_enabled": "{name} is not enabled, so nobody can open it; enable it first",
    "admins_only": "{name} is visible to admins only, so adding people to its scope does not "
                   "let them in; open its visible scope in the console first",
    "not_on_platform": "the platform does not list {name} (its scope comes from the app_scopes "
                       "table), so the kit cannot add people to it; widen its scope in the "
                       "console and import the scopes again (decomkit import dingtalk)",
}


@dataclass(frozen=True)
class Readiness:
    """Can everyone an app's retirement affects open its named replacement?

    ``affected`` counts the people the retiring app's visible scope lets in; ``missing`` lists
    those of them (user_id, name, department) who cannot open the replacement now. ``source``
    says where the replacement's scope was read ("platform", "app_scopes", or "" when neither
    knows it: then nothing can be checked); ``problem`` is why adding people to its scope would
    not let them in ("" when it would)."""

    app_id: str
    replacement_id: str
    replacement: str  # the replacement's name
    affected: int
    missing: pd.DataFrame
    source: str
    problem: str = ""

    @property
    def ready(self) -> bool:
        return self.missing.empty

    def by_department(self) -> dict[str, int]:
        """People who cannot open the replacement, by department (most first)."""
        counts = self.missing["department"].fillna("—").value_counts()
        return {str(d): int(n) for d, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}

    def who(self, language: Language = "zh", names_up_to: int = 10) -> str:
        """Who cannot open it, as a reader sees it: names by department when they are few,
        else the count of each department ("销售部 61 人" / "销售部: 61 people")."""
        groups = []
        for dept, n in self.by_department().items():
            if len(self.missing) <= names_up_to:
                names = self.missing[self.missing["department"].fillna("—") == dept]["name"]
                listed = ("、" if language == "zh" else ", ").join(
                    str(x) for x in names.fillna("?"))
                groups.append(f"{dept}:{listed}" if language == "zh" else f"{dept}: {listed}")
            else:
                groups.append(t("replacement.people", language, dept=dept, n=n))
        return ("; " if language == "en" else ";").join(groups)

    def problem_text(self, language: Language = "zh") -> str:
        return t(f"replacement.problem.{self.problem}", language, name=self.replacement) \
            if self.problem else ""

    def facts(self) -> dict:
        """What the gate reads (``replacement_ready``, ``replacement_grantable``)."""
        return {"replacement_id": self.replacement_id, "replacement": self.replacement,
                "affected": self.affected, "missing": list(self.missing["user_id"]),
                "by_department": self.by_department(), "source": self.source,
                "problem": PROBLEMS[self.problem].format(name=self.replacement)
                if self.problem else "", "problem_code": self.problem}


def replacement_of(apps: pd.DataFrame, app_id: str) -> tuple[str, str] | None:
    """(app id, name) of the replacement ``app_id``'s ``alternative`` column names, when it
    names an app of the inventory (by name, or by id) that is still on the platform."""
    row = apps[apps["app_id"] == app_id]
    if row.empty or not isinstance(name := row["alternative"].iloc[0], str) or not name.strip():
        return None
    name = name.strip()
    live = apps[(apps["app_id"] != app_id) & apps["gone_since"].isna()]
    found = live[(live["name"] == name) | (live["app_id"] == name)]
    return None if found.empty else (str(found["app_id"].iloc[0]), str(found["name"].iloc[0]))


def _platform_app(platform: Platform, app_id: str) -> AppInfo | None:
    """The app as the platform shows it, or None when the platform does not list it (any
    other failure is raised: a check that cannot be made is not a check that passed)."""
    if app_id not in {a.app_id for a in platform.list_apps()}:
        return None
    return platform.get_app(app_id)


def replacement_readiness(platform: Platform, inventory: Inventory, app_id: str,
                          scope: Scope | None = None) -> Readiness | None:
    """Who among the people ``app_id``'s retirement affects cannot open its replacement;
    None when the app names no replacement of the inventory.

    ``inventory`` holds the whole apps, users and app_scopes tables. The affected people are
    those ``scope`` lets in (the scope saved before revocation), else the app's scope on the
    platform, else its ``app_scopes`` rows. The replacement's scope is read from the platform
    (its status and admins count too), else from ``app_scopes``."""
    found = replacement_of(inventory.apps, app_id)
    if found is None:
        return None
    replacement_id, name = found
    if scope is None and (app := _platform_app(platform, app_id)) is not None:
        scope = app.scope
    if scope is not None:
        affected = scope_members(inventory, scope.user_ids, scope.dept_ids, scope.role_ids,
                                 scope.only_admin_visible)[COLUMNS]
    else:
        affected = people_with_access(inventory, app_id)
        affected = affected if affected is not None else inventory.users.iloc[0:0][COLUMNS]
    target = _platform_app(platform, replacement_id)
    problem = ""
    if target is not None:
        source = "platform"
        inside = scope_members(inventory, target.scope.user_ids, target.scope.dept_ids,
                               target.scope.role_ids, target.scope.only_admin_visible)
        can_open = set(inside["user_id"]) | {u for u in affected["user_id"]
                                              if target.is_admin(u)}
        if target.status != "enabled":
            can_open, problem = set(), "not_enabled"
        elif target.scope.only_admin_visible:
            problem = "admins_only"
    else:
        reachable = people_with_access(inventory, replacement_id)
        source = "" if reachable is None else "app_scopes"
        can_open = set(affected["user_id"]) if reachable is None else set(reachable["user_id"])
        problem = "not_on_platform" if reachable is not None else ""
    missing = affected[~affected["user_id"].isin(can_open)].reset_index(drop=True)
    if missing.empty:
        problem = ""  # nothing to grant: whatever stands in a grant's way does not matter
    return Readiness(app_id, replacement_id, name, len(affected), missing, source, problem)


def readiness_check(readiness: Readiness, language: Language = "zh") -> Check:
    """The preflight's ``replacement`` row: blocked while anyone affected cannot open it."""
    if not readiness.source:
        return Check("replacement", "warn", t("check.replacement.unknown", language,
                                              name=readiness.replacement))
    if not readiness.affected:
        return Check("replacement", "warn", t("check.replacement.nobody", language,
                                              name=readiness.replacement))
    if readiness.ready:
        return Check("replacement", "ok", t("check.replacement.ok", language,
                                            n=readiness.affected, name=readiness.replacement))
    remedy = readiness.problem_text(language) or t("check.replacement.grant", language)
    return Check("replacement", "fail", t(
        "check.replacement.missing", language, n=len(readiness.missing),
        affected=readiness.affected, name=readiness.replacement, who=readiness.who(language),
        remedy=remedy))


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
              open_docs: list[str] | None = None,
              readiness: Readiness | None = None) -> list[Check]:
    """The stage 四 checklist; ``open_docs`` is :func:`open_documents` (None: not declared),
    ``readiness`` :func:`replacement_readiness` (None: the app names no replacement)."""
    checks = []
    app = platform.get_app(app_id)
    if platform.is_admin(operator, app_id):
        checks.append(Check("admin", "ok", t("check.admin.ok", language, operator=operator)))
    else:
        checks.append(Check("admin", finding_status("admin", True),
                            t("check.admin.fail", language, operator=operator)))

    if plan.contract_id is None:
        checks.append(Check("licence", "ok", t("contract.none", language)))
    else:  # each exit option on its own line, then the warning on its own
        lines = plan.option_lines(language)
        checks += [Check("licence", "ok", line) for line in lines[:len(plan.options)]]
        checks += [Check("licence", "warn", line) for line in lines[len(plan.options):]]
    if app.status == "expired":
        checks[-1] = Check("licence", "warn", t("check.licence.app_expired", language,
                                                detail=checks[-1].detail))

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
    linked = [t("check.linked.template", language, name=x) for x in templates] + [
        str(s) for s in systems]
    checks.append(Check("linked", "warn", t("check.linked.found", language,
                                              items=t("list.sep", language).join(linked)))
                  if linked
                  else Check("linked", "ok", t("check.linked.none", language)))
    if open_docs is not None:
        checks.append(Check("open_documents", finding_status("open_documents", True), t(
            "check.open_documents.found", language, items="; ".join(open_docs))) if open_docs
            else Check("open_documents", "ok", t("check.open_documents.none", language)))
    if readiness is not None:
        checks.append(readiness_check(readiness, language))
    return checks


def checks_table(checks: list[Check], language: Language = "zh") -> pd.DataFrame:
    """停用指南's stage 四 checklist table: item, status, detail."""
    item, status, detail = ("item", "status", "detail") if language == "en" else (
        "检查项目", "状态", "说明")
    return pd.DataFrame({item: [t(f"check.{c.item}", language) for c in checks],
                         status: [t(f"status.{c.status}", language) for c in checks],
                         detail: [c.detail for c in checks]})
