"""Use counted from the usage log: monthly active users, last use and distinct users per app
over the twelve analysis months, from the log or from the snapshot's summary of it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from decomkit.core.errors import WorkspaceError
from decomkit.core.said import said_error
from decomkit.inventory.tables import Inventory

_DENSE_LIMIT = 200_000_000  # cells in the app × month × user bitmap before sorting instead
_SLICE = 1 << 20  # log rows counted at a time


def parse_as_of(value: str | dt.date | None, timezone: str = "") -> dt.date:
    """A notebook's ``as_of`` parameter: '' or None → today (in ``timezone`` when given: the
    workspace's day, not the machine's)."""
    if isinstance(value, dt.date):
        return value
    try:
        if value:
            return dt.date.fromisoformat(value)
    except (TypeError, ValueError):  # named, never echoed: the value may be a secret
        raise said_error(WorkspaceError, "run.as_of_not_a_date") from None
    if timezone:
        from zoneinfo import ZoneInfo

        return dt.datetime.now(ZoneInfo(timezone)).date()
    return dt.date.today()


def analysis_months(as_of: dt.date) -> pd.PeriodIndex:
    """The 12 full calendar months before ``as_of``'s month."""
    return pd.period_range(end=pd.Period(as_of, "M") - 1, periods=12, freq="M")


UsageCounts = tuple[pd.DataFrame, pd.Series, pd.Series]  # monthly active, last use, users


