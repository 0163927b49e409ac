"""Inventory imports: from DingTalk's Open API and from console exports through column maps.

Both paths end the same way: rows are merged into the kept tables (``merge``), the merged
tables are validated, a dry run prints the diff and stops, otherwise the files are written and
the import is one ledger note with its counts and source.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from decomkit.core.config import Config
from decomkit.core.errors import InputError, Problem
from decomkit.core.i18n import Language, t
from decomkit.core.said import in_language, said
from decomkit.core.sinks import scrub, scrub_frame
from decomkit.inventory.importers.maps import find_map, load_map, read_mapped
from decomkit.inventory.importers.merge import (
    TableDiff,
    kept_file,
    merge_rows,
    read_kept,
    validate_merged,
    write_tables,
)
from decomkit.inventory.schemas import TABLES_BY_NAME
from decomkit.inventory.tables import check_table

LEDGER_SUBJECT = "inventory"  # the ledger's subject for notes about the whole inventory


class _Notes(Protocol):
    def note(self, app_id: str, actor: str, data: dict) -> object: ...


class ImportTarget(Protocol):
    """What an import reads and writes of the workspace (``decomkit.context.workspace`` sits
    above the inventory and provides this): its tables under ``data/`` and a ledger note."""

    @property
    def root(self) -> Path: ...

    @property
    def config(self) -> Config: ...

    def path(self, name: str) -> Path: ...

    def ledger(self) -> AbstractContextManager[_Notes]: ...


@dataclass(frozen=True)
class ImportResult:
    source: str
    diffs: tuple[TableDiff, ...]
    written: tuple[Path, ...]  # empty on a dry run
    dry_run: bool

    def lines(self, language: Language = "en") -> list[str]:
        head = t("import.head", language, source=in_language(self.source, language)) + (
            t("import.dry", language) if self.dry_run else "")
        return [scrub(line, tokens=False) for line in
                [head] + [line for d in self.diffs for line in d.lines(language=language)]]


def apply_import(workspace: ImportTarget, source: str, incoming: dict[str, pd.DataFrame], *,
                 dry_run: bool, actor: str | None = None,
                 today: dt.date | None = None) -> ImportResult:
    """Merge ``incoming`` tables into the workspace's kept tables; write unless ``dry_run``."""
    data_dir = workspace.path("data")
    today = today or dt.date.today()
    merged, diffs = {}, []
    # Secrets never enter the kept tables, the diff or a dry run's output: a "密码:…" cell, or
    # a value equal to a configured secret, is masked as it comes in.
    incoming = {name: scrub_frame(frame) for name, frame in incoming.items()}
    for name, frame in incoming.items():
        table = TABLES_BY_NAME[name]
        path = kept_file(data_dir, table)
        existing = read_kept(path, table) if path is not None else None
        merged[name], diff = merge_rows(existing, frame, table, today)
        diffs.append(diff)
    validate_merged(merged, data_dir)
    if dry_run:
        return ImportResult(source, tuple(diffs), (), True)
    written = write_tables(merged, data_dir)
    with workspace.ledger() as ledger:
        ledger.note(LEDGER_SUBJECT, actor or workspace.config.operator, {
            "event": "inventory imported", "source": source,
            "tables": {d.table: d.counts() for d in diffs},
            "files": [p.name for p in written]})
    return ImportResult(source, tuple(diffs), tuple(written), False)


def _app_names(workspace: ImportTarget) -> dict[str, str]:
    path = kept_file(workspace.path("data"), TABLES_BY_NAME["apps"])
    if path is None:
        return {}
    apps = read_kept(path, TABLES_BY_NAME["apps"])
    return dict(zip(apps["name"], apps["app_id"], strict=True))


def import_file(workspace: ImportTarget, table: str, map_name: str, file: str | Path, *,
                dry_run: bool = False, actor: str | None = None,
                today: dt.date | None = None) -> ImportResult:
    """``decomkit import file``: one export through a column map into one table."""
    path = Path(file).expanduser()
    if table not in TABLES_BY_NAME:
        raise InputError([Problem("--table", None, None, said("import.no_table"),
                                  said("import.use_table", tables=", ".join(
                                      f"'{name}'" for name in TABLES_BY_NAME)))])
    map_path = find_map(map_name, workspace.root)
    column_map = load_map(map_path)
    if column_map.table != table:
        raise InputError([Problem(map_path.name, None, "table", said(
            "import.other_table", mapped=column_map.table, table=table),
            said("import.use_map_table", mapped=column_map.table))])
    if not path.is_file():
        raise InputError([Problem(path.name, None, None, said("import.no_file"),
                                  said("import.give_path"))])
    frame, first_row, sources = read_mapped(path, column_map, app_names=_app_names(workspace))
    problems: list[Problem] = []
    schema = TABLES_BY_NAME[table]
    check_table(frame, schema, path.name, first_row, problems)
    if problems:  # name the source's own column, as the user sees it in the export
        raise InputError([Problem(p.file, p.row, f"{sources[p.column]} → {p.column}"
                                  if p.column in sources else p.column, p.what, p.fix)
                          for p in problems])
    return apply_import(workspace, said("import.source_file", file=path.name,
                                        map=map_path.stem), {table: frame},
                        dry_run=dry_run, actor=actor, today=today)
