"""Every file the kit writes goes through here: secrets masked, spreadsheet formulas disarmed.

A *sink* is anything that outlives the process — the ledger, the platform's state, a CSV or XLSX
for people to open, a JSON summary, a rendered notebook, a line on the terminal. Two rules hold at
every one of them:

* **No secret.** Values of the secret environment variables (``config.SECRET_ENV``) and text that
  looks like a credential (``sk-…``, ``AKIA…``, a JWT, a long random token) are replaced by
  ``MASK``; a value under a secret-looking key (``app_secret``, ``token`` …) is masked whatever it
  is. Hashes (hexadecimal) are left alone: the ledger's chain needs them; so are long ids in the
  kit's own state (``tokens=False``), which must read back as written.
* **No live formula.** A text cell that starts with ``= + - @``, a tab or a carriage return is
  prefixed with ``'`` so Excel, WPS and LibreOffice show it as text (OWASP's CSV injection
  advice). Numbers stay numbers, and text that is a plain number (``-12.50``) is left as it is.
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from decomkit.core.config import SECRET_ENV, looks_secret
from decomkit.core.files import atomic_write_bytes, atomic_write_text

if TYPE_CHECKING:
    import nbformat

MASK = "••••••"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*)?\.?\d+(?:[eE][+-]?\d+)?%?")
_CREDENTIAL = re.compile("|".join((
    r"\b(?:sk|pk|rk)[-_](?=[A-Za-z_\-]*\d)[A-Za-z0-9_\-]{12,}",
    r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    r"\bgh[pousr]_[A-Za-z0-9]{20,}",
    r"\bgithub_pat_[A-Za-z0-9_]{20,}",
    r"\bxox[abprs]-[A-Za-z0-9-]{10,}",
    r"\bAIza[0-9A-Za-z_\-]{30,}",
    r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
    # A value named as a secret in the text itself ("password=…", "app_secret: …", "密码：…"):
    # no pattern of its own, the name before it gives it away.
    r"(?i:\b(?:password|passwd|pwd|passphrase|secret|api[_-]?key|app[_-]?secret|access[_-]?token|token)"
    r"|密码|口令|密钥)\s*[:=：]\s*[^\s,;'\"]{4,}",
)))
# A long random token: 32+ letters/digits mixing upper case, lower case and digits. Hashes are
# hexadecimal (one case), ids and timestamps are short or punctuated, so they do not match.
_TOKEN = re.compile(r"(?<![A-Za-z0-9_\-+/=])[A-Za-z0-9_\-]{32,}(?![A-Za-z0-9_\-+/=])")


def _random_looking(token: str) -> bool:
    return (any(c.isupper() for c in token) and any(c.islower() for c in token)
            and any(c.isdigit() for c in token))


_ISSUED: set[str] = set()  # secrets a server issued to this process (access tokens)
_ISSUED_LOCK = threading.Lock()


def register_secret(value: str) -> None:
    """A secret the process was given at run time (a platform's access token): masked from now
    on wherever the kit writes or prints, like the environment's."""
    if isinstance(value, str) and len(value) >= 8:
        with _ISSUED_LOCK:
            _ISSUED.add(value)


def known_secrets() -> list[str]:
    """Secret values present in the environment (the ones the kit or a notebook could see),
    and those a server issued to this process."""
    values = [os.environ.get(v, "") for v in SECRET_ENV.values()]
    with _ISSUED_LOCK:
        issued = list(_ISSUED)
    return sorted({v for v in [*values, *issued] if len(v) >= 4}, key=len, reverse=True)


def looks_like_credential(text: str) -> bool:
    """Whether ``text`` holds something that looks like a credential or a known secret."""
    return scrub(text) != text


def scrub(text: str, extra: tuple[str, ...] | list[str] = (), *, tokens: bool = True) -> str:
    """``text`` with every known secret value and credential-looking token masked.

    ``tokens=False`` leaves long random-looking tokens alone and masks only known values and
    credentials with a recognisable form: for the kit's own state (ledger, platform), whose ids
    (a DingTalk instance id, an idempotency key) must read back exactly as written. Values a
    person types reach that state only past the input checks, which use the full rule."""
    if not isinstance(text, str) or not text:
        return text
    for value in sorted({*known_secrets(), *(e for e in extra if e and len(e) >= 4)},
                        key=len, reverse=True):
        text = text.replace(value, MASK)
    text = _CREDENTIAL.sub(MASK, text)
    if not tokens:
        return text
    return _TOKEN.sub(lambda m: MASK if _random_looking(m.group()) else m.group(), text)


def scrub_value(value: Any, extra: tuple[str, ...] | list[str] = (), key: str = "", *,
                tokens: bool = True) -> Any:
    """``value`` (str, dict, list …) with secrets masked; a secret-named key's value is masked
    whatever it holds."""
    if key and looks_secret(key) and value not in (None, "", False):
        return MASK
    if isinstance(value, str):
        return scrub(value, extra, tokens=tokens)
    if isinstance(value, Mapping):
        return {scrub(k, extra, tokens=tokens) if isinstance(k, str) else k:
                scrub_value(v, extra, str(k), tokens=tokens) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub_value(v, extra, tokens=tokens) for v in value)
    return value


# ------------------------------------------------------------------ spreadsheet cells


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not (
            _PLAIN_NUMBER.fullmatch(value)):
        return "'" + value
    return value


def safe_cell(value: Any) -> Any:
    """What may go into a cell of a file the kit writes: secrets masked, formulas disarmed."""
    return neutralise(scrub(value)) if isinstance(value, str) else value


def scrub_frame(frame: pd.DataFrame, *, tokens: bool = False) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and headers) have secrets masked: known secret
    values (a cell equal to one, too) and credential-looking text. ``tokens=False`` (the
    default) keeps long ids whole: the inventory's own tables must read back as written."""
    out = frame.copy()
    out.columns = [scrub(c, tokens=tokens) if isinstance(c, str) else c for c in out.columns]
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            out.isetitem(position, column.map(
                lambda v: scrub(v, tokens=tokens) if isinstance(v, str) else v,
                na_action="ignore"))
    return out


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and headers) are safe; numbers are untouched."""
    out = frame.copy()
    out.columns = [safe_cell(c) for c in out.columns]
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            out.isetitem(position, column.map(safe_cell, na_action="ignore"))
    return out


# ------------------------------------------------------------------ the writers


def write_csv(path: Path, frame: pd.DataFrame, encoding: str = "utf-8-sig", **to_csv) -> Path:
    """``frame`` as CSV (UTF-8 with BOM by default, so Excel shows Chinese), made safe."""
    text = safe_frame(frame).to_csv(index=False, **to_csv)
    atomic_write_bytes(path, text.encode(encoding))
    return path


def write_csv_rows(path: Path, rows: list[list], encoding: str = "utf-8-sig") -> Path:
    """Rows of cells (header first) as CSV, made safe."""
    import csv

    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [safe_cell(c) for c in row] for row in rows)
    atomic_write_bytes(path, buffer.getvalue().encode(encoding))
    return path


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """A workbook with one sheet per frame, made safe: every text cell is stored as text."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            safe_frame(frame).to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()


