"""The portfolio as a read-only Voila dashboard for managers.

``00_portfolio`` is prepared with its weight sliders on and nothing written to the ledger
(``record = False``), then served by Voila with the code hidden.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from decomkit.context.stage import WORKSPACE_ENV, open_stage
from decomkit.context.workspace import Workspace
from decomkit.core.errors import WorkspaceError
from decomkit.core.i18n import t
from decomkit.core.resources import templates_dir
from decomkit.core.said import said_error
from decomkit.records.overview import headline
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


TEMPLATE = "decomkit"  # templates/jupyter/voila/templates/decomkit: Voila's page + the first look


def prepare_dashboard(workspace: Workspace, language: str = "") -> Path:
    """``<workspace>/dashboard/00_portfolio.ipynb``, parameterized for the dashboard, carrying
    its first look (``first_look``) for the page to show before the kernel's output."""
    values = {**READ_ONLY, **({"language": language} if language else {})}
    path = prepare_stage(workspace, "portfolio", workspace.path("dashboard") / "00_portfolio.ipynb",
                         values)
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    notebook.metadata["decomkit"] = {"first_look": first_look(workspace, language)}
    nbformat.write(notebook, path)
    return path


def first_look(workspace: Workspace, language: str = "") -> str:
    """The headline as HTML (escaped), with a line saying the live figures follow: what the
    page shows at once, from the snapshot and the ledger as they were when the dashboard was
    prepared (the live page, shown seconds later, replaces it)."""
    stage = open_stage(str(workspace.root), language=language)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(headline(stage)))
    return (f"<p>{text}</p>"
            f'<p class="decomkit-wait">{html.escape(t("dashboard.loading", stage.language))}</p>')


def dashboard_env(workspace: Workspace | None = None) -> dict[str, str]:
    """The server's environment: the workspace, and the kit's Voila template (``voila_command``
    asks for it) on Jupyter's path, first so it is the one found."""
    path = os.pathsep.join(p for p in (str(templates_dir() / "jupyter"),
                                       os.environ.get("JUPYTER_PATH", "")) if p)
    where = {WORKSPACE_ENV: str(workspace.root)} if workspace is not None else {}
    return {**os.environ, **where, "JUPYTER_PATH": path}


def voila_command(notebook: Path, port: int, open_browser: bool,
                  cell_timeout: int = CELL_TIMEOUT_SECONDS) -> list[str]:
    voila = shutil.which("voila", path=str(Path(sys.executable).parent)) or shutil.which("voila")
    if voila is None:
        raise said_error(WorkspaceError, "run.needs_voila")
    return [voila, str(notebook), f"--port={port}", "--Voila.ip=127.0.0.1",
            "--strip_sources=True", "--progressive_rendering=True", f"--template={TEMPLATE}",
            f"--VoilaExecutor.timeout={cell_timeout}",
            f"--VoilaExecutor.cell_timeout_instruction={TIMEOUT_MESSAGE}",
            f"--VoilaExecutor.cell_error_instruction={ERROR_MESSAGE}",
            *([] if open_browser else ["--no-browser"])]


def serve_dashboard(workspace: Workspace, port: int = 8866, open_browser: bool = True,
                    language: str = "") -> int:
    """Serve the dashboard until interrupted; returns Voila's exit code."""
    notebook = prepare_dashboard(workspace, language)
    return run_server(voila_command(notebook, port, open_browser), dashboard_env(workspace),
                      notebook.parent)


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