def encoded(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and the distinct values they stand for (a category's own, or found)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), column.cat.categories
    codes, uniques = pd.factorize(column)
    return codes, pd.Index(uniques)


def _ns(column: pd.Series) -> np.ndarray:
    return np.asarray(column.to_numpy(), dtype="datetime64[ns]").view(np.int64)


def usage_counts(inventory: Inventory, as_of: dt.date) -> UsageCounts:
    """Monthly active users (apps × the 12 analysis months), last use up to ``as_of`` and
    distinct users over the 12 months, per app, from the usage log.

    The log's text columns are dictionary-encoded (see ``Table.log``): its codes are used as
    integer arrays, never as frames of strings: this is what keeps 10 million events fast.
    """
    if "usage_events" not in inventory.read:  # empty for not being read: no evidence of idling
        raise said_error(WorkspaceError, "run.no_usage_log")
    events, apps = inventory.usage_events, pd.Index(inventory.apps["app_id"])
    times = _ns(events["date"])
    mau, users = _active(apps, analysis_months(as_of), events["app_id"], events["user_id"],
                         times)
    return mau, _last_use(apps, events["app_id"], times, as_of), users


@dataclass(frozen=True)
class UsageSummary:
    """The usage log reduced to what the score reads; the snapshot keeps it, so no stage reads
    the whole log (a daily user is one row a month, not thirty)."""

    months: pd.DataFrame  # app_id, month, user_id: who visited each app in each month
    days: pd.DataFrame  # app_id, day, last: each app's last visit on each day it had one


def usage_summary(events: pd.DataFrame) -> UsageSummary:
    import pyarrow as pa

    app_codes, apps = encoded(events["app_id"])
    user_codes, users = encoded(events["user_id"])
    times = np.asarray(events["date"].to_numpy(), dtype="datetime64[ns]")
    visits = pa.table({"app": app_codes, "user": user_codes, "time": times,
                       "month": times.astype("datetime64[M]").view(np.int64),
                       "day": times.astype("datetime64[D]").view(np.int64)})
    months = visits.group_by(["app", "month", "user"], use_threads=False).aggregate([])
    days = visits.group_by(["app", "day"], use_threads=False).aggregate([("time", "max")])

    def unit(column: pa.ChunkedArray, kind: str) -> np.ndarray:
        return column.to_numpy().astype(f"datetime64[{kind}]").astype("datetime64[ns]")

    return UsageSummary(
        months=pd.DataFrame({
            "app_id": pd.Categorical.from_codes(months["app"].to_numpy(), apps),
            "month": unit(months["month"], "M"),
            "user_id": pd.Categorical.from_codes(months["user"].to_numpy(), users)}),
        days=pd.DataFrame({
            "app_id": pd.Categorical.from_codes(days["app"].to_numpy(), apps),
            "day": unit(days["day"], "D"),
            "last": days["time_max"].to_numpy().astype("datetime64[ns]")}))


def summary_counts(summary: UsageSummary, apps: pd.Index, as_of: dt.date) -> UsageCounts:
    """What :func:`usage_counts` gives, from a :func:`usage_summary` of the same log."""
    apps = pd.Index(apps)
    months = summary.months
    mau, users = _active(apps, analysis_months(as_of), months["app_id"], months["user_id"],
                         _ns(months["month"]))
    return mau, _last_use(apps, summary.days["app_id"], _ns(summary.days["last"]), as_of), users


def _sliced(rows: int, count) -> list:
    """``count`` over the rows a slice at a time: the temporary arrays stay small. One
    thread: a thread pool started in a Jupyter kernel (ipykernel 7) can leave a later cell's
    widgets waiting forever."""
    return [count(start) for start in range(0, rows, _SLICE)]


def _positions(apps: pd.Index, column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct value's position in ``apps`` (-1: not there), and each row's code; the
    last position stands for the empty cell (code -1), which is in no app."""
    codes, uniques = encoded(column)
    return np.append(apps.get_indexer(uniques), -1), codes


def _last_use(apps: pd.Index, app_column: pd.Series, times: np.ndarray,
              as_of: dt.date) -> pd.Series:
    """Each app's last visit up to the end of ``as_of`` (NaT: none); a visit after it, or of
    an app not in ``apps``, is left out."""
    to_app, codes = _positions(apps, app_column)
    until = pd.Timestamp(as_of + dt.timedelta(days=1)).as_unit("ns").value
    never = np.iinfo(np.int64).min  # NaT's own bit pattern

    def count(start: int) -> np.ndarray:
        part = slice(start, start + _SLICE)
        code, when = codes[part], times[part]
        if not (when < until).all():
            code, when = code[when < until], when[when < until]
        last = np.full(len(to_app), never)  # per distinct value, and one for the empty cell
        np.maximum.at(last, code, when)
        return last

    by_value = np.full(len(to_app), never)
    for last in _sliced(len(codes), count):
        np.maximum(by_value, last, out=by_value)
    last_ns = np.full(len(apps), never)
    listed = to_app >= 0
    np.maximum.at(last_ns, to_app[listed], by_value[listed])
    return pd.Series(last_ns.view("datetime64[ns]"), index=apps)


def _active(apps: pd.Index, months: pd.PeriodIndex, app_column: pd.Series,
            user_column: pd.Series, when: np.ndarray) -> tuple[pd.DataFrame, pd.Series]:
    """Monthly active users (apps × ``months``) and distinct users over ``months`` per app,
    from rows (visits, or summary rows) at the instants ``when`` (nanoseconds); rows of apps
    not in ``apps`` are left out."""
    to_app, codes = _positions(apps, app_column)
    all_users, users = encoded(user_column)
    n_apps, n_users = len(apps), max(len(users), 1)
    first_cell = np.where(to_app >= 0, to_app * 12 * n_users, -1)  # per distinct app value
    bounds = pd.period_range(months[0], periods=13, freq="M").to_timestamp().to_numpy()
    bounds = bounds.astype("datetime64[ns]").view(np.int64)
    dense = n_apps * 12 * n_users <= _DENSE_LIMIT
    seen = np.zeros(n_apps * 12 * n_users if dense else 0, dtype=bool)

    def count(start: int) -> np.ndarray | None:
        part = slice(start, start + _SLICE)
        first, user = first_cell[codes[part]], all_users[part]
        month = np.searchsorted(bounds, when[part], side="right") - 1
        inside = (first >= 0) & (user >= 0) & (month >= 0) & (month < 12)
        if not inside.all():
            first, user, month = first[inside], user[inside], month[inside]
        cells = first + month * n_users + user
        if dense:
            seen[cells] = True
            return None
        return np.unique(cells)

    found = [cells for cells in _sliced(len(codes), count) if cells is not None]
    if dense:
        cube = seen.reshape(n_apps, 12, n_users)
        mau, distinct = cube.sum(axis=2), cube.any(axis=1).sum(axis=1)
    else:
        unique_cells = np.unique(np.concatenate(found or [np.zeros(0, np.int64)]))
        mau = np.bincount(unique_cells // n_users, minlength=n_apps * 12).reshape(n_apps, 12)
        app_user = np.unique((unique_cells // n_users // 12) * n_users + unique_cells % n_users)
        distinct = np.bincount(app_user // n_users, minlength=n_apps)
    return pd.DataFrame(mau, index=apps, columns=months), pd.Series(distinct, index=apps)


def monthly_active_users(inventory: Inventory, as_of: dt.date) -> pd.DataFrame:
    """Distinct users per app and month (apps × the 12 analysis months; 0 where unused)."""
    return usage_counts(inventory, as_of)[0]
