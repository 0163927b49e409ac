"""Executing one stage notebook with Papermill into ``runs/<app>/NN_stage.ipynb``.

Parameters are checked against the notebook's ``parameters`` cell before anything runs
(Papermill only warns about unknown names and passes strings through untyped). A kernel can come
from a :class:`~decomkit.running.kernels.KernelPool`, started while the previous notebook ran.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from decomkit.context.workspace import Workspace
from decomkit.core.config import looks_secret
from decomkit.core.errors import InputError, Problem, WorkspaceError
from decomkit.core.i18n import TEXT
from decomkit.core.resources import notebooks_dir
from decomkit.core.said import said, said_error
from decomkit.core.sinks import looks_like_credential, scrub, scrub_file
from decomkit.proof.gates import stage_closed
from decomkit.running.kernels import KernelPool

STAGES = {"portfolio": "00_portfolio.ipynb", "assess": "01_assess.ipynb",
          "backup": "02_backup.ipynb", "approval": "03_approval.ipynb",
          "disable": "04_disable.ipynb", "review": "05_review.ipynb"}
PORTFOLIO_FOLDER = "_portfolio"  # runs/_portfolio/ holds the whole-portfolio stage
KERNEL = "decomkit"
KIT_SET = ("workspace", "app_id")  # parameters the kit sets itself (a path, a checked id)
TRUE, FALSE = ("true", "1", "yes", "y", "是"), ("false", "0", "no", "n", "否")


def import_papermill():
    """Papermill, without 2.3 s of start-up nobody uses.

    nbformat imports jsonschema, whose optional IRI format checker (rfc3987-syntax) compiles a
    grammar at import; nbformat's schema never asks for that format.
    """
    # None in sys.modules makes the import fail as if absent (typeshed allows only modules).
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    import papermill

    return papermill


@dataclass(frozen=True)
class RunResult:
    app_id: str | None
    stage: str
    notebook: Path
    error: str | None = None
    seconds: float = 0.0
    attempts: int = 1
    shown: str = ""  # the error as the notebook showed it to its reader (their language)

    @property
    def ok(self) -> bool:
        return self.error is None


# ------------------------------------------------------------------ choosing apps and parameters


def select_apps(workspace: Workspace, apps: str) -> list[str]:
    """``all``, ``candidates`` (from 00_portfolio's list) or ids separated by commas."""
    known = list(workspace.inventory([]).apps["app_id"])
    if apps == "all":
        return known
    if apps == "candidates":
        path = workspace.root / "candidates.csv"
        if not path.exists():
            raise WorkspaceError("no candidates.csv yet: run the portfolio stage first "
                                 "(decomkit batch DIR --stages portfolio)"
                                 ).saying(said("err.no_candidates"))
        return list(pd.read_csv(path, encoding="utf-8-sig", dtype=str)["app_id"])
    chosen = [a.strip() for a in apps.split(",") if a.strip()]
    unknown = [a for a in chosen if a not in known]
    if unknown:
        shown = ", ".join(scrub(a) for a in unknown[:10])
        more = said("err.more", n=len(unknown) - 10) if len(unknown) > 10 else ""
        raise WorkspaceError(f"unknown app ids: {shown}{more}; see 'decomkit status'").saying(
            said("err.unknown_apps", shown=shown, more=more))
    return chosen


@lru_cache
def notebook_parameters(stage: str) -> dict[str, dict]:
    """The stage notebook's parameters: name → type name, default and help."""
    return import_papermill().inspect_notebook(str(notebooks_dir() / STAGES[stage]))


def _typed(kind: str, value):
    """``value`` as the parameter's declared type; ValueError when it is not one."""
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE or text in FALSE:
            return text in TRUE
        raise ValueError("expected true or false")
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(value)
    if kind == "list":
        if isinstance(value, list):
            return value
        text = str(value).strip()
        return json.loads(text) if text.startswith("[") else [
            v.strip() for v in text.split(",") if v.strip()]
    return "" if value is None else str(value)


def check_parameters(stages: list[str], values: dict, where: str | None = None,
                     row: int | None = None) -> dict:
    """``values`` typed for the stages' notebooks; an unknown name or a bad value is refused."""
    where = where or said("run.p.where")  # -p on the command line, said as the reader's
    declared: dict[str, str] = {}
    for stage in stages:
        declared.update({name: spec["inferred_type_name"]
                         for name, spec in notebook_parameters(stage).items()})
    problems, typed = [], {}
    for name, value in values.items():
        if name not in declared:  # never echo the value: it may be a secret
            problems.append(Problem(where, row, name, said(
                "run.p.not_parameter", notebooks=", ".join(STAGES[s] for s in stages)),
                said("run.p.use_parameter", names=", ".join(sorted(declared)))))
            continue
        if isinstance(value, str) and name not in KIT_SET and looks_like_credential(value):
            problems.append(Problem(where, row, name, said("run.p.secret"),
                                    said("run.p.secret_env")))
            continue
        try:
            typed[name] = _typed(declared[name], value)
        except ValueError:  # named by parameter, never echoed: the value may be a secret
            kind = said(f"run.type.{declared[name]}") if f"run.type.{declared[name]}" in TEXT \
                else declared[name]
            problems.append(Problem(where, row, name, said("run.p.wrong_type", name=name,
                                                           kind=kind),
                                    said("run.p.give_type", kind=kind)))
    if problems:
        raise InputError(problems)
    return typed


def gate(workspace: Workspace, app_id: str, stage: str) -> str:
    """Why ``stage`` may not run for ``app_id`` now ("" when it may), by the gate table; the
    notebook's own calls are then authorized in full."""
    with workspace.ledger() as ledger:
        return stage_closed(ledger, app_id, stage)


# ------------------------------------------------------------------ kernels


def warmup_code(stages: list[str]) -> str:
    """The import statements of the stages' notebooks, each once: what their kernels need."""
    import ast

    import nbformat

    statements: list[str] = []
    for stage in stages:
        nb = nbformat.read(notebooks_dir() / STAGES[stage], as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code"
                         and "parameters" not in c.metadata.get("tags", []))
        for node in ast.walk(ast.parse(code)):
            text = ast.unparse(node) if isinstance(node, ast.Import | ast.ImportFrom) else ""
            if text and text not in statements:
                statements.append(text)
    return "\n".join(statements)


def _attempt(papermill, notebook: Path, out: Path, parameters: dict, km,
             timeout: float | None) -> tuple[str | None, bool]:
    """One run of the notebook: (error or None, whether its kernel died on its own)."""
    from nbclient.exceptions import DeadKernelError

    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        km.provisioner.process.send_signal(signal.SIGKILL)

    watchdog = threading.Timer(timeout, stop) if timeout and km is not None else None
    if watchdog:
        watchdog.start()
    try:
        papermill.execute_notebook(
            str(notebook), str(out), parameters=parameters, kernel_name=KERNEL, km=km,
            progress_bar=False, cwd=None if km else str(out.parent),
            execution_timeout=None if km else timeout)
        return None, False
    except papermill.PapermillExecutionError as exc:
        return f"{exc.ename}: {exc.evalue}", False
    except DeadKernelError as exc:
        if timed_out.is_set():
            return said("run.timed_out", seconds=f"{timeout:g}"), False
        return said("run.kernel_died", error=str(exc)), True
    except TimeoutError as exc:
        return said("run.timed_out_cell", error=str(exc)), False
    finally:
        if watchdog:
            watchdog.cancel()


def execute(notebook: Path, out: Path, parameters: dict, *, kernels: KernelPool | None = None,
            timeout: float | None = None) -> tuple[str | None, int]:
    """Run ``notebook`` into ``out``: (error or None, attempts).

    A kernel that dies is replaced once. With ``kernels``, a notebook that runs longer than
    ``timeout`` seconds is stopped (its kernel killed) and reported, not retried; without, Papermill
    starts the kernel and ``timeout`` limits each cell.
    """
    papermill = import_papermill()
    for attempt in (1, 2):
        km = kernels.take() if kernels else None
        try:
            error, died = _attempt(papermill, notebook, out, parameters, km, timeout)
        finally:
            if km is not None and kernels is not None:  # (a kernel comes from the pool)
                kernels.release(km)
        if not died:
            return error, attempt
    # (a kernel that died always comes with its error)
    return (error or "").replace("the kernel died", "the kernel died twice", 1), attempt


def prepare_stage(workspace: Workspace, stage: str, out: Path, parameters: dict) -> Path:
    """Write the stage notebook with its parameters injected, not run (for JupyterLab, Voila)."""
    values = check_parameters([stage], {**parameters, "workspace": str(workspace.root)})
    out.parent.mkdir(parents=True, exist_ok=True)
    import_papermill().execute_notebook(str(notebooks_dir() / STAGES[stage]), str(out),
                                        parameters=values, prepare_only=True,
                                        kernel_name=KERNEL, progress_bar=False)
    return out


def run_stage(workspace: Workspace, stage: str, app_id: str | None = None,
              parameters: dict | None = None, *, kernels: KernelPool | None = None,
              timeout: float | None = None) -> RunResult:
    """Execute one stage notebook; a failure is returned (the failed notebook is kept)."""
    if stage not in STAGES:
        raise said_error(WorkspaceError, "run.unknown_stage", stage=stage,
                         stages=", ".join(STAGES))
    values = check_parameters([stage], {**(parameters or {}), "workspace": str(workspace.root),
                                        **({"app_id": app_id} if app_id else {})})
    folder = workspace.app_dir("runs", app_id or PORTFOLIO_FOLDER)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / STAGES[stage]
    started = time.monotonic()
    try:
        error, attempts = execute(notebooks_dir() / STAGES[stage], out, values,
                                  kernels=kernels, timeout=timeout)
    finally:  # the kept notebook never holds a secret, whether it ran or failed
        if out.exists():
            scrub_file(out, [str(v) for k, v in values.items() if looks_secret(k)])
    return RunResult(app_id, stage, out, error, seconds=time.monotonic() - started,
                     attempts=attempts, shown=shown_error(out) if error else "")


def shown_error(notebook: Path) -> str:
    """The message a failed notebook showed its reader: an error decomkit raised on purpose
    is shown as one message in the reader's language (``context.stage.show_refusals_in``),
    not a traceback; "" when the notebook shows none such."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return ""
    for cell in reversed(cells):
        for output in cell.get("outputs", []):
            lines = output.get("traceback", []) if output.get("output_type") == "error" else []
            if len(lines) == 1 and "\x1b[" not in lines[0]:
                return str(lines[0])
    return ""
