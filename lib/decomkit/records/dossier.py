"""Decommission records: an app's ledger trail and executed notebooks, rendered for managers
and auditors.

Each notebook is scrubbed of secrets (papermill's injected parameters and its metadata, and any
known secret value anywhere), rendered through the nbconvert template in ``templates/record/``
with inputs hidden, and sanitized (no script, no event handler, no ``javascript:`` URL, images
only as embedded data). ``records/<app>/index.html`` is the dossier: a summary, the trail (every
ledger event in local time, with its evidence), then every stage with a table of contents;
``records/<app>/<NN_stage>.html`` a page per stage, ``records/<app>/tables.xlsx`` the trail and
ledger events, ``records/<app>/<app>.pdf`` the printed dossier (``--pdf``). The portfolio page
and the deadlines calendar come from ``portfolio_page``. ``records/manifest.json`` lists the
SHA-256 of every file and the signed ledger checkpoint it was rendered at, signed with the
workspace's Ed25519 key and carrying its public key, so a copied ``records/`` folder verifies
anywhere (``verify_records``; pin the expected key with ``public_keys``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd

from decomkit.context.stage import open_stage
from decomkit.context.workspace import Workspace
from decomkit.core.canonical import canonical_json
from decomkit.core.errors import LedgerIntegrityError, RecordError
from decomkit.core.files import atomic_write_text
from decomkit.core.i18n import t
from decomkit.core.present import Audience, label, local_time, term, value, zone_label
from decomkit.core.resources import render_template, templates_dir
from decomkit.core.said import LANGUAGES, in_language, said
from decomkit.core.sinks import scrub_notebook, write_xlsx
from decomkit.lifecycle.console import StepCard, waiting_steps
from decomkit.proof.checkpoints import MANIFEST_SOURCE, verify_ledger
from decomkit.proof.keys import (
    KeyRing,
    check_document,
    embedded_key,
    endorsed_keyring,
    fingerprint,
    has_keys,
    load_signer,
    said_of,
    sign_document,
)
from decomkit.proof.trust import TrustProfile
from decomkit.records.overview import portfolio_overview
from decomkit.records.pdf import find_browser, print_pdf
from decomkit.records.portfolio_page import render_portfolio, write_deadlines_calendar
from decomkit.views.trail import Summary, TrailEntry, app_summary, app_trail, trail_frame

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MANIFEST = "manifest.json"
MANIFEST_FORMAT = 2  # 2: Ed25519 signature and a ledger checkpoint (1: HMAC, chain head)
ALLOWED_TAGS = {"a", "b", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i", "img",
                "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "thead",
                "tr", "ul", "section", "header", "nav", "dl", "dt", "dd", "small"}


# ------------------------------------------------------------------ secrets








# ------------------------------------------------------------------ rendering


def _static(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Widgets need a live kernel: keep what they would show statically, drop the views."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                data.pop(WIDGET_VIEW)
                data["text/plain"] = "(interactive control — its parameter twin is shown above)"
    return nb


_HEADING = re.compile(r"^(#+)\s*(.*)$")


def heading_for(text: str, language: str) -> str:
    """A notebook heading "Roll back / 恢复启用 (停用指南 FAQ 2)" as its reader reads it:
    the English half or the Chinese half (a number such as "04 ·" kept)."""
    number = re.match(r"^(\d+\s*·\s*)", text)
    lead = number.group(1) if number else ""
    body = text[len(lead):]
    if " / " not in body:
        return text
    en, _, zh = body.partition(" / ")
    return lead + (en if language == "en" else zh).strip()


def for_reader(nb: nbformat.NotebookNode, language: str) -> nbformat.NotebookNode:
    """What a record keeps of a notebook's own text: its headings, in the reader's language.
    The prose is the analyst's instructions (how to run the stage), not what happened; the
    outputs say what happened."""
    for cell in nb.cells:
        if cell.get("cell_type") != "markdown":
            continue
        lines = []
        for line in str(cell.get("source", "")).splitlines():
            found = _HEADING.match(line)
            if found:
                lines.append(f"{found.group(1)} {heading_for(found.group(2), language)}")
        cell["source"] = "\n".join(lines)
    return nb


def sanitize(fragment: str) -> str:
    import nh3

    return nh3.clean(
        fragment, tags=ALLOWED_TAGS,
        attributes={"*": {"class", "id"}, "img": {"src", "alt", "width", "height"},
                    "a": {"href"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}},
        url_schemes={"http", "https", "data"}, link_rel=None, strip_comments=True,
        clean_content_tags={"script", "style"})


def _only_embedded_images(fragment: str) -> str:
    """Nothing in a record loads from anywhere: images may only be embedded PNG/JPEG data
    (never a path or URL of the host), links only lead to a web page, a mail address or a
    place in the record (never a ``data:`` document or a script)."""
    fragment = re.sub(r'<img\b[^>]*\bsrc="(?!data:image/(?:png|jpeg);base64,)[^"]*"[^>]*>',
                      "", fragment)
    fragment = re.sub(r'<img\b(?![^>]*\bsrc=)[^>]*>', "", fragment)
    return re.sub(r'(<a\b[^>]*?)\s*\bhref="(?!https?://|mailto:|#)[^"]*"', r"\1", fragment)


def render_notebook(nb: nbformat.NotebookNode) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="record", extra_template_basedirs=[str(
        templates_dir())], exclude_input=True, exclude_input_prompt=True,
        exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(_static(nb))
    body = re.sub(r'<a class="anchor-link"[^>]*>¶</a>', "", body)
    return _only_embedded_images(sanitize(body))


@dataclass(frozen=True)
class StageRecord:
    notebook: Path
    stage: str  # e.g. 01_assess
    html: str  # sanitized fragment
    header: dict  # app, stage, outcome, operator, started, ended, parameters


def _e(value) -> str:
    return html.escape(str(value))


def stage_record(workspace: Workspace, app_id: str, path: Path) -> StageRecord:
    nb = scrub_notebook(nbformat.read(path, as_version=4))
    meta = nb.metadata.get("papermill", {})
    params = {k: v for k, v in meta.get("parameters", {}).items() if k != "workspace"}
    ended = meta.get("end_time") or dt.datetime.now(dt.UTC).isoformat()
    with workspace.ledger() as ledger:  # the state this stage left the app in
        reached = [e.state for e in ledger.events(app_id)
                   if e.kind == "transition" and e.ts <= ended]
    state = reached[-1] if reached else "-"
    failed = any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    header = {"app": app_id, "stage": path.stem, "outcome": "failed" if failed else state,
              "operator": params.get("analyst") or workspace.config.operator,
              "started": meta.get("start_time", "-"), "ended": meta.get("end_time", "-"),
              "parameters": params}
    return StageRecord(path, path.stem,
                       render_notebook(for_reader(nb, workspace.config.language)), header)


def _header_html(header: dict, title: str, who: Audience) -> str:
    lang = who.language
    # A parameter is named as the analyst typed it; its value as a person reads it.
    params = ", ".join(f"{_e(k)} = {_e(value(v, lang))}"
                       for k, v in header["parameters"].items()) or "—"
    outcome = t("record.failed", lang) if header["outcome"] == "failed" else "—" if header[
        "outcome"] == "-" else term(header["outcome"], lang)
    rows = [(t("record.app", lang), header["app"]), (t("record.stage", lang), header["stage"]),
            (t("record.outcome", lang), outcome),
            (t("record.operator", lang), header["operator"]),
            (t("record.started", lang), local_time(header["started"], who.zone, seconds=True)),
            (t("record.ended", lang), local_time(header["ended"], who.zone, seconds=True))]
    cls = "failed" if header["outcome"] == "failed" else "ok"
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return (f'<header class="record"><h1>{_e(title)}</h1><dl>{items}'
            f'<dt>{_e(t("record.parameters", lang))}</dt><dd><small>{params}</small></dd></dl>'
            f'<p class="{cls}">{_e(outcome)}</p></header>')


def _page(title: str, body: str, language: str, footer: str = "") -> str:
    return render_template("record/page.html.j2", title=_e(title), body=body,
                           language=language, footer=_css_string(footer))


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (for the printed page's footer)."""
    return '"' + "".join(ch if ch.isalnum() or ch in " -—·()_.:/" else f"\\{ord(ch):x} "
                         for ch in text) + '"'


