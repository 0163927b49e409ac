"""Reading and validating the inventory tables.

Input is real-world messy: CSV in UTF-8, UTF-8 with BOM or GBK/GB18030 from Chinese admin
consoles, XLSX, parquet for large usage logs, blank cells, Chinese headers. Encodings are decided
deliberately (strict decoding, never replacement characters). Validation collects every problem in
one pass and raises a single ``InputError`` naming file, row and column.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from decomkit.core.errors import InputError, Problem
from decomkit.core.said import Said, said
from decomkit.inventory.schemas import CHOICES_ZH, RULES, TABLES, TABLES_BY_NAME, Column, Table

SUFFIXES = (".csv", ".xlsx", ".parquet")
MAX_PER_KIND = 20  # problems listed per file, column and kind; the rest are counted

_TRUE = {"true", "1", "yes", "y", "是", "对", "√", "t"}
_FALSE = {"false", "0", "no", "n", "否", "不", "×", "f"}


# ---------------------------------------------------------------- decoding and reading


MAX_CELL = 131_072  # characters in one cell (the csv module's own default limit)
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # controls but \t \n \r


def _foreign(text: str) -> int | None:
    """Where the first character is that no real GBK or UTF-8 text holds: a control character
    but tab and line ends, or one that is private-use or unassigned (what Big5 or Shift-JIS
    bytes become when read as GBK). Each distinct character is looked at once."""
    bad = [c for c in set(text) if _NOT_TEXT.match(c) or (
        ord(c) > 0x7f and unicodedata.category(c) in ("Co", "Cn", "Cs"))]
    return min(text.index(c) for c in bad) if bad else None


def _misread(text: str) -> int | None:
    """Where the first rare character is, when most of the Chinese characters of text read as
    GBK are rare ones outside GB2312: what Shift-JIS (and much Big5) becomes when read as GBK.
    Real GBK exports are overwhelmingly GB2312's common characters."""
    cjk = [c for c in set(text) if "\u4e00" <= c <= "\u9fff"]
    rare = []
    for c in cjk:
        try:
            c.encode("gb2312")
        except UnicodeEncodeError:
            rare.append(c)
    if len(rare) >= 2 and len(rare) * 2 > len(cjk):
        return min(text.index(c) for c in rare)
    return None


def _delimiter(first_line: str) -> str:
    """Tab for a tab-separated export (its header has tabs and no comma), else comma."""
    return "\t" if "\t" in first_line and "," not in first_line else ","


def _where(text: str, index: int) -> tuple[int, str | None]:
    """The spreadsheet row (header = 1, blank lines skipped) and column at ``index``."""
    first_line = _NOT_TEXT.sub(" ", text.split("\n", 1)[0])
    delimiter = _delimiter(first_line)
    records = [r for r in csv.reader(io.StringIO(_NOT_TEXT.sub(" ", text[:index + 1]),
                                                newline=""), delimiter=delimiter) if r]
    if not records:
        return 1, None
    header = next(csv.reader(io.StringIO(first_line), delimiter=delimiter), [])
    position = len(records[-1]) - 1
    column = header[position].strip() if position < len(header) else f"#{position + 1}"
    return len(records), column or f"#{position + 1}"


def decode_csv(data: bytes, file: str, *, strict: bool = True) -> tuple[str, str]:
    """Decode CSV bytes; return (text, encoding). Raises InputError rather than guessing.

    ``strict`` also refuses text no real table holds (control characters, private-use or
    unassigned characters, Shift-JIS or Big5 read as GBK): right for the inventory the kit
    decides from; a backup copies an app's export as it is and reads it only to count it."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]  # GB18030 is a superset of GBK and GB2312
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\ufffd" in text:
            line = text[: text.index("\ufffd")].count("\n") + 1
            raise InputError([Problem(
                file, line, None, said("table.damaged"), said("table.export_again"))])
        if not strict:
            return text, encoding
        found, what = _foreign(text), said("table.foreign")
        if found is not None and _NOT_TEXT.match(text[found]):
            what = said("table.control")
        elif found is None and encoding == "gb18030" and (found := _misread(text)) is not None:
            what = said("table.misread")
        if found is not None:
            row, column = _where(text, found)
            raise InputError([Problem(file, row, column, what, said("table.save_utf8"))])
        return text, encoding
    raise InputError([Problem(
        file, None, None, said("table.no_encoding"), said("table.save_utf8"))])


def parse_csv(text: str, file: str, delimiter: str = ",",
              max_cell: int | None = MAX_CELL) -> list[list[str]]:
    """Every record of decoded CSV text; a cell over ``max_cell`` characters is one error
    naming its row and column (not the csv module's own); ``None``: any size."""
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))  # then check it ourselves
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if max_cell is None:
        return rows
    header = rows[0] if rows else []
    number = 0
    for row in rows:
        number += bool(row)
        for position, cell in enumerate(row):
            if len(cell) > max_cell:
                column = header[position].strip() if position < len(header) else ""
                raise InputError([Problem(
                    file, number, column or f"#{position + 1}",
                    said("table.cell_too_long", n=f"{len(cell):,}", most=f"{max_cell:,}"),
                    said("table.check_quotes"))])
    return rows


