"""The dashboard's backstop: a Voila cell that does not finish in time ends the page with the
kit's bilingual message (``dashboard.TIMEOUT_MESSAGE``) instead of leaving it blank forever."""

from __future__ import annotations

import os
import subprocess
import time
from urllib.request import urlopen

import nbformat
import pytest

from decomkit.running.dashboard import TIMEOUT_MESSAGE, voila_command
from helpers import free_port, stop, wait_for

pytest.importorskip("voila")
CELL_TIMEOUT = 3  # seconds
SLEEP = 60  # the cell sleeps far longer than the timeout


def test_a_cell_that_runs_too_long_ends_the_page_with_the_timeout_message(tmp_path):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {
        "name": "decomkit", "display_name": "Python (decomkit)", "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell('print("first cell done")'),
                nbformat.v4.new_code_cell(f"import time\ntime.sleep({SLEEP})"),
                nbformat.v4.new_code_cell('print("never reached")')]
    notebook = tmp_path / "slow.ipynb"
    nbformat.write(nb, notebook)
    port = free_port()
    log = tmp_path / "voila.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            voila_command(notebook, port, open_browser=False, cell_timeout=CELL_TIMEOUT),
            env=dict(os.environ), cwd=tmp_path, stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/voila/static/voila.js", process, seconds=60)  # up; runs nothing
        started = time.monotonic()
        with urlopen(base + "/", timeout=SLEEP / 2) as response:  # the page, whole
            page = response.read().decode("utf-8")
        took = time.monotonic() - started
    finally:
        stop(process)
    assert TIMEOUT_MESSAGE in page, log.read_text(encoding="utf-8", errors="replace")
    assert "first cell done" in page and "never reached" not in page
    assert took < SLEEP / 2
