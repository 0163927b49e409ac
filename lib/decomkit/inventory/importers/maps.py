"""Column maps: console and finance exports, with their own headers, read into a kit table.

A map is a YAML file (``templates/import/NAME.yaml`` ships with the kit; a user's own maps live
in the workspace's ``maps/`` folder) that says, per table column, which source column feeds it
and how its values are translated. docs/analyst.md (Column maps) documents the format;
``ColumnMap`` checks it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from decomkit.core.config import validation_reason
from decomkit.core.errors import InputError, Problem
from decomkit.core.i18n import t
from decomkit.core.resources import templates_dir
from decomkit.core.said import Said, said
from decomkit.inventory.schemas import TABLES_BY_NAME
from decomkit.inventory.tables import read_rows

HEADER_SEARCH_ROWS = 10  # exports often put a title or a note above the header
USER_MAPS = "maps"  # the workspace folder for a user's own maps


class Split(BaseModel):
    """A path such as 总部/销售部/华东 in one cell."""

    model_config = ConfigDict(extra="forbid")
    separator: str = "/"
    take: Literal["path", "first", "last"] | int = "path"  # int: that level, 1 = the top
    drop_top: int = 0  # levels to drop from the top (e.g. the company's name)

    # Each option checked before its type, so a bad one gives one clear message.
    @field_validator("separator", mode="before")
    @classmethod
    def _separator(cls, value):
        if not isinstance(value, str) or not value:
            raise ValueError(said("map.separator"))
        return value

    @field_validator("take", mode="before")
    @classmethod
    def _take(cls, value):
        if value in ("path", "first", "last") or (
                isinstance(value, int) and not isinstance(value, bool) and value >= 1):
            return value
        raise ValueError(said("map.take"))

    @field_validator("drop_top", mode="before")
    @classmethod
    def _drop_top(cls, value):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        raise ValueError(said("map.drop_top"))


class ColumnRule(BaseModel):
    """How one table column is filled."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    source: list[str] = Field(default_factory=list, alias="from")  # alternatives, first found
    value: str | None = None  # a constant instead of a source column
    values: dict[str, str | bool | int | float] = Field(default_factory=dict)
    date_format: str | None = None  # strftime, e.g. "%Y年%m月%d日 %H:%M"
    first_of: str | None = None  # characters that separate several values: keep the first
    split: Split | None = None
    lookup: Literal["apps.name"] | None = None  # translate an app's name to its app_id
    optional: bool = False  # an export without the source column leaves the column empty

    @field_validator("source", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip()
                                                  for v in value):
            raise ValueError(said("map.from"))
        return value

    @field_validator("first_of", mode="before")
    @classmethod
    def _first_of(cls, value):
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError(said("map.first_of"))
        return value

    @field_validator("date_format", mode="before")
    @classmethod
    def _date_format(cls, value):
        if value is not None and (not isinstance(value, str) or "%" not in value):
            raise ValueError(said("map.date_format"))
        return value


def _message(error) -> Said:
    """A validation error's message: an option's own (said in each language) when it gave one,
    else pydantic's in English and said by its kind in the others (as ``decomkit.toml``'s)."""
    raised = (error.get("ctx") or {}).get("error")
    if isinstance(raised, ValueError) and raised.args and isinstance(raised.args[0], Said):
        return raised.args[0]
    kind = error["type"]  # a map is YAML, not decomkit.toml: its own words where they differ
    if kind == "extra_forbidden":
        forms = {"zh": t("map.unknown_option", "zh")}
    elif kind.startswith(("dict", "model")):
        forms = {"zh": t("map.want_mapping", "zh")}
    elif kind == "missing":
        forms = {"zh": t("map.missing", "zh")}
    else:
        forms = validation_reason(error)
        if forms.get("zh") == t("config.bad_value", "zh"):
            forms = {"zh": t("map.bad_value", "zh")}
    return Said({**forms, "en": error["msg"].removeprefix("Value error, ")})


class ColumnMap(BaseModel):
    model_config = ConfigDict(extra="forbid")
    table: str
    description: str = ""
    columns: dict[str, ColumnRule]

    @field_validator("table")
    @classmethod
    def _known_table(cls, value: str) -> str:
        if value not in TABLES_BY_NAME:
            raise ValueError(f"unknown table; use one of {', '.join(TABLES_BY_NAME)}")
        return value


def find_map(name: str, workspace_root: Path | None = None) -> Path:
    """A map by name: the workspace's ``maps/NAME.yaml``, else the kit's, or a path to one."""
    candidates = []
    if name.endswith((".yaml", ".yml")):
        candidates.append(Path(name).expanduser())
    elif "/" not in name and "\\" not in name and name not in (".", ".."):
        if workspace_root is not None:
            candidates.append(workspace_root / USER_MAPS / f"{name}.yaml")
        candidates.append(templates_dir() / "import" / f"{name}.yaml")
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        shipped = sorted(p.stem for p in (templates_dir() / "import").glob("*.yaml"))
        raise InputError([Problem("--map", None, None, said("import.no_map"), said(
            "import.give_map", shipped=", ".join(f"'{n}'" for n in shipped), folder=USER_MAPS))])
    return found


