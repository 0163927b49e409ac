"""Convert an app's exports to another system's import format, and prove nothing was lost.

A map in ``templates/migration/<name>.yaml`` names, per dataset, the output file and the source
→ target columns, and (``values``) how a column's values are written for the target. The
reconciliation compares rows in and out and the exact (decimal) sums of the numeric columns,
for each dataset as a whole and for each document state (待入库, 已入库 …); converted files
go to ``exports/<app>/migrated/``. A map that drops a column holding a document's state
(``schemas.holds_state``) is refused: the target would take open documents for closed ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from decomkit.context.workspace import Workspace
from decomkit.core.errors import MigrationError
from decomkit.core.resources import templates_dir
from decomkit.core.said import said_error
from decomkit.core.sinks import write_csv_rows
from decomkit.custody.checksums import parse_table
from decomkit.inventory.schemas import holds_state
from decomkit.lifecycle.backup import app_datasets


def available_maps() -> dict[str, Path]:
    return {p.stem: p for p in sorted((templates_dir() / "migration").glob("*.yaml"))}


def load_map(name: str) -> dict:
    import yaml

    maps = available_maps()
    if name not in maps:
        raise said_error(MigrationError, "life.migrate.no_map", name=name,
                         available=", ".join(maps) or "-")
    spec = yaml.safe_load(maps[name].read_text(encoding="utf-8"))
    for key in ("source_app", "datasets"):
        if key not in spec:
            raise said_error(MigrationError, "life.migrate.key_missing", file=maps[name].name,
                             key_name=key)
    for dataset, part in spec["datasets"].items():
        if not isinstance(part, dict) or not {"output", "columns"} <= set(part):
            raise said_error(MigrationError, "life.migrate.dataset_parts", file=maps[name].name,
                             dataset=dataset)
        for column, values in (part.get("values") or {}).items():
            if column not in part["columns"] or not isinstance(values, dict):
                raise said_error(MigrationError, "life.migrate.values", file=maps[name].name,
                                 dataset=dataset, column=column)
    return spec


def _decimal_sum(values: list[str], where: str) -> Decimal:
    total = Decimal(0)
    for value in values:
        text = value.replace(",", "").strip()
        if not text:
            continue
        try:
            total += Decimal(text)
        except InvalidOperation:
            raise said_error(MigrationError, "life.migrate.not_a_number", where=where,
                             value=repr(value)) from None
    return total


@dataclass(frozen=True)
class Migration:
    name: str
    files: tuple[Path, ...]
    # dataset, output, status ("" for the whole dataset; else one state, "source → target"
    # when the map rewrites it), column, rows_in, rows_out, sum_in, sum_out, ok
    reconciliation: pd.DataFrame

    @property
    def ok(self) -> bool:
        return bool(self.reconciliation["ok"].all())


def _declared_state_columns(workspace: Workspace, app_id: str) -> frozenset[str]:
    """The status columns the datasets table declares for ``app_id`` (open documents)."""
    datasets = workspace.inventory(["datasets"]).datasets
    if "open_status_column" not in datasets:
        return frozenset()
    mine = datasets.loc[datasets["app_id"] == app_id, "open_status_column"].dropna()
    return frozenset(str(c) for c in mine)


def _convert(part: dict, columns: list[str], rows: list[list[str]], where: str) -> list[list]:
    """The target's rows: mapped columns in map order, values rewritten where the map says;
    a value the map does not name is refused, naming file, row and column."""
    positions = [columns.index(c) for c in part["columns"]]
    values = part.get("values") or {}
    rewrite = [values.get(c) for c in part["columns"]]
    table = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        out = []
        for i, mapping in zip(positions, rewrite, strict=True):
            cell = row[i]
            if mapping is not None:
                if cell.strip() not in mapping:
                    raise said_error(MigrationError, "life.migrate.unmapped_value", where=where,
                                     row=number, column=columns[i], value=repr(cell),
                                     known=", ".join(mapping))
                cell = str(mapping[cell.strip()])
            out.append(cell)
        table.append(out)
    return table


def _reconcile(name: str, out: str, part: dict, numeric: list[str], state: list[str],
               source: tuple[str, list[str], list[list[str]]],
               back: tuple[list[str], list[list[str]]]) -> list[dict]:
    """Rows and sums in against out: for the dataset, then for each value of each state
    column (the rows of one state in the source against the rows of its value in the output)."""
    where, columns, rows = source
    back_columns, back_rows = back
    target = part["columns"]
    groups: list[tuple[str, list[list[str]], list[list[str]]]] = [("", rows, back_rows)]
    for column in state:
        i, j = columns.index(column), back_columns.index(target[column])
        mapping = (part.get("values") or {}).get(column) or {}
        seen = list(dict.fromkeys(r[i].strip() for r in rows))
        written = {v: str(mapping.get(v, v)) for v in seen}
        for value in seen:
            label = value if written[value] == value else f"{value} → {written[value]}"
            groups.append((f"{column}: {label}", [r for r in rows if r[i].strip() == value],
                           [r for r in back_rows if r[j].strip() == written[value]]))
        for extra in dict.fromkeys(r[j].strip() for r in back_rows):
            if extra not in written.values():  # a state the source never had
                groups.append((f"{column}: {extra}", [],
                               [r for r in back_rows if r[j].strip() == extra]))
    checks = []
    columns_checked: list[str | None] = [c for c in numeric if c in target] or [None]
    for status, rows_in, rows_out in groups:
        for summed in columns_checked:
            check: dict = {"dataset": name, "output": out, "status": status,
                           "column": summed, "rows_in": len(rows_in),
                           "rows_out": len(rows_out), "sum_in": None, "sum_out": None}
            if summed is not None:
                i, j = columns.index(summed), back_columns.index(target[summed])
                check["sum_in"] = _decimal_sum([r[i] for r in rows_in], where)
                check["sum_out"] = _decimal_sum([r[j] for r in rows_out], out)
            check["ok"] = check["rows_in"] == check["rows_out"] and \
                check["sum_in"] == check["sum_out"]
            checks.append(check)
    return checks


def migrate(workspace: Workspace, app_id: str, map_name: str) -> Migration:
    spec = load_map(map_name)
    if spec["source_app"] != app_id:
        raise said_error(MigrationError, "life.migrate.other_app", map=map_name,
                         source=spec["source_app"], app=app_id)
    encoding = spec.get("encoding", "utf-8-sig")
    datasets = app_datasets(workspace, app_id, list(spec["datasets"]))
    declared = _declared_state_columns(workspace, app_id)
    folder = workspace.app_dir("exports", app_id)
    converted = []
    for row in datasets.to_dict("records"):
        part = spec["datasets"][row["name"]]
        source = workspace.export_file(app_id, row["export_file"])
        if source is None:
            raise said_error(MigrationError, "life.migrate.no_export", dataset=row["dataset_id"],
                             app=app_id)
        parsed = parse_table(source.read_bytes(), source.name)
        if parsed is None:
            raise said_error(MigrationError, "life.migrate.not_a_table", file=source.name)
        columns, rows = parsed
        missing = [c for c in part["columns"] if c not in columns]
        if missing:
            raise said_error(MigrationError, "life.migrate.columns_missing", file=source.name,
                             columns=", ".join(missing), map=map_name)
        dropped = [c for c in columns if holds_state(c, declared) and c not in part["columns"]]
        if dropped:
            raise said_error(MigrationError, "life.migrate.drops_state", map=map_name,
                             dataset=row["name"], columns=", ".join(dropped), file=source.name)
        table = [list(part["columns"].values()), *_convert(part, columns, rows, source.name)]
        state = [c for c in part["columns"] if holds_state(c, declared)]
        out = folder / "migrated" / part["output"]
        converted.append((row["name"], source, rows, columns, out, table, state))
    files, checks = [], []
    for name, source, rows, columns, out, table, state in converted:  # all converted first
        write_csv_rows(out, table, encoding)
        files.append(out)
        back = parse_table(out.read_bytes(), out.name)
        assert back is not None  # a CSV the kit has just written
        checks += _reconcile(name, out.name, spec["datasets"][name], spec.get("numeric", []),
                             state, (source.name, columns, rows), back)
    return Migration(map_name, tuple(files), pd.DataFrame(checks))
