"""Who can open an app now, from the ``app_scopes`` table (``decomkit import dingtalk``): the
people who lose access when it is revoked.

A department in a visible scope includes its sub-departments, as on DingTalk: a person is in
when their department path is the scope's path or below it (or their ``dept_id`` is the
scope's). Role members are not listed per person by the platform, so a role in a scope is
counted as a role, not resolved to people.
"""

from __future__ import annotations

import pandas as pd

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
