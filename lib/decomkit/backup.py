"""Back up an app's data and prove the backup is good (停用指南 stage 三;
the data export before 解除免费关联).

A backup is ``<target>/<app>/<backup_id>/``: a copy of each export file and ``manifest.json``,
written last. The manifest lists every file's size and SHA-256 and, for tables, the row count,
columns and a checksum per column; it is signed with the workspace's Ed25519 key (decomkit.keys:
the private key lives outside the workspace and the backup), so editing a file *and* its hash in
the manifest is still caught, and checking needs only the public key. A backup folder without
a manifest is incomplete (a crash, a full disk) and is removed by the next run.

Verification reads the backup back from the target: the signature, the list of files, sizes
(truncation), a streamed SHA-256 of every file, and a restore of every table into a scratch SQLite
database whose row counts and column checksums must equal the source's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from decomkit.errors import BackupError, InputError, Problem
from decomkit.gates import Grant, authorize, require
from decomkit.keys import check_document, load_keyring, load_signer, sign_document
from decomkit.locks import app_lock
from decomkit.schemas import TABLES_BY_NAME, id_problem, relative_path_problem
from decomkit.store import Store, chunks_of
from decomkit.tables import decode_csv, find_table_file, parse_csv
from decomkit.workspace import Workspace

MANIFEST = "manifest.json"
MARKER = ".decomkit-backup"  # written first: only a folder holding it is ever removed
FORMAT = 2  # 2: Ed25519 signature block (1 was HMAC with a key inside the workspace)
TABLE_SUFFIXES = (".csv", ".xlsx", ".json")
_SEP = "\x1f"  # between cells when a column is hashed


# ------------------------------------------------------------------ tables and checksums


def cell_text(value) -> str:
    """One canonical text per value, so a source file and its restored copy hash alike."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def parse_table(data: bytes, name: str) -> tuple[list[str], list[list[str]]] | None:
    """Header and rows (as canonical text) of a CSV, XLSX or JSON export; None for other files."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        text, _ = decode_csv(data, name, strict=False)  # copied as it is; read to count it
        rows = parse_csv(text, name, max_cell=None)
    elif suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    elif suffix == ".json":
        records = json.loads(data.decode("utf-8-sig"))
        records = records.get("rows", records) if isinstance(records, dict) else records
        columns = list(dict.fromkeys(k for r in records for k in r))
        rows = [columns] + [[r.get(c) for c in columns] for r in records]
    else:
        return None
    rows = [r for r in rows if any(cell_text(v).strip() for v in r)]
    if not rows:
        return [], []
    header = [cell_text(h) for h in rows[0]]
    return header, [[cell_text(v) for v in r] + [""] * (len(header) - len(r)) for r in rows[1:]]


def summarize(columns: list[str], rows: list[list[str]]) -> dict:
    sums = {}
    for i, column in enumerate(columns):
        digest = hashlib.sha256()
        for row in rows:
            digest.update(row[i].encode("utf-8") + _SEP.encode())
        sums[column] = digest.hexdigest()
    return {"rows": len(rows), "columns": columns, "column_sha256": sums}


def restore_into_sqlite(tables: dict[str, tuple[list[str], list[list[str]]]],
                        db_path: Path) -> dict[str, dict]:
    """Load each table into SQLite, read it back, and summarize what came back."""
    db = sqlite3.connect(db_path)
    try:
        restored = {}
        for k, (name, (columns, rows)) in enumerate(tables.items()):
            quoted = ", ".join(f'"{c.replace(chr(34), chr(34) * 2)}" TEXT' for c in columns)
            db.execute(f"CREATE TABLE t{k} ({quoted})")
            marks = ", ".join("?" * len(columns))
            try:
                db.executemany(f"INSERT INTO t{k} VALUES ({marks})", rows)
            except sqlite3.ProgrammingError:
                restored[name] = {"error": "rows have more fields than the header"}
                continue
            back = [list(r) for r in db.execute(f"SELECT * FROM t{k} ORDER BY rowid")]
            restored[name] = summarize(columns, back)
        db.commit()
        return restored
    finally:
        db.close()


# ------------------------------------------------------------------ what and how often


def app_datasets(workspace: Workspace, app_id: str, names: list[str] | None = None
                 ) -> pd.DataFrame:
    """The app's datasets with their export files; ``names`` (names or ids) limits them."""
    datasets = workspace.inventory(["datasets"], app_id=app_id).datasets
    if names:
        chosen = datasets["name"].isin(names) | datasets["dataset_id"].isin(names)
        unknown = sorted(set(names) - set(datasets["name"]) - set(datasets["dataset_id"]))
        if unknown:
            raise BackupError(f"{app_id} has no datasets named {', '.join(unknown)}; "
                              f"it has: {', '.join(datasets['name'])}")
        datasets = datasets[chosen].reset_index(drop=True)
    return datasets


