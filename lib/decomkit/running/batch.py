"""``decomkit batch``: each app's stage notebooks in order, apps in parallel.

Apps run in separate processes (Papermill and kernels are per process), locally or on a
dask.distributed cluster that shares the workspace's folder. Each app's progress and results are
kept in ``runs/<app>/batch.json``: the parent draws progress from it, and a later batch skips
what finished with the same parameters (``force`` runs it again). One app's failure never stops
the others; its notebook is kept and the failure is noted in the ledger. One batch runs on a
workspace at a time (a second is refused), and its workers and kernels end with it. Each
batch's summary is a file of its own, ``runs/batch-<UTC start>-<stages>.json``, which the
next batch leaves as it is.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from decomkit.context.workspace import Workspace
from decomkit.core.canonical import canonical_json, utcnow
from decomkit.core.errors import DecomkitError, InputError, Problem, WorkspaceError
from decomkit.core.i18n import t
from decomkit.core.lifeline import die_with_parent
from decomkit.core.locks import batch_lock
from decomkit.core.said import in_language, said, said_error
from decomkit.core.sinks import scrub, write_json
from decomkit.inventory.tables import read_rows
from decomkit.lifecycle.console import waiting_steps
from decomkit.platforms.dingtalk_calls import CALLS_NAME, counts, per_app_estimate
from decomkit.proof.gates import follow_up_open
from decomkit.running.kernels import KernelPool
from decomkit.running.runs import (
    KERNEL,
    KIT_SET,
    STAGES,
    check_parameters,
    gate,
    notebook_parameters,
    run_stage,
    select_apps,
    warmup_code,
)

STATUS_FILE = "batch.json"  # runs/<app>/batch.json
SUMMARY_FILE = "batch-{stamp}-{stages}.json"  # runs/batch-20261124T024215.123456Z-assess.json
SUMMARY_GLOB = "batch-*.json"  # every batch's own summary; names sort by start time
PER_APP_ONLY = ("dry_run", "confirm", "roll_back")  # a real change is asked for app by app
SET_BY_BATCH = KIT_SET  # the batch's own folder and each app: never given by a user
ACTOR = "decomkit batch"


@dataclass(frozen=True)
class StageOutcome:
    stage: str
    status: str  # ok, failed, skipped (gate closed), earlier (finished in an earlier batch) or
    # waiting (it ended cleanly at a console step a person does: decomkit confirm, then again)
    notebook: str = ""
    detail: str = ""
    seconds: float = 0.0
    attempts: int = 0
    shown: str = ""  # a failure as its notebook showed it, in the reader's language


@dataclass(frozen=True)
class AppOutcome:
    app_id: str
    stages: list[StageOutcome] = field(default_factory=list)
    state: str = ""
    error: str = ""  # the worker itself failed (not a notebook)

    @property
    def failed(self) -> bool:
        return bool(self.error) or any(s.status == "failed" for s in self.stages)

    @property
    def waiting(self) -> bool:
        """It stopped at a console step a person does (not failed, not done)."""
        return not self.failed and any(s.status == "waiting" for s in self.stages)


@dataclass(frozen=True)
class BatchSummary:
    apps: list[AppOutcome]
    path: Path
    portfolio: StageOutcome | None = None
    metered_calls: dict[str, int] = field(default_factory=dict)  # DingTalk calls, by app
    quota_warning: str = ""  # said before it ran: it may exceed the month's DingTalk quota

    @property
    def failed(self) -> list[str]:
        bad = [a.app_id for a in self.apps if a.failed]
        return (["(portfolio)"] if self.portfolio and self.portfolio.status == "failed"
                else []) + bad

    @property
    def waiting(self) -> list[str]:
        """The apps waiting for a console step."""
        return [a.app_id for a in self.apps if a.waiting]


# ------------------------------------------------------------------ what to run


def read_app_file(workspace: Workspace, path: Path, stages: list[str]) -> dict[str, dict]:
    """An ``app_id`` column and, optionally, parameter columns (blank: not given) per app."""
    rows = read_rows(path)
    header = [str(h or "").strip() for h in rows[0]] if rows else []
    if "app_id" not in header:
        raise InputError([Problem(path.name, 1, "app_id", said("table.missing"),
                                  said("run.p.app_id_column"))])
    known = set(workspace.inventory([]).apps["app_id"])
    plan, problems = {}, []
    first_row: dict[str, int] = {}
    problems += [Problem(path.name, 1, name, said("run.p.set_by_batch"),
                         said("run.p.remove_column"))
                 for name in SET_BY_BATCH if name in header and name != "app_id"]
    for number, row in enumerate(rows[1:], start=2):
        values = {name: value for name, value in zip(header, row, strict=False)
                  if name and value is not None and str(value).strip() != ""}
        values.pop("workspace", None)
        app_id = str(values.pop("app_id", "")).strip()
        if app_id not in known:
            problems.append(Problem(path.name, number, "app_id",
                                    said("run.p.unknown_app", app=scrub(app_id)),
                                    said("run.p.use_status")))
            continue
        if app_id in first_row:  # one row per app: a second would silently win
            problems.append(Problem(path.name, number, "app_id",
                                    said("run.p.twice", app=app_id, row=first_row[app_id]),
                                    said("run.p.one_row")))
            continue
        first_row[app_id] = number
        try:
            plan[app_id] = check_parameters(stages, values, path.name, number)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return plan


def plan_apps(workspace: Workspace, apps: str, stages: list[str]) -> dict[str, dict]:
    """App id → its own parameters, from ``all``, ``candidates``, ids, or a file of apps."""
    path = Path(apps).expanduser()
    try:
        is_file = path.is_file()
    except OSError:  # a long list of ids is no file name (ENAMETOOLONG)
        is_file = False
    if is_file:
        return read_app_file(workspace, path, stages)
    if "," not in apps and path.suffix.lower() in (".csv", ".xlsx"):
        raise said_error(WorkspaceError, "run.no_such_file", path=path)
    return {app_id: {} for app_id in select_apps(workspace, apps)}


def _refuse_batch_wide_changes(parameters: dict) -> None:
    wide = [name for name in PER_APP_ONLY if name in parameters]
    problems = [Problem(said("run.p.where"), None, name, said("run.p.not_batch_wide"),
                        said("run.p.per_app")) for name in wide]
    problems += [Problem(said("run.p.where"), None, name, said("run.p.set_by_batch"),
                         said("run.p.leave_out")) for name in SET_BY_BATCH
                 if name in parameters]
    if problems:
        raise InputError(problems)


def _digest(values: dict) -> str:
    return hashlib.sha256(canonical_json(values).encode()).hexdigest()


# ------------------------------------------------------------------ one app (in a worker)


_local = threading.local()  # one kernel pool per worker thread (dask may run several)


def _kernel_pool(stages: tuple[str, ...]):
    from multiprocessing.util import Finalize

    pools = _local.__dict__.setdefault("pools", {})
    if stages not in pools:
        pools[stages] = KernelPool(KERNEL, warmup_code(list(stages)))
        Finalize(pools[stages], pools[stages].close, exitpriority=10)
    return pools[stages]


def _tracks_again(workspace: Workspace, app_id: str, stage: str) -> bool:
    """A finished stage that still has something to follow (a pending approval, a request to
    send again after a rejection): one of its follow-up gates is open in the ledger."""
    with workspace.ledger() as ledger:
        return follow_up_open(ledger, app_id, stage)


class _Status:
    """``runs/<app>/batch.json``: what each stage did, in which batch, and what runs now."""

    def __init__(self, folder: Path, batch_id: str):
        self.path, self.batch_id = folder / STATUS_FILE, batch_id
        self.data = json.loads(self.path.read_text("utf-8")) if self.path.exists() else {}
        self.data.setdefault("stages", {})

    def finished(self, stage: str, digest: str) -> bool:
        prior = self.data["stages"].get(stage, {})
        return prior.get("status") == "ok" and prior.get("digest") == digest

    def save(self, current: str = "", outcome: StageOutcome | None = None,
             digest: str = "") -> None:
        self.data.update(batch=self.batch_id, current=current, updated=utcnow())
        if outcome is not None:
            self.data["stages"][outcome.stage] = {**asdict(outcome), "digest": digest,
                                                  "batch": self.batch_id}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_json(self.path, self.data)


def run_app(root: str, app_id: str, stages: list[str], parameters: dict, batch_id: str,
            timeout: float | None = None, force: bool = False) -> AppOutcome:
    """Run ``stages`` for one app in order, stopping at a closed gate or a failure."""
    workspace = Workspace.open(root)
    status = _Status(workspace.app_dir("runs", app_id), batch_id)
    outcomes = []
    for stage in stages:
        values = {k: v for k, v in parameters.items() if k in notebook_parameters(stage)}
        digest = _digest(values)
        notebook = workspace.app_dir("runs", app_id) / STAGES[stage]
        if (not force and status.finished(stage, digest) and notebook.exists()
                and not _tracks_again(workspace, app_id, stage)):
            outcome = StageOutcome(stage, "earlier", str(notebook),
                                   "finished in an earlier batch (--force runs it again)",
                                   shown=t("cli.batch.earlier_detail", workspace.config.language))
            outcomes.append(outcome)
            continue  # the earlier record stays as it was
        closed = gate(workspace, app_id, stage)
        if closed:
            outcome = StageOutcome(stage, "skipped", detail=str(closed),
                                   shown=in_language(closed, workspace.config.language))
            outcomes.append(outcome)
            status.save(outcome=outcome, digest=digest)
            break
        status.save(current=stage)
        result = run_stage(workspace, stage, app_id, values, kernels=_kernel_pool(tuple(stages)),
                           timeout=timeout)
        outcome = StageOutcome(stage, "ok" if result.ok else "failed", str(result.notebook),
                               result.error or "", round(result.seconds, 2), result.attempts,
                               result.shown)
        cards = waiting_steps(workspace, app_id) if result.ok else []
        if cards:  # ended cleanly at a console step: not done, and the next stages wait
            outcome = replace(outcome, status="waiting",
                              detail="; ".join(f"{c.what}: {c.command}" for c in cards))
        outcomes.append(outcome)
        status.save(outcome=outcome, digest=digest)
        if cards:
            break
        if not result.ok:
            with workspace.ledger() as ledger:
                ledger.note(app_id, ACTOR, {"event": "stage failed", "stage": stage,
                                            "notebook": f"runs/{app_id}/{STAGES[stage]}",
                                            "error": result.error, "batch": batch_id})
            break  # this app's later stages depend on this one
    status.save()
    with workspace.ledger() as ledger:
        return AppOutcome(app_id, outcomes, ledger.state(app_id))


# ------------------------------------------------------------------ executors


def _submit_local(workers: int) -> tuple[Callable, Callable]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Workers die with the batch: a killed batch leaves no work running that nobody watches.
    pool = ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"),
                               initializer=die_with_parent, initargs=(os.getpid(),))
    return pool.submit, lambda: pool.shutdown(wait=True)


def _submit_dask(scheduler: str) -> tuple[Callable, Callable]:
    try:
        from distributed import Client
    except ImportError as exc:
        raise said_error(WorkspaceError, "run.needs_dask") from exc
    client = Client(scheduler, set_as_default=False)

    def submit(fn, root, app_id, *rest):
        return client.submit(fn, root, app_id, *rest, key=f"decomkit-{app_id}-{uuid.uuid4()}",
                             pure=False)

    return submit, client.close


def _progress(workspace: Workspace, plan: dict, stages: list[str], batch_id: str,
              futures: dict, quiet: bool) -> None:
    """Draw one bar per app from its status file until every app's future is done."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), disable=quiet) as bars:
        tasks = {app: bars.add_task(f"{app:<16} waiting", total=len(stages)) for app in plan}
        while True:
            done = {app for future, app in futures.items() if future.done()}
            for app, task in tasks.items():
                path = workspace.app_dir("runs", app) / STATUS_FILE
                try:
                    data = json.loads(path.read_text("utf-8"))
                except (OSError, ValueError):
                    continue
                if data.get("batch") != batch_id:
                    continue
                ran = sum(s.get("batch") == batch_id for s in data["stages"].values())
                now = "done" if app in done else data.get("current") or "…"
                bars.update(task, completed=len(stages) if app in done else ran,
                            description=f"{app:<16} {now}")
            if len(done) == len(futures):
                return
            time.sleep(0.25)


