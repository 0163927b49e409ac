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


def in_scope(users: pd.DataFrame, user_ids: Iterable[str], dept_ids: Iterable[str],
             dept_paths: Mapping[str, set[str]] | None = None) -> pd.Series:
    """Per row of ``users``: whether a visible scope that lists ``user_ids`` and ``dept_ids``
    lets the person in (the one rule; :func:`scope_members` adds the empty and admins-only
    scopes). User ids are compared canonically; a department is matched by its platform id
    (the user's ``dept_id``) and by name or path (the user's ``department``, sub-departments
    included), and ``dept_paths`` (:func:`department_paths`) gives the paths an id is known
    by, so a DingTalk department id also takes in its sub-departments."""
    listed = {canonical_user_id(u) for u in user_ids}
    inside = users["user_id"].map(canonical_user_id).isin(listed)
    department = users["department"].fillna("")
    own_id = (users["dept_id"].fillna("") if "dept_id" in users
              else pd.Series("", index=users.index))
    for dept in map(str, dept_ids):
        for path in {dept, *(dept_paths or {}).get(dept, ())}:
            inside |= (department == path) | department.str.startswith(path + "/")
        inside |= own_id == dept
    return inside


def scope_members(inventory: Inventory, user_ids: Iterable[str] = (),
                  dept_ids: Iterable[str] = (), role_ids: Iterable[str] = (),
                  only_admin_visible: bool = False) -> pd.DataFrame:
    """The people (rows of ``users``, people gone from the platform left out) a visible scope
    lets in, as the platform reports it: nobody when it is admins only; everyone when it names
    nobody (DingTalk's empty scope is the whole organisation); else :func:`in_scope`. Roles
    are not resolved: a person inside the scope only through a role is not counted."""
    users = inventory.users[inventory.users["gone_since"].isna()]
    user_ids, dept_ids = list(user_ids), list(dept_ids)
    if only_admin_visible:
        return users.iloc[0:0]
    if not (user_ids or dept_ids or list(role_ids)):
        return users
    paths = department_paths(inventory) if dept_ids else {}
    return users[in_scope(users, user_ids, dept_ids, paths).to_numpy(dtype=bool)]
