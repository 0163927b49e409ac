"""Running stage notebooks for apps with Papermill: ``runs/<app>/NN_stage.ipynb``.

This is the serial runner ``make demo`` uses; one failed app never stops the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from decomkit.errors import WorkspaceError
from decomkit.resources import notebooks_dir
from decomkit.workspace import Workspace

STAGES = {"portfolio": "00_portfolio.ipynb", "assess": "01_assess.ipynb",
          "backup": "02_backup.ipynb", "approval": "03_approval.ipynb",
          "disable": "04_disable.ipynb", "review": "05_review.ipynb"}
# The ledger state a per-app stage moves to: its gate decides whether the stage runs at all.
# (The disable stage always runs: it is a dry run unless its parameters say otherwise.)
STAGE_STATE = {"backup": "backed_up", "review": "reviewed"}
APPROVAL_RUNS_IN = ("backup_verified", "rejected", "approval_pending")  # submit or track
PORTFOLIO_FOLDER = "_portfolio"  # runs/_portfolio/ holds the whole-portfolio stage
KERNEL = "decomkit"


@dataclass(frozen=True)
class RunResult:
    app_id: str | None
    stage: str
    notebook: Path
    error: str | None = None
    skipped: str | None = None  # why the stage did not run (its gate is closed)

    @property
    def ok(self) -> bool:
        return self.error is None


def select_apps(workspace: Workspace, apps: str) -> list[str]:
    """``all``, ``candidates`` (from 00_portfolio's list) or ids separated by commas."""
    known = list(workspace.inventory([]).apps["app_id"])
    if apps == "all":
        return known
    if apps == "candidates":
        path = workspace.root / "candidates.csv"
        if not path.exists():
            raise WorkspaceError("no candidates.csv yet: run the portfolio stage first "
                                 "(decomkit run DIR --stages portfolio)")
        return list(pd.read_csv(path, encoding="utf-8-sig", dtype=str)["app_id"])
    chosen = [a.strip() for a in apps.split(",") if a.strip()]
    unknown = [a for a in chosen if a not in known]
    if unknown:
        raise WorkspaceError(f"unknown app ids: {', '.join(unknown)}; see 'decomkit status'")
    return chosen


def run_stage(workspace: Workspace, stage: str, app_id: str | None = None,
              parameters: dict | None = None) -> RunResult:
    """Execute one stage notebook; a failure is returned (the failed notebook is kept)."""
    import papermill

    if stage not in STAGES:
        raise WorkspaceError(f"unknown stage '{stage}'; stages: {', '.join(STAGES)}")
    folder = workspace.app_dir("runs", app_id or PORTFOLIO_FOLDER)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / STAGES[stage]
    values = {"workspace": str(workspace.root), **(parameters or {})}
    if app_id:
        values["app_id"] = app_id
    from decomkit.config import looks_secret
    from decomkit.records import scrub_file

    error = None
    try:
        papermill.execute_notebook(str(notebooks_dir() / STAGES[stage]), str(out),
                                   parameters=values, kernel_name=KERNEL, cwd=str(folder),
                                   progress_bar=False)
    except papermill.PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue}"
    finally:  # the kept notebook never holds a secret, whether it ran or failed
        if out.exists():
            scrub_file(out, [str(v) for k, v in values.items() if looks_secret(k)])
    return RunResult(app_id, stage, out, error)


def _gate(workspace: Workspace, app_id: str, stage: str) -> str:
    """Why ``stage`` may not run for ``app_id`` now ("" when it may)."""
    with workspace.ledger() as ledger:
        if stage == "approval":
            state = ledger.state(app_id)
            return "" if state in APPROVAL_RUNS_IN else (
                f"nothing to ask or track (state {state}; the backup must be verified)")
        return ledger.missing(app_id, STAGE_STATE[stage]) if stage in STAGE_STATE else ""


def run_pipeline(workspace: Workspace, stages: Iterable[str], apps: str = "candidates",
                 parameters: dict | None = None) -> list[RunResult]:
    """The portfolio stage once, then each per-app stage for every selected app, in order."""
    stages = list(stages)
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise WorkspaceError(f"unknown stages: {', '.join(unknown)}; stages: {', '.join(STAGES)}")
    per_app = [s for s in stages if s != "portfolio"]
    # Explicit ids are checked before anything runs; candidates exist after the portfolio.
    chosen = select_apps(workspace, apps) if per_app and apps != "candidates" else None
    results = []
    if "portfolio" in stages:
        results.append(run_stage(workspace, "portfolio", None, parameters))
    if per_app:
        for app_id in chosen if chosen is not None else select_apps(workspace, apps):
            for stage in per_app:
                closed = _gate(workspace, app_id, stage)
                if closed:
                    results.append(RunResult(app_id, stage, Path(), skipped=closed))
                    break
                result = run_stage(workspace, stage, app_id, parameters)
                results.append(result)
                if not result.ok:
                    break  # this app's later stages depend on this one
    return results
