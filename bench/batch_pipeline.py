"""The pipeline for 20 demo apps, three ways, in one run; prints the ratios.

1. ``decomkit batch`` (2 workers, fork-server kernels);
2. a shell loop of ``papermill`` CLI calls — what a user would write;
3. serial in-process ``papermill.execute_notebook`` calls (one interpreter, a kernel each).

Each runs on its own fresh copy of the same demo workspace. The loops run exactly the notebooks
the batch ran (its gates decide which), in the same order. Goal on 2 cores: the batch at least
4× the CLI loop and 2× the serial loop.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STAGES = "assess,backup,approval,disable"
APPS = 20
AS_OF = "2026-11-23"


def timed(label: str, fn) -> float:
    started = time.perf_counter()
    fn()
    seconds = time.perf_counter() - started
    print(f"{label:<34} {seconds:7.1f} s", flush=True)
    return seconds


def notebooks_run(workspace: Path) -> list[tuple[str, str, str]]:
    """(app, stage notebook, parameters as papermill -p pairs) the batch executed, in order."""
    from decomkit.running.runs import STAGES as FILES

    latest = max((workspace / "runs").glob("batch-*.json"))  # each batch keeps its own summary
    summary = json.loads(latest.read_text("utf-8"))
    return [(app, FILES[s["stage"]], s["stage"]) for app, a in summary["apps"].items()
            for s in a["stages"] if s["status"] in ("ok", "failed")]


def parameters(workspace: Path, app: str, stage: str) -> dict:
    values = {"workspace": str(workspace), "app_id": app}
    if stage == "assess":
        values["as_of"] = AS_OF
    return values


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template"
        subprocess.run([str(BIN / "decomkit"), "demo", str(template), "--apps", str(APPS),
                        "--as-of", AS_OF], check=True, capture_output=True)
        copies = {name: Path(tmp) / name for name in ("batch", "cli", "serial")}
        for path in copies.values():
            shutil.copytree(template, path)

        batch = timed("decomkit batch --workers 2", lambda: subprocess.run(
            [str(BIN / "decomkit"), "batch", str(copies["batch"]), "--stages", STAGES,
             "--apps", "all", "--workers", "2", "-p", "as_of", AS_OF, "--quiet"],
            capture_output=True, check=False))
        plan = notebooks_run(copies["batch"])
        print(f"{len(plan)} notebooks for {APPS} apps (stages {STAGES})")

        def cli_loop() -> None:
            lines = []
            for app, notebook, stage in plan:
                out = copies["cli"] / "runs" / app / notebook
                out.parent.mkdir(parents=True, exist_ok=True)
                args = " ".join(f"-p {k} '{v}'" for k, v in
                                parameters(copies["cli"], app, stage).items())
                lines.append(f"{BIN / 'papermill'} --no-progress-bar -k decomkit "
                             f"{ROOT / 'notebooks' / notebook} '{out}' {args} "
                             ">/dev/null 2>&1 || true")
            subprocess.run(["bash", "-c", "\n".join(lines)], check=True)

        def serial_loop() -> None:
            from decomkit.running.runs import import_papermill

            papermill = import_papermill()
            for app, notebook, stage in plan:
                out = copies["serial"] / "runs" / app / notebook
                out.parent.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(papermill.PapermillExecutionError):
                    papermill.execute_notebook(str(ROOT / "notebooks" / notebook), str(out),
                                               parameters(copies["serial"], app, stage),
                                               kernel_name="decomkit", progress_bar=False)

        cli = timed("shell loop of papermill CLI calls", cli_loop)
        serial = timed("serial in-process papermill", serial_loop)
        print(f"batch vs CLI loop: {cli / batch:.1f}x (goal >= 4)")
        print(f"batch vs serial in-process: {serial / batch:.1f}x (goal >= 2)")
        states = {}
        for name, path in copies.items():
            from decomkit.context.workspace import Workspace

            with Workspace.open(path).ledger() as ledger:
                states[name] = ledger.states()
        same = states["batch"] == states["cli"] == states["serial"]
        print(f"ledger states equal across the three: {same}")


if __name__ == "__main__":
    main()
