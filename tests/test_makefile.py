"""The Makefile as a newcomer uses it, read by ``make -n`` (nothing is run)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from fnmatch import fnmatch
from pathlib import Path

import pytest

from decomkit.running.batch import summary_name

ROOT = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def dry_run(*args: str) -> list[str]:
    """The commands ``make -n`` would run. Under ``make test`` the outer make's flags and
    command-line variables (ARGS among them) reach us through the environment: left out."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "ARGS")}
    done = subprocess.run([str(MAKE), "-n", "--no-print-directory", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def pytest_command(lines: list[str]) -> str:
    found = [line for line in lines if " -m pytest" in line]
    assert len(found) == 1, lines
    return found[0]


def test_make_test_passes_args_to_pytest():
    in_two = " -m pytest -n 2 --dist loadfile"  # pytest-xdist: two processes, a file in each
    assert pytest_command(dry_run("test", "ARGS=-k browser")).endswith(in_two + " -k browser")
    assert pytest_command(dry_run("test")).rstrip().endswith(in_two)  # as before
    assert pytest_command(dry_run("test", "TEST_WORKERS=0")).rstrip().endswith(
        " -m pytest -n 0 --dist loadfile")  # in pytest's own process


def test_make_demo_names_the_pipeline_batch_summary():
    """The last lines name the pipeline's summary, not the review batch's that ran after it."""
    lines = dry_run("demo")
    pipeline, review = (re.search(r"--stages (\S+)", line)[1]
                        for line in lines if "decomkit batch " in line)
    echo = next(line for line in lines if "batch summary" in line)
    pattern = Path(re.search(r"\bls (\S+)", echo)[1])  # DEMO/runs/batch-*-<stages>.json
    assert pattern.parent.name == "runs"
    now = dt.datetime.now(dt.UTC)
    assert fnmatch(summary_name(now, pipeline.split(",")), pattern.name)
    assert not fnmatch(summary_name(now, review.split(",")), pattern.name)
