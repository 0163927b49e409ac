"""One language per reader: after the demo pipeline in ``zh`` and in ``en``, every text a person
reads (executed notebook outputs, records, the outbox, candidates.xlsx) is in that language, with
no Python literal, no raw enumerated value or column name and no index column.

The detector is tested first on texts that carry each fault (positive controls), then the
pipeline's texts are read."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from decomkit.context.workspace import Workspace
from decomkit.core.i18n import COLUMNS
from decomkit.records.dossier import render_records
from decomkit.running.batch import run_batch
from decomkit.running.kernels import KernelPool
from decomkit.running.runs import KERNEL, notebook_parameters, run_stage, warmup_code
from helpers import set_config

# ------------------------------------------------------------------ the detector

# Words of the kit's English a Chinese reader must not meet (whole words; a file name such as
# candidates.csv is not a word).
ENGLISH = (
    "planned", "done", "critical", "high", "medium", "both", "monthly", "weekly", "daily",
    "rarely", "retire", "eliminate", "tolerate", "invest", "migrate", "keep", "review",
    "realized", "projected", "baseline", "penalty", "migration", "verified", "agree", "refuse",
    "notify", "affected", "users", "detach", "integration", "third-party", "number", "item",
    "evidence", "frequency", "risk", "advance notice", "corrections", "replacement", "roll back",
    "request", "approved", "rejected", "pending", "disabled", "backup", "manifest", "yes",
    "COMPLETED", "RUNNING", "TERMINATED", "state", "status", "name", "score", "cost", "ask its",
    "vendor", "change", "changes", "step", "steps", "people", "reason", "no request yet",
    "the", "and", "of", "is", "not",
)
# The kit's Chinese a reader of English must not meet (the organisation's own data — app,
# department and people's names, comments — is Chinese in the demo and stays as written).
CHINESE = (
    "停用预告", "备份频率", "风险", "更正通知", "恢复启用", "替代应用", "尚未发起申请",
    "最高级别", "未解决", "严重程度", "阻断", "确认文字", "计划中", "已完成", "证据", "负责部门",
    "已批准", "审批中", "已停用", "已评估", "年成本", "名称", "建议", "清单",
    "每月", "每周", "每天", "高危", "中危", "低危", "通知", "第三方", "供应商",
)
AS_SIGNED = set(COLUMNS["recorded_data"][:2])
PY_LITERAL = re.compile(r"(?<![\w\-./`'\"])(None|True|False|nan|NaN|NaT)(?![\w\-(])")
SNAKE = re.compile(r"(?<![\w\-./@`])([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?![\w\-./(`])")
CJK = re.compile(r"[\u4e00-\u9fff]")
# What a person types (a notebook parameter, a setting) may be named in a sentence that tells
# them to set it.
TYPED = {name for stage in ("portfolio", "assess", "backup", "approval", "disable", "review")
         for name in notebook_parameters(stage)} | {
    "usage_tracked", "advance_days", "auto_agree_after_seconds", "dingtalk_work"}


@dataclass
class Text:
    where: str  # file and part
    text: str
    headers: tuple[str, ...] = ()  # a table's header row, when the text is one


def _other_language(text: str, language: str) -> list[str]:
    found = []
    if language == "zh":
        cleaned = re.sub(r"\S*[/\\]\S*|\S+\.(csv|xlsx|json|html|pdf|ics|ipynb|toml|png)\b",
                         " ", text)
        for word in ENGLISH:
            if re.search(rf"(?<![\w\-.]){re.escape(word)}(?![\w\-]|\.\w)", cleaned,
                         flags=0 if word.isupper() else re.IGNORECASE):
                found.append(word)
    else:
        found += [word for word in CHINESE if word in text]
    return found


def faults(item: Text, language: str) -> list[str]:
    """What is wrong with one text for a reader of ``language``."""
    out = [f"other language: {w}" for w in _other_language(item.text, language)]
    out += [f"Python literal: {m}" for m in PY_LITERAL.findall(item.text)]
    out += [f"raw name: {m}" for m in SNAKE.findall(item.text) if m not in TYPED]
    headers = [h.strip() for h in item.headers]
    if headers and (headers[0] in ("", "index", "level_0", "None")
                    or headers[0].startswith("Unnamed")):
        out.append("index column")
    out += [f"raw column: {h}" for h in headers if h in COLUMNS and h != COLUMNS[h][
        0 if language == "en" else 1]]
    return out


def test_the_detector_catches_each_kind_of_fault():
    """Positive controls: each fault the pipeline's texts are read for is caught."""
    assert faults(Text("x", "最高级别:critical"), "zh") == ["other language: critical"]
    assert faults(Text("x", "计划中 planned"), "zh")[0] == "other language: planned"
    assert "other language: 停用预告" in faults(Text("x", "advance notice / 停用预告"), "en")
    assert faults(Text("x", "停用后 None"), "zh") == ["Python literal: None"]
    assert faults(Text("x", "backup verified again: True"), "en") == ["Python literal: True"]
    assert faults(Text("x", "金额 nan 元"), "zh") == ["Python literal: nan"]
    assert faults(Text("x", "due on NaT"), "en") == ["Python literal: NaT"]
    assert faults(Text("x", "数据集 open_status_column"), "zh") == [
        "raw name: open_status_column"]
    assert faults(Text("x", "state: verified_disabled"), "en") == [
        "raw name: verified_disabled"]
    assert faults(Text("x", "", ("", "名称")), "zh") == ["index column"]
    assert faults(Text("x", "", ("index", "Name")), "en") == ["index column"]
    assert faults(Text("x", "", ("name", "Score")), "en") == ["raw column: name"]
    # and a clean text passes: names, ids, files and a parameter to set are not faults
    assert faults(Text("x", "进销存(jxc)→ candidates.csv;请填写 override_reason。",
                       ("名称", "年成本")), "zh") == []
    assert faults(Text("x", "进销存 (jxc) is retired; set override_reason.", ("Name",)),
                  "en") == []


