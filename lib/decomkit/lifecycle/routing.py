"""Who approves a request (停用指南 stage 五), by the rules in ``decomkit.toml``
(``[approval]``): the head of the app's owning department, then IT, then finance when the app
costs more than ``approval.finance_above`` a year.

Resolved before anything is asked: an owning department with no head (or a head who has
left, or a name that two departments' paths end in), or a chain that resolves to nobody or to
the requester, is refused before any request (the last two by the
gate authority, which is given this chain)."""

from __future__ import annotations

import pandas as pd

from decomkit.context.stage import Stage
from decomkit.core.said import Said, refused
from decomkit.core.text import canonical_user_id


def department_head(stage: Stage, app_id: str, department: str, users: pd.DataFrame) -> str:
    """The head of ``department``, the app's owning department: ``approval.department_heads``,
    else the person of the ``users`` table marked ``dept_head`` in it and not gone. The
    department is matched by its whole path (总部/财务部), or by a bare name (财务部) when
    exactly one department of the table has that name as its last part: a name that ends two
    paths is refused, as is a department with no head."""
    named = stage.workspace.config.approval.department_heads.get(department)
    if named:
        return named
    dept = users["department"].fillna("").astype(str).str.strip()
    inside = dept == department
    if not inside.any() and "/" not in department:
        inside = dept.str.rsplit("/", n=1).str[-1] == department
        paths = sorted(set(dept[inside]))
        if len(paths) > 1:
            raise refused(app_id, "request_approval", "route.ambiguous", dept=department,
                          paths=Said({"en": ", ".join(paths), "zh": "、".join(paths)}))
    marked = users["dept_head"].fillna(False).astype(bool) if "dept_head" in users else False
    heads = users[inside & marked & users["gone_since"].isna()]
    if not len(heads):
        raise refused(app_id, "request_approval", "route.no_head", dept=department)
    return str(heads["user_id"].iloc[0])


def annual_cost(stage: Stage, app_id: str) -> float | None:
    """What the app costs a year, from its assessment (None: not known)."""
    with stage.workspace.ledger() as ledger:
        assessed = ledger.last(app_id, "assessed")
    monthly = ((assessed.data if assessed else {}).get("licence") or {}).get("monthly_cost")
    return float(monthly) * 12 if isinstance(monthly, int | float) else None


def route(stage: Stage, app_id: str) -> tuple[str, ...]:
    """The approvers of ``app_id``'s request, in order, each once. An approver the users table
    says has left the platform (named in the chain or in ``approval.department_heads``) is
    refused: nobody would decide."""
    rules = stage.workspace.config.approval
    apps = stage.inventory.apps.set_index("app_id")
    owner = apps.loc[app_id, "owner_dept"] if "owner_dept" in apps else None
    owner = owner.strip() if isinstance(owner, str) else ""
    users = stage.workspace.inventory(["users"]).users
    gone = {canonical_user_id(u) for u in users.loc[users["gone_since"].notna(), "user_id"]}
    cost = annual_cost(stage, app_id)
    chain: list[str] = []
    for approver in rules.chain:
        user = approver.user_id
        if approver.role == "department_head" and rules.route_by_owner and owner:
            user = department_head(stage, app_id, owner, users)
        if approver.role == "finance" and cost is not None and cost <= rules.finance_above:
            continue
        if canonical_user_id(user) in gone:
            raise refused(app_id, "request_approval", "route.approver_gone", user=user)
        if canonical_user_id(user) not in {canonical_user_id(u) for u in chain}:
            chain.append(user)
    return tuple(chain)  # empty: the gate authority refuses it (gate.approvers)
