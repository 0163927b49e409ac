"""Exports as tables a backup can hash and restore: one canonical text per cell, a checksum
per column, a restore into scratch SQLite; the manifest's names and format."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from decomkit.core.said import said
from decomkit.inventory.tables import decode_csv, parse_csv

MANIFEST = "manifest.json"
MARKER = ".decomkit-backup"  # written first: only a folder holding it is ever removed
FORMAT = 2  # 2: Ed25519 signature block (1 was HMAC with a key inside the workspace)
TABLE_SUFFIXES = (".csv", ".xlsx", ".json")
_SEP = "\x1f"  # between cells when a column is hashed


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
    rows: Sequence[Sequence[object]]  # cells as read: text, or an xlsx/json cell's value
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
                restored[name] = {"error": said("custody.v.ragged")}
                continue
            back = [list(r) for r in db.execute(f"SELECT * FROM t{k} ORDER BY rowid")]
            restored[name] = summarize(columns, back)
        db.commit()
        return restored
    finally:
        db.close()
