"""The validated inventory, kept once: every stage reads only its app's rows from it.

Validating the inventory (decoding, typing, ranges, references) is the expensive part of reading
it, and it gives the same answer for the same files. So the first read validates the tables once
and keeps the result under ``.cache/inventory/<key>/`` in the workspace: one parquet file per table
(tables that belong to an app sorted by ``app_id`` and split into row groups along app
boundaries) and ``problems.json``, the validation's problems. ``<key>`` is a hash of the source
files' contents (and of the validation rules' source), so changing a file makes a new snapshot;
a file's size and modification time only spare re-hashing it when neither changed.

A snapshot never hides an input error: a snapshot built from bad files keeps their problems and
no tables, and every read of it raises the same :class:`~decomkit.core.errors.InputError`,
naming file, row and column, as the validating read did.

Reads for one app push the ``app_id`` filter down to the parquet row groups, so a notebook's cost
does not grow with the number of apps or events. Concurrent builders (batch workers) take a file
lock, build into a private folder and rename it into place: a reader sees a whole snapshot or
none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from decomkit.core.errors import InputError, WorkspaceError
from decomkit.core.files import atomic_write_text, keep_mode_of
from decomkit.core.said import problem_as_json, problem_from_json, said_error
from decomkit.inventory import schemas, tables, usage
from decomkit.inventory.schemas import TABLES, TABLES_BY_NAME
from decomkit.inventory.tables import Inventory, empty_table, find_table_file, validate_inventory
from decomkit.inventory.usage import UsageCounts, UsageSummary, summary_counts, usage_summary

CACHE = ".cache/inventory"
STAMPS = "stamps.json"  # file → (size, mtime_ns, sha256): spares re-hashing unchanged files
PROBLEMS = "problems.json"
MANIFEST = "manifest.json"  # written last inside the folder; the folder is renamed into place
FORMAT = 3  # 3: problems.json keeps each text in every language
SUMMARY = ("usage_months", "usage_days")  # the usage log's summary (assess.UsageSummary)
ROW_GROUP_ROWS = 8192  # an app's rows start a new row group once the current one has this many
KEEP = 3  # snapshots kept; older ones are removed when a new one is built
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class Source:
    table: str
    file: str
    size: int
    sha256: str


def unknown_app(app_id: str, known) -> WorkspaceError:
    """The one refusal of an app id the apps table does not hold, naming the first few ids."""
    return said_error(WorkspaceError, "core.unknown_app", app=app_id,
                      known=", ".join(sorted(known)[:10]))


@cache
def _rules_digest() -> str:
    """The validation rules' own source: a change to them makes snapshots stale. Scoring is
    not among them: the snapshot holds the tables and the usage summary, never scores."""
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    for module in (schemas, tables, usage):
        if module.__file__ is None:  # a module imported from a file always names it
            raise RuntimeError(f"{module.__name__} has no source file to digest")
        digest.update(Path(module.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _read_json(path: Path, default):
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return default


def sources(data_dir: Path, cache_dir: Path) -> list[Source]:
    """Every file in ``data_dir`` named like an inventory table, with its content hash."""
    stamps_path = cache_dir / STAMPS
    stamps = _read_json(stamps_path, {})
    found, changed = [], False
    for table in TABLES:
        for path in find_table_file(data_dir, table):
            stat = path.stat()
            stamp = stamps.get(path.name)
            if stamp and stamp[:2] == [stat.st_size, stat.st_mtime_ns]:
                sha = stamp[2]
            else:
                sha, changed = _file_sha256(path), True
                stamps[path.name] = [stat.st_size, stat.st_mtime_ns, sha]
            found.append(Source(table.name, path.name, stat.st_size, sha))
    if changed:
        _cache_folder(data_dir, cache_dir)
        atomic_write_text(stamps_path, json.dumps(stamps, ensure_ascii=False))
        if data_dir.is_dir():
            keep_mode_of(data_dir, stamps_path)
    return found


def _cache_folder(data_dir: Path, cache_dir: Path) -> None:
    """``.cache/inventory`` made, with ``data/``'s permissions (``.cache`` too): a snapshot is
    ``data/`` again, and is read by no one who cannot read ``data/``."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    for folder in (cache_dir.parent, cache_dir):
        if data_dir.is_dir():
            os.chmod(folder, data_dir.stat().st_mode & 0o777)