FREQUENCY_ORDER = ("daily", "weekly", "monthly", "rarely")


def recommend_frequency(datasets: pd.DataFrame, configured: str = "auto") -> tuple[str, str]:
    """How often to back up while the app still runs, and why."""
    if configured != "auto":
        return configured, "set in decomkit.toml (backup.frequency)"
    changes = datasets.dropna(subset=["changes"])
    if changes.empty:
        return "weekly", "no dataset says how often it changes; weekly is a safe default"
    fastest = min(changes["changes"], key=FREQUENCY_ORDER.index)
    names = ", ".join(changes[changes["changes"] == fastest]["name"])
    frequency = "monthly" if fastest == "rarely" else fastest
    return frequency, f"{names} change{'s' if ',' not in names else ''} {fastest}"


# ------------------------------------------------------------------ backing up


@dataclass(frozen=True)
class BackupResult:
    app_id: str
    target: str
    path: str  # <app>/<backup_id> inside the target
    manifest: dict = field(repr=False)
    manifest_hash: str = ""

    @property
    def files(self) -> pd.DataFrame:
        return pd.DataFrame([{k: v for k, v in f.items() if k != "table"}
                             | {"rows": (f["table"] or {}).get("rows")}
                             for f in self.manifest["files"]])


def _recorded_target(workspace: Workspace, store: Store) -> str:
    """How the ledger names the target: relative to the workspace when it lies inside it,
    so a copied or moved workspace still finds its own backups."""
    if store.local:
        path = Path(store.url.removeprefix("file://"))
        if path.is_relative_to(workspace.root):
            return str(path.relative_to(workspace.root))
    return store.url


def open_store(workspace: Workspace, target: str = "") -> Store:
    target = target or workspace.config.backup.target
    if "://" not in target:
        target = str((workspace.root / target).resolve())
    return Store(target, workspace.config.backup.endpoint_url)


def _datasets_source(workspace: Workspace) -> tuple[str, int]:
    """The datasets table's file name and the spreadsheet row of its first record."""
    files = find_table_file(workspace.path("data"), TABLES_BY_NAME["datasets"])
    name = files[0].name if files else "datasets.csv"
    return name, 1 if name.endswith(".parquet") else 2


def _sources(workspace: Workspace, app_id: str, datasets: pd.DataFrame) -> list[tuple[dict, Path]]:
    """Each dataset with its export file, refusing at once if any is missing or unreadable."""
    problems, found = [], []
    folder = workspace.app_dir("exports", app_id)
    table_file, first_row = _datasets_source(workspace)
    every = workspace.inventory(["datasets"], app_id=app_id).datasets["dataset_id"]
    position = dict(zip(every, every.index, strict=True))  # the index: the row in the file
    for row in datasets.to_dict("records"):
        name = row.get("export_file")
        path = workspace.export_file(app_id, name)
        if path is not None:
            found.append((row, path))
        elif (isinstance(name, str) and (folder / name).exists()) or relative_path_problem(
                str(name)):
            problems.append(Problem(table_file, position[row["dataset_id"]] + first_row,
                                    "export_file",
                                    f"the export of dataset {row['dataset_id']} is not a file "
                                    f"inside exports/{app_id}/ (it leaves the folder)",
                                    f"copy the export into exports/{app_id}/ and name it there"))
        else:
            problems.append(Problem(f"exports/{app_id}/{name or '?'}", None, None,
                                    f"the export of dataset {row['dataset_id']} "
                                    f"({row['name']}) is missing",
                                    "export it from the app into that folder, or fix "
                                    "datasets.export_file"))
    if not datasets.shape[0]:
        problems.append(Problem("datasets", None, "app_id", f"no datasets for {app_id}",
                                "list the app's data in the datasets table"))
    if problems:
        raise InputError(problems)
    return found


