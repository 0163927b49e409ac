"""The notebooks in JupyterLab and the Voila dashboard, driven in headless Chromium.

Debian's chromium (the ``chromium_path`` fixture) through Playwright; no browser is downloaded,
and every request that is not to the local server is refused.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from decomkit.context.stage import WORKSPACE_ENV
from decomkit.running.dashboard import prepare_dashboard
from decomkit.running.runs import STAGES, prepare_stage
from helpers import free_port, stop, voila_server, wait_for

playwright = pytest.importorskip("playwright.sync_api")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
BIN = Path(sys.executable).parent
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
# Each notebook as an analyst would run it in JupyterLab, in lifecycle order.
LAB_RUNS = [("portfolio", {}), ("assess", {"app_id": "jxc"}), ("backup", {"app_id": "jxc"}),
            ("approval", {"app_id": "jxc", "wait_seconds": 4.0}),
            ("disable", {"app_id": "jxc"}), ("review", {"app_id": "old-expense"})]
DATED = ("portfolio", "assess", "review")
pytestmark = pytest.mark.usefixtures("chromium_path")  # decided before the demo is built


@pytest.fixture(scope="module")
def browser(chromium_path):
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=chromium_path, args=FLAGS)
        yield chromium
        chromium.close()


def new_page(browser, base: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1600}, locale="zh-CN")
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(base) else route.abort())
    return context.new_page()


@pytest.fixture
def lab(demo, as_of, tmp_path):
    """JupyterLab with a token on a free port, serving the stage notebooks prepared with
    ``interactive = True`` for the demo workspace."""
    folder = tmp_path / "notebooks"
    for stage, values in LAB_RUNS:
        dated = {"as_of": str(as_of)} if stage in DATED else {}
        prepare_stage(demo, stage, folder / STAGES[stage],
                      {"interactive": True, **dated, **values})
    settings = tmp_path / "settings"
    for name, value in (("notebook-extension/tracker", {"windowingMode": "none"}),
                        ("apputils-extension/notification",
                         {"fetchNews": "false", "checkForUpdates": False})):
        path = settings / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    port, token = free_port(), secrets.token_hex(16)
    process = subprocess.Popen(
        [str(BIN / "jupyter-lab"), "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
         f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={tmp_path}",
         "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.extension_manager=readonly",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        env={**os.environ, WORKSPACE_ENV: str(demo.root)}, cwd=tmp_path,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/api/status?token={token}", process)
        yield base, token, folder
    finally:
        stop(process)


RUN_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return null;
  const prompts = [...document.querySelectorAll('.jp-InputPrompt')].map(p => p.textContent);
  if (prompts.some(p => p.includes('*'))) return null;
  const code = panel.content.widgets.filter(c => c.model.type === 'code');
  return {cells: code.length,
          unrun: code.filter(c => c.model.executionCount === null).length,
          errors: code.flatMap(c => c.model.outputs.toJSON())
                      .filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue)};
}"""