def _csv_rows(path: Path, problems: list[Problem]) -> list[list] | None:
    text, _ = decode_csv(path.read_bytes(), path.name)
    rows = parse_csv(text, path.name, _delimiter(text.split("\n", 1)[0]))
    rows = [r for r in rows if any(cell.strip() for cell in r)]  # blank lines carry nothing
    if not rows:
        return rows
    width = len(rows[0])
    ragged = [(i + 1, len(r)) for i, r in enumerate(rows) if len(r) != width]
    for row_number, n in ragged[:MAX_PER_KIND]:
        problems.append(Problem(
            path.name, row_number, None, said("table.ragged", n=n, width=width),
            said("table.quote_commas")))
    if len(ragged) > MAX_PER_KIND:
        problems.append(Problem(path.name, None, None,
                                said("table.more_ragged", n=len(ragged) - MAX_PER_KIND),
                                said("table.fix_same_way")))
    return None if ragged else rows


def _xlsx_rows(path: Path, problems: list[Problem]) -> list[list] | None:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:
        problems.append(Problem(
            path.name, None, None, said("table.not_xlsx"), said("table.save_xlsx")))
        return None
    try:
        sheet = book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    while rows and all(v is None or str(v).strip() == "" for v in rows[-1]):
        rows.pop()
    return rows


def read_rows(path: Path) -> list[list]:
    """The rows of a small CSV (UTF-8, GBK, …) or XLSX file, header first; InputError if bad."""
    problems: list[Problem] = []
    rows = _csv_rows(path, problems) if path.suffix.lower() == ".csv" else _xlsx_rows(
        path, problems)
    if problems or rows is None:
        raise InputError(problems)
    return rows


def _frame_from_rows(rows: list[list], table: Table, file: str,
                     problems: list[Problem]) -> pd.DataFrame | None:
    if not rows:
        problems.append(Problem(file, None, None, said("table.is_empty"),
                                said("table.export_header")))
        return None
    header = ["" if h is None else str(h).strip() for h in rows[0]]
    frame = pd.DataFrame(rows[1:], columns=range(len(header)), dtype=object)
    return _name_columns(frame, header, table, file, problems)


def _name_columns(frame: pd.DataFrame, header: list[str], table: Table, file: str,
                  problems: list[Problem]) -> pd.DataFrame | None:
    """Map English or Chinese headers to the canonical column names."""
    known = {}
    for c in table.columns:
        known[c.name.lower()] = c.name
        known[c.zh.lower()] = c.name
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(header):
        name = known.get(raw.lower().lstrip("\ufeff"), raw)
        if name in seen and name:
            problems.append(Problem(
                file, 1, raw, said("table.column_twice", a=seen[name] + 1, b=position + 1),
                said("table.keep_one_column")))
        seen.setdefault(name, position)
        names.append(name)
    for col in table.columns:
        if col.required and col.name not in seen:
            problems.append(Problem(
                file, 1, _heading(col), said("table.column_missing"),
                said("table.add_column", name=col.name, zh=col.zh)))
    if any(p.file == file for p in problems):
        return None
    frame.columns = names
    return frame