def write_xlsx(path: Path, sheets: Mapping[str, pd.DataFrame]) -> Path:
    atomic_write_bytes(path, xlsx_bytes(sheets))
    return path


def state_json(value: Any) -> str:
    """The kit's own state (the platform's JSON) as text, secrets masked, ids kept whole."""
    return json.dumps(scrub_value(value, tokens=False), ensure_ascii=False, indent=1)


def write_json(path: Path, value: Any, extra: tuple[str, ...] | list[str] = ()) -> Path:
    """``value`` as indented UTF-8 JSON, with secrets masked."""
    atomic_write_text(path, json.dumps(scrub_value(value, extra), ensure_ascii=False, indent=1,
                                       default=str))
    return path


def scrub_notebook(nb: nbformat.NotebookNode, extra: Sequence[str] = ()) -> nbformat.NotebookNode:
    """Mask secret-looking parameters, every known secret value and every credential-looking
    token anywhere in ``nb`` (outputs, tracebacks, metadata); embedded images are left whole."""
    params = nb.metadata.get("papermill", {}).get("parameters", {})
    secrets_seen = [str(v) for k, v in params.items() if looks_secret(k) and v]
    for name in [k for k in params if looks_secret(k)]:
        params[name] = MASK
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = "\n".join(
                re.sub(r"=.*", f'= "{MASK}"', line) if looks_secret(line.split("=")[0])
                else line for line in cell.source.splitlines())
    scrubbed = _scrub_tree(json.loads(json.dumps(nb)), [*secrets_seen, *extra])
    return quick_nbformat().from_dict(scrubbed)


def _scrub_tree(value, extra: list[str], key: str = ""):
    if key.startswith("image/"):
        return value  # base64 data: no text to leak, and a token pattern would break it
    if isinstance(value, dict):
        return {k: _scrub_tree(v, extra, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_tree(v, extra) for v in value]
    return scrub(value, extra) if isinstance(value, str) else value


def scrub_file(path: Path, extra: Sequence[str] = ()) -> None:
    nbformat = quick_nbformat()
    nb = nbformat.read(path, as_version=4)
    atomic_write_text(path, nbformat.writes(scrub_notebook(nb, extra)))


def quick_nbformat() -> Any:
    """nbformat, imported only where a notebook is read or written and without 3 s of start-up
    nobody uses: nbformat imports jsonschema, whose optional IRI format checker (rfc3987-syntax)
    compiles a grammar at import, and nbformat's schema never asks for that format. Every kernel
    that opens a workspace (the dashboard's first among them) imports this module."""
    import sys

    # None in sys.modules makes the import fail as if absent (typeshed allows only modules).
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    import nbformat

    return nbformat