def run_all(page, base: str, token: str, name: str) -> dict:
    page.goto(f"{base}/lab/tree/{name}?token={token}", timeout=120_000)  # a busy machine
    page.wait_for_function("""([name]) => {
        const p = window.jupyterapp && window.jupyterapp.shell.currentWidget;
        return p && p.context && p.context.path.endsWith(name) && p.sessionContext.session
               && p.sessionContext.session.kernel
               && p.sessionContext.session.kernel.status === 'idle'; }""", arg=[name],
                           timeout=120_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_timeout(1000)
    handle = page.wait_for_function(RUN_STATE, timeout=240_000, polling=500)
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    return handle.json_value()


def explorer_view(page) -> tuple[str, list[str]]:
    """The explorer's text and its live charts (SVG, as drawn in the page)."""
    explorer = page.locator(".decomkit-explorer .decomkit-live").first
    charts = explorer.locator("svg.decomkit-chart")
    return explorer.inner_text(), [charts.nth(i).evaluate("e => e.outerHTML")
                                   for i in range(charts.count())]


def move_first_slider(page) -> tuple[tuple, tuple]:
    before = explorer_view(page)
    handle = page.locator(".decomkit-explorer .widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(6):
        handle.press("ArrowLeft")  # usage weight down by six steps
    page.wait_for_function("""([text]) => {
        const out = document.querySelector('.decomkit-explorer .decomkit-live');
        return out && out.innerText !== text && out.querySelector('svg.decomkit-chart'); }""",
                           arg=[before[0]], timeout=60_000)
    # Each key press redraws (the table first, then the charts): read once the output has
    # shown charts and stayed the same for 3 s, however slow a loaded machine is.
    page.evaluate("window.decomkitSettle = null")
    page.wait_for_function(SETTLED, timeout=180_000, polling=500)
    return before, explorer_view(page)


SETTLED = """() => {
  const out = document.querySelector('.decomkit-explorer .decomkit-live');
  if (!out) return false;
  const images = [...out.querySelectorAll('svg.decomkit-chart')].map(i => i.outerHTML);
  const now = out.innerText + '|' + images.join('|');
  const seen = window.decomkitSettle;
  if (!seen || seen.view !== now) {
    window.decomkitSettle = {view: now, since: Date.now()};
    return false;
  }
  return images.length > 0 && Date.now() - seen.since > 3000;
}"""


def test_every_notebook_runs_in_jupyterlab_and_its_widgets_work(lab, browser, demo):
    base, token, folder = lab
    ARTIFACTS.mkdir(exist_ok=True)
    page = new_page(browser, base)
    for stage, _values in LAB_RUNS:
        name = STAGES[stage]
        state = run_all(page, base, token, name)
        assert state["errors"] == [] and state["unrun"] == 0, (name, state)
        if stage in ("portfolio", "assess"):
            before, after = move_first_slider(page)
            assert after[0] != before[0], "the score table did not change"
            assert after[1] and after[1] != before[1], "the chart was not redrawn"
        if stage == "backup":
            page.locator(".decomkit-backup").click()  # back up again, with progress bars
            picker = page.locator(".decomkit-backup").locator("xpath=..")
            page.wait_for_function("""() => document.querySelector('.decomkit-backup')
                .parentElement.innerText.includes('备份验证通过')""", timeout=120_000)
            assert picker.locator(".widget-hprogress .progress-bar-success").count() == 2
            shown = picker.inner_text().replace("\u2007", " ")  # tqdm pads with figure spaces
            assert "备份 jxc: 100%" in shown and "核验 jxc: 100%" in shown  # the zh reader's
        if stage == "disable":
            check_guarded_disable(page, demo)
        page.screenshot(path=str(ARTIFACTS / f"lab-{Path(name).stem}.png"))
        page.evaluate("window.jupyterapp.commands.execute('application:close-all')")
        page.wait_for_timeout(1000)
    saved = nbformat.read(folder / STAGES["assess"], as_version=4)
    assert not [o for c in saved.cells for o in c.get("outputs", [])
                if o.output_type == "error"]


def check_guarded_disable(page, demo) -> None:
    platform = demo.platform()
    calls = len(platform.calls(changing_only=True))
    with demo.ledger() as ledger:
        state = ledger.state("jxc")
    button = page.locator("button.decomkit-guarded")
    field = page.locator(".decomkit-confirm input")
    assert button.is_disabled()
    field.fill("jx")
    page.wait_for_timeout(500)
    assert button.is_disabled(), "enabled before the confirmation matches"
    field.fill("jxc ")
    page.wait_for_timeout(500)
    assert button.is_disabled(), "a near miss must not enable it"
    field.fill("jxc")
    page.wait_for_function("() => !document.querySelector('button.decomkit-guarded')"
                           ".disabled", timeout=10_000)
    button.click()
    page.wait_for_function("() => document.querySelector('button.decomkit-guarded')"
                           ".closest('.widget-vbox').querySelector('.widget-output')"
                           ".innerText.trim().length > 0", timeout=60_000)
    assert len(demo.platform().calls(changing_only=True)) == calls  # a dry run changes nothing
    assert demo.platform().get_app("jxc").status == "enabled"
    with demo.ledger() as ledger:
        assert ledger.state("jxc") == state


@pytest.fixture
def dashboard(demo, tmp_path):
    """Voila serving the prepared dashboard as ``decomkit dashboard`` does: its address, and
    the file that keeps Voila's log (stdout and stderr)."""
    notebook = prepare_dashboard(demo)
    log = tmp_path / "voila.log"
    served = False
    try:
        with voila_server(notebook, log, demo) as base:
            served = True
            yield base, log
    except BaseException:
        if not served:  # never served: the log says why
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copyfile(log, ARTIFACTS / "dashboard-failure.log")
        raise


def keep_evidence(page, log: Path, name: str) -> None:
    """What a failed browser test leaves in ``test-artifacts/``: the server's log and what the
    page showed (``name``.log, ``name``.png)."""
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(log, ARTIFACTS / f"{name}.log")
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True, timeout=30_000)
    except Exception as e:  # a page that cannot be drawn must not hide the test's own failure
        (ARTIFACTS / f"{name}.png.txt").write_text(f"no screenshot: {e}\n", encoding="utf-8")


def test_the_voila_dashboard_is_live_and_read_only(dashboard, browser, demo):
    base, log = dashboard
    with demo.ledger() as ledger:
        rows = ledger.verify()
    page = new_page(browser, base)
    try:
        # Voila streams the page as the cells run: "load" comes only after the last cell, which
        # on a busy machine takes longer than goto's 30 s; the explorer's image is what counts.
        page.goto(base + "/", wait_until="commit", timeout=120_000)
        page.wait_for_selector(".decomkit-explorer svg.decomkit-chart", timeout=180_000)
        # the first look (the headline the page carries) gave way to the live page
        assert page.locator(".decomkit-first-look").count() == 1
        assert not page.locator(".decomkit-first-look").is_visible()
        text = page.inner_text("body")
        assert "Traceback" not in text and "Error" not in text
        assert "进销存" in text  # Chinese app names, as text
        before, after = move_first_slider(page)
        assert after[0] != before[0] and after[1] != before[1]
        assert "open_stage" not in page.inner_text("body")  # no code for managers
    except BaseException:
        keep_evidence(page, log, "dashboard-failure")
        raise
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    with demo.ledger() as ledger:
        assert ledger.verify() == rows  # nothing recorded
    assert not (demo.root / "candidates.csv").exists()  # nor written