def snapshot_key(found: list[Source]) -> str:
    text = json.dumps([_rules_digest(), [asdict(s) for s in found]], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# ------------------------------------------------------------------ writing


def _by_app(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    """The frame sorted by app_id (stable: an app's rows keep their order) and its row groups:
    whole apps, each group closed once it holds ``ROW_GROUP_ROWS`` rows."""
    apps = frame["app_id"]
    if isinstance(apps.dtype, pd.CategoricalDtype):  # a category sorts in its values' order
        apps = apps.cat.reorder_categories(sorted(apps.cat.categories))
    codes, _ = pd.factorize(apps, sort=True)
    order = np.argsort(codes, kind="stable")
    ends = np.cumsum(np.bincount(codes, minlength=codes.max() + 1 if len(codes) else 0))
    groups, start = [], 0
    for end in ends:
        if end - start >= ROW_GROUP_ROWS or end == len(frame):
            groups.append((start, int(end)))
            start = int(end)
    return frame.take(order), groups or [(0, 0)]


def _write_table(frame: pd.DataFrame, path: Path, by_app: bool) -> int:
    groups = [(0, len(frame))]
    if by_app:
        frame, groups = _by_app(frame)
    # The index is each record's position in its source file, kept through the sort: problems
    # found later (a missing export file) are named by the row the user sees.
    table = pa.Table.from_pandas(frame.rename_axis(None), preserve_index=True)
    with pq.ParquetWriter(path, table.schema) as writer:
        for start, stop in groups:
            writer.write_table(table.slice(start, stop - start))
    return len(frame)


def _remove_old(cache_dir: Path, keep: str) -> None:
    """Snapshots beyond the newest ``KEEP`` (other processes may still read them: best effort)."""
    built = sorted((p for p in cache_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
                    and p.name != keep), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in built[KEEP - 1:]:
        shutil.rmtree(old, ignore_errors=True)
        (cache_dir / f".{old.name}.lock").unlink(missing_ok=True)


def build_snapshot(data_dir: Path, cache_dir: Path, key: str, found: list[Source]) -> Path:
    """Validate every table once and keep the result (or its problems) under ``key``."""
    folder = cache_dir / key
    parts = cache_dir / f".{key}.{uuid.uuid4().hex}.part"
    parts.mkdir(parents=True)
    try:
        frames, problems = validate_inventory(data_dir)
        rows = {}
        if not problems:  # bad input keeps no tables: nothing can be read past its problems
            for name, frame in frames.items():
                by_app = "app_id" in frame.columns and name != "apps"
                rows[name] = _write_table(frame, parts / f"{name}.parquet", by_app)
            if "usage_events" in frames:
                summary = usage_summary(frames["usage_events"])
                for name, part in zip(SUMMARY, (summary.months, summary.days), strict=True):
                    _write_table(part, parts / f"{name}.parquet", by_app=True)
        atomic_write_text(parts / PROBLEMS, json.dumps([problem_as_json(p) for p in problems],
                                                       ensure_ascii=False, indent=1))
        atomic_write_text(parts / MANIFEST, json.dumps(
            {"format": FORMAT, "key": key, "sources": [asdict(s) for s in found],
             "rows": rows, "problems": len(problems)}, ensure_ascii=False, indent=1))
        if data_dir.is_dir():
            keep_mode_of(data_dir, parts)  # before it is visible under its name
        try:
            os.rename(parts, folder)
        except OSError:  # another process renamed its own copy first: theirs is the same
            if not (folder / MANIFEST).exists():
                raise
            shutil.rmtree(parts, ignore_errors=True)
    except BaseException:
        shutil.rmtree(parts, ignore_errors=True)
        raise
    _remove_old(cache_dir, key)
    return folder


# ------------------------------------------------------------------ reading


def _row_groups_of(meta: pq.FileMetaData, app_id: str) -> list[int]:
    """Row groups whose app_id range may hold ``app_id`` (from the footer's statistics)."""
    column = meta.schema.to_arrow_schema().get_field_index("app_id")
    groups = []
    for i in range(meta.num_row_groups):
        stats = meta.row_group(i).column(column).statistics
        if stats is None or not stats.has_min_max or stats.min <= app_id <= stats.max:
            groups.append(i)
    return groups


@dataclass(frozen=True)
class Snapshot:
    """A built snapshot: its folder and which tables it holds."""

    folder: Path
    tables: tuple[str, ...]

    def _path(self, name: str) -> Path:
        return self.folder / f"{name}.parquet"

    def _read(self, name: str, app_id: str | None) -> pd.DataFrame:
        file = pq.ParquetFile(self._path(name), memory_map=True)
        if app_id is None or "app_id" not in file.schema_arrow.names:
            return file.read(use_threads=False).to_pandas()
        table = file.read_row_groups(_row_groups_of(file.metadata, app_id), use_threads=False)
        return table.filter(pc.equal(table["app_id"], app_id)).to_pandas()

    def table(self, name: str, app_id: str | None = None) -> pd.DataFrame:
        """One table, typed as validated; with ``app_id``, only that app's rows. The index is
        each record's position in its file (0 for the first record), as a validating read
        gives it."""
        if name not in self.tables:
            return empty_table(TABLES_BY_NAME[name])
        return self._read(name, app_id)

    def usage_counts(self, as_of: dt.date, app_id: str | None = None) -> UsageCounts:
        """:func:`~decomkit.inventory.usage.usage_counts` for every app (with ``app_id``, for
        that app alone, as :meth:`inventory` slices), from the log's summary: no stage reads the
        whole log for it."""
        apps = pd.Index(self.table("apps", app_id)["app_id"])
        if "usage_events" not in self.tables:
            summary = usage_summary(empty_table(TABLES_BY_NAME["usage_events"]))
        else:
            summary = UsageSummary(*(self._read(name, app_id) for name in SUMMARY))
        return summary_counts(summary, apps, as_of)

    def log_end(self, as_of: dt.date) -> dt.date | None:
        """The usage log's last day up to ``as_of`` (None without a log or a visit by then),
        over every app: the day idle days are counted to. One column of the summary is read."""
        if "usage_events" not in self.tables:
            return None
        last = pq.read_table(self._path("usage_days"), columns=["last"],
                             use_threads=False)["last"].to_pandas()
        last = last[last < pd.Timestamp(as_of + dt.timedelta(days=1))]
        return None if last.empty else pd.Timestamp(last.max()).date()
    def last_logged_day(self, until: dt.date) -> dt.date | None:
        """The last day with a visit of any app in the usage log, up to ``until`` (None: no
        log, or no visit by then), from the log's summary: how far the log lets one see."""
        if "usage_events" not in self.tables:
            return None
        days = pq.read_table(self._path("usage_days"), columns=["day"],
                             use_threads=False)["day"].to_numpy()
        days = days[days < np.datetime64(until + dt.timedelta(days=1), "ns")]
        return pd.Timestamp(days.max()).date() if len(days) else None

    def inventory(self, tables: list[str] | None = None, app_id: str | None = None) -> Inventory:
        """The inventory (``tables`` limits which besides apps; the others are empty); with
        ``app_id``, each app's table holds only that app's rows (users stay whole)."""
        wanted = set(Inventory.names()) if tables is None else {*tables, "apps"}
        if app_id is not None:
            apps = self.table("apps")  # small: the whole list names what an unknown id is not
            if app_id not in set(apps["app_id"]):
                raise unknown_app(app_id, apps["app_id"])
        return Inventory(**{name: self.table(name, app_id) if name in wanted
                            else empty_table(TABLES_BY_NAME[name]) for name in Inventory.names()},
                         read=frozenset(wanted))


def _load(folder: Path) -> Snapshot | None:
    manifest = _read_json(folder / MANIFEST, None)
    if manifest is None:
        return None
    problems = _read_json(folder / PROBLEMS, [])
    if problems:
        raise InputError([problem_from_json(p) for p in problems])
    return Snapshot(folder, tuple(manifest["rows"]))


def open_snapshot(root: Path) -> Snapshot:
    """The workspace's validated inventory, built now if its files changed since the last one.

    Raises the validation's InputError (the same problems every time) when the files are bad.
    """
    from filelock import FileLock

    data_dir, cache_dir = root / "data", root / CACHE
    found = sources(data_dir, cache_dir)
    key = snapshot_key(found)
    snapshot = _load(cache_dir / key)
    if snapshot is not None:
        return snapshot
    _cache_folder(data_dir, cache_dir)
    mode = data_dir.stat().st_mode & 0o666 if data_dir.is_dir() else -1
    with FileLock(cache_dir / f".{key}.lock", mode=mode):
        snapshot = _load(cache_dir / key)  # built by another process while this one waited
        if snapshot is None:
            snapshot = _load(build_snapshot(data_dir, cache_dir, key, found))
    assert snapshot is not None
    return snapshot
