"""The pipeline at organisation scale against the 32-app demo, in one run; prints the ratios.

For each size — the big one (default ``decomkit demo --apps 1000 --events 10000000``) and the
32-app demo (200,000 events) — on a fresh copy of its demo workspace:

1. the portfolio stage (``decomkit batch --stages portfolio``);
2. ``assess`` for every app (or, with ``--sample N``, for N of them: the 32-app demo's apps
   first, so that both sizes assess the same apps, then the candidates, then apps spread over
   the list), ``--workers 2``;
3. ``backup → approval → disable`` (a dry run) for the candidates that were assessed.

It prints per-notebook median and p95 seconds per stage, the wall time of each step, the peak
resident memory of the batch runner and of one kernel, and the big/small ratios the goals are
stated in (median ``01_assess`` over the same apps ≤ 1.2×, kernel peak ≤ 1.5×). From the
measured per-notebook cost it projects the whole pipeline for every app on 2 and on 16 cores.
With ``--executor dask`` (or ``both``) the same runs on a dask ``LocalCluster`` of 2
single-threaded workers, and the ledger states are compared with the local executor's.

Run: ``.venv/bin/python bench/scale.py`` (hours of work on 2 cores at full size: see
``--sample``), ``--quick`` for a small run (100 apps, 1 M events, 16 assessed per size).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent
CACHE = Path(__file__).resolve().parent / ".cache"
AS_OF = "2026-11-23"
REST = "backup,approval,disable"


# ------------------------------------------------------------------ memory


class TreeMemory:
    """Peak resident memory of a process tree's runner, workers and kernels, sampled."""

    def __init__(self) -> None:
        import psutil

        self._psutil = psutil
        self.runner = self.kernel = self.worker = 0
        self._stop = threading.Event()
        self._runner_pid: int | None = None
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def watch(self, pid: int) -> None:
        self._runner_pid = pid

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        psutil = self._psutil
        me = psutil.Process()
        while not self._stop.wait(0.2):
            with contextlib.suppress(psutil.Error):
                for proc in me.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        rss = proc.memory_info().rss
                        if proc.pid == self._runner_pid:
                            self.runner = max(self.runner, rss)
                            continue
                        line = " ".join(proc.cmdline())
                        parent = proc.parent()
                        if "decomkit.running.kernels" in line:
                            if parent and "decomkit.running.kernels" in " ".join(parent.cmdline()):
                                self.kernel = max(self.kernel, rss)  # a forked kernel
                        elif "spawn_main" in line or "distributed" in line:
                            self.worker = max(self.worker, rss)


# ------------------------------------------------------------------ one size


@dataclass
class SizeRun:
    label: str
    apps: int
    events: int
    steps: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, list[float]] = field(default_factory=dict)  # stage → per notebook
    by_app: dict[str, dict[str, float]] = field(default_factory=dict)  # stage → app → s
    kernels: dict[str, int] = field(default_factory=dict)  # step → peak of one kernel
    failed: list[str] = field(default_factory=list)
    candidates: int = 0
    assessed: int = 0
    runner: int = 0
    worker: int = 0
    snapshot_build: float = 0.0
    states: dict[str, str] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)  # app → metered DingTalk calls
    # --dingtalk: each stage run (one batch, each app in a kernel of its own) → app → calls
    stage_calls: dict[str, dict[str, int]] = field(default_factory=dict)
    call_names: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # … → names
    outcomes: dict[str, dict[str, str]] = field(default_factory=dict)  # stage run → app → status
    imported: int = 0  # metered calls of the DingTalk import (scopes and admins) before