def load_map(path: Path) -> ColumnMap:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        column_map = ColumnMap.model_validate(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError([Problem(path.name, mark.line + 1 if mark else None, None,
                                  said("import.not_yaml"), said("import.fix_yaml"))]
                         ) from None
    except ValidationError as exc:
        raise InputError([Problem(path.name, None, ".".join(str(p) for p in e["loc"]) or None,
                                  _message(e), said("map.see_docs"))
                          for e in exc.errors()]) from None
    table = TABLES_BY_NAME[column_map.table]
    missing = [c.name for c in table.columns if c.required and c.name not in column_map.columns]
    if missing:
        raise InputError([Problem(path.name, None, name, said("import.no_rule"),
                                  said("import.add_rule")) for name in missing])
    return column_map


def _header_index(rows: list[list], column_map: ColumnMap, file: str) -> int:
    """The row holding the header: the first whose cells name every mapped source column."""
    wanted = [rule.source for rule in column_map.columns.values()
              if rule.source and not rule.optional]
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = {str(c).strip() for c in row if c is not None}
        if all(any(s in cells for s in alternatives) for alternatives in wanted):
            return index
    first = {str(c).strip() for c in rows[0] if c is not None} if rows else set()
    missing = [" / ".join(alt) for alt in wanted if not any(s in first for s in alt)]
    raise InputError([Problem(file, 1, m, said("import.source_missing"),
                              said("import.export_column"))
                      for m in missing])


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    text = str(value).strip()
    return text or None


def _split(text: str, split: Split) -> str:
    parts = [p.strip() for p in text.split(split.separator) if p.strip()][split.drop_top:]
    if not parts:
        return text
    if split.take == "path":
        return "/".join(parts)
    if split.take == "first":
        return parts[0]
    if split.take == "last":
        return parts[-1]
    return parts[min(split.take, len(parts)) - 1]


def apply_map(rows: list[list], column_map: ColumnMap, file: str, *,
              app_names: dict[str, str] | None = None) -> tuple[pd.DataFrame, int, dict[str, str]]:
    """The source rows as the table's columns (text); the spreadsheet row of the first record,
    and each table column's source header (for messages)."""
    header_at = _header_index(rows, column_map, file)
    header = [_text(c) or "" for c in rows[header_at]]
    body = rows[header_at + 1:]
    first_row = header_at + 2
    problems: list[Problem] = []
    out: dict[str, list] = {}
    sources: dict[str, str] = {}
    for target, rule in column_map.columns.items():
        if rule.value is not None:
            out[target] = [rule.value] * len(body)
            continue
        source = next((s for s in rule.source if s in header), None)
        if source is None:  # an optional column this export does not have
            continue
        sources[target] = source
        position = header.index(source)
        values = []
        for offset, row in enumerate(body):
            cell = row[position] if position < len(row) else None
            values.append(_convert(cell, rule, file, first_row + offset, source, app_names,
                                   problems))
        out[target] = values
    if problems:
        raise InputError(problems)
    return pd.DataFrame(out, dtype=object), first_row, sources


def _convert(cell, rule: ColumnRule, file: str, row: int, source: str,
             app_names: dict[str, str] | None, problems: list[Problem]):
    if isinstance(cell, dt.datetime) and rule.date_format:
        return cell.isoformat(sep=" ")
    text = _text(cell)
    if text is None:
        return None
    if rule.first_of:
        text = re.split("[" + re.escape(rule.first_of) + "]", text)[0].strip() or text
    if rule.split:
        text = _split(text, rule.split)
    if text in rule.values:
        mapped = rule.values[text]
        text = str(mapped).lower() if isinstance(mapped, bool) else str(mapped)
    if rule.date_format:
        try:
            text = dt.datetime.strptime(text, rule.date_format).isoformat(sep=" ")
        except ValueError:
            problems.append(Problem(file, row, source, said("import.date_format",
                                                            fmt=rule.date_format),
                                    said("import.fix_date")))
            return None
    if rule.lookup == "apps.name":
        if app_names is None or text not in app_names:
            problems.append(Problem(file, row, source, said("import.unknown_app"),
                                    said("import.apps_first")))
            return None
        text = app_names[text]
    return text


def read_mapped(path: Path, column_map: ColumnMap, *,
                app_names: dict[str, str] | None = None) -> tuple[pd.DataFrame, int,
                                                                  dict[str, str]]:
    """Read ``path`` (CSV in UTF-8/GBK, or XLSX) through ``column_map``."""
    rows = read_rows(path)
    if not rows:
        raise InputError([Problem(path.name, None, None, said("table.is_empty"),
                                  said("table.export_header"))])
    return apply_map(rows, column_map, path.name, app_names=app_names)