def signing_fingerprint(workspace: Workspace) -> str:
    """The fingerprint of the Ed25519 key that signs the records (its public half)."""
    return fingerprint(load_signer(workspace.root).public)


def _footer(workspace: Workspace, name: str, app_id: str) -> str:
    return f"{name} ({app_id}) · key {signing_fingerprint(workspace)}"


def _audience(workspace: Workspace) -> Audience:
    return Audience(workspace.config.language, workspace.config.timezone)


def summary_html(summary: Summary, who: Audience, waiting: Sequence[StepCard] = ()) -> str:
    """The summary block; an app stopped at a console step says so first, with the step and
    the command that records it (the trail says when it began to wait)."""
    rows = summary.rows(who.language)
    if waiting:
        said = "; ".join(f"{t('state.waiting_console', who.language)} — {c.what}: {c.command}"
                         for c in waiting)
        rows = [(t("summary.state", who.language), said),
                (t("summary.was", who.language), rows[0][1]), *rows[1:]]
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return (f'<section class="summary"><h2>{_e(t("dossier.summary", who.language))}</h2>'
            f"<dl>{items}</dl></section>")


def trail_html(entries: list[TrailEntry], who: Audience) -> str:
    """The trail as a timeline table; overrides and failures highlighted. A checkpoint column
    appears once events carry signed checkpoints or anchors."""
    lang = who.language
    with_checkpoint = any(e.checkpoint for e in entries)
    heads = ["seq", "time", "actor", "what", "details"] + (["checkpoint"] if with_checkpoint
                                                           else [])
    head = "".join(f"<th>{_e(label(h, lang))}</th>" for h in heads)
    rows = []
    for e in entries:
        cls = "override" if e.override else ("failed" if e.failed else "")
        details = "<br>".join(_e(d) for d in e.details)
        if e.override:
            details = f'<strong class="override">{_e(e.override)}</strong>' + (
                "<br>" + details if details else "")
        cells = [str(e.seq), _e(e.time), _e(e.actor), _e(e.what), details]
        if with_checkpoint:
            cells.append(_e(e.checkpoint))
        rows.append(f'<tr class="{cls}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (f'<section class="trail"><h2>{_e(t("dossier.trail", lang))}</h2>'
            f'<p><small>{_e(t("dossier.times", lang, zone=zone_label(who.zone)))}</small></p>'
            f'<table class="trail"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></section>')