def _read_parquet(path: Path, log: bool) -> pd.DataFrame:
    """A parquet file with its text columns kept in Arrow memory (no Python string objects):
    the checks below then run as Arrow compute kernels, at columnar speed. A log's text columns
    are read dictionary-encoded (pandas category): each distinct value is checked once, and 10
    million visits of a thousand apps never become 10 million strings."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if log:
        texts = [f.name for f in pq.read_schema(path)
                 if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
        table = pq.read_table(path, read_dictionary=texts)
        return table.unify_dictionaries().combine_chunks().to_pandas()
    text = pd.StringDtype()
    return pq.read_table(path).to_pandas(
        types_mapper={pa.string(): text, pa.large_string(): text}.get)


def read_raw(path: Path, table: Table, problems: list[Problem]) -> tuple[pd.DataFrame, int] | None:
    """Read one file as-is; return its frame and the spreadsheet row of its first record."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            frame = _read_parquet(path, table.log)
        except Exception as exc:  # pyarrow raises several unrelated types
            problems.append(Problem(path.name, None, None,
                                    said("table.not_parquet", kind=type(exc).__name__),
                                    said("table.write_parquet")))
            return None
        named = _name_columns(frame, [str(c) for c in frame.columns], table, path.name, problems)
        return None if named is None else (named, 1)
    try:
        rows = _csv_rows(path, problems) if suffix == ".csv" else _xlsx_rows(path, problems)
    except InputError as exc:
        problems.extend(exc.problems)
        return None
    if rows is None:
        return None
    frame = _frame_from_rows(rows, table, path.name, problems)
    return None if frame is None else (frame, 2)


# ---------------------------------------------------------------- converting and checking