# The PEM armour of a private key. A signing key hard-linked (or copied) into an exports
# folder is a file inside it to every path check; its content is what gives it away.
_PRIVATE_KEY_PEM = b"PRIVATE KEY-----"


def _source_entry(row: dict, path: Path) -> dict:
    digest, size, tail = hashlib.sha256(), 0, b""
    for chunk in chunks_of(path):
        digest.update(chunk)
        size += len(chunk)
        if _PRIVATE_KEY_PEM in tail + chunk:
            raise InputError([Problem(
                f"exports/{path.parent.name}/{path.name}", None, None,
                f"the export of dataset {row['dataset_id']} holds a private key; a backup "
                "never takes key material", "remove the key from the exports folder and put "
                "the real export there")])
        tail = chunk[-len(_PRIVATE_KEY_PEM):]
    table = None
    if path.suffix.lower() in TABLE_SUFFIXES:
        try:
            parsed = parse_table(path.read_bytes(), path.name)
        except InputError:
            raise
        except Exception as exc:  # openpyxl, json: many unrelated types
            raise InputError([Problem(path.name, None, None, f"cannot be read as a table "
                                      f"({type(exc).__name__})", "export it again")]) from None
        table = summarize(*parsed) if parsed is not None else None
    return {"path": path.name, "dataset_id": row["dataset_id"], "name": row["name"],
            "size": size, "sha256": digest.hexdigest(), "table": table}


def remove_incomplete(store: Store, app_id: str) -> list[str]:
    """Delete earlier backup folders of ``app_id`` that never got their manifest.

    Only folders the kit made (its marker, written before anything else) and only inside
    ``<target>/<app>/``: a target may be a folder that holds other people's files too."""
    if not app_id or id_problem(app_id):
        return []
    removed = []
    for folder in store.folders(app_id):
        prefix = f"{app_id}/{folder}"
        if folder.startswith(".") or not store.confined(prefix, app_id):
            continue
        names = {path.rsplit("/", 1)[-1] for path in store.list(prefix)}
        # The marker, or its temporary file when a crash cut the marker's own write short.
        made_here = any(n == MARKER or n.startswith(f".{MARKER}.") for n in names)
        if not made_here or MANIFEST in names:
            continue
        store.delete(prefix)
        removed.append(folder)
    return removed


def run_backup(workspace: Workspace, app_id: str, datasets: list[str] | None = None, *,
               actor: str, store: Store | None = None, progress: bool = False,
               at: str | None = None) -> BackupResult:
    """Copy the app's exports to the target, sign the manifest, record it in the ledger.

    Authorized first (``gates``: a 'retire' decision) and under the app's lock, so a second
    run for the same app is refused instead of removing the first one's folder."""
    with app_lock(workspace.root, app_id, "back up"):
        grant = require(authorize(workspace, app_id, "back_up", actor=actor))
        return _back_up(workspace, app_id, datasets, grant, actor=actor, store=store,
                        progress=progress, at=at)


