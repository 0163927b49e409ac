"""What retiring an app touches: processes, integrations, data, people — and how risky that is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from decomkit.core.i18n import Language, t
from decomkit.core.present import term
from decomkit.inventory.access import people_with_access
from decomkit.inventory.tables import Inventory

RECENT_DAYS = 90
# Risk points: a level is "high" from HIGH_AT points, "medium" from MEDIUM_AT.
PROCESS_POINTS = {"high": 3, "medium": 2, "low": 1}
INTEGRATION_POINTS = 2
USERS_POINTS = ((100, 2), (20, 1))  # (more than this many recent users, points)
PERSONAL_DATA_POINTS = 1
HIGH_AT, MEDIUM_AT = 6, 3


def human_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError


@dataclass(frozen=True)
class Impact:
    app_id: str
    processes: pd.DataFrame  # process_id, name, criticality, owner_dept, approval_template
    integrations: pd.DataFrame  # integration_id, system, direction, description
    datasets: pd.DataFrame  # dataset_id, name, rows, bytes, export_file, changes, personal_data
    users_by_department: pd.DataFrame  # department, users (in the last RECENT_DAYS days)
    points: int
    level: str  # high | medium | low
    reasons: list[str]
    edges: list[tuple[str, str, str]]  # (from, to, kind) for the dependency graph

    @property
    def rows_to_migrate(self) -> int:
        return int(self.datasets["rows"].fillna(0).sum())

    @property
    def bytes_to_migrate(self) -> int:
        return int(self.datasets["bytes"].fillna(0).sum())

    def summary(self) -> dict:
        return {"level": self.level, "points": self.points, "reasons": self.reasons,
                "processes": len(self.processes), "integrations": len(self.integrations),
                "rows": self.rows_to_migrate, "bytes": self.bytes_to_migrate,
                "users": int(self.users_by_department["users"].sum())}


def recent_users_by_department(inventory: Inventory, app_id: str,
                               as_of: dt.date) -> pd.DataFrame:
    events = inventory.usage_events
    since = pd.Timestamp(as_of) - pd.Timedelta(days=RECENT_DAYS)
    recent = events[(events["app_id"] == app_id) & (events["date"] >= since)
                    & (events["date"] < pd.Timestamp(as_of))]
    users = pd.DataFrame({"user_id": recent["user_id"].astype(str).unique()})
    departments = inventory.users.set_index("user_id")["department"]
    users["department"] = users["user_id"].map(departments).fillna("?")
    counts = users.groupby("department").size().rename("users").reset_index()
    return counts.sort_values(["users", "department"], ascending=[False, True],
                              ignore_index=True)


def assess_impact(inventory: Inventory, app_id: str, as_of: dt.date,
                  language: Language = "zh") -> Impact:
    name = inventory.app_name(app_id)
    processes = inventory.processes[inventory.processes["app_id"] == app_id].drop(
        columns="app_id").reset_index(drop=True)
    integrations = inventory.integrations[inventory.integrations["app_id"] == app_id].drop(
        columns="app_id").reset_index(drop=True)
    datasets = inventory.datasets[inventory.datasets["app_id"] == app_id].drop(
        columns="app_id").reset_index(drop=True)
    by_dept = recent_users_by_department(inventory, app_id, as_of)
    with_access = people_with_access(inventory, app_id)
    access_only = by_dept.empty and with_access is not None and len(with_access) > 0
    if access_only and with_access is not None:
        # usage unknown: everyone who can open it may depend on it
        by_dept = (with_access.groupby("department").size().rename("users").reset_index()
                   .sort_values(["users", "department"], ascending=[False, True],
                                ignore_index=True))

    points, reasons, edges = 0, [], []
    for p in processes.itertuples():
        crit = p.criticality if isinstance(p.criticality, str) else "medium"
        points += PROCESS_POINTS[crit]
        reasons.append(t("impact.process", language, name=p.name,
                         criticality=t(f"risk.{crit}", language)))
        edges.append((p.name, name, "process"))
    for i in integrations.itertuples():
        points += INTEGRATION_POINTS
        direction = i.direction if isinstance(i.direction, str) else "both"
        reasons.append(t("impact.integration", language, system=i.system,
                         direction=term("direction", direction, language),
                         description=i.description if isinstance(i.description, str) else ""))
        edges.append((name, i.system, f"integration:{direction}"))
    n_users = int(by_dept["users"].sum())
    points += next((pts for limit, pts in USERS_POINTS if n_users > limit), 0)
    if n_users:
        reasons.append(t("impact.access" if access_only else "impact.users", language,
                         n=n_users, depts=len(by_dept)))
        edges += [(row.department, name, "users") for row in by_dept.itertuples()]
    if len(datasets):
        rows, size = int(datasets["rows"].fillna(0).sum()), datasets["bytes"].fillna(0).sum()
        reasons.append(t("impact.data", language, datasets=len(datasets), rows=rows,
                         size=human_size(size)))
        edges += [(name, d, "data") for d in datasets["name"]]
    personal = datasets[datasets["personal_data"].fillna(False).astype(bool)]["name"].tolist()
    if personal:
        points += PERSONAL_DATA_POINTS
        reasons.append(t("impact.personal", language, names=", ".join(personal)))
    level = "high" if points >= HIGH_AT else "medium" if points >= MEDIUM_AT else "low"
    return Impact(app_id, processes, integrations, datasets, by_dept, points, level,
                  reasons or [t("impact.none", language)], edges)