class _Checker:
    """Converts one table's columns to their types, collecting problems with row numbers."""

    def __init__(self, file: str, first_row: int, problems: list[Problem]):
        self.file, self.first_row, self.problems = file, first_row, problems

    def report(self, bad: np.ndarray, column: str, what: str, fix: str,
               values: pd.Series | None = None) -> None:
        positions = np.flatnonzero(bad)
        for pos in positions[:MAX_PER_KIND]:
            shown = f" ({values.iloc[pos]!r})" if values is not None else ""
            self.problems.append(Problem(
                self.file, int(pos) + self.first_row, column, what + shown, fix))
        if len(positions) > MAX_PER_KIND:
            self.problems.append(Problem(
                self.file, None, column,
                said("table.more_rows", n=len(positions) - MAX_PER_KIND, what=what), fix))

    def convert(self, raw: pd.Series, col: Column) -> pd.Series:
        if isinstance(raw.dtype, pd.CategoricalDtype):
            return self._convert_distinct(raw, col)
        if col.kind in ("date", "month") and pd.api.types.is_datetime64_any_dtype(raw):
            return self._typed_dates(raw, col)
        text = _as_text(raw)
        empty = text.isna().to_numpy()
        if col.required:
            self.report(empty, _heading(col), said("table.empty"), said("table.fill_in"))
        if col.kind == "str":
            if col.rule:
                check = RULES[col.rule]
                # each distinct value checked once; a reason keeps its form in each language
                said_as = {v: check(v) for v in text.dropna().unique() if isinstance(v, str)}
                reasons = text.map(lambda v: str(said_as.get(v, "")),
                                   na_action="ignore").fillna("")
                for reason in dict.fromkeys(r for r in said_as.values() if r):
                    self.report((reasons == str(reason)).to_numpy(), _heading(col), reason,
                                said("fix.correct_source"))
            return text
        if col.kind in ("int", "float"):
            value = _to_number(raw, text)
            bad = value.isna().to_numpy() & ~empty
            self.report(bad, _heading(col), said("table.not_number"), said("table.write_number"),
                        text)
            if col.kind == "int":
                fractional = (value.notna() & (value != value.round())).to_numpy()
                self.report(fractional, _heading(col), said("table.not_whole"),
                            said("table.write_whole"), text)
            self._check_range(value, col, text)
            return value.astype("Int64") if col.kind == "int" else value.astype("Float64")
        if col.kind in ("date", "month"):
            value = _to_datetime(raw, text, month=col.kind == "month")
            bad = value.isna().to_numpy() & ~empty
            fmt = "YYYY-MM" if col.kind == "month" else "YYYY-MM-DD"
            self.report(bad, _heading(col), said("table.not_date"),
                        said("table.write_date", fmt=fmt), text)
            return value
        if col.kind == "bool":
            lowered = text.str.lower()
            value = pd.Series(pd.NA, index=text.index, dtype="boolean")
            value[lowered.isin(_TRUE).fillna(False)] = True
            value[lowered.isin(_FALSE).fillna(False)] = False
            bad = value.isna().to_numpy() & ~empty
            self.report(bad, _heading(col), said("table.not_bool"), said("table.write_bool"), text)
            return value
        lowered = text.str.lower().replace(CHOICES_ZH)
        bad = (~lowered.isin(col.choices)).to_numpy() & ~empty
        self.report(bad, _heading(col), said("table.not_allowed"),
                    said("table.use_one_of", choices=_choices(col)), text)
        return lowered

    def _convert_distinct(self, raw: pd.Series, col: Column) -> pd.Series:
        """A dictionary-encoded column: each distinct value (and the empty cell) is converted
        and checked once; a problem is reported at every row that holds the value. Text stays
        dictionary-encoded."""
        categories = raw.cat.categories
        codes = raw.cat.codes.to_numpy()
        empty = codes < 0
        lookup = np.where(empty, len(categories), codes) if empty.any() else codes
        distinct = _Distinct()
        values = pd.Series([*categories, None], dtype=object)
        typed = distinct.convert(values, col)
        if distinct.found:  # a bad value is shown as its text, stripped, as from a CSV
            text_codes, texts = pd.factorize(_as_text(values))
            text = _categorical(text_codes[lookup], texts, raw.index)
        for bad, what, fix, shown in distinct.found:
            self.report(bad[lookup], _heading(col), what, fix, text if shown else None)
        if col.kind not in ("str", "enum"):
            return pd.Series(typed.to_numpy()[lookup], index=raw.index, dtype=typed.dtype)
        new_codes, uniques = pd.factorize(typed)  # stripping may make two values one
        uniques = pd.Index(uniques).astype("str")
        if (new_codes[:-1] == np.arange(len(categories))).all():  # none merged or emptied
            return raw.cat.rename_categories(uniques) if not uniques.equals(categories) else raw
        return _categorical(new_codes[lookup], uniques, raw.index)

    def _typed_dates(self, raw: pd.Series, col: Column) -> pd.Series:
        """Dates already typed (parquet, Excel): emptiness and range to check, no text."""
        if col.required:
            self.report(raw.isna().to_numpy(), _heading(col), said("table.empty"),
                        said("table.fill_in"))
        if raw.dt.unit != "ns":  # a parquet date may lie where no nanosecond clock reaches
            far = ((raw < pd.Timestamp.min) | (raw > pd.Timestamp.max)).fillna(False)
            self.report(far.to_numpy(), _heading(col), said("table.date_far"),
                        said("table.correct_date"))
            raw = raw.mask(far)
        return _to_datetime(raw, raw, month=col.kind == "month")

    def _check_range(self, value: pd.Series, col: Column, text: pd.Series) -> None:
        if col.minimum is not None:
            below = (value < col.minimum).fillna(False).to_numpy()
            least = f"{col.minimum:g}"
            what = said("table.negative") if col.minimum == 0 else said("table.below",
                                                                         least=least)
            self.report(below, _heading(col), what, said("table.at_least", least=least), text)
        if col.maximum is not None:
            above = (value > col.maximum).fillna(False).to_numpy()
            most = f"{col.maximum:g}"
            self.report(above, _heading(col), said("table.above", most=most),
                        said("table.at_most", most=most), text)


def _categorical(codes: np.ndarray, values, index: pd.Index) -> pd.Series:
    """Dictionary-encoded text (-1: empty), its values typed as every other text column."""
    return pd.Series(pd.Categorical.from_codes(codes, pd.Index(values).astype("str")),
                     index=index)


class _Distinct(_Checker):
    """Checks a column's distinct values, keeping each problem as a mask over them."""

    def __init__(self) -> None:
        super().__init__("", 0, [])
        self.found: list[tuple[np.ndarray, str, str, bool]] = []

    def report(self, bad: np.ndarray, column: str, what: str, fix: str,
               values: pd.Series | None = None) -> None:
        if bad.any():
            self.found.append((bad, what, fix, values is not None))


def _heading(col: Column) -> Said:
    """A column as its reader heads it: its name in English, its Chinese header in Chinese."""
    return Said({"en": col.name, "zh": col.zh})


_CHOICE_ZH = {en: zh for zh, en in reversed(CHOICES_ZH.items())}  # the first word for each


