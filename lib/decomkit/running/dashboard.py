"""The portfolio as a read-only Voila dashboard for managers.

``00_portfolio`` is prepared with its weight sliders on and nothing written to the ledger
(``record = False``), then served by Voila with the code hidden.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from decomkit.context.stage import WORKSPACE_ENV
from decomkit.context.workspace import Workspace
from decomkit.core.errors import WorkspaceError
from decomkit.running.runs import prepare_stage

READ_ONLY = {"interactive": True, "record": False}
# Voila waits for a cell without limit by default: a cell that never ends leaves a manager in front
# of a blank page. After this long the page says so instead. It also bounds the cost of a reply
# that lost its wake-up in nbclient (docs/upstream-output-widget-hang.md: the reply is found when
# the timer fires, one timeout late); the widgets no longer cause that, but a third-party one could.
# The portfolio's heaviest cell takes a few seconds at 1,000 apps.
CELL_TIMEOUT_SECONDS = 120
TIMEOUT_MESSAGE = ("The dashboard took too long to prepare; reload the page, or ask IT to check "
                   "the server. / 仪表板准备超时,请刷新页面,或请 IT 检查服务器。")
ERROR_MESSAGE = ("Part of the dashboard could not be shown; ask IT to check the server's log. / "
                 "仪表板的一部分无法显示,请 IT 查看服务器日志。")


def prepare_dashboard(workspace: Workspace, language: str = "") -> Path:
    """``<workspace>/dashboard/00_portfolio.ipynb``, parameterized for the dashboard."""
    values = {**READ_ONLY, **({"language": language} if language else {})}
    return prepare_stage(workspace, "portfolio", workspace.path("dashboard") / "00_portfolio.ipynb",
                         values)


def voila_command(notebook: Path, port: int, open_browser: bool,
                  cell_timeout: int = CELL_TIMEOUT_SECONDS) -> list[str]:
    voila = shutil.which("voila", path=str(Path(sys.executable).parent)) or shutil.which("voila")
    if voila is None:
        raise WorkspaceError("Voila is not installed: pip install 'decomkit[dashboard]'")
    return [voila, str(notebook), f"--port={port}", "--Voila.ip=127.0.0.1",
            "--strip_sources=True", "--progressive_rendering=True",
            f"--VoilaExecutor.timeout={cell_timeout}",
            f"--VoilaExecutor.cell_timeout_instruction={TIMEOUT_MESSAGE}",
            f"--VoilaExecutor.cell_error_instruction={ERROR_MESSAGE}",
            *([] if open_browser else ["--no-browser"])]


def serve_dashboard(workspace: Workspace, port: int = 8866, open_browser: bool = True,
                    language: str = "") -> int:
    """Serve the dashboard until interrupted; returns Voila's exit code."""
    notebook = prepare_dashboard(workspace, language)
    env = {**os.environ, WORKSPACE_ENV: str(workspace.root)}
    return run_server(voila_command(notebook, port, open_browser), env, notebook.parent)


FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
STOP_WAIT_SECONDS = 20  # after a forwarded signal, before the server is killed


def run_server(command: list[str], env: dict[str, str], cwd: Path) -> int:
    """Run the server ``command`` until it ends, taking it down with this process: SIGTERM,
    SIGINT and SIGHUP are passed on to it and waited for (killed if it does not end within
    ``STOP_WAIT_SECONDS``), so stopping ``decomkit dashboard`` never leaves Voila serving."""
    process = subprocess.Popen(command, env=env, cwd=cwd)
    stopping: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        stopping.append(signum)
        if process.poll() is None:
            process.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in FORWARDED}
    try:
        while True:
            try:
                return process.wait(timeout=STOP_WAIT_SECONDS if stopping else None)
            except subprocess.TimeoutExpired:
                process.kill()
    finally:
        if process.poll() is None:  # this process is ending for another reason
            process.kill()
            process.wait()
        for s, handler in previous.items():
            signal.signal(s, handler)