def render_app(workspace: Workspace, app_id: str) -> list[Path]:
    """Render ``app_id``'s dossier (summary, trail, then every executed stage notebook), a
    page per stage, and its tables."""
    runs = workspace.app_dir("runs", app_id)
    notebooks = sorted(runs.glob("[0-9][0-9]_*.ipynb")) if runs.is_dir() else []
    who = _audience(workspace)
    entries = app_trail(workspace, app_id, who)
    if not notebooks and not entries:
        raise RecordError(f"nothing is recorded for {app_id} (no ledger event, no executed "
                          f"notebook in {runs}); run its stages first "
                          f"(decomkit batch DIR --stages assess --apps {app_id})").saying(
            said("err.nothing_recorded", app=app_id, runs=runs))
    out = workspace.app_dir("records", app_id)
    name = workspace.inventory([]).app_name(app_id, default=app_id)
    language = workspace.config.language
    stages = [stage_record(workspace, app_id, nb) for nb in notebooks]
    written = []
    for record in stages:
        body = _header_html(record.header, f"{name} — {record.stage}", who) + record.html
        path = out / f"{record.stage}.html"
        atomic_write_text(path, _page(f"{name} — {record.stage}", body, language))
        written.append(path)
    summary = app_summary(workspace, app_id, name, who)
    toc = "".join(f'<li><a href="#{_e(r.stage)}">{_e(r.stage)}</a> — '
                  f'{_e(term(r.header["outcome"], language))}</li>' for r in stages)
    sections = "".join(f'<section class="stage" id="{_e(r.stage)}">'
                       + _header_html(r.header, r.stage, who) + r.html + "</section>"
                       for r in stages)
    stages_part = (f'<h2>{_e(t("dossier.stages", language))}</h2><nav class="toc"><ol>{toc}'
                   f"</ol></nav>{sections}" if stages else
                   f'<p class="empty">{_e(t("dossier.no_stages", language))}</p>')
    dossier = (f"<h1>{_e(name)} ({_e(app_id)})</h1>"
               f"<p>{_e(t('dossier.title', language))}</p>"
               + summary_html(summary, who, waiting_steps(workspace, app_id, who.language))
               + trail_html(entries, who) + stages_part)
    atomic_write_text(out / "index.html", _page(f"{name} — {t('dossier.title', language)}",
                                                dossier, language, footer=_footer(
                                                    workspace, name, app_id)))
    written.append(out / "index.html")
    written.append(write_tables(workspace, app_id, out / "tables.xlsx", entries))
    return written


