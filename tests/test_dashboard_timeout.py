"""The dashboard's backstop: a Voila cell that does not finish in time shows the kit's bilingual
message (``dashboard.TIMEOUT_MESSAGE``) instead of leaving the page blank forever. The dashboard
renders progressively: the page comes at once and each cell's output arrives on Voila's execution
websocket, which the test reads as the browser does."""

from __future__ import annotations

import json

import nbformat
import pytest

from decomkit.running.dashboard import TIMEOUT_MESSAGE
from helpers import voila_cells, voila_server

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
    log = tmp_path / "voila.log"
    with voila_server(notebook, log, seconds=60, cell_timeout=CELL_TIMEOUT) as base:
        # the page comes at once; its cells arrive one by one (progressive rendering)
        cells = voila_cells(base, seconds=SLEEP / 2, until=1)
    shown = {index: json.dumps(cell.get("outputs", []), ensure_ascii=False)
             for index, cell, _ in cells}
    assert TIMEOUT_MESSAGE in shown.get(1, ""), log.read_text(encoding="utf-8", errors="replace")
    assert "first cell done" in shown[0] and "never reached" not in "".join(shown.values())
    assert cells[-1][2] < SLEEP / 2
