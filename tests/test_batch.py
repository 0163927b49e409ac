"""decomkit batch: parallel per-app stage chains, failure isolation, resuming, dask."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from decomkit.context.workspace import Workspace
from decomkit.core.errors import InputError
from decomkit.running.batch import SUMMARY_GLOB, run_batch
from decomkit.running.kernels import KernelPool
from decomkit.running.runs import KERNEL, execute
from helpers import close_jxc_documents, no_advance_notice, replacement_reachable

BIN = Path(sys.executable).parent / "decomkit"
RETIRE = ["jxc", "scm-legacy", "bi-pro"]  # the demo's assessment says retire for these


def batch(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), "batch", *args, "--quiet"], capture_output=True,
                          text=True, timeout=timeout)


def summary_of(workspace: Workspace) -> dict:
    """The latest batch's summary (each batch keeps its own; their names sort by time)."""
    latest = max((workspace.root / "runs").glob(SUMMARY_GLOB))
    return json.loads(latest.read_text("utf-8"))


def statuses(summary: dict) -> dict[tuple[str, str], str]:
    return {(app, s["stage"]): s["status"] for app, a in summary["apps"].items()
            for s in a["stages"]}


def test_one_failing_app_never_stops_the_others_and_disable_is_real_only_per_app(demo, as_of):
    no_advance_notice(demo)  # planned for today; the notice has tests of its own (test_notice)
    close_jxc_documents(demo)  # its open documents too (test_open_documents)
    replacement_reachable(demo)  # and 仓储管理WMS open to all it affects (test_replacement)
    apps = demo.root / "apps.csv"
    apps.write_bytes(b"app_id,decision,dry_run,confirm\njxc,,false,jxc\ncrm,retire,,\n"
                     b"scm-legacy,,,\n")
    done = batch(str(demo.root), "--stages", "assess,backup,approval,disable", "--apps",
                 str(apps), "-p", "as_of", str(as_of), "-p", "wait_seconds", "4")
    assert done.returncode == 1, done.stdout + done.stderr
    summary = summary_of(demo)
    assert summary["failed"] == ["crm"]
    assert "override_reason" in summary["apps"]["crm"]["stages"][0]["detail"]
    assert (demo.root / "runs/crm/01_assess.ipynb").exists()  # the failed notebook is kept
    assert not (demo.root / "runs/crm/02_backup.ipynb").exists()  # its later stages wait
    with demo.ledger() as ledger:
        note = [e for e in ledger.events("crm") if e.kind == "note"][-1]
        assert note.data["event"] == "stage failed" and note.data["stage"] == "assess"
        assert ledger.state("jxc") == "verified_disabled"  # asked for, app by app
        assert ledger.state("scm-legacy") == "approved"  # a dry run changes nothing
    platform = demo.platform()
    assert platform.get_app("jxc").status == "unlinked"  # its plan: unlink the association
    assert platform.get_app("scm-legacy").status == "enabled"
    assert "失败" in done.stdout and "crm" in done.stdout  # FAILED, in a zh workspace


def test_unknown_and_batch_wide_parameters_are_refused_before_anything_runs(demo):
    secret = "SENTINEL-4d1c"
    done = batch(str(demo.root), "--apps", "jxc", "-p", "robot_secret", secret)
    assert done.returncode == 1 and "「robot_secret」:不是" in done.stderr  # the zh workspace
    assert secret not in done.stdout + done.stderr
    done = batch(str(demo.root), "--apps", "jxc", "-p", "dry_run", "false")
    assert "不能对整个批量运行统一给出" in done.stderr
    done = batch(str(demo.root), "--apps", "jxc", "-p", "interactive", "maybe")
    assert "参数 'interactive' 的值不是真假值" in done.stderr
    assert "maybe" not in done.stderr  # named by parameter, never echoed
    assert not (demo.root / "runs/_portfolio").exists()
    assert not (demo.root / "runs/jxc").exists()


def test_a_bad_apps_file_names_file_row_and_column(demo):
    apps = demo.root / "apps.csv"  # GBK, as a spreadsheet on a Chinese desktop saves it
    apps.write_bytes("app_id,dry_run,备注\njxc,也许,\nnope,,\n".encode("gbk"))
    with pytest.raises(InputError) as caught:
        run_batch(demo, ["assess", "disable"], str(apps))
    text = str(caught.value)
    assert "apps.csv, row 2, column 'dry_run': parameter 'dry_run' is not a bool" in text
    assert "也许" not in text
    assert "apps.csv, row 3, column 'app_id': 'nope' is not an app" in text
    assert "column '备注': is not a parameter" not in text  # blank cells give nothing
    assert not (demo.root / "runs/jxc").exists()


def _ok_stages(root: Path) -> set[tuple[str, str]]:
    done = set()
    for path in (root / "runs").glob("*/batch.json"):
        for stage, entry in json.loads(path.read_text("utf-8"))["stages"].items():
            if entry["status"] == "ok":
                done.add((path.parent.name, stage))
    return done