def write_tables(workspace: Workspace, app_id: str, path: Path,
                 entries: list[TrailEntry] | None = None) -> Path:
    """The key tables of the trail as a workbook: the trail as the dossier shows it, and the
    ledger's events with their data and hashes (times in the workspace's zone)."""
    who = _audience(workspace)
    with workspace.ledger() as ledger:
        events = ledger.events(app_id)
    lang = who.language
    # The ledger's events: the recorded data stays as signed (canonical JSON, the evidence an
    # auditor checks the hashes against); the rest is in the reader's language.
    frame = pd.DataFrame([{"seq": e.seq, "time": local_time(e.ts, who.zone, seconds=True),
                           "event": term(e.kind, lang), "state": term(e.state or "", lang),
                           "actor": e.actor, "recorded_data": canonical_json(e.data)[:30000],
                           "hash": e.hash} for e in events])
    frame = frame.rename(columns={c: label(c, lang) for c in frame.columns})
    trail = trail_frame(entries if entries is not None else app_trail(workspace, app_id, who))
    trail = trail.rename(columns={c: label(c, lang) for c in trail.columns})
    return write_xlsx(path, {t("sheet.trail", lang): trail, t("sheet.ledger", lang): frame})


# ------------------------------------------------------------------ the manifest


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_manifest(workspace: Workspace) -> Path:
    """Sign the list of files with the ledger checkpoint the records were rendered at."""
    signer = load_signer(workspace.root)
    root = workspace.root / "records"
    files = {p.relative_to(root).as_posix(): _digest(p) for p in sorted(root.rglob("*"))
             if p.is_file() and p.name != MANIFEST}
    with workspace.ledger() as ledger:
        checkpoint = ledger.checkpoint()
    body = sign_document({"format": MANIFEST_FORMAT,
                          "created": dt.datetime.now(dt.UTC).isoformat(), "files": files,
                          "checkpoint": checkpoint}, signer)
    path = root / MANIFEST
    atomic_write_text(path, json.dumps(body, ensure_ascii=False, indent=1))
    return path


def print_dossiers(workspace: Workspace, apps: list[str]) -> list[Path]:
    """Each app's dossier printed to ``records/<app>/<app>.pdf`` through Chromium."""
    browser = find_browser()  # before anything is printed: all or none
    root = workspace.root / "records"
    return [print_pdf(root / app / "index.html", root / app / f"{app}.pdf", browser)
            for app in apps]


def recorded_apps(workspace: Workspace) -> list[str]:
    """Apps with a dossier to show: any stage notebook run, or a decision taken (imported
    history included). Apps only scored by the portfolio have none."""
    runs = workspace.root / "runs"
    with_runs = {p.name for p in runs.iterdir() if p.is_dir() and p.name != "_portfolio"
                 and any(p.glob("[0-9][0-9]_*.ipynb"))} if runs.is_dir() else set()
    with workspace.ledger() as ledger:
        decided = {app for app, state in ledger.states().items()
                   if state not in ("new", "assessed")}
    return sorted(with_runs | decided)


def render_records(workspace: Workspace, apps: list[str] | None = None, as_of: str = "",
                   pdf: bool = False) -> Path:
    """Render the records of ``apps`` (every app with a dossier to show when None), the
    portfolio page and the deadlines calendar (as of ``as_of``, default today), and with
    ``pdf`` each dossier printed to PDF; return the portfolio page's path."""
    if pdf:
        find_browser()  # no browser: refuse before anything is rendered
    chosen = apps if apps is not None else recorded_apps(workspace)
    for app_id in chosen:
        render_app(workspace, app_id)
    with open_stage(str(workspace.root), as_of=as_of) as stage:  # closes the platform it asks
        overview = portfolio_overview(stage)
        index = render_portfolio(workspace, as_of, overview, stage)
    write_deadlines_calendar(workspace, overview)
    if pdf:
        print_dossiers(workspace, chosen)
    write_manifest(workspace)  # last: it covers the pages, the calendar and the PDFs
    return index


