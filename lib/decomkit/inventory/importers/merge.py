"""Merge imported rows into a kept table: never clobber, never delete.

The source owns the columns it delivers; every other column (``function_fit``, ``alternative``,
an analyst's notes …) is hand-kept and survives a re-import. A blank imported cell never erases
a kept value. Rows the source no longer lists are marked (``gone_since``), not deleted; a row
that comes back is unmarked. Tables that are pure snapshots of the platform (``app_scopes``)
are replaced whole. Values are compared as text, so a file's formatting is kept as it was.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from decomkit.core.errors import InputError, Problem
from decomkit.core.files import atomic_write_bytes
from decomkit.core.i18n import Language, t
from decomkit.core.present import label
from decomkit.core.said import said
from decomkit.core.sinks import neutralise, scrub_frame
from decomkit.inventory.schemas import TABLES_BY_NAME, Table
from decomkit.inventory.tables import (
    check_references,
    check_table,
    find_table_file,
    read_raw,
    read_rows,
)

GONE = "gone_since"
SNAPSHOT_TABLES = ("app_scopes",)  # replaced whole by each import
LOG_TABLES = ("usage_events",)  # appended: a visit already kept is not added twice


@dataclass
class TableDiff:
    table: str
    key: tuple[str, ...]
    added: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, tuple[str | None, str | None]]] = field(default_factory=dict)
    gone: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    unchanged: int = 0
    names: dict[str, str] = field(default_factory=dict)  # key → display name, for people

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.gone or self.returned)

    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "changed": len(self.changed), "gone": len(self.gone),
                "returned": len(self.returned), "unchanged": self.unchanged}

    def _label(self, key: str) -> str:
        return f"{key} {self.names[key]}" if key in self.names else key

    def lines(self, limit: int = 20, language: Language = "en") -> list[str]:
        """The diff for people, in ``language``: counts, then the first rows of each kind."""
        c = self.counts()
        table = TABLES_BY_NAME[self.table].zh if (
            language == "zh" and self.table in TABLES_BY_NAME) else self.table
        out = [t("import.counts", language, table=table, **c)]
        out += [f"  + {self._label(k)}" for k in self.added[:limit]]
        for k, cols in list(self.changed.items())[:limit]:
            colon = ": " if language == "en" else ":"
            what = ("; " if language == "en" else ";").join(
                f"{label(col, language)}{colon}{old or '—'} → {new or '—'}"
                for col, (old, new) in cols.items())
            out.append(f"  ~ {self._label(k)}{colon}{what}")
        out += [f"  - {self._label(k)}" for k in self.gone[:limit]]
        out += [f"  ↺ {self._label(k)}" for k in self.returned[:limit]]
        shown = sum(min(len(x), limit) for x in (self.added, self.changed, self.gone,
                                                   self.returned))
        total = sum(len(x) for x in (self.added, self.changed, self.gone, self.returned))
        if total > shown:
            out.append(t("import.more", language, n=total - shown))
        return out


def table_key(table: Table) -> tuple[str, ...]:
    """The columns that identify a row: the unique id, else every required column."""
    unique = [c.name for c in table.columns if c.unique]
    return tuple(unique) if unique else tuple(c.name for c in table.columns if c.required
                                              or c.name in ("member_id", "role"))


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as stripped text or None (numbers without a trailing .0, dates as ISO)."""
    def cell(value):
        if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
            return None
        if isinstance(value, pd.Timestamp | dt.datetime):
            if pd.isna(value):
                return None
            return (value.date().isoformat() if value.time() == dt.time()
                    else value.isoformat(sep=" "))
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        return text or None
    return pd.DataFrame({c: pd.Series([cell(v) for v in frame[c]], index=frame.index,
                                      dtype=object) for c in frame.columns},
                        index=frame.index, columns=frame.columns)


def _keys(frame: pd.DataFrame, key: tuple[str, ...]) -> list[str]:
    return ["/".join("" if v is None else str(v) for v in row)
            for row in frame[list(key)].itertuples(index=False)]


def merge_rows(existing: pd.DataFrame | None, incoming: pd.DataFrame, table: Table,
               today: dt.date) -> tuple[pd.DataFrame, TableDiff]:
    """The kept table with ``incoming`` merged in, and what changed."""
    key = table_key(table)
    incoming = _text_frame(incoming)
    diff = TableDiff(table.name, key)
    if existing is None or existing.empty:
        diff.added = _keys(incoming, key)
        if "name" in incoming:
            diff.names = {k: n for k, n in zip(diff.added, incoming["name"], strict=True) if n}
        return incoming.reset_index(drop=True), diff
    existing = _text_frame(existing)
    if table.name in LOG_TABLES:
        return _append_log(existing, incoming, key, diff)
    if table.name in SNAPSHOT_TABLES:
        old, new = set(_keys(existing, key)), set(_keys(incoming, key))
        diff.added, diff.gone = sorted(new - old), sorted(old - new)
        diff.unchanged = len(new & old)
        return incoming.reset_index(drop=True), diff
    has_gone = any(c.name == GONE for c in table.columns)
    columns = list(existing.columns) + [c for c in incoming.columns if c not in existing]
    if has_gone and GONE not in columns:
        columns.append(GONE)
    kept = {k: {c: row.get(c) for c in columns}
            for k, row in zip(_keys(existing, key), existing.to_dict("records"), strict=True)}
    arriving = dict(zip(_keys(incoming, key), incoming.to_dict("records"), strict=True))
    owned = [c for c in incoming.columns if c not in key]
    for k, row in arriving.items():
        if k not in kept:
            diff.added.append(k)
            kept[k] = {c: row.get(c) for c in columns}
            continue
        target, changes = kept[k], {}
        for col in owned:
            old, new = target[col], row[col]
            if new is not None and new != old:  # a blank never erases a kept value
                changes[col] = (old, new)
                target[col] = new
        if has_gone and target[GONE] is not None:
            target[GONE] = None
            diff.returned.append(k)
        if changes:
            diff.changed[k] = changes
        elif k not in diff.returned:
            diff.unchanged += 1
    if has_gone:
        for k, target in kept.items():
            if k not in arriving and target[GONE] is None:
                target[GONE] = today.isoformat()
                diff.gone.append(k)
    if "name" in columns:
        diff.names = {k: kept[k]["name"] for k in (*diff.added, *diff.changed, *diff.gone,
                                                    *diff.returned) if kept[k]["name"]}
    merged = pd.DataFrame(list(kept.values()), columns=columns, dtype=object)
    return merged, diff