def _choices(col: Column) -> Said:
    """A column's allowed values as its reader writes them (either form is read)."""
    return Said({"en": ", ".join(col.choices),
                 "zh": "、".join(_CHOICE_ZH.get(c, c) for c in col.choices)})


def _as_text(raw: pd.Series) -> pd.Series:
    text = raw.astype("string").str.strip()
    return text.mask(text == "")


def _to_number(raw: pd.Series, text: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        return raw.astype("Float64")
    cleaned = text.str.replace(r"[,\s¥￥元]", "", regex=True)
    return pd.to_numeric(cleaned, errors="coerce").astype("Float64")


_DATE_PARTS = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")


def _to_datetime(raw: pd.Series, text: pd.Series, *, month: bool) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(raw):
        value = raw.dt.tz_localize(None) if raw.dt.tz is not None else raw
    else:
        normal = (text.str.replace(r"[年/.]", "-", regex=True)
                  .str.replace("月", "-", regex=False).str.replace("日", "", regex=False)
                  .str.rstrip("-"))
        normal = normal.str.replace(_DATE_PARTS, _pad_date, regex=True)
        value = pd.to_datetime(normal, format="ISO8601", errors="coerce")
    if month:
        value = value.dt.to_period("M").dt.to_timestamp()
    return value.astype("datetime64[ns]")


def _pad_date(match: re.Match) -> str:
    year, mon, day = match.groups()
    return f"{year}-{int(mon):02d}" + (f"-{int(day):02d}" if day else "")


# ---------------------------------------------------------------- the inventory


@dataclass(frozen=True)
class Inventory:
    """Every inventory table as a typed DataFrame (an absent optional table is empty)."""

    apps: pd.DataFrame
    usage_events: pd.DataFrame
    costs: pd.DataFrame
    contracts: pd.DataFrame
    integrations: pd.DataFrame
    processes: pd.DataFrame
    datasets: pd.DataFrame
    incidents: pd.DataFrame
    security_findings: pd.DataFrame
    users: pd.DataFrame
    app_scopes: pd.DataFrame
    survey_responses: pd.DataFrame
    read: frozenset[str] = frozenset(t.name for t in TABLES)  # the others were not asked for

    def __getitem__(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    @staticmethod
    def names() -> list[str]:
        return [f.name for f in fields(Inventory) if f.name != "read"]

    def app_name(self, app_id: str, default: str | None = None) -> str:
        """The app's display name (``apps.name``); ``default`` for an app the table does not
        hold, or KeyError without one."""
        found = self.apps.loc[self.apps["app_id"] == app_id, "name"]
        if found.empty:
            if default is None:
                raise KeyError(app_id)
            return default
        return str(found.iloc[0])


def find_table_file(data_dir: Path, table: Table) -> list[Path]:
    """Files in ``data_dir`` that hold ``table`` (English or Chinese file name)."""
    return [data_dir / f"{stem}{suffix}" for stem in (table.name, table.zh)
            for suffix in SUFFIXES if (data_dir / f"{stem}{suffix}").is_file()]


def empty_table(table: Table) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype=_DTYPES[c.kind]) for c in table.columns})


_DTYPES = {"str": "string", "int": "Int64", "float": "Float64", "date": "datetime64[ns]",
           "month": "datetime64[ns]", "bool": "boolean", "enum": "string"}


def folder_key(value: str) -> str:
    """An id as a case-insensitive, width-insensitive file system sees it."""
    return unicodedata.normalize("NFKC", value).casefold()