# ------------------------------------------------------------------ what a person reads

_TAG = re.compile(r"<[^>]+>")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _html_texts(where: str, page: str) -> list[Text]:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<img\b[^>]*>", " ", page, flags=re.I)
    out = []
    for table in re.findall(r"<table\b.*?</table>", page, flags=re.S | re.I):
        head = re.search(r"<tr\b.*?</tr>", table, flags=re.S | re.I)
        cells = re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", head[0], flags=re.S | re.I) if (
            head and "<th" in head[0].lower()) else []
        out.append(Text(where + " (table)", "",
                        tuple(html.unescape(_TAG.sub("", c)) for c in cells)))
    text = html.unescape(_TAG.sub(" ", page))
    return [*out, Text(where, text)]


def notebook_texts(path: Path) -> list[Text]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for i, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            where = f"{path.parent.name}/{path.name} cell {i}"
            if output["output_type"] == "stream":
                out.append(Text(where + " stream", "".join(output["text"])))
            elif output["output_type"] == "error":
                out.append(Text(where + " error", _ANSI.sub("", "\n".join(
                    output["traceback"]))))
            data = output.get("data", {})
            for kind in ("text/plain", "text/markdown"):
                if kind in data and "text/html" not in data:
                    out.append(Text(f"{where} {kind}", "".join(data[kind])))
            if "text/html" in data:
                out += _html_texts(where + " html", "".join(data["text/html"]))
    return out


def xlsx_texts(path: Path, where: str) -> list[Text]:
    book = openpyxl.load_workbook(path, read_only=True)
    out = []
    for sheet in book.worksheets:
        rows = [tuple("" if v is None else str(v) for v in row)
                for row in sheet.iter_rows(values_only=True)]
        if rows:  # the ledger's recorded data is shown as signed, the evidence itself
            keep = [i for i, h in enumerate(rows[0]) if h not in AS_SIGNED]
            rows = [rows[0], *(tuple(r[i] for i in keep) for r in rows[1:])]
            out.append(Text(f"{where} [{sheet.title}] header", "", rows[0]))
            out.append(Text(f"{where} [{sheet.title}]", "\n".join(" | ".join(r) for r in rows)))
    return out


def ics_texts(path: Path) -> list[Text]:
    lines = path.read_text(encoding="utf-8").replace("\r\n ", "").splitlines()
    said = [line.split(":", 1)[1].replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";")
            for line in lines if line.split(":", 1)[0].split(";")[0] in (
                "SUMMARY", "DESCRIPTION", "LOCATION")]
    return [Text(path.name, "\n".join(said))]