@dataclass(frozen=True)
class RecordsVerification:
    files: int
    key_id: str
    fingerprint: str
    trust: str  # "profile" (--trust), "pinned" (--public-key), "workspace" (its public keys)
    # or "embedded" (only the key the manifest carries)
    checkpoint: dict | None


def _records_root(path: str | Path) -> Path:
    root = Path(path)
    return root if root.name == "records" or (root / MANIFEST).exists() else root / "records"


def check_records(path: str | Path, public_keys: tuple = (), workspace: Workspace | None = None,
                  trust: TrustProfile | None = None) -> RecordsVerification:
    """Check a records folder, wherever it was copied, against its signed manifest: every
    file's hash, no file missing or added, the signature under the pinned public keys (else the
    workspace's, else only the key the manifest carries). With ``workspace``, its ledger and
    anchors are verified too and must contain the manifest's checkpoint. Raises RecordError
    naming each problem."""
    root = _records_root(path)
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        listed = dict(manifest["files"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RecordError(f"{root / MANIFEST} cannot be read ({type(exc).__name__}); render the "
                          "records again with 'decomkit record DIR'").saying(said(
            "err.manifest_unreadable", path=root / MANIFEST, kind=type(exc).__name__)) from None
    problems = []
    signer = embedded_key(manifest)
    if trust is not None:
        ring, how = trust.keyring(workspace.root if workspace else root.parent), "profile"
    elif public_keys:
        ring, how = KeyRing.of(*public_keys), "pinned"
    elif workspace is not None or has_keys(root.parent):
        ring, unendorsed = endorsed_keyring(workspace.root if workspace else root.parent)
        how = "workspace"
        problems += unendorsed
    else:
        ring, how = KeyRing({signer.key_id: signer} if signer else {}), "embedded"
    if "hmac" in manifest:  # format 1: an HMAC under a key anyone with the workspace had
        problems.append(said("record.manifest_hmac", name=MANIFEST))
    elif why := check_document(manifest, ring, at=str(manifest.get("created", ""))):
        problems.append(said("record.file_problem", name=MANIFEST, why=why))
    checkpoint = manifest.get("checkpoint")
    if isinstance(checkpoint, dict) and (why := check_document(
            checkpoint, ring, at=str(checkpoint.get("time", "")))):
        problems.append(said("record.manifest_checkpoint", name=MANIFEST, why=why))
    present = {p.relative_to(root).as_posix() for p in root.rglob("*")
               if p.is_file() and not p.is_symlink() and p.name != MANIFEST}
    # A link is never part of a record: a linked folder's files are not even walked, so
    # whatever it holds would show beside the record unchecked.
    problems += [said("record.symlink", name=p.relative_to(root).as_posix())
                 for p in sorted(root.rglob("*")) if p.is_symlink()]
    for name, digest in listed.items():
        if name not in present:
            problems.append(said("record.file_missing", name=name))
        elif _digest(root / name) != digest:
            problems.append(said("record.file_changed", name=name))
    problems += [said("record.file_added", name=name) for name in sorted(present - set(listed))]
    if workspace is not None and not problems:
        extra = (((MANIFEST_SOURCE, checkpoint),) if isinstance(checkpoint, dict) else ())
        try:
            verify_ledger(workspace, public_keys=public_keys, extra_checkpoints=extra,
                          trust=trust)
        except LedgerIntegrityError as exc:
            problems.append(said("record.against_ledger", why=said_of(exc)))
    if problems:
        raise RecordError(f"{root} does not verify:\n  - " + "\n  - ".join(problems)).saying({
            lang: t("record.not_verified", lang, root=root) + "\n  - " + "\n  - ".join(
                in_language(p, lang) for p in problems) for lang in LANGUAGES})
    return RecordsVerification(len(present), signer.key_id if signer else "",
                               signer.fingerprint if signer else "", how,
                               checkpoint if isinstance(checkpoint, dict) else None)


def verify_records(path: str | Path, public_keys: tuple = (),
                   workspace: Workspace | None = None) -> int:
    """``check_records``; returns the number of files checked."""
    return check_records(path, public_keys, workspace).files