def run_batch(workspace: Workspace, stages: list[str], apps: str = "candidates",
              parameters: dict | None = None, *, workers: int = 2, timeout: float | None = None,
              force: bool = False, executor: str = "local", scheduler: str = "",
              quiet: bool = False) -> BatchSummary:
    """Run the stages for the chosen apps; everything is checked before anything runs."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise said_error(WorkspaceError, "run.bad_workers", got=repr(workers))
    if timeout is not None and not (isinstance(timeout, int | float) and timeout >= 0):
        raise said_error(WorkspaceError, "run.bad_timeout", got=repr(timeout))
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise said_error(WorkspaceError, "run.unknown_stages", unknown=", ".join(unknown),
                         stages=", ".join(STAGES))
    if executor not in ("local", "dask") or (executor == "dask" and not scheduler):
        raise said_error(WorkspaceError, "run.bad_executor")
    parameters = dict(parameters or {})
    _refuse_batch_wide_changes(parameters)
    per_app = [s for s in STAGES if s in stages and s != "portfolio"]  # always in stage order
    parameters = check_parameters(list(dict.fromkeys(stages)), parameters)
    # Explicit apps are checked before anything runs; candidates exist after the portfolio.
    plan = plan_apps(workspace, apps, per_app) if per_app and apps != "candidates" else None
    with batch_lock(workspace.root):  # a second batch on this workspace is refused
        return _run_locked(workspace, stages, apps, parameters, per_app, plan, workers=workers,
                           timeout=timeout, force=force, executor=executor,
                           scheduler=scheduler, quiet=quiet)


def _metered(workspace: Workspace) -> Counter[str]:
    """Metered DingTalk calls made from this workspace this month, by app ("" = shared)."""
    return counts(workspace.root / "platform" / CALLS_NAME)


def quota_warning(workspace: Workspace, apps: int) -> str:
    """The warning (in the workspace's language) when ``apps`` apps at the call budget each
    would exceed what is left of this month's DingTalk quota; "" otherwise or off DingTalk."""
    config = workspace.config
    if config.platform != "dingtalk" or not apps:
        return ""
    metered = _metered(workspace)
    used = sum(metered.values())
    quota = config.dingtalk.monthly_quota
    estimate = apps * per_app_estimate(metered)  # this month's calls an app, if more
    if estimate <= quota - used:
        return ""
    return t("batch.quota_warning", config.language, apps=apps, estimate=estimate,
             remaining=max(0, quota - used), quota=quota, used=used)


def summary_name(started: datetime, stages: list[str]) -> str:
    """A batch's own summary file: its UTC start (fixed width, so names sort by time) and its
    stages, with no character Windows refuses (``batch-20261124T024215.123456Z-assess-backup``)."""
    return SUMMARY_FILE.format(stamp=started.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ"),
                               stages="-".join(stages))


def _run_locked(workspace: Workspace, stages: list[str], apps: str, parameters: dict,
                per_app: list[str], plan: dict | None, *, workers: int, timeout: float | None,
                force: bool, executor: str, scheduler: str, quiet: bool) -> BatchSummary:
    started = datetime.now(UTC)
    batch_id = f"{started.isoformat(timespec='microseconds')}-{uuid.uuid4().hex[:6]}"
    portfolio = None
    if "portfolio" in stages:
        values = {k: v for k, v in parameters.items() if k in notebook_parameters("portfolio")}
        pool = KernelPool(KERNEL, warmup_code(["portfolio"]))  # a kernel the timeout can stop
        try:
            result = run_stage(workspace, "portfolio", None, values, kernels=pool,
                               timeout=timeout)
        finally:
            pool.close()
        portfolio = StageOutcome("portfolio", "ok" if result.ok else "failed",
                                 str(result.notebook), result.error or "",
                                 round(result.seconds, 2), result.attempts, result.shown)
    if per_app and plan is None and not (portfolio and portfolio.status == "failed"):
        plan = plan_apps(workspace, apps, per_app)
    calls_before = _metered(workspace)
    warning = quota_warning(workspace, len(plan or {}) if per_app else 0)
    if warning and not quiet:
        print(warning, file=sys.stderr)
    outcomes = []
    if per_app and plan:
        submit, close = (_submit_dask(scheduler) if executor == "dask"
                         else _submit_local(max(1, min(workers, len(plan)))))
        try:
            futures = {submit(run_app, str(workspace.root), app, per_app,
                              {**parameters, **own}, batch_id, timeout, force): app
                       for app, own in plan.items()}
            _progress(workspace, plan, per_app, batch_id, futures, quiet)
            for future, app in futures.items():
                try:
                    outcomes.append(future.result())
                except Exception as exc:
                    outcomes.append(AppOutcome(app, error=exc.in_language(
                        workspace.config.language) if isinstance(exc, DecomkitError)
                        else f"{type(exc).__name__}: {exc}"))
        finally:
            close()
    path = workspace.path("runs") / summary_name(started, stages)  # kept: one per batch
    path.parent.mkdir(parents=True, exist_ok=True)
    calls = _metered(workspace) - calls_before
    summary = BatchSummary(outcomes, path, portfolio, {a.app_id: calls[a.app_id]
                                                       for a in outcomes}, warning)
    write_json(path, {
        "batch": batch_id, "finished": utcnow(), "stages": stages, "executor": executor,
        "workers": workers, "failed": summary.failed, "waiting": summary.waiting,
        "portfolio": asdict(portfolio) if portfolio else None,
        "quota_warning": warning, "shared_metered_calls": calls[""],
        "apps": {a.app_id: {**asdict(a), "failed": a.failed, "waiting": a.waiting,
                            "metered_calls": calls[a.app_id]}
                 for a in outcomes}})
    return summary