def _append_log(existing: pd.DataFrame, incoming: pd.DataFrame, key: tuple[str, ...],
                diff: TableDiff) -> tuple[pd.DataFrame, TableDiff]:
    """A log grows: rows not kept yet are added (vectorised: logs run to millions of rows)."""
    def joined(frame: pd.DataFrame) -> pd.Series:
        return frame[list(key)].fillna("").astype(str).agg("/".join, axis=1)

    new_keys = joined(incoming)
    fresh = ~new_keys.isin(set(joined(existing))) & ~new_keys.duplicated()
    diff.added = new_keys[fresh].tolist()
    diff.unchanged = int((~fresh).sum())
    columns = list(existing.columns) + [c for c in incoming.columns if c not in existing]
    merged = pd.concat([existing.reindex(columns=columns),
                        incoming[fresh].reindex(columns=columns)], ignore_index=True)
    return merged.astype(object).where(merged.notna(), None), diff


# ---------------------------------------------------------------- reading and writing kept tables


def kept_file(data_dir: Path, table: Table) -> Path | None:
    """The file that holds ``table`` now; InputError when two files hold it."""
    files = find_table_file(data_dir, table)
    if len(files) > 1:
        raise InputError([Problem(", ".join(f.name for f in files), None, None,
                                  said("table.many_files", n=len(files), table=table.name,
                                       zh=table.zh), said("table.keep_one_file"))])
    return files[0] if files else None


def read_kept(path: Path, table: Table) -> pd.DataFrame:
    """A kept table exactly as its file holds it (headers named, values as text)."""
    problems: list[Problem] = []
    read = read_raw(path, table, problems)
    if read is None:
        raise InputError(problems)
    return _text_frame(read[0]).map(_unneutral)


_neutral = neutralise  # the kit's one rule: "-2+3+cmd|…" is a formula, "-12.50" is not


def _unneutral(value):
    """The text a neutralised cell stood for, so a re-import compares like with like."""
    if isinstance(value, str) and value.startswith("'") and _neutral(value[1:]) != value[1:]:
        return value[1:]
    return value


def table_bytes(frame: pd.DataFrame, suffix: str) -> bytes:
    """A table as CSV (UTF-8 with BOM, so Excel shows Chinese), XLSX or parquet; formulas
    neutralised."""
    safe = scrub_frame(frame.astype(object)).map(_neutral)
    if suffix == ".parquet":
        buffer = io.BytesIO()
        safe.astype("string").to_parquet(buffer, index=False)
        return buffer.getvalue()
    if suffix == ".xlsx":
        buffer = io.BytesIO()
        safe.to_excel(buffer, index=False)
        return buffer.getvalue()
    return safe.to_csv(index=False).encode("utf-8-sig")


def validate_merged(frames: dict[str, pd.DataFrame], data_dir: Path) -> None:
    """The merged tables pass the same checks as a workspace's tables (types, ids, references
    to apps); InputError otherwise, before anything is written."""
    problems: list[Problem] = []
    checked = {}
    for name, frame in frames.items():
        table = TABLES_BY_NAME[name]
        file = f"{name}.csv (merged)"
        checked[name] = (check_table(frame, table, file, 2, problems), file, 2)
    if "apps" not in checked:
        path = kept_file(data_dir, TABLES_BY_NAME["apps"])
        if path is not None:
            apps = read_kept(path, TABLES_BY_NAME["apps"])
            checked["apps"] = (check_table(apps, TABLES_BY_NAME["apps"], path.name, 2, problems),
                               path.name, 2)
    check_references(checked, problems)
    if problems:
        raise InputError(problems)


def _headers_like(path: Path, table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """The kept file's own headers: a table kept with Chinese headers stays Chinese (new
    columns too)."""
    if path.suffix.lower() == ".parquet":
        return frame
    header = {str(h).strip().lstrip("\ufeff") for h in read_rows(path)[0] if h is not None}
    zh = {c.name: c.zh for c in table.columns}
    if not any(z in header for z in zh.values()):
        return frame
    return frame.rename(columns={c: zh[c] for c in frame.columns
                                 if c in zh and (zh[c] in header or c not in header)})


def write_tables(frames: dict[str, pd.DataFrame], data_dir: Path) -> list[Path]:
    """Write each table over its kept file (same name, format and header language), else
    ``data/<table>.csv``."""
    written = []
    for name, frame in frames.items():
        table = TABLES_BY_NAME[name]
        kept = kept_file(data_dir, table)
        path = kept or data_dir / f"{name}.csv"
        if kept is not None:
            frame = _headers_like(kept, table, frame)
        atomic_write_bytes(path, table_bytes(frame, path.suffix.lower()))
        written.append(path)
    return written
