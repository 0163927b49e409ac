"""Shared fixtures: a demo workspace built once per session, and empty workspaces."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
from pathlib import Path

import pytest

from decomkit.context.workspace import Workspace, init_workspace
from decomkit.running.demo import build_demo
from helpers import replacement_reachable, set_config

AS_OF = dt.date(2026, 11, 23)
CHROMIUM_MISSING = ("chromium not found on PATH: install Debian's chromium "
                    "(`apt-get install chromium`), or run `make test` as root, which installs it")


def running_in_ci() -> bool:
    """CI services set CI=true (and .ci/run does too): there a missing browser is a failure."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium for every browser test (records, JupyterLab, Voila, PDF).

    Missing, the test is skipped with one line saying what to install; under CI it fails instead,
    so CI can never pass without having run the browser tests."""
    path = shutil.which("chromium")
    if path is None:
        if running_in_ci():
            pytest.fail(CHROMIUM_MISSING + " (CI is set: browser tests may not be skipped)",
                        pytrace=False)
        pytest.skip(CHROMIUM_MISSING)
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Every browser test skipped for want of chromium reports the same place, so pytest's
    summary folds them into one line: ``SKIPPED [n] tests/conftest.py: chromium not found…``."""
    report = yield
    if report.skipped and isinstance(report.longrepr, tuple) \
            and CHROMIUM_MISSING in str(report.longrepr[2]):
        report.longrepr = (__file__, None, report.longrepr[2])
    return report


@pytest.fixture(scope="session")
def as_of() -> dt.date:
    """The demo's fixed 'today', so tests do not depend on the calendar."""
    return AS_OF


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A demo workspace built once; copy it with the ``demo`` fixture before changing it."""
    root = tmp_path_factory.mktemp("demo-template") / "ws"
    build_demo(root, as_of=AS_OF)  # the same organisation `make demo` builds
    return root


@pytest.fixture
def demo(demo_template, tmp_path) -> Workspace:
    """A private copy of the demo workspace."""
    root = tmp_path / "demo"
    shutil.copytree(demo_template, root)
    return Workspace.open(root)


@pytest.fixture
def zh_and_en(demo_template, tmp_path) -> dict[str, Workspace]:
    """The demo twice: read by a Chinese reader and by an English one."""
    spaces = {}
    for language in ("zh", "en"):
        root = tmp_path / language
        shutil.copytree(demo_template, root)
        set_config(Workspace.open(root), 'language = "zh"', f'language = "{language}"')
        spaces[language] = Workspace.open(root)
    return spaces


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    """An empty workspace (no tables yet)."""
    return init_workspace(tmp_path / "ws")


def decide_retire(workspace: Workspace, app_id: str) -> None:
    """Record what 01_assess records for a retire candidate: assessed, then 'retire'."""
    with workspace.ledger() as ledger:
        ledger.transition(app_id, "assessed", "analyst")
        ledger.transition(app_id, "decided", "analyst", {"decision": "retire"})


@pytest.fixture
def retire():
    """``retire(workspace, app_id)`` records a retire decision for the app."""
    return decide_retire


@pytest.fixture(scope="session")
def s3_server() -> str:
    """A local S3-compatible server (moto) on loopback, shared by the backup and anchor tests."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_endpoint(s3_server, monkeypatch) -> str:
    """The local S3 server's address, with test credentials in the environment."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "decomkit-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "decomkit-test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return s3_server


@pytest.fixture(scope="session")
def verified_template(demo_template, tmp_path_factory) -> Path:
    """The demo with 进销存 decided 'retire', backed up and verified, built once; the
    ``verified`` fixture copies it."""
    from decomkit.custody.verify import verify_backup
    from decomkit.lifecycle.backup import run_backup

    root = tmp_path_factory.mktemp("verified-template") / "ws"
    shutil.copytree(demo_template, root)
    ws = Workspace.open(root)
    set_config(ws, "auto_agree_after_seconds = 2", "auto_agree_after_seconds = -1")
    replacement_reachable(ws)
    decide_retire(ws, "jxc")
    run_backup(ws, "jxc", actor="analyst")
    assert verify_backup(ws, "jxc", actor="analyst").ok
    return root


@pytest.fixture
def verified(demo, verified_template):
    """进销存 decided 'retire', backed up and verified; approvers do not agree by themselves;
    everyone who loses it can open its replacement (tests of that start from ``demo``).

    The ``demo`` workspace itself, its files replaced by a copy of ``verified_template``
    (backups and the ledger name their files relative to the workspace, so a copy holds)."""
    shutil.rmtree(demo.root)
    shutil.copytree(verified_template, demo.root)
    return demo


@pytest.fixture
def smtp_inbox():
    """A local SMTP server on a free loopback port: (inbox with .messages, port)."""
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


