"""Back up an app's data (停用指南 stage 三; the data export before 解除免费关联).

A backup is ``<target>/<app>/<backup_id>/``: a copy of each export file and ``manifest.json``,
written last. The manifest lists every file's size and SHA-256 and, for tables, the row count,
columns and a checksum per column; it is signed with the workspace's Ed25519 key
(``decomkit.proof.keys``: the private key lives outside the workspace and the backup), so
editing a file *and* its hash in the manifest is still caught, and checking needs only the
public key. A backup folder without a manifest is incomplete (a crash, a full disk) and is
removed by the next run. Verification, reading the backup back from its target, is
``decomkit.custody.verify``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from decomkit.context.workspace import Workspace
from decomkit.core.errors import BackupError, InputError, Problem
from decomkit.core.i18n import Language, t
from decomkit.core.locks import app_lock
from decomkit.core.present import term
from decomkit.core.said import said, said_error
from decomkit.custody.checksums import (
    FORMAT,
    MANIFEST,
    MARKER,
    TABLE_SUFFIXES,
    parse_table,
    summarize,
)
from decomkit.custody.store import Store, chunks_of
from decomkit.custody.verify import _bar, _counted, _recorded_target, open_store
from decomkit.inventory.schemas import TABLES_BY_NAME, id_problem, relative_path_problem
from decomkit.inventory.tables import find_table_file
from decomkit.lifecycle.authority import authorize
from decomkit.proof.gates import Grant, require
from decomkit.proof.keys import load_signer, sign_document

# ------------------------------------------------------------------ tables and checksums










# ------------------------------------------------------------------ what and how often


def app_datasets(workspace: Workspace, app_id: str, names: list[str] | None = None
                 ) -> pd.DataFrame:
    """The app's datasets with their export files; ``names`` (names or ids) limits them."""
    datasets = workspace.inventory(["datasets"], app_id=app_id).datasets
    if names:
        chosen = datasets["name"].isin(names) | datasets["dataset_id"].isin(names)
        unknown = sorted(set(names) - set(datasets["name"]) - set(datasets["dataset_id"]))
        if unknown:
            raise said_error(BackupError, "life.no_such_datasets", app=app_id,
                             unknown=", ".join(unknown), known=", ".join(datasets["name"]))
        datasets = datasets[chosen].reset_index(drop=True)
    return datasets


FREQUENCY_ORDER = ("daily", "weekly", "monthly", "rarely")


def recommend_frequency(datasets: pd.DataFrame, configured: str = "auto",
                        language: Language = "en") -> tuple[str, str]:
    """How often to back up while the app still runs, and why (in ``language``)."""
    if configured != "auto":
        return configured, t("frequency.why_set", language)
    changes = datasets.dropna(subset=["changes"])
    if changes.empty:
        return "weekly", t("frequency.why_default", language)
    fastest = min(changes["changes"], key=FREQUENCY_ORDER.index)
    names = ("、" if language == "zh" else ", ").join(
        changes[changes["changes"] == fastest]["name"])
    frequency = "monthly" if fastest == "rarely" else fastest
    return frequency, t("frequency.why", language, names=names,
                        fastest=term("frequency", fastest, language))


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
                                    said("life.p.export_leaves", dataset=row["dataset_id"],
                                         app=app_id),
                                    said("life.p.copy_export", app=app_id)))
        else:
            problems.append(Problem(f"exports/{app_id}/{name or '?'}", None, None,
                                    said("life.p.export_missing", dataset=row["dataset_id"],
                                         name=row["name"]),
                                    said("life.p.export_there")))
    if not datasets.shape[0]:
        problems.append(Problem("datasets", None, "app_id", said("life.p.no_datasets",
                                                                  app=app_id),
                                said("life.p.list_datasets")))
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
                said("life.p.private_key", dataset=row["dataset_id"]),
                said("life.p.remove_key"))])
        tail = chunk[-len(_PRIVATE_KEY_PEM):]
    table = None
    if path.suffix.lower() in TABLE_SUFFIXES:
        try:
            parsed = parse_table(path.read_bytes(), path.name)
        except InputError:
            raise
        except Exception as exc:  # openpyxl, json: many unrelated types
            raise InputError([Problem(path.name, None, None, said("life.p.not_table",
                                                                  kind=type(exc).__name__),
                                      said("life.p.export_again"))]) from None
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
    with app_lock(workspace.root, app_id, "back_up"):
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
    bar = _bar(sum(e["size"] for e in entries), t("bar.backup", workspace.config.language,
                                                            app=app_id), progress)
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








# ------------------------------------------------------------------ verifying