def template(apps: int, events: int) -> Path:
    """A demo workspace built once per size (cached under bench/.cache/)."""
    root = CACHE / f"scale-{apps}-{events}"
    if not (root / "decomkit.toml").exists():
        print(f"building a demo workspace: {apps} apps, {events:,} events …", flush=True)
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run([str(BIN / "decomkit"), "demo", str(root), "--apps", str(apps),
                        "--events", str(events), "--as-of", AS_OF], check=True,
                       capture_output=True)
    return root


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def batch(workspace: Path, stages: str, apps: str, run: SizeRun, executor: list[str],
          label: str = "") -> None:
    """One ``decomkit batch`` call; its per-notebook seconds and peaks are added to ``run``,
    its metered DingTalk calls per app to ``run.stage_calls[label or stages]``."""
    with TreeMemory() as memory:
        _batch(workspace, stages, apps, memory, run, executor, label or stages)
    run.kernels[stages] = max(run.kernels.get(stages, 0), memory.kernel)
    run.runner, run.worker = max(run.runner, memory.runner), max(run.worker, memory.worker)


def _batch(workspace: Path, stages: str, apps: str, memory: TreeMemory, run: SizeRun,
           executor: list[str], label: str) -> None:
    before = set((workspace / "runs").glob("batch-*.json"))  # each batch writes its own summary
    meter = workspace / "platform" / "dingtalk-calls.jsonl"
    metered = len(meter.read_text("utf-8").splitlines()) if meter.exists() else 0
    dated = ["-p", "as_of", AS_OF] if stages in ("portfolio", "assess") else []
    started = time.perf_counter()
    proc = subprocess.Popen([str(BIN / "decomkit"), "batch", str(workspace), "--stages", stages,
                             "--apps", apps, "--workers", "2", *dated, "--quiet", *executor],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    memory.watch(proc.pid)
    _, err = proc.communicate()
    run.steps[stages] = run.steps.get(stages, 0.0) + time.perf_counter() - started
    written = sorted(set((workspace / "runs").glob("batch-*.json")) - before)
    if not written:
        raise SystemExit(f"decomkit batch --stages {stages} failed: "
                         f"{err.decode(errors='replace')[-2000:]}")
    summary = json.loads(written[-1].read_text("utf-8"))
    outcomes = [("", summary["portfolio"])] if summary.get("portfolio") else []
    outcomes += [(app, s) for app, a in summary["apps"].items() for s in a["stages"]]
    if meter.exists():  # which calls, by app, this stage run made
        names = run.call_names.setdefault(label, {})
        for line in meter.read_text("utf-8").splitlines()[metered:]:
            entry = json.loads(line)
            names.setdefault(entry["app"], []).append(entry["call"])
    run.outcomes.setdefault(label, {}).update(
        {app: ",".join(s["status"] for s in a["stages"]) or ("error: " + str(a.get("error")))
         for app, a in summary["apps"].items()})
    stage_calls = run.stage_calls.setdefault(label, {})
    for app, data in summary["apps"].items():
        run.calls[app] = run.calls.get(app, 0) + data.get("metered_calls", 0)
        stage_calls[app] = stage_calls.get(app, 0) + data.get("metered_calls", 0)
    run.calls[""] = run.calls.get("", 0) + summary.get("shared_metered_calls", 0)
    stage_calls[""] = stage_calls.get("", 0) + summary.get("shared_metered_calls", 0)
    for app, outcome in outcomes:
        if outcome["status"] in ("ok", "failed"):
            run.seconds.setdefault(outcome["stage"], []).append(outcome["seconds"])
            run.by_app.setdefault(outcome["stage"], {})[app] = outcome["seconds"]
        if outcome["status"] == "failed":
            run.failed.append(f"{outcome['stage']}: {outcome['detail'][:120]}")


def app_file(workspace: Path, apps: list[str], name: str) -> str:
    path = workspace / name
    path.write_text("app_id\n" + "".join(f"{a}\n" for a in apps), encoding="utf-8")
    return str(path)


def prepare(label: str, apps: int, events: int, executor: list[str], tmp: Path
            ) -> tuple[SizeRun, Path]:
    """A fresh copy of the size's demo: its first validating read, then the portfolio."""
    from decomkit.inventory.snapshot import CACHE as SNAPSHOTS
    from decomkit.inventory.snapshot import open_snapshot

    run = SizeRun(label, apps, events)
    workspace = tmp / f"{label}-{'dask' if executor else 'local'}"
    shutil.copytree(template(apps, events), workspace)
    shutil.rmtree(workspace / SNAPSHOTS, ignore_errors=True)  # the first read validates
    if DINGTALK:
        on_strict_server(workspace)
    started = time.perf_counter()
    open_snapshot(workspace)
    run.snapshot_build = time.perf_counter() - started
    if DINGTALK and IMPORT[0]:
        import_scopes(workspace, run)
    batch(workspace, "portfolio", "all", run, executor)
    return run, workspace


DINGTALK: list = []  # --dingtalk: the strict local DingTalk server (tests/fake_dingtalk.py)
SERVERS: dict[Path, tuple] = {}  # workspace → its strict server, app id → agentId


def on_strict_server(workspace: Path) -> None:
    """Point ``workspace`` at a strict local DingTalk server holding its inventory as an
    organisation (the one tests/test_dingtalk.py uses), so every call is metered."""
    import os
    import runpy

    from decomkit.context.workspace import Workspace

    # the tests' strict server, run from its file (the tests folder is not a package)
    fake = runpy.run_path(str(Path(__file__).resolve().parents[1] / "tests" / "fake_dingtalk.py"))
    inventory = Workspace.open(workspace).inventory(["usage_events", "users"])
    org, agent_ids = fake["organisation_from_inventory"](inventory, admins={"it-admin"})
    org.users.setdefault("it-admin", fake["User"]("it-admin", "IT 管理员",
                                                  [next(iter(org.departments))]))
    for app in org.apps.values():  # the operator is an admin of every app (a managing role)
        app.admins.add("it-admin")
    # the approval template, made as 'decomkit dingtalk create-template' would
    from decomkit.platforms.dingtalk_form import TEMPLATE_NAME, form_components

    org.templates["PROC-BENCH"] = {"name": TEMPLATE_NAME, "formComponents": form_components(),
                                   "gmtModified": "2026-11-01T09:00Z"}
    server = fake["FakeDingTalk"](org).start()
    DINGTALK.append(server)
    SERVERS[workspace] = (server, agent_ids)
    os.environ["DECOMKIT_DINGTALK_APP_KEY"] = fake["APP_KEY"]  # the local server's test app
    os.environ["DECOMKIT_DINGTALK_APP_SECRET"] = fake["APP_SECRET"]
    # the kit's own app sends the notices; no advance notice period, so the disable follows
    # the approval at once (the notices before and after are sent all the same)
    server.configure(workspace, agent_ids, more=(
        ('process_code = ""', 'process_code = "PROC-BENCH"'), ("agent_id = 0 ", "agent_id = 1 "),
        ("advance_days = 7", "advance_days = 0")))


IMPORT = [True]  # --dingtalk: import the scopes and admins first (--no-import: not)


def import_scopes(workspace: Path, run: SizeRun) -> None:
    """``decomkit import dingtalk --tables scopes,admins``, as an organisation does before
    its portfolio: its calls (every app's scope and roles, the contacts) are shown apart."""
    meter = workspace / "platform" / "dingtalk-calls.jsonl"
    before = len(meter.read_text("utf-8").splitlines()) if meter.exists() else 0
    subprocess.run([str(BIN / "decomkit"), "import", "dingtalk", str(workspace), "--tables",
                    "scopes,admins", "--quiet", "--qps", "0"], check=True, capture_output=True)
    lines = meter.read_text("utf-8").splitlines()[before:] if meter.exists() else []
    run.imported = len(lines)


def choose(run: SizeRun, workspace: Path, sample: int | None, first: list[str]) -> list[str]:
    """Apps to assess: ``first`` (the small demo's, so both sizes assess the same apps), the
    candidates, then others spread over the list up to ``sample``."""
    import pandas as pd

    from decomkit.context.workspace import Workspace

    candidates = list(pd.read_csv(workspace / "candidates.csv", dtype=str)["app_id"])
    every = sorted(Workspace.open(workspace).inventory([]).apps["app_id"])
    chosen = list(dict.fromkeys([a for a in first if a in every] + candidates))
    rest = [a for a in every if a not in chosen]
    if sample is not None and sample < len(every):
        step = max(1, len(rest) // max(1, sample - len(chosen)))
        chosen += rest[::step][: max(0, sample - len(chosen))]
    else:
        chosen += rest
    run.candidates, run.assessed = len(candidates), len(chosen)
    return chosen


def pipeline(sizes: list[tuple[str, int, int]], sample: int | None, executor: list[str],
             tmp: Path, rounds: int = 4) -> list[SizeRun]:
    """Every size through the pipeline. The sizes take turns, a slice of their apps at a time,
    so a change in the machine's load falls on both alike."""
    import pandas as pd

    from decomkit.context.workspace import Workspace

    prepared = [prepare(label, apps, events, executor, tmp) for label, apps, events in sizes]
    first = sorted(Workspace.open(prepared[-1][1]).inventory([]).apps["app_id"])[:sample]
    plans = [(run, ws, choose(run, ws, sample, first)) for run, ws in prepared]
    for turn in range(rounds):
        for run, ws, chosen in plans:
            if chosen[turn::rounds]:
                batch(ws, "assess", app_file(ws, chosen[turn::rounds], f"bench-{turn}.csv"),
                      run, executor)
    candidates = [list(pd.read_csv(ws / "candidates.csv", dtype=str)["app_id"])
                  for _, ws, _ in plans]
    for turn in range(0 if DINGTALK else 2):
        for (run, ws, _), theirs in zip(plans, candidates, strict=True):
            if theirs[turn::2]:
                batch(ws, REST, app_file(ws, theirs[turn::2], f"bench-rest-{turn}.csv"), run,
                      executor)
    for (run, ws, _), theirs in zip(plans, candidates, strict=True):
        if DINGTALK and theirs:
            lifecycle(run, ws, theirs[:LIFECYCLE[0]], executor)
    for run, ws, _ in plans:
        with Workspace.open(ws).ledger() as ledger:
            run.states = ledger.states()
    return [run for run, _, _ in plans]


LIFECYCLE = [3]  # --dingtalk: candidates taken through the whole lifecycle (--lifecycle)


def lifecycle(run: SizeRun, workspace: Path, apps: list[str], executor: list[str]) -> None:
    """On the strict server, each stage after the assessment as a batch of its own (each app
    in a kernel of its own, as in production), the approvers agreeing on the server between
    the request and its tracking; the disable is real (confirmed in the app file)."""
    import pandas as pd

    from decomkit.context.workspace import Workspace
    from decomkit.platforms.manual import ManualPlatform

    server, agent_ids = SERVERS[workspace]
    inventory = Workspace.open(workspace).inventory([]).apps
    own = inventory[(inventory["kind"] == "self_built") & (inventory["status"] == "enabled")
                    & inventory["alternative"].notna()]
    self_built = [a for a in own["app_id"] if a not in apps][:1]
    if self_built:  # one self-built app too (disabled by API), retired by the analyst
        retire = workspace / "bench-retire.csv"
        pd.DataFrame({"app_id": self_built, "decision": "retire",
                      "override_reason": "bench: a self-built app through the lifecycle"}
                     ).to_csv(retire, index=False)
        batch(workspace, "assess", str(retire), run, executor, "assess: retire")
    apps = [*apps, *self_built]
    chosen = app_file(workspace, apps, "bench-lifecycle.csv")
    batch(workspace, "backup", chosen, run, executor)
    batch(workspace, "approval", chosen, run, executor, "approval: request")
    for instance_id, instance in list(server.instances.items()):  # they agree in the app
        if instance["status"] == "RUNNING":
            for user in instance["approverUserIds"]:
                server.act(instance_id, user, "agree", "同意")
    batch(workspace, "approval", chosen, run, executor, "approval: tracked")
    real = workspace / "bench-disable.csv"
    pd.DataFrame({"app_id": apps, "dry_run": "false", "confirm": apps}).to_csv(real, index=False)
    batch(workspace, "disable", str(real), run, executor, "disable")
    # a third-party app is disabled in the console: the operator does it and confirms it
    steps = ManualPlatform(workspace / "platform").pending()
    confirmed: dict[str, dict] = {}
    for key in steps:  # one step an app a run (the disable, or the end of an association)
        app = key.split(":", 1)[0]
        if app in apps and app not in confirmed:
            evidence = workspace / f"bench-console-{app}.png"  # a screenshot per step
            evidence.write_bytes(f"a screenshot of the console: {key}".encode())
            if key.endswith(":disable"):
                server.org.apps[agent_ids[app]].app_status = 0
            confirmed[app] = {"app_id": app, "dry_run": "false", "confirm": app,
                              "step_done": key, "done_by": "王伟", "evidence": str(evidence)}
    print(f"  console steps confirmed: {', '.join(c['step_done'] for c in confirmed.values())}",
          flush=True)
    confirmed_rows = list(confirmed.values())
    if confirmed_rows:
        after = workspace / "bench-disable-after.csv"
        pd.DataFrame(confirmed_rows).to_csv(after, index=False)
        batch(workspace, "disable", str(after), run, executor, "disable: after console")
    batch(workspace, "review", chosen, run, executor)


# ------------------------------------------------------------------ report


def mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def report(run: SizeRun) -> None:
    print(f"\n== {run.label}: {run.apps} apps, {run.events:,} events; {run.assessed} assessed, "
          f"{run.candidates} candidates")
    print(f"first validating read into the snapshot: {run.snapshot_build:.1f} s")
    for stage, values in run.seconds.items():
        print(f"  {stage:<9} {len(values):>4} notebooks  median {statistics.median(values):6.2f} s"
              f"  p95 {percentile(values, 0.95):6.2f} s")
    for step, seconds in run.steps.items():
        print(f"  wall: {step:<26} {seconds:7.1f} s")
    print(f"  wall total {sum(run.steps.values()):.1f} s; peak memory: runner {mib(run.runner)},"
          f" one worker {mib(run.worker)}; one kernel: " + ", ".join(
              f"{step} {mib(peak)}" for step, peak in run.kernels.items()))
    for line in run.failed[:5]:
        print(f"  failed: {line}")
    if run.calls:
        per_app = {a: n for a, n in run.calls.items() if a}
        values = sorted(per_app.values()) or [0]
        print(f"  metered DingTalk calls per app (strict server): median "
              f"{statistics.median(values)}, max {values[-1]} over {len(per_app)} apps; "
              f"shared {run.calls.get('', 0)}; total {sum(run.calls.values())}")
        print(f"  the DingTalk import of scopes and admins before the portfolio: {run.imported} "
              "metered calls (every app of the organisation, once)")
        print(stage_table(run.stage_calls))
        lifecycle_apps = {a for label, calls in run.stage_calls.items() if label != "assess"
                          for a, n in calls.items() if a and n}
        for app in sorted(lifecycle_apps):
            print(f"  {app} ({run.states.get(app, '?')}):")
            for label, names in run.call_names.items():
                if names.get(app):
                    print(f"    {label:<20} [{run.outcomes.get(label, {}).get(app, '')}] "
                          + ", ".join(sorted(names[app])))
        for label, names in run.call_names.items():
            if names.get(""):
                print(f"  shared, {label:<20} " + ", ".join(sorted(names[""])))


def stage_table(stage_calls: dict[str, dict[str, int]]) -> str:
    """Metered calls per app (rows) and stage run (columns), each app's total, and the calls
    that serve every app of a stage run ("shared")."""
    stages = list(stage_calls)
    apps = sorted({a for calls in stage_calls.values() for a in calls if a})
    width = max([len(s) for s in stages] + [6])
    lines = ["  " + f"{'app':<18}" + "".join(f"{s:>{width + 1}}" for s in stages)
             + f"{'total':>{width + 1}}"]
    for app in [*apps, ""]:
        row = [stage_calls[s].get(app, 0) for s in stages]
        lines.append("  " + f"{app or '(shared)':<18}"
                     + "".join(f"{n:>{width + 1}}" for n in row) + f"{sum(row):>{width + 1}}")
    return "\n".join(lines)


def projection(run: SizeRun, cores: int) -> float:
    """Seconds for the whole pipeline of every app from the measured per-notebook cost:
    the portfolio once, assess for every app, the rest for every candidate, ``cores`` at once."""
    mean = {s: statistics.fmean(v) for s, v in run.seconds.items()}
    per_app = mean.get("assess", 0.0) * run.apps
    per_candidate = sum(mean.get(s, 0.0) for s in REST.split(",")) * run.candidates
    return mean.get("portfolio", 0.0) + (per_app + per_candidate) / cores


def compare(big: SizeRun, small: SizeRun) -> None:
    def ratio(stage: str) -> str:
        """Medians over the apps both sizes ran the stage for (the same apps)."""
        common = set(big.by_app.get(stage, {})) & set(small.by_app.get(stage, {}))
        if not common:
            return "n/a"
        value = (statistics.median(big.by_app[stage][a] for a in common)
                 / statistics.median(small.by_app[stage][a] for a in common))
        return f"{value:.2f} over {len(common)} apps"

    print(f"\n== ratios {big.label} / {small.label}")
    print(f"median 01_assess: {ratio('assess')}  (goal ≤ 1.2)")
    for stage in ("portfolio", *REST.split(",")):
        print(f"median {stage}: {ratio(stage)}")
    for step, peak in small.kernels.items():
        if peak and big.kernels.get(step):
            goal = "  (goal ≤ 1.5)" if step == "assess" else ""
            print(f"peak memory of one kernel, {step}: {big.kernels[step] / peak:.2f}{goal}")
    for cores in (2, 16):
        print(f"projected whole pipeline for {big.apps} apps on {cores} cores: "
              f"{projection(big, cores) / 60:.1f} min" + ("  (goal ≤ 20 min)" if cores == 2
                                                            else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--small-apps", type=int, default=32)
    parser.add_argument("--small-events", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=None,
                        help="assess this many apps per size (the demo's first); default all")
    parser.add_argument("--executor", choices=("local", "dask", "both"), default="both")
    parser.add_argument("--dingtalk", action="store_true",
                        help="run the demo size only, on the strict local DingTalk server: "
                             "portfolio, assess, then the whole lifecycle of --lifecycle "
                             "candidates (a batch per stage, approvals given on the server); "
                             "prints metered calls per app and stage")
    parser.add_argument("--no-import", action="store_true",
                        help="with --dingtalk: no DingTalk import of scopes and admins first")
    parser.add_argument("--lifecycle", type=int, default=3,
                        help="with --dingtalk: candidates taken through the whole lifecycle")
    parser.add_argument("--quick", action="store_true",
                        help="100 apps, 1 M events, 16 assessed per size")
    args = parser.parse_args()
    if args.quick:
        args.apps, args.events, args.sample = 100, 1_000_000, args.sample or 16

    DINGTALK.extend([None] if args.dingtalk else [])
    LIFECYCLE[0] = args.lifecycle
    IMPORT[0] = not args.no_import
    executors = {"local": [[]], "dask": [None], "both": [[], None]}[args.executor]
    with tempfile.TemporaryDirectory() as tmp:
        states = {}
        for chosen in executors:
            cluster = None
            if chosen is None:
                from distributed import LocalCluster

                cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
                chosen = ["--executor", "dask", "--scheduler", cluster.scheduler_address]
            name = "dask LocalCluster(2 workers)" if cluster else "local --workers 2"
            print(f"\n######## executor: {name}", flush=True)
            try:
                started = time.perf_counter()
                sizes = [("demo", args.small_apps, args.small_events)]
                if not args.dingtalk:  # on DingTalk: calls per app, at the demo's size
                    sizes.insert(0, ("big", args.apps, args.events))
                runs = pipeline(sizes, args.sample, chosen, Path(tmp))
                total = time.perf_counter() - started
            finally:
                if cluster is not None:
                    cluster.close()
            for each in runs:
                report(each)
            if len(runs) == 2:
                compare(*runs)
            print(f"total wall time of this executor's run: {total / 60:.1f} min")
            states[name] = tuple(each.states for each in runs)
        if len(states) == 2:
            (a, b) = states.values()
            print(f"\nledger states equal between local and dask: {a == b}")


if __name__ == "__main__":
    main()