def check_table(frame: pd.DataFrame, table: Table, file: str, first_row: int,
                problems: list[Problem]) -> pd.DataFrame:
    """Convert and check one table's own rules (types, ranges, uniqueness)."""
    checker = _Checker(file, first_row, problems)
    frame = frame.reset_index(drop=True)
    out = {}
    for col in table.columns:
        out[col.name] = (checker.convert(frame[col.name], col) if col.name in frame
                         else pd.Series(pd.NA, index=frame.index, dtype=_DTYPES[col.kind]))
        if col.unique:
            values = out[col.name]
            # An id that names a folder is unique as the folder: Windows and macOS file
            # systems take 'JXC' and 'jxc' (or full-width 'ｊｘｃ') as one folder.
            keys = values.map(folder_key, na_action="ignore") if col.rule == "id" else values
            dup = (keys.duplicated(keep="first") & values.notna()).to_numpy()
            first_seen: dict[object, int] = {}
            for pos, k in enumerate(keys):
                first_seen.setdefault(k, pos)
            for pos in np.flatnonzero(dup)[:MAX_PER_KIND]:
                first = first_seen[keys.iloc[pos]]
                same = ("" if values.iloc[pos] == values.iloc[first] else
                        said("table.same_folder", other=repr(values.iloc[first])))
                problems.append(Problem(
                    file, int(pos) + first_row, _heading(col),
                    said("table.duplicate", id=repr(values.iloc[pos]), row=first + first_row,
                         same=same), said("table.own_id")))
    if table.log:  # a log's text is dictionary-encoded whatever file it came from
        for col in table.columns:
            if col.kind in ("str", "enum") and not isinstance(out[col.name].dtype,
                                                                pd.CategoricalDtype):
                codes, values = pd.factorize(out[col.name])
                out[col.name] = _categorical(codes, values, frame.index)
    extra = [c for c in frame.columns if c not in out and c]
    result = pd.DataFrame(out, copy=False)  # the converted columns are new already
    for name in extra:  # unknown columns are kept, as text
        result[name] = _as_text(frame[name])
    return result


def check_references(frames: dict[str, tuple[pd.DataFrame, str, int]],
                     problems: list[Problem]) -> None:
    """Every ``ref`` column's values must exist in the referenced table."""
    for name, (frame, file, first_row) in frames.items():
        for col in TABLES_BY_NAME[name].columns:
            if not col.ref:
                continue
            target_table, target_col = col.ref.split(".")
            if target_table not in frames:
                continue
            known = frames[target_table][0][target_col].dropna().unique()
            values = frame[col.name]
            if isinstance(values.dtype, pd.CategoricalDtype):  # a log: each value once
                unknown = ~values.cat.categories.isin(known)
                if not unknown.any():
                    continue
                codes = values.cat.codes.to_numpy()
                bad = unknown[codes] & (codes >= 0)
            else:
                bad = (values.notna() & ~values.isin(known)).to_numpy()
            _Checker(file, first_row, problems).report(
                bad, _heading(col), said("table.unknown_ref", what=Said({
                    "en": target_table[:-1].replace("_", " "),
                    "zh": TABLES_BY_NAME[target_table].zh})),
                said("table.add_ref", table=Said({"en": target_table,
                                                  "zh": TABLES_BY_NAME[target_table].zh})),
                values)


def validate_inventory(data_dir: Path, tables: Iterable[str] | None = None
                       ) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Read, convert and check every inventory table in ``data_dir`` in one pass: the typed
    tables found and every problem (file, row, column), without raising."""
    data_dir = Path(data_dir)
    wanted = set(tables) if tables is not None else None
    problems: list[Problem] = []
    frames: dict[str, tuple[pd.DataFrame, str, int]] = {}
    for table in TABLES:
        if wanted is not None and table.name not in wanted and table.name != "apps":
            continue
        files = find_table_file(data_dir, table)
        if len(files) > 1:
            problems.append(Problem(
                ", ".join(f.name for f in files), None, None,
                said("table.many_files", n=len(files), table=table.name, zh=table.zh),
                said("table.keep_one_file")))
            continue
        if not files:
            if table.required:
                problems.append(Problem(
                    f"{data_dir.name}/{table.name}.csv", None, None, said("table.missing"),
                    said("table.export_table", table=table.name, zh=table.zh,
                         folder=data_dir)))
            continue
        read = read_raw(files[0], table, problems)
        if read is not None:
            frame, first_row = read
            frames[table.name] = (check_table(frame, table, files[0].name, first_row,
                                              problems), files[0].name, first_row)
    check_references(frames, problems)
    return {name: frame for name, (frame, _, _) in frames.items()}, problems


def load_inventory(data_dir: Path, tables: Iterable[str] | None = None) -> Inventory:
    """Read, convert and validate every inventory table in ``data_dir`` in one pass."""
    frames, problems = validate_inventory(data_dir, tables)
    if problems:
        raise InputError(problems)
    return Inventory(**{t.name: frames[t.name] if t.name in frames else empty_table(t)
                        for t in TABLES},
                     read=frozenset(Inventory.names() if tables is None else {*tables, "apps"}))
