"""Debian's chromium for the browser tests: where it is missing they are skipped with one line
saying what to install; under CI its absence fails the run instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROBE = "test_chromium_renders_a_page_headless"
# The probe and the repository's own browser tests, run without chromium on PATH.
BROWSER_TESTS = [
    f"tests/{Path(__file__).name}::{PROBE}",
    "tests/test_review_records.py::test_the_dossier_opens_in_chromium_and_shows_its_charts",
    "tests/test_browser.py::test_the_voila_dashboard_is_live_and_read_only",
]


def test_chromium_renders_a_page_headless(chromium_path, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><meta charset=utf-8><p id=x>停用指南</p>"
                    "<script>document.getElementById('x').dataset.ran = 'yes'</script>",
                    encoding="utf-8")
    done = subprocess.run([chromium_path, "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-background-networking", "--no-first-run",
                           f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                           page.as_uri()], capture_output=True, text=True, timeout=120)
    assert 'data-ran="yes"' in done.stdout and "停用指南" in done.stdout


def run_without_chromium(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env["PATH"] = str(Path(sys.executable).parent)  # the environment's tools only
    if ci is not None:
        env["CI"] = ci
    assert shutil.which("chromium", path=env["PATH"]) is None
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                           f"--basetemp={tmp_path / 'run'}", *BROWSER_TESTS],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_without_chromium_the_browser_tests_are_skipped_with_one_line(tmp_path):
    done = run_without_chromium(tmp_path, ci=None)
    assert done.returncode == 0, done.stdout + done.stderr
    reasons = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(reasons) == 1, reasons  # one line for all of them, saying what to install
    assert "[3]" in reasons[0] and "apt-get install chromium" in reasons[0]
    assert "3 skipped" in done.stdout.splitlines()[-1]
    assert "Error" not in done.stdout and "Traceback" not in done.stdout


@pytest.mark.parametrize("ci", ["true", "1"])
def test_under_ci_a_missing_chromium_fails_the_run(tmp_path, ci):
    done = run_without_chromium(tmp_path, ci=ci)
    summary = done.stdout.splitlines()[-1]
    assert done.returncode == 1, done.stdout + done.stderr
    assert "3 error" in summary and "skipped" not in summary
    assert "apt-get install chromium" in done.stdout
