"""Tables and times as people read them: no index column, blanks for missing values, headers in
the workspace's language (from ``i18n.COLUMNS``, the one table of labels), money as ``¥12,345``,
shares as percentages, dates and times in the workspace's time zone; an empty table is one
sentence. The ledger keeps UTC; only what people read is converted.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd

from decomkit.core.i18n import COLUMNS, TEXT, Language, t
from decomkit.core.i18n import operation as operation  # said there: errors use it too

# An ISO time with an offset, as the ledger and papermill write them.
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")


@dataclass(frozen=True)
class Audience:
    """Who reads: their language and time zone."""

    language: Language = "zh"
    timezone: str = "Asia/Shanghai"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


_current = [Audience()]


def use(language: Language, timezone: str) -> Audience:
    """Set the audience of tables shown in this kernel (``open_stage`` does, from the
    workspace's settings and the notebook's language)."""
    _current[0] = Audience(language, timezone)
    return _current[0]


def audience() -> Audience:
    return _current[0]


# ------------------------------------------------------------------ single values


def to_local(value, zone: ZoneInfo | str) -> dt.datetime | None:
    """An ISO string or datetime, as a time in ``zone``; naive values are taken as UTC (the
    ledger's and papermill's times always carry an offset)."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Epoch seconds (the sandbox) or milliseconds (DingTalk's approval records).
        value = dt.datetime.fromtimestamp(value / 1000 if value > 1e11 else value, dt.UTC)
    if isinstance(value, str):
        if not value.strip() or value.strip() == "-":
            return None
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(zone)


def local_time(value, zone: ZoneInfo | str, seconds: bool = False) -> str:
    """``2026-11-24 07:30`` in ``zone`` (blank for nothing)."""
    local = to_local(value, zone)
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") if local else ""


def local_date(value, zone: ZoneInfo | str) -> str:
    local = to_local(value, zone)
    return local.date().isoformat() if local else ""