def pdf_texts(path: Path) -> list[Text]:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, timeout=60, check=True)
    return [Text(path.name, done.stdout)]


def outbox_texts(ws) -> list[Text]:
    path = ws.root / "platform" / "sandbox.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    return [Text(f"outbox #{i} {m.get('title', '')[:20]}", f"{m.get('title', '')}\n"
                 f"{m.get('body', m.get('text', ''))}")
            for i, m in enumerate(state.get("outbox", []))]


def read_everything(ws) -> list[Text]:
    texts = []
    for path in sorted((ws.root / "runs").rglob("*.ipynb")):
        texts += notebook_texts(path)
    records = ws.root / "records"
    for path in sorted(records.rglob("*.html")):
        texts += _html_texts(str(path.relative_to(records)),
                             path.read_text(encoding="utf-8"))
    for path in sorted(records.rglob("*.xlsx")):
        texts += xlsx_texts(path, str(path.relative_to(records)))
    for path in sorted(records.rglob("*.ics")):
        texts += ics_texts(path)
    for path in sorted(records.rglob("*.pdf")):
        texts += pdf_texts(path)
    texts += xlsx_texts(ws.root / "candidates.xlsx", "candidates.xlsx")
    texts += outbox_texts(ws)
    return texts


# ------------------------------------------------------------------ the demo pipeline


def run_notebooks(ws: Workspace, language: str) -> None:
    """The README's pipeline for 进销存 (portfolio → assess → backup → approval), its real
    disable with a written reason, a refused stage (a backup of an app nobody decided to
    retire: the refusal is what its reader sees), the review of a retired app.

    Cheap by construction: each notebook runs once (no dry-run 04 before the real one: its
    output would be overwritten, never read), the single stages share one pool of warm kernels,
    and the PDF is not printed here (test_auditor_records reads a printed dossier; it prints
    the page read below)."""
    summary = run_batch(ws, ["portfolio", "assess", "backup", "approval"],
                        apps="jxc", parameters={"wait_seconds": 4}, quiet=True)
    assert summary is not None and not summary.failed
    pool = KernelPool(KERNEL, warmup_code(["disable", "backup", "review"]))
    try:
        real = run_stage(ws, "disable", "jxc", {
            "dry_run": False, "confirm": "jxc",
            "override_reason": "仓储部已确认未结单据在 WMS 中接续处理" if language == "zh"
            else "The warehouse confirmed open documents continue in WMS"}, kernels=pool)
        assert real.ok, real.error
        refused = run_stage(ws, "backup", "oa-approval", kernels=pool)
        assert refused.error and refused.shown  # the message its reader saw, not a traceback
        REFUSALS[language] = refused.shown
        assert run_stage(ws, "review", "old-expense", kernels=pool).ok
    finally:
        pool.close()


REFUSALS: dict[str, str] = {}


@pytest.fixture(scope="module")
def pipelines(demo_template, tmp_path_factory) -> dict[str, Workspace]:
    """The demo pipeline run in zh and in en, side by side (the notebooks run in kernels of
    their own), then each one's records rendered (one after the other: rendering sets the
    process's reader)."""
    from concurrent.futures import ThreadPoolExecutor

    spaces = {}
    for language in ("zh", "en"):
        root = tmp_path_factory.mktemp(f"reader-{language}") / "ws"
        shutil.copytree(demo_template, root)
        set_config(Workspace.open(root), 'language = "zh"', f'language = "{language}"')
        spaces[language] = Workspace.open(root)  # its settings as now written
    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(run_notebooks, ws, lang) for lang, ws in spaces.items()]:
            done.result()
    for ws in spaces.values():
        render_records(ws, ["jxc", "old-expense", "oa-approval"])
    return spaces


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_text_a_person_reads_is_in_their_language(pipelines, language):
    texts = read_everything(pipelines[language])
    assert any("cell" in t.where for t in texts) and any("outbox" in t.where for t in texts)
    assert any(t.where.endswith(" error") and "oa-approval" in t.where for t in texts)
    texts.append(Text("run_stage's message of the refused stage", REFUSALS[language]))
    problems = [f"{t.where}: {f}" for t in texts for f in faults(t, language)]
    assert not problems, f"{len(problems)} faults:\n" + "\n".join(
        dict.fromkeys(problems))  # each fault once
