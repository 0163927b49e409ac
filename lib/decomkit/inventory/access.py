"""Who can open an app now, from the ``app_scopes`` table (``decomkit import dingtalk``) or from
a visible scope a platform reports: the people who lose access when it is revoked, and who can
reach a replacement.

A department in a visible scope includes its sub-departments, as on DingTalk: a person is in
when their department path is the scope's path or below it (or their ``dept_id`` is the
scope's). Role members are not listed per person by the platform, so a role in a scope is
counted as a role, not resolved to people.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pandas as pd

from decomkit.core.text import canonical_user_id
from decomkit.inventory.tables import Inventory

COLUMNS = ["user_id", "name", "department"]


def _in_departments(users: pd.DataFrame, depts: pd.DataFrame) -> pd.Series:
    inside = pd.Series(False, index=users.index)
    department = users["department"].fillna("")
    for dept_id, path in zip(depts["member_id"], depts["member_name"], strict=True):
        if isinstance(path, str) and path:
            inside |= (department == path) | department.str.startswith(path + "/")
        if isinstance(dept_id, str) and dept_id:
            inside |= users["dept_id"].fillna("") == dept_id
    return inside


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


def department_paths(inventory: Inventory) -> dict[str, set[str]]:
    """Department id → the names or paths the inventory gives it: a department row of
    ``app_scopes`` (its ``member_name``) and the people whose main department it is
    (``users.dept_id`` with their ``department``)."""
    paths: dict[str, set[str]] = defaultdict(set)
    scopes = inventory.app_scopes
    depts = scopes[scopes["member_type"] == "dept"]
    users = inventory.users
    for dept_id, path in [*zip(depts["member_id"], depts["member_name"], strict=True),
                          *zip(users["dept_id"], users["department"], strict=True)]:
        if isinstance(dept_id, str) and dept_id and isinstance(path, str) and path:
            paths[dept_id].add(path)
    return paths


def scope_members(inventory: Inventory, user_ids: Iterable[str] = (),
                    dept_ids: Iterable[str] = (), role_ids: Iterable[str] = (),
                    only_admin_visible: bool = False) -> pd.DataFrame:
    """The people (rows of ``users``, people gone from the platform left out) a visible scope
    lets in, as the platform reports it: nobody when it is admins only; everyone when it names
    nobody (DingTalk's empty scope is the whole organisation); else the people it lists (user
    ids compared canonically) and everyone in a department it names or below. A department is
    named by its platform id (matched to ``users.dept_id`` and to the paths
    :func:`department_paths` knows for it) or, as the sandbox names them, by its name or path.
    Roles are not resolved: a person inside the scope only through a role is not counted."""
    users = inventory.users[inventory.users["gone_since"].isna()]
    user_ids, dept_ids = list(user_ids), list(dept_ids)
    if only_admin_visible:
        return users.iloc[0:0]
    if not (user_ids or dept_ids or list(role_ids)):
        return users
    listed = {canonical_user_id(u) for u in user_ids}
    inside = users["user_id"].map(canonical_user_id).isin(listed)
    department = users["department"].fillna("")
    paths = department_paths(inventory) if dept_ids else {}
    for dept in dept_ids:
        dept = str(dept)
        for path in {dept, *paths.get(dept, ())}:
            inside |= (department == path) | department.str.startswith(path + "/")
        inside |= users["dept_id"].fillna("") == dept
    return users[inside.to_numpy(dtype=bool)]