_WEEKDAYS = {"zh": ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
             "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                    "Sunday")}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def spoken_date(value: dt.date | str, language: Language) -> str:
    """A day as a reader of ``language`` reads it in a sentence: ``2026年12月11日(星期五)``,
    ``Friday 11 December 2026``. A notice names its day this way, never as an ISO string."""
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    if isinstance(day, dt.datetime):
        day = day.date()
    weekday = _WEEKDAYS[language][day.weekday()]
    if language == "zh":
        return f"{day.year}年{day.month}月{day.day}日({weekday})"
    return f"{weekday} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def zone_label(zone: ZoneInfo | str, when: dt.datetime | None = None) -> str:
    """``Asia/Shanghai, UTC+08:00``: said once near the times, not on every one."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    offset = (when or dt.datetime.now(dt.UTC)).astimezone(zone).strftime("%z")
    return f"{zone.key}, UTC{offset[:3]}:{offset[3:]}"


def money(value, decimals: int = 0) -> str:
    """``¥12,345`` (``-¥5,272`` for a cost); blank for nothing."""
    if _missing(value):
        return ""
    number = float(value)
    sign = "-" if number < 0 else ""
    return f"{sign}¥{abs(number):,.{decimals}f}"


def percent(value) -> str:
    return "" if _missing(value) else f"{float(value):.0%}"


def _missing(value) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in ("", "nan", "NaN", "<NA>", "None")


# ------------------------------------------------------------------ tables


def label(column: str, language: Language) -> str:
    """The column's header in ``language`` (the id itself when it has no label)."""
    entry = COLUMNS.get(str(column))
    return entry[0 if language == "en" else 1] if entry else str(column)


def _kind(column: str, series: pd.Series) -> str:
    entry = COLUMNS.get(str(column))
    if entry:
        return entry[2]
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_integer_dtype(series):
        return "count"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "text"


def _cell(value, kind: str, audience: Audience) -> str:
    if isinstance(value, list | tuple | dict):
        if not value:
            return ""
        value = ", ".join(map(str, value)) if not isinstance(value, dict) else json.dumps(
            value, ensure_ascii=False, default=str)
    if _missing(value):
        return ""
    if kind == "money":
        return money(value)
    if kind == "money2":
        return money(value, 2)
    if kind == "percent":
        return percent(value)
    if kind == "bool":
        return t("yes" if bool(value) else "no", audience.language)
    if kind == "count":
        return f"{int(value):,}" if isinstance(value, int | float) else str(value)
    if kind == "people":  # a person is whole; an average says so in its label
        return f"{round(float(value)):,}" if isinstance(value, int | float) else str(value)
    if kind == "number":
        return f"{float(value):,.2f}".rstrip("0").rstrip(".") if isinstance(
            value, int | float) else str(value)
    if kind == "term":
        return term(str(value), audience.language)
    if kind in TERM_KINDS:
        return term(kind, str(value), audience.language)
    if kind in ("datetime", "date", "time"):
        return _when(value, kind, audience)
    text = str(value)
    if _ISO_TIME.match(text):  # a stray UTC time in a text column is still shown local
        return local_time(text, audience.zone)
    return text


_TERM_GROUPS = ("decision", "quadrant", "state", "contract.exit", "phase", "risk", "flag",
                "deadline", "tick", "tick.result")


# The kinds of enumerated values ``term(kind, value, language)`` knows, each a group of keys
# ``<kind>.<value>`` in ``i18n.TEXT``.
TERM_KINDS = ("severity", "direction", "frequency", "outcome", "status", "state", "decision",
              "quadrant", "risk", "phase", "flag", "deadline", "contract.exit", "step",
              "criticality", "app_kind")


def term(kind_or_value: str, value_or_language: str, language: Language | None = None) -> str:
    """An enumerated value as its reader reads it, through the label table: ``term("severity",
    "critical", "zh")`` → ``严重``. Called with two arguments (``term(value, language)``) the
    kind is looked up among the kit's words (decisions, quadrants, states, exit options…).
    An unknown value is returned as given (a name, an id)."""
    if language is None:
        value, lang = kind_or_value, value_or_language
        for group in _TERM_GROUPS:
            if f"{group}.{value}" in TEXT:
                return t(f"{group}.{value}", lang)  # type: ignore[arg-type]
        return value
    kind, value = kind_or_value, str(value_or_language)
    key = f"{kind}.{value}"
    if key in TEXT:
        return t(key, language)
    lowered = f"{kind}.{value.strip().lower()}"
    return t(lowered, language) if lowered in TEXT else value


def form_label(key: str, language: Language) -> str:
    """A bilingual form field ("停用原因 / Reason") as its reader reads it."""
    zh, _, en = key.partition(" / ")
    return (en or zh) if language == "en" else zh


def value(v, language: Language) -> str:
    """One value in a sentence: nothing (None, NaN, NaT, a blank) is "—"; a yes/no is 是/否 or
    yes/no; a date is ISO; anything else its text. Never a Python literal."""
    if isinstance(v, bool):
        return t("yes" if v else "no", language)
    if _missing(v):
        return "—"
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d") if v == v.normalize() else v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return f"{int(v):,}" if v.is_integer() else f"{v:,.2f}".rstrip("0").rstrip(".")
    if isinstance(v, list | tuple | set):
        return (", " if language == "en" else "、").join(value(x, language) for x in v) or "—"
    return str(v)


_STOPS = ("。", ".", "!", "?", "!", "?", ";", ";", ":", ":")


def sentences(parts, language: Language) -> str:
    """Sentences joined as the reader writes them: each ends with 。 (zh) or . (en) once, blank
    parts dropped; never "。;" or "..". """
    stop = "。" if language == "zh" else "."
    out = []
    for part in parts:
        text = str(part).strip() if part is not None else ""
        text = text.rstrip(";;,, ")  # noqa: B005 (each of these characters)
        if not text.strip("。.!?!?::"):  # noqa: B005 (nothing but stops)
            continue
        if not text.endswith(_STOPS):
            text += stop
        elif text[-1] in ";;::":
            text = text[:-1] + stop
        out.append(text)
    return ("" if language == "zh" else " ").join(out)


def without_index(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a named index made a column and an unnamed one (0, 1, 2… or the rows
    kept by a filter: 22, 23, 24) dropped; a column ``index`` or ``level_0`` left by an
    earlier ``reset_index`` goes too."""
    if any(frame.index.names):
        frame = frame.reset_index()
    stray = [c for c in frame.columns if str(c) in ("index", "level_0") or str(c).startswith(
        "Unnamed: ")]
    return frame.drop(columns=stray).reset_index(drop=True)


def sheet_frame(frame: pd.DataFrame, language: Language) -> pd.DataFrame:
    """A table for a spreadsheet: no index, headers from ``i18n.COLUMNS`` in ``language``,
    enumerated values through the label table, no Python literal; numbers stay numbers (a
    missing one is a blank cell) so the sheet still sorts and sums."""
    frame = without_index(frame)
    who = Audience(language, audience().timezone)
    out: dict[str, list] = {}
    for column in frame.columns:
        series, kind = frame[column], _kind(column, frame[column])
        header = label(column, language)
        if header in out:
            header = f"{header} ({column})"
        if kind in _NUMERIC and pd.api.types.is_numeric_dtype(series) \
                and not pd.api.types.is_bool_dtype(series):
            out[header] = pd.Series([None if _missing(v) else v for v in series.tolist()],
                                    dtype=object)
        else:
            out[header] = [_cell(v, kind, who) for v in series.tolist()]
    return pd.DataFrame(out, columns=list(out))


def _when(value, kind: str, audience: Audience) -> str:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str) and not _ISO_TIME.match(value):
        return value  # already a day ("2026-11-23") or a month ("2026-11")
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        # Inventory dates are the organisation's own (local) days: shown as written.
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() or kind == "date" \
            else stamp.strftime("%Y-%m-%d %H:%M")
    return local_date(stamp, audience.zone) if kind == "date" else local_time(stamp,
                                                                              audience.zone)


def human_frame(frame: pd.DataFrame, who: Audience | None = None) -> pd.DataFrame:
    """``frame`` as text cells people read, with headers in their language. A named index
    (app ids, severities) becomes a column; a plain 0, 1, 2… index is dropped."""
    who = who or audience()
    frame = without_index(frame)
    out = {}
    for column in frame.columns:
        series = frame[column]
        kind = _kind(column, series)
        header = label(column, who.language)
        if header in out:  # two ids with one label: keep both, told apart by the id
            header = f"{header} ({column})"
        out[header] = [_cell(v, kind, who) for v in series.tolist()]
    return pd.DataFrame(out, columns=list(out))


_NUMERIC = ("money", "money2", "percent", "count", "people", "number")


def table_html(frame: pd.DataFrame | None, who: Audience | None = None, empty: str = "rows",
               max_rows: int = 60, links: dict[str, str] | None = None,
               row_classes: list[str] | None = None) -> str:
    """A table without an index column, or one sentence when there is nothing to show
    (``empty`` names what is missing: a key ``empty.<name>`` of ``i18n.TEXT``). Numbers are
    right-aligned; ``links`` (app id → URL) turns the name column into links."""
    who = who or audience()
    if frame is None or len(frame) == 0:
        return f'<p class="empty">{html.escape(empty_sentence(empty, who.language))}</p>'
    total, frame = len(frame), without_index(frame.head(max_rows))
    shown = human_frame(frame, who)
    numeric = [_kind(c, frame[c]) in _NUMERIC for c in frame.columns]
    head = "".join(f'<th{" class=num" if n else ""}>{html.escape(str(c))}</th>'
                   for c, n in zip(shown.columns, numeric, strict=True))
    rows = []
    for i, values in enumerate(shown.itertuples(index=False)):
        cells = []
        for column, value, is_number in zip(frame.columns, values, numeric, strict=True):
            text = html.escape(str(value))
            href = (links or {}).get(str(frame["app_id"].iloc[i])) if (
                column == "name" and "app_id" in frame.columns) else None
            if href:
                text = f'<a href="{html.escape(href)}">{text}</a>'
            cells.append(f'<td class="num">{text}</td>' if is_number else f"<td>{text}</td>")
        cls = row_classes[i] if row_classes and i < len(row_classes) else ""
        rows.append((f'<tr class="{html.escape(cls)}">' if cls else "<tr>")
                    + "".join(cells) + "</tr>")
    more = t("table.more", who.language, shown=max_rows, total=total)
    more = f'<p class="more">{html.escape(more)}</p>' if total > max_rows else ""
    return (f'<table class="human"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>{more}')


def table_text(frame: pd.DataFrame, who: Audience | None = None, empty: str = "rows") -> str:
    who = who or audience()
    if frame is None or len(frame) == 0:
        return empty_sentence(empty, who.language)
    return human_frame(frame, who).to_string(index=False)


def empty_sentence(what: str, language: Language) -> str:
    key = f"empty.{what}"
    return t(key if key in TEXT else "empty.rows", language)