def test_a_killed_batch_rerun_finishes_only_what_was_left(demo, as_of):
    args = [str(BIN), "batch", str(demo.root), "--stages", "assess,backup", "--apps",
            ",".join(RETIRE), "--workers", "1", "-p", "as_of", str(as_of), "--quiet"]
    first = subprocess.Popen(args, start_new_session=True, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while len(_ok_stages(demo.root)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    finished = _ok_stages(demo.root)
    assert 2 <= len(finished) < 2 * len(RETIRE), finished  # killed part-way

    done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    result = statuses(summary_of(demo))
    assert {k for k, v in result.items() if v == "earlier"} == finished
    assert {k for k, v in result.items() if v == "ok"} == {
        (app, stage) for app in RETIRE for stage in ("assess", "backup")} - finished
    with demo.ledger() as ledger:
        assert {ledger.state(app) for app in RETIRE} == {"backup_verified"}
        ledger.verify()


def test_force_runs_finished_stages_again(demo, as_of):
    first = run_batch(demo, ["assess"], "jxc", {"as_of": str(as_of)}, quiet=True)
    again = run_batch(demo, ["assess"], "jxc", {"as_of": str(as_of)}, quiet=True)
    assert again.apps[0].stages[0].status == "earlier"
    forced = run_batch(demo, ["assess"], "jxc", {"as_of": str(as_of)}, force=True, quiet=True)
    assert forced.apps[0].stages[0].status == "ok"
    changed = run_batch(demo, ["assess"], "jxc", {"as_of": str(as_of), "language": "en"},
                        quiet=True)
    assert changed.apps[0].stages[0].status == "ok"  # other parameters: not the same run
    # Each of the four batches kept its own summary; their names sort in the order they ran.
    batches = [first, again, forced, changed]
    assert sorted((demo.root / "runs").glob(SUMMARY_GLOB)) == [b.path for b in batches]
    kept = [json.loads(b.path.read_text("utf-8")) for b in batches]
    assert len({k["batch"] for k in kept}) == 4
    assert [k["apps"]["jxc"]["stages"][0]["status"] for k in kept] == [
        "ok", "earlier", "ok", "ok"]


def test_dask_cluster_reaches_the_same_ledger_states(demo, as_of, tmp_path):
    distributed = pytest.importorskip("distributed")
    twin = Workspace.open(shutil.copytree(demo.root, tmp_path / "twin"))
    stages, apps = ["assess", "backup"], "jxc,crm,doc-editor"
    local = run_batch(demo, stages, apps, {"as_of": str(as_of)}, quiet=True)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = run_batch(twin, stages, apps, {"as_of": str(as_of)}, executor="dask",
                           scheduler=cluster.scheduler_address, quiet=True)
    assert not local.failed and not remote.failed
    with demo.ledger() as a, twin.ledger() as b:
        assert a.states() == b.states()
        assert a.state("jxc") == "backup_verified"
    assert (twin.root / "runs/jxc/02_backup.ipynb").exists()


def _notebook(path: Path, source: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": KERNEL, "language": "python", "display_name": KERNEL}
    nbformat.write(nb, path)
    return path


@pytest.fixture
def kernels():
    pool = KernelPool(KERNEL)
    yield pool
    pool.close()


def test_a_dead_kernel_is_replaced_once(tmp_path, kernels):
    mark = tmp_path / "died-once"
    source = (f"import os, pathlib\nmark = pathlib.Path({str(mark)!r})\n"
              "if not mark.exists():\n    mark.touch()\n    os._exit(1)\nprint('second')")
    error, attempts = execute(_notebook(tmp_path / "die.ipynb", source), tmp_path / "out.ipynb",
                              {}, kernels=kernels, timeout=60)
    assert (error, attempts) == (None, 2)
    assert "second" in (tmp_path / "out.ipynb").read_text()
    error, attempts = execute(_notebook(tmp_path / "always.ipynb", "import os\nos._exit(1)"),
                              tmp_path / "out2.ipynb", {}, kernels=kernels, timeout=60)
    assert attempts == 2 and "the kernel died twice" in error
    assert (tmp_path / "out2.ipynb").exists()


def test_a_notebook_past_its_timeout_is_stopped_not_retried(tmp_path, kernels):
    started = time.monotonic()
    error, attempts = execute(_notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(60)"),
                              tmp_path / "out.ipynb", {}, kernels=kernels, timeout=3)
    assert attempts == 1 and error.startswith("timed out after 3 s")
    assert time.monotonic() - started < 30


def test_kernels_are_separate_processes_with_fresh_namespaces(tmp_path, kernels):
    out, pids = tmp_path / "out.ipynb", set()
    for value in ("first", "second"):
        source = (f"import os\nprint('seen' if 'value' in globals() else 'fresh', os.getpid())"
                  f"\nvalue = {value!r}")
        assert execute(_notebook(tmp_path / "ns.ipynb", source), out, {},
                       kernels=kernels, timeout=60) == (None, 1)
        printed = nbformat.read(out, as_version=4).cells[0].outputs[0].text.split()
        assert printed[0] == "fresh"
        pids.add(printed[1])
    assert len(pids) == 2 and str(os.getpid()) not in pids


def test_plain_papermill_lists_the_typed_parameters():
    done = subprocess.run([str(Path(sys.executable).parent / "papermill"), "--help-notebook",
                           "notebooks/01_assess.ipynb"], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    assert "app_id: str (default \"jxc\")" in done.stdout.replace("'", '"')
    assert "the app to assess" in done.stdout


# ------------------------------------------------------------------ a batch and its processes

def _descendants(pid: int) -> dict[int, str]:
    """Live processes below ``pid`` (Linux /proc): pid → command line."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = {}, list(children.get(pid, []))
    while todo:
        child = todo.pop()
        try:
            found[child] = (Path("/proc") / str(child) / "cmdline").read_bytes().replace(
                b"\0", b" ").decode()
        except OSError:
            continue
        todo += children.get(child, [])
    return found


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _start_batch(demo, as_of) -> tuple[subprocess.Popen, dict[int, str]]:
    """A batch with a notebook running in a kernel: (its process, its processes below it)."""
    args = [str(BIN), "batch", str(demo.root), "--stages", "assess,backup", "--apps",
            ",".join(RETIRE), "--workers", "2", "-p", "as_of", str(as_of), "--quiet"]
    proc = subprocess.Popen(args, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while True:
        below = _descendants(proc.pid)
        servers = {p for p, cmd in below.items() if "decomkit.running.kernels" in cmd}
        kernels = [p for p in servers if any(q in servers for q in _descendants(p))]
        if kernels:  # a worker, its fork server and a kernel forked from it
            return proc, below
        assert proc.poll() is None and time.monotonic() < deadline, "no kernel started"
        time.sleep(0.1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_batch_takes_its_workers_and_kernels_with_it(demo, as_of):
    proc, below = _start_batch(demo, as_of)
    try:
        assert len(below) >= 3 and proc.poll() is None  # still at work when killed
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 15
        while any(_alive(p) for p in below) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [cmd for p, cmd in below.items() if _alive(p)] == []
    finally:  # whatever the outcome, leave no process behind (kernels lead their own group)
        for pid in [proc.pid, *below]:
            with contextlib.suppress(ProcessLookupError):
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_second_batch_on_one_workspace_is_refused_at_once(demo, as_of):
    proc, _ = _start_batch(demo, as_of)
    try:
        second = batch(str(demo.root), "--stages", "portfolio,assess", "--apps", "crm",
                       "-p", "as_of", str(as_of), timeout=120)
        assert second.returncode == 1
        assert "无法在本工作区运行批处理" in second.stderr  # the demo's reader reads Chinese
        assert f"进程 {proc.pid}" in second.stderr and "请等它结束" in second.stderr
        assert not (demo.root / "runs" / "_portfolio").exists()  # it did nothing
        assert not (demo.root / "runs" / "crm").exists()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_the_quota_warning_takes_this_months_calls_per_app_when_they_are_more(demo):
    from decomkit.platforms.dingtalk_calls import CALLS_NAME, ESTIMATE_PER_APP, CallMeter
    from decomkit.running.batch import quota_warning

    config = demo.root / "decomkit.toml"
    config.write_text(config.read_text(encoding="utf-8")
                      .replace('platform = "sandbox"', 'platform = "dingtalk"')
                      .replace("monthly_quota = 10000", "monthly_quota = 1000"), encoding="utf-8")
    meter = CallMeter(demo.root / "platform" / CALLS_NAME)
    for app in ("a", "b", "c"):  # an assessment's history: 2 calls an app, 1 shared each
        for call in ("get_scope", "admin_access"):
            meter.record(app, call)
        meter.record("", "list_apps")
    left = 1000 - 9
    fits = left // ESTIMATE_PER_APP  # apps that fit at the fixed estimate
    # positive control: a month of cheap partial lifecycles never lowers the estimate
    workspace = Workspace.open(demo.root)
    assert quota_warning(workspace, fits) == ""
    assert quota_warning(workspace, fits + 1)
    per_app = 2 * ESTIMATE_PER_APP  # whole lifecycles that cost twice the fixed estimate
    for _ in range(3 * per_app - 9):
        meter.record("a", "get_approval")
    left = 1000 - 3 * per_app
    workspace = Workspace.open(demo.root)
    assert quota_warning(workspace, left // per_app) == ""
    warning = quota_warning(workspace, left // per_app + 1)  # fits at the fixed estimate
    assert (left // per_app + 1) * ESTIMATE_PER_APP <= left
    assert warning and str((left // per_app + 1) * per_app) in warning  # from the meter
