"""Verify a backup by reading it back from its target: the signature, the list of files, sizes
(truncation), a streamed SHA-256 of every file, and a restore of every table into scratch SQLite
whose row counts and column checksums must equal the source's. The result is recorded in the
ledger (``backup_verified``, or the backup invalidated)."""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from decomkit.context.workspace import Workspace, managed_folder
from decomkit.core.errors import BackupError, LedgerIntegrityError
from decomkit.core.i18n import t
from decomkit.core.said import said, said_error
from decomkit.custody.checksums import MANIFEST, MARKER, parse_table, restore_into_sqlite
from decomkit.custody.store import Store
from decomkit.proof.keys import check_document, endorsed_keyring


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
        local = workspace.root / target
        if folder := managed_folder(workspace.root, local):
            why = said("err.backup_inside", target=target, folder=folder)
            raise BackupError(str(why)).saying(why)
        target = str(local.resolve())
    return Store(target, workspace.config.backup.endpoint_url)


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


@dataclass(frozen=True)
class Verification:
    app_id: str
    path: str
    manifest_hash: str
    files: pd.DataFrame  # path, size_ok, sha256_ok, restored_rows, restore_ok, problem
    problems: list[str]  # each a core.said.Said: English as str(), the reader's in_language

    @property
    def ok(self) -> bool:
        return not self.problems


def latest_backup(workspace: Workspace, app_id: str) -> dict:
    with workspace.ledger() as ledger:
        event = ledger.last(app_id, "backed_up")
    if event is None:
        why = said("err.no_backup", app=app_id)
        raise BackupError(str(why)).saying(why)
    return event.data


def verify_backup(workspace: Workspace, app_id: str, *, actor: str, store: Store | None = None,
                  record: bool = True, progress: bool = False,
                  at: str | None = None) -> Verification:
    """Check the latest backup of ``app_id`` from the target; record the result."""
    backup = latest_backup(workspace, app_id)
    store = store or open_store(workspace, backup["target"])
    prefix, rows = backup["path"], []
    problems: list[str] = []
    try:
        body = store.read_bytes(f"{prefix}/{MANIFEST}")
        manifest = json.loads(body)
    except (FileNotFoundError, ValueError, OSError) as exc:
        return _finish(workspace, app_id, prefix, "", pd.DataFrame(),
                       [said("custody.v.manifest_unreadable", manifest=MANIFEST,
                             kind=type(exc).__name__)], actor, record)
    manifest_hash = hashlib.sha256(body).hexdigest()
    # Only keys the workspace's first key endorsed: one added by 'keys rotate --lost' (no
    # private key needed) or by hand does not make a re-signed backup pass.
    if why := check_document(manifest, endorsed_keyring(workspace.root)[0],
                             at=str(manifest.get("created", ""))):
        problems.append(said("custody.v.signature", manifest=MANIFEST, why=why))
    if manifest_hash != backup["manifest_hash"]:
        problems.append(said("custody.v.not_recorded", manifest=MANIFEST))
    expected = {f["path"]: f for f in manifest.get("files", [])}
    present = {p[len(prefix) + 1:] for p in store.list(prefix)} - {MANIFEST, MARKER}
    problems += [said("custody.v.unexpected", path=p) for p in sorted(present - set(expected))]
    tables = {}
    bar = _bar(sum(f["size"] for f in expected.values()), t("bar.verify", workspace.config.language,
                                                                app=app_id), progress)
    for path, entry in expected.items():
        row = {"path": path, "size_ok": False, "sha256_ok": False, "restore_ok": None,
               "restored_rows": None, "problem": ""}
        rows.append(row)
        if path not in present:
            row["problem"] = said("custody.v.missing")
            continue
        size = store.size(f"{prefix}/{path}")
        row["size_ok"] = size == entry["size"]
        if size == 0:
            row["problem"] = said("custody.v.empty")
            continue
        if not row["size_ok"]:
            row["problem"] = said("custody.v.size_short" if size < entry["size"] else
                                  "custody.v.size_long", size=size, expected=entry["size"])
            continue
        digest, data = hashlib.sha256(), bytearray()
        for chunk in _counted(store.read_chunks(f"{prefix}/{path}"), bar):
            digest.update(chunk)
            if entry["table"] is not None:
                data += chunk  # kept only for tables, which the restore test reads
        row["sha256_ok"] = digest.hexdigest() == entry["sha256"]
        if not row["sha256_ok"]:
            row["problem"] = said("custody.v.digest")
        elif entry["table"] is not None:
            try:
                tables[path] = parse_table(bytes(data), path)
            except Exception as exc:  # the copy may be damaged in any way
                row["problem"] = said("custody.v.unreadable", kind=type(exc).__name__)
    bar.close()
    problems += [said("custody.v.file", path=r["path"], problem=r["problem"])
                 for r in rows if r["problem"]]
    problems += _restore_test(tables, expected, rows)
    if not expected:
        problems.append(said("custody.v.no_files"))
    return _finish(workspace, app_id, prefix, manifest_hash, pd.DataFrame(rows), problems,
                   actor, record, at)


def _restore_test(tables: dict, expected: dict, rows: list[dict]) -> list[str]:
    """Restore every table into a scratch SQLite database and compare it with the source."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="decomkit-restore-") as scratch:
        restored = restore_into_sqlite(tables, Path(scratch) / "restore.sqlite")
    by_path = {r["path"]: r for r in rows}
    for path, summary in restored.items():
        source, row = expected[path]["table"], by_path[path]
        if "error" in summary:
            row["restore_ok"] = False
            problems.append(said("custody.v.restore_failed", path=path,
                                 error=summary["error"]))
            continue
        row["restored_rows"] = summary["rows"]
        bad = [c for c in source["columns"]
               if summary["column_sha256"].get(c) != source["column_sha256"][c]]
        row["restore_ok"] = summary["rows"] == source["rows"] > 0 and not bad
        if summary["rows"] == 0:
            problems.append(said("custody.v.no_rows", path=path))
        elif summary["rows"] != source["rows"]:
            problems.append(said("custody.v.rows", path=path, rows=summary["rows"],
                                 source=source["rows"]))
        elif bad:
            problems.append(said("custody.v.columns", path=path, columns=", ".join(bad)))
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
            backed = ledger.last(app_id, "backed_up")
            if backed is None:  # never: the gate verifies only a backup the ledger holds
                raise said_error(LedgerIntegrityError, "custody.verified_without_backup",
                                 app=app_id)
            ledger.transition(app_id, "backed_up", actor, {
                **backed.data, "invalidated": problems[:50]})
        else:
            ledger.note(app_id, actor, {
                "event": "backup_verified" if result.ok else "backup_verification_failed",
                "path": prefix, "manifest_hash": manifest_hash, "problems": problems[:50]})
    return result