def _back_up(workspace: Workspace, app_id: str, datasets: list[str] | None, grant: Grant, *,
             actor: str, store: Store | None, progress: bool, at: str | None) -> BackupResult:
    signer = load_signer(workspace.root)  # a missing key refuses before anything is written
    chosen = app_datasets(workspace, app_id, datasets)
    sources = _sources(workspace, app_id, chosen)
    entries = [_source_entry(row, path) for row, path in sources]
    store = store or open_store(workspace)
    remove_incomplete(store, app_id)
    backup_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    prefix = f"{app_id}/{backup_id}"
    bar = _bar(sum(e["size"] for e in entries), f"backup {app_id}", progress)
    store.write(f"{prefix}/{MARKER}", [b"a decomkit backup; incomplete without manifest.json\n"])
    try:
        for entry, (_, path) in zip(entries, sources, strict=True):
            store.write(f"{prefix}/{entry['path']}", _counted(chunks_of(path), bar))
        frequency, why = recommend_frequency(chosen, workspace.config.backup.frequency)
        manifest = {"format": FORMAT, "app_id": app_id, "backup_id": backup_id,
                    "created": dt.datetime.now(dt.UTC).isoformat(), "files": entries,
                    "frequency": {"recommended": frequency, "reason": why}}
        manifest = sign_document(manifest, signer)
        body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
        store.write(f"{prefix}/{MANIFEST}", [body])  # last: its presence marks completion
        store.delete(f"{prefix}/{MARKER}")  # complete: the backup holds its files only
    except BaseException:
        store.delete(prefix)
        raise
    finally:
        bar.close()
    manifest_hash = hashlib.sha256(body).hexdigest()
    with workspace.ledger() as ledger:
        ledger.transition(app_id, "backed_up", actor, {
            "manifest_hash": manifest_hash, "target": _recorded_target(workspace, store),
            "path": prefix,
            "files": len(entries), "bytes": sum(e["size"] for e in entries)}, grant=grant,
            at=at)
    return BackupResult(app_id, store.url, prefix, manifest, manifest_hash)


class _NoBar:
    def update(self, n: int) -> None: ...

    def close(self) -> None: ...


def _bar(total: int, label: str, show: bool):
    if not show:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=label, unit="B", unit_scale=True)


def _counted(chunks, bar):
    for chunk in chunks:
        yield chunk
        bar.update(len(chunk))


# ------------------------------------------------------------------ verifying


@dataclass(frozen=True)
class Verification:
    app_id: str
    path: str
    manifest_hash: str
    files: pd.DataFrame  # path, size_ok, sha256_ok, restored_rows, restore_ok, problem
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def latest_backup(workspace: Workspace, app_id: str) -> dict:
    with workspace.ledger() as ledger:
        event = ledger.last(app_id, "backed_up")
    if event is None:
        raise BackupError(f"{app_id} has no backup yet; run 02_backup first")
    return event.data


