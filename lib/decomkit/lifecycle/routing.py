"""Who approves a request (停用指南 stage 五), by the rules in ``decomkit.toml``
(``[approval]``): the head of the app's owning department, then IT, then finance when the app
costs more than ``approval.finance_above`` a year.

Resolved before anything is asked: an owning department with no head, or a chain that
resolves to nobody or to the requester, is refused before any request (the last two by the
gate authority, which is given this chain)."""

from __future__ import annotations

import pandas as pd

from decomkit.context.stage import Stage
from decomkit.core.errors import TransitionError
from decomkit.core.i18n import t
from decomkit.core.text import canonical_user_id


def department_head(stage: Stage, department: str) -> str | None:
    """The head of ``department``: ``approval.department_heads``, else the first person of
    the users table marked ``dept_head`` in it (by name or as the last part of a path such as
    总部/财务部) and not gone from the platform."""
    named = stage.workspace.config.approval.department_heads.get(department)
    if named:
        return named
    users = stage.workspace.inventory(["users"]).users
    if "dept_head" not in users:
        return None
    dept = users["department"].fillna("").astype(str)
    inside = (dept == department) | dept.str.endswith("/" + department)
    heads = users[inside & (users["dept_head"].fillna(False).astype(bool))
                  & users["gone_since"].isna()]
    return str(heads["user_id"].iloc[0]) if len(heads) else None


def annual_cost(stage: Stage, app_id: str) -> float | None:
    """What the app costs a year, from its assessment (None: not known)."""
    with stage.workspace.ledger() as ledger:
        assessed = ledger.last(app_id, "assessed")
    monthly = ((assessed.data if assessed else {}).get("licence") or {}).get("monthly_cost")
    return float(monthly) * 12 if isinstance(monthly, int | float) else None


def route(stage: Stage, app_id: str) -> tuple[str, ...]:
    """The approvers of ``app_id``'s request, in order, each once."""
    rules = stage.workspace.config.approval
    apps = stage.inventory.apps.set_index("app_id")
    owner = apps.loc[app_id, "owner_dept"] if "owner_dept" in apps else None
    owner = str(owner).strip() if isinstance(owner, str) and not pd.isna(owner) else ""
    cost = annual_cost(stage, app_id)
    lang = stage.language
    chain: list[str] = []
    for approver in rules.chain:
        user = approver.user_id
        if approver.role == "department_head" and rules.route_by_owner and owner:
            head = department_head(stage, owner)
            if head is None:
                raise TransitionError(app_id, "request approval",
                                      t("route.no_head", lang, dept=owner))
            user = head
        if approver.role == "finance" and cost is not None and cost <= rules.finance_above:
            continue
        if canonical_user_id(user) not in {canonical_user_id(u) for u in chain}:
            chain.append(user)
    return tuple(chain)  # empty: the gate authority refuses it (gate.approvers)
