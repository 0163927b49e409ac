"""Decommission records: the executed notebooks of an app, rendered for managers and auditors.

Each notebook is scrubbed of secrets (papermill's injected parameters and its metadata, and any
known secret value anywhere), rendered through the nbconvert template in ``templates/record/``
with inputs hidden, and sanitized (no script, no event handler, no ``javascript:`` URL, images
only as embedded data). ``records/<app>/index.html`` is the dossier (every stage, with a table of
contents), ``records/<app>/<NN_stage>.html`` a page per stage, ``records/<app>/tables.xlsx`` the
key tables, ``records/index.html`` the portfolio. ``records/manifest.json`` lists the SHA-256 of
every file and the signed ledger checkpoint it was rendered at, signed with the workspace's
Ed25519 key and carrying its public key, so a copied ``records/`` folder verifies anywhere
(``verify_records``; pin the expected key with ``public_keys``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd

from decomkit.config import looks_secret
from decomkit.errors import DecomkitError
from decomkit.files import atomic_write_text
from decomkit.ledger import canonical_json
from decomkit.resources import render_template, templates_dir
from decomkit.sinks import MASK, scrub, write_xlsx
from decomkit.workspace import Workspace

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MANIFEST = "manifest.json"
MANIFEST_FORMAT = 2  # 2: Ed25519 signature and a ledger checkpoint (1: HMAC, chain head)
ALLOWED_TAGS = {"a", "b", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i", "img",
                "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "thead",
                "tr", "ul", "section", "header", "nav", "dl", "dt", "dd", "small"}


class RecordError(DecomkitError):
    """A record could not be rendered, or does not verify."""


# ------------------------------------------------------------------ secrets


def scrub_notebook(nb: nbformat.NotebookNode, extra: list[str] = ()) -> nbformat.NotebookNode:
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
    return nbformat.from_dict(_scrub_tree(json.loads(json.dumps(nb)), [*secrets_seen, *extra]))


def _scrub_tree(value, extra: list[str], key: str = ""):
    if key.startswith("image/"):
        return value  # base64 data: no text to leak, and a token pattern would break it
    if isinstance(value, dict):
        return {k: _scrub_tree(v, extra, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_tree(v, extra) for v in value]
    return scrub(value, extra) if isinstance(value, str) else value


def scrub_file(path: Path, extra: list[str] = ()) -> None:
    nb = nbformat.read(path, as_version=4)
    atomic_write_text(path, nbformat.writes(scrub_notebook(nb, extra)))


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


def sanitize(fragment: str) -> str:
    import nh3

    return nh3.clean(
        fragment, tags=ALLOWED_TAGS,
        attributes={"*": {"class", "id"}, "img": {"src", "alt", "width", "height"},
                    "a": {"href"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}},
        url_schemes={"http", "https", "data"}, link_rel=None, strip_comments=True,
        clean_content_tags={"script", "style"})


def _only_embedded_images(fragment: str) -> str:
    """Images may only be embedded PNG/JPEG data: never a path or URL of the host."""
    return re.sub(r'<img\b[^>]*\bsrc="(?!data:image/(?:png|jpeg);base64,)[^"]*"[^>]*>',
                  "", fragment)


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
    return StageRecord(path, path.stem, render_notebook(nb), header)


def _header_html(header: dict, title: str) -> str:
    params = ", ".join(f"{_e(k)} = {_e(v)}" for k, v in header["parameters"].items()) or "-"
    rows = [("app / 应用", header["app"]), ("stage / 阶段", header["stage"]),
            ("outcome / 结果", header["outcome"]), ("operator / 操作人", header["operator"]),
            ("started / 开始", header["started"]), ("ended / 结束", header["ended"])]
    cls = "failed" if header["outcome"] == "failed" else "ok"
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return (f'<header class="record"><h1>{_e(title)}</h1><dl>{items}'
            f'<dt>parameters / 参数</dt><dd><small>{params}</small></dd></dl>'
            f'<p class="{cls}">{_e(header["outcome"])}</p></header>')


def _page(title: str, body: str, language: str) -> str:
    return render_template("record/page.html.j2", title=_e(title), body=body,
                           language=language)


def _app_name(workspace: Workspace, app_id: str) -> str:
    apps = workspace.inventory([]).apps.set_index("app_id")
    return apps.loc[app_id, "name"] if app_id in apps.index else app_id


def render_app(workspace: Workspace, app_id: str) -> list[Path]:
    """Render every executed notebook of ``app_id``: stage pages, dossier, tables."""
    runs = workspace.app_dir("runs", app_id)
    notebooks = sorted(runs.glob("[0-9][0-9]_*.ipynb")) if runs.is_dir() else []
    if not notebooks:
        raise RecordError(f"no executed notebooks in {runs}; run the stages first "
                          "(decomkit run DIR --apps ID)")
    out = workspace.app_dir("records", app_id)
    name = _app_name(workspace, app_id)
    language = workspace.config.language
    stages = [stage_record(workspace, app_id, nb) for nb in notebooks]
    written = []
    for record in stages:
        body = _header_html(record.header, f"{name} — {record.stage}") + record.html
        path = out / f"{record.stage}.html"
        atomic_write_text(path, _page(f"{name} — {record.stage}", body, language))
        written.append(path)
    toc = "".join(f'<li><a href="#{_e(r.stage)}">{_e(r.stage)}</a> — {_e(r.header["outcome"])}'
                  "</li>" for r in stages)
    sections = "".join(f'<section class="stage" id="{_e(r.stage)}">'
                       + _header_html(r.header, r.stage) + r.html + "</section>" for r in stages)
    dossier = (f"<h1>{_e(name)} ({_e(app_id)})</h1><p>decommission record / 停用记录</p>"
               f'<nav class="toc"><ol>{toc}</ol></nav>{sections}')
    atomic_write_text(out / "index.html", _page(f"{name} — decommission record", dossier,
                                                language))
    written.append(out / "index.html")
    written.append(write_tables(workspace, app_id, out / "tables.xlsx"))
    return written


def write_tables(workspace: Workspace, app_id: str, path: Path) -> Path:
    """The key tables of the trail as a workbook: ledger events, decisions, actions."""
    with workspace.ledger() as ledger:
        events = ledger.events(app_id)
    frame = pd.DataFrame([{"seq": e.seq, "time": e.ts, "kind": e.kind, "state": e.state,
                           "actor": e.actor, "data": canonical_json(e.data)[:30000],
                           "hash": e.hash} for e in events])
    return write_xlsx(path, {"ledger": frame})


def render_portfolio(workspace: Workspace, as_of: str = "") -> Path:
    """``records/index.html``: every app's state and decision, with links to dossiers."""
    from decomkit.review import portfolio_savings
    from decomkit.stage import open_stage
    from decomkit.workspace import status_table

    table = status_table(workspace)
    savings = portfolio_savings(open_stage(str(workspace.root), as_of=as_of)).set_index("app_id")
    rows = []
    for r in table.itertuples():
        realized = (f"¥{savings.loc[r.app_id, 'realized']:,.2f}"
                    if r.app_id in savings.index and not savings.loc[r.app_id, "too_early"]
                    else "")
        has_record = (workspace.root / "records" / r.app_id / "index.html").exists()
        link = (f'<a href="{_e(r.app_id)}/index.html">{_e(r.name)}</a>' if has_record
                else _e(r.name))
        decision = r.decision if isinstance(r.decision, str) else ""
        rows.append(f"<tr><td>{_e(r.app_id)}</td><td>{link}</td><td>{_e(r.state)}</td>"
                    f"<td>{_e(decision)}</td><td>{_e(realized)}</td></tr>")
    total = savings.loc[~savings["too_early"], "realized"].sum() if len(savings) else 0.0
    body = ("<h1>decomkit — portfolio / 应用组合</h1>"
            f"<p>{_e(dt.datetime.now(dt.UTC).isoformat(timespec='seconds'))} — realized savings "
            f"so far / 已实现节省: ¥{total:,.2f}</p>"
            "<table><thead><tr><th>app_id</th><th>name</th><th>state</th><th>decision</th>"
            f"<th>realized savings</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    path = workspace.root / "records" / "index.html"
    atomic_write_text(path, _page("decomkit portfolio", body, workspace.config.language))
    return path


# ------------------------------------------------------------------ the manifest


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_manifest(workspace: Workspace) -> Path:
    """Sign the list of files with the ledger checkpoint the records were rendered at."""
    from decomkit.keys import load_signer, sign_document

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


def render_records(workspace: Workspace, apps: list[str] | None = None, as_of: str = "") -> Path:
    """Render the records of ``apps`` (all apps with runs when None) and the portfolio page
    (savings as of ``as_of``, default today); return the portfolio page's path."""
    runs = workspace.root / "runs"
    chosen = apps if apps is not None else sorted(
        p.name for p in runs.iterdir() if p.is_dir() and p.name != "_portfolio")
    for app_id in chosen:
        render_app(workspace, app_id)
    index = render_portfolio(workspace, as_of)
    write_manifest(workspace)
    return index


@dataclass(frozen=True)
class RecordsVerification:
    files: int
    key_id: str
    fingerprint: str
    trust: str  # "pinned" (--public-key), "workspace" (its public keys) or "embedded" (only)
    checkpoint: dict | None


def _records_root(path: str | Path) -> Path:
    root = Path(path)
    return root if root.name == "records" or (root / MANIFEST).exists() else root / "records"


def check_records(path: str | Path, public_keys: tuple = (), workspace: Workspace | None = None
                  ) -> RecordsVerification:
    """Check a records folder, wherever it was copied, against its signed manifest: every
    file's hash, no file missing or added, the signature under the pinned public keys (else the
    workspace's, else only the key the manifest carries). With ``workspace``, its ledger and
    anchors are verified too and must contain the manifest's checkpoint. Raises RecordError
    naming each problem."""
    from decomkit.keys import KeyRing, check_document, embedded_key, has_keys, load_keyring

    root = _records_root(path)
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        listed = dict(manifest["files"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RecordError(f"{root / MANIFEST} cannot be read ({type(exc).__name__}); render the "
                          "records again with 'decomkit record DIR'") from None
    problems = []
    signer = embedded_key(manifest)
    if public_keys:
        ring, trust = KeyRing.of(*public_keys), "pinned"
    elif workspace is not None or has_keys(root.parent):
        ring, trust = load_keyring(workspace.root if workspace else root.parent), "workspace"
    else:
        ring, trust = KeyRing({signer.key_id: signer} if signer else {}), "embedded"
    if "hmac" in manifest:  # format 1: an HMAC under a key anyone with the workspace had
        problems.append(f"{MANIFEST}: it was made before records were signed with the "
                        "workspace's Ed25519 key; render the records again with 'decomkit "
                        "record DIR'")
    elif why := check_document(manifest, ring, at=str(manifest.get("created", ""))):
        problems.append(f"{MANIFEST}: {why}")
    checkpoint = manifest.get("checkpoint")
    if isinstance(checkpoint, dict) and (why := check_document(
            checkpoint, ring, at=str(checkpoint.get("time", "")))):
        problems.append(f"{MANIFEST}: its ledger checkpoint: {why}")
    present = {p.relative_to(root).as_posix() for p in root.rglob("*")
               if p.is_file() and p.name != MANIFEST}
    for name, digest in listed.items():
        if name not in present:
            problems.append(f"{name}: missing")
        elif _digest(root / name) != digest:
            problems.append(f"{name}: changed since the record was made")
    problems += [f"{name}: added after the record was made"
                 for name in sorted(present - set(listed))]
    if workspace is not None and not problems:
        from decomkit.checkpoints import verify_ledger
        from decomkit.errors import LedgerIntegrityError

        extra = ((("the records' manifest", checkpoint),) if isinstance(checkpoint, dict)
                 else ())
        try:
            verify_ledger(workspace, public_keys=public_keys, extra_checkpoints=extra)
        except LedgerIntegrityError as exc:
            problems.append(f"against the workspace's ledger: {exc}")
    if problems:
        raise RecordError(f"{root} does not verify:\n  - " + "\n  - ".join(problems))
    return RecordsVerification(len(present), signer.key_id if signer else "",
                               signer.fingerprint if signer else "", trust,
                               checkpoint if isinstance(checkpoint, dict) else None)


def verify_records(path: str | Path, public_keys: tuple = (),
                   workspace: Workspace | None = None) -> int:
    """``check_records``; returns the number of files checked."""
    return check_records(path, public_keys, workspace).files
