"""Who can open an app now, from the ``app_scopes`` table (``decomkit import dingtalk``): the
people who lose access when it is revoked.

A department in a visible scope includes its sub-departments, as on DingTalk: a person is in
when their department path is the scope's path or below it (or their ``dept_id`` is the
scope's). Role members are not listed per person by the platform, so a role in a scope is
counted as a role, not resolved to people.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from decomkit.core.text import canonical_user_id
from decomkit.inventory.tables import Inventory

COLUMNS = ["user_id", "name", "department"]


def _in_departments(users: pd.DataFrame, depts: pd.DataFrame) -> pd.Series:
    return _in(users, zip(depts["member_id"], depts["member_name"], strict=True))


def _in(users: pd.DataFrame, departments: Iterable[tuple[object, object]]) -> pd.Series:
    """Whether each user is in one of ``departments`` (id, path): their ``dept_id`` is the id,
    or their department is the path or below it."""
    inside = pd.Series(False, index=users.index)
    department = users["department"].fillna("")
    own_id = (users["dept_id"] if "dept_id" in users else pd.Series("", index=users.index))
    for dept_id, path in departments:
        if isinstance(path, str) and path:
            inside |= (department == path) | department.str.startswith(path + "/")
        if isinstance(dept_id, str) and dept_id:
            inside |= own_id.fillna("") == dept_id
    return inside


def scope_members(users: pd.DataFrame, user_ids: Iterable[str], dept_ids: Iterable[str],
                  dept_paths: Mapping[str, str] | None = None) -> pd.Series:
    """Per row of ``users``: whether a visible scope that lists ``user_ids`` and ``dept_ids``
    lets the person in. A listed department is matched by id (the user's ``dept_id``) and by
    name or path (the user's ``department``, sub-departments included); ``dept_paths`` gives
    the path of a department id where it is known (the ``app_scopes`` table), so a DingTalk
    department id also takes in its sub-departments. An empty scope (everyone) is the
    caller's to decide: this lists members."""
    listed = {canonical_user_id(u) for u in user_ids}
    paths = dept_paths or {}
    inside = users["user_id"].map(canonical_user_id).isin(listed)
    return inside | _in(users, [(d, paths.get(d, d)) for d in dept_ids])


def department_paths(inventory: Inventory) -> dict[str, str]:
    """Department id → its path, as the ``app_scopes`` table names them."""
    depts = inventory.app_scopes[inventory.app_scopes["member_type"] == "dept"]
    return {str(i): str(p) for i, p in zip(depts["member_id"], depts["member_name"], strict=True)
            if isinstance(i, str) and isinstance(p, str) and p}


def people_with_access(inventory: Inventory, app_id: str) -> pd.DataFrame | None:
    """The people who can open ``app_id`` (in its visible scope or administering it); None
    when the app_scopes table says nothing about the app."""
    rows = inventory.app_scopes[inventory.app_scopes["app_id"] == app_id]
    if rows.empty:
        return None
    users = inventory.users[inventory.users["gone_since"].isna()]
    visible, admin = rows[rows["access"] == "visible"], rows[rows["access"] == "admin"]
    if (visible["member_type"] == "everyone").any():
        inside = pd.Series(True, index=users.index)
    else:
        listed = visible[visible["member_type"] == "user"]["member_id"]
        inside = users["user_id"].isin(listed) | _in_departments(
            users, visible[visible["member_type"] == "dept"])
    inside |= users["user_id"].isin(admin[admin["member_type"] == "user"]["member_id"])
    inside |= _in_departments(users, admin[admin["member_type"] == "dept"])
    return users.loc[inside, COLUMNS].reset_index(drop=True)