def verify_backup(workspace: Workspace, app_id: str, *, actor: str, store: Store | None = None,
                  record: bool = True, progress: bool = False,
                  at: str | None = None) -> Verification:
    """Check the latest backup of ``app_id`` from the target; record the result."""
    backup = latest_backup(workspace, app_id)
    store = store or open_store(workspace, backup["target"])
    prefix, problems, rows = backup["path"], [], []
    try:
        body = store.read_bytes(f"{prefix}/{MANIFEST}")
        manifest = json.loads(body)
    except (FileNotFoundError, ValueError, OSError) as exc:
        return _finish(workspace, app_id, prefix, "", pd.DataFrame(),
                       [f"{MANIFEST} cannot be read ({type(exc).__name__})"], actor, record)
    manifest_hash = hashlib.sha256(body).hexdigest()
    if why := check_document(manifest, load_keyring(workspace.root),
                             at=str(manifest.get("created", ""))):
        problems.append(f"{MANIFEST}: the signature does not match: the manifest was changed "
                        f"after the backup, or signed with another key ({why})")
    if manifest_hash != backup["manifest_hash"]:
        problems.append(f"{MANIFEST} is not the manifest recorded in the ledger")
    expected = {f["path"]: f for f in manifest.get("files", [])}
    present = {p[len(prefix) + 1:] for p in store.list(prefix)} - {MANIFEST, MARKER}
    problems += [f"{p}: unexpected file in the backup" for p in sorted(present - set(expected))]
    tables = {}
    bar = _bar(sum(f["size"] for f in expected.values()), f"verify {app_id}", progress)
    for path, entry in expected.items():
        row = {"path": path, "size_ok": False, "sha256_ok": False, "restore_ok": None,
               "restored_rows": None, "problem": ""}
        rows.append(row)
        if path not in present:
            row["problem"] = "missing from the backup"
            continue
        size = store.size(f"{prefix}/{path}")
        row["size_ok"] = size == entry["size"]
        if size == 0:
            row["problem"] = "is empty (0 bytes)"
            continue
        if not row["size_ok"]:
            row["problem"] = f"is {size} bytes, the manifest says {entry['size']} (truncated?)"
            continue
        digest, data = hashlib.sha256(), bytearray()
        for chunk in _counted(store.read_chunks(f"{prefix}/{path}"), bar):
            digest.update(chunk)
            if entry["table"] is not None:
                data += chunk  # kept only for tables, which the restore test reads
        row["sha256_ok"] = digest.hexdigest() == entry["sha256"]
        if not row["sha256_ok"]:
            row["problem"] = "content differs from the manifest (SHA-256)"
        elif entry["table"] is not None:
            try:
                tables[path] = parse_table(bytes(data), path)
            except Exception as exc:  # the copy may be damaged in any way
                row["problem"] = f"cannot be read back as a table ({type(exc).__name__})"
    bar.close()
    problems += [f"{r['path']}: {r['problem']}" for r in rows if r["problem"]]
    problems += _restore_test(tables, expected, rows)
    if not expected:
        problems.append("the backup holds no files")
    return _finish(workspace, app_id, prefix, manifest_hash, pd.DataFrame(rows), problems,
                   actor, record, at)


def _restore_test(tables: dict, expected: dict, rows: list[dict]) -> list[str]:
    """Restore every table into a scratch SQLite database and compare it with the source."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="decomkit-restore-") as scratch:
        restored = restore_into_sqlite(tables, Path(scratch) / "restore.sqlite")
    by_path = {r["path"]: r for r in rows}
    for path, summary in restored.items():
        source, row = expected[path]["table"], by_path[path]
        if "error" in summary:
            row["restore_ok"] = False
            problems.append(f"{path}: restore failed: {summary['error']}")
            continue
        row["restored_rows"] = summary["rows"]
        bad = [c for c in source["columns"]
               if summary["column_sha256"].get(c) != source["column_sha256"][c]]
        row["restore_ok"] = summary["rows"] == source["rows"] > 0 and not bad
        if summary["rows"] == 0:
            problems.append(f"{path}: restored 0 rows")
        elif summary["rows"] != source["rows"]:
            problems.append(f"{path}: restored {summary['rows']} rows, the source had "
                            f"{source['rows']}")
        elif bad:
            problems.append(f"{path}: restored columns differ from the source: {', '.join(bad)}")
    return problems


def _finish(workspace: Workspace, app_id: str, prefix: str, manifest_hash: str,
            files: pd.DataFrame, problems: list[str], actor: str, record: bool,
            at: str | None = None) -> Verification:
    """Record the result. A pass verifies a backed-up app; a failure of a verified backup
    takes it back to 'backed_up', which closes the approval and disable gates."""
    result = Verification(app_id, prefix, manifest_hash, files, problems)
    if not record:
        return result
    with workspace.ledger() as ledger:
        state = ledger.state(app_id)
        if result.ok and state in ("backed_up", "backup_verified"):
            ledger.transition(app_id, "backup_verified", actor, {
                "manifest_hash": manifest_hash, "path": prefix, "files": len(files)}, at=at)
        elif not result.ok and state == "backup_verified":
            ledger.transition(app_id, "backed_up", actor, {
                **ledger.last(app_id, "backed_up").data, "invalidated": problems[:50]})
        else:
            ledger.note(app_id, actor, {
                "event": "backup_verified" if result.ok else "backup_verification_failed",
                "path": prefix, "manifest_hash": manifest_hash, "problems": problems[:50]})
    return result
