"""What a person waits for, at the 32-app demo and at 1,000 apps, in one run; prints the ratios.

For each size, on a fresh demo workspace (``decomkit demo``; 1,000 apps with 2 million events):

1. **the dashboard's first look**: Voila serving ``00_portfolio`` exactly as ``decomkit
   dashboard`` does, opened in headless Chromium (Debian's, through Playwright, every request
   not to the local server refused). From the request: the page with its text shown, the first
   kernel output on the page ("first content": the headline), the first table (after the
   portfolio is scored), and the live explorer (sliders and charts). Several page loads, each a
   fresh kernel (as every visitor gets);
2. **a slider move**: the usage weight moved one step by the keyboard, alternately down and up;
   the time from the key press (the slider's change event) to the last change of the explorer's
   table and charts in the DOM (a ``MutationObserver``; the DOM is read once it has stayed the
   same for 0.5 s), p50 and p95;
3. ``decomkit record`` for every app;
4. ``01_assess`` as in JupyterLab with the sliders on (``interactive = True``): every cell run in
   a started kernel (its start timed apart), for the demo's 进销存.

Each figure is printed with the 1-minute load average when it was taken. Goals at 1,000 apps:
slider p95 ≤ 100 ms, first content ≤ 3 s, ``01_assess`` cells ≤ 3 s.

    .venv/bin/python bench/interactive.py [--changes 20] [--loads 3] [--sizes 32,1000]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

BIN = Path(sys.executable).parent
AS_OF = "2026-11-23"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
OUTPUT = ".jp-OutputArea-output"
FIRST_LOOK = ".decomkit-first-look"  # the headline the page carries, shown before any script
EXPLORER_CHART = ".decomkit-explorer .decomkit-live svg.decomkit-chart"
WATCH = """() => {
  const root = document.querySelector('.decomkit-explorer .decomkit-live');
  window.decomkitChanges = [];
  window.decomkitPress = null;
  new MutationObserver(() => window.decomkitChanges.push(performance.now()))
    .observe(root, {subtree: true, childList: true, characterData: true, attributes: true});
  document.addEventListener('keydown', () => {
    window.decomkitPress = performance.now(); window.decomkitChanges = []; }, true);
}"""
SETTLED = """() => {
  const c = window.decomkitChanges;
  return c.length > 0 && performance.now() - c[c.length - 1] > 500;
}"""


def load() -> float:
    return os.getloadavg()[0]


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    memory = next((int(line.split()[1]) // 1024 // 1024 for line in
                   Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    return (f"{os.cpu_count()} cores ({model}), {memory} GiB, {platform.system()} "
            f"{platform.release()}")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_demo(root: Path, apps: int) -> Path:
    workspace = root / f"demo-{apps}"
    size = ["--apps", str(apps), "--events", "2000000"] if apps != 32 else []
    subprocess.run([str(BIN / "decomkit"), "demo", str(workspace), "--as-of", AS_OF, *size],
                   check=True, capture_output=True)
    return workspace


class Voila:
    """Voila serving the dashboard exactly as ``decomkit dashboard`` does."""

    def __init__(self, workspace: Path, log: Path):
        from decomkit.context.workspace import Workspace
        from decomkit.running.dashboard import dashboard_env, prepare_dashboard, voila_command

        notebook = prepare_dashboard(Workspace(workspace))
        self.base = f"http://127.0.0.1:{free_port()}"
        port = int(self.base.rsplit(":", 1)[1])
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                voila_command(notebook, port, open_browser=False),
                env=dashboard_env(Workspace(workspace)), cwd=notebook.parent,
                stdout=sink, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:  # a static file: "/" would run the whole notebook
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"Voila did not start; its log: {log}")
            try:
                with urlopen(self.base + "/voila/static/voila.js", timeout=5):
                    break
            except OSError:
                time.sleep(0.3)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def open_page(browser, base: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1600}, locale="zh-CN")
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(base) else route.abort())
    return context, context.new_page()


def first_look(browser, base: str) -> dict[str, float]:
    """Seconds from the request to the first output, the scores table and the explorer."""
    context, page = open_page(browser, base)
    started = time.perf_counter()
    page.goto(base + "/", wait_until="commit", timeout=180_000)
    page.wait_for_selector(f"{FIRST_LOOK}, {OUTPUT}", state="visible", timeout=180_000)
    headline = time.perf_counter() - started
    page.wait_for_selector(".jp-RenderedMarkdown", state="visible", timeout=180_000)
    shown = time.perf_counter() - started
    page.wait_for_selector(OUTPUT, timeout=180_000)
    first = time.perf_counter() - started
    page.wait_for_selector(f"{OUTPUT} table", timeout=180_000)
    table = time.perf_counter() - started
    page.wait_for_selector(EXPLORER_CHART, timeout=180_000)
    explorer = time.perf_counter() - started
    context.close()
    return {"headline": headline, "page": shown, "first": first, "table": table,
            "explorer": explorer,
            "load": load()}


def slider_moves(browser, base: str, changes: int) -> tuple[list[float], list[float]]:
    """Milliseconds from each key press to the explorer's last DOM change, and the load."""
    context, page = open_page(browser, base)
    page.goto(base + "/", wait_until="commit", timeout=180_000)
    page.wait_for_selector(EXPLORER_CHART, timeout=180_000)
    page.wait_for_timeout(1000)
    page.evaluate(WATCH)
    handle = page.locator(".decomkit-explorer .widget-slider .noUi-handle").first
    handle.focus()
    times, loads = [], []
    for i in range(changes + 1):
        handle.press("ArrowLeft" if i % 2 == 0 else "ArrowRight")
        page.wait_for_function(SETTLED, timeout=60_000, polling=20)
        ms = page.evaluate("() => window.decomkitChanges.at(-1) - window.decomkitPress")
        if i:  # the first move warms the kernel's caches: not counted
            times.append(ms)
            loads.append(load())
    context.close()
    return times, loads


def record_all(workspace: Path) -> tuple[float, float]:
    started = time.perf_counter()
    subprocess.run([str(BIN / "decomkit"), "record", str(workspace)], check=True,
                   capture_output=True)
    return time.perf_counter() - started, load()


def assess_cells(workspace: Path, app_id: str = "jxc") -> dict[str, float]:
    """``01_assess`` as JupyterLab runs it: the kernel started, then every cell."""
    import nbformat
    from nbclient import NotebookClient

    from decomkit.context.workspace import Workspace
    from decomkit.running.runs import prepare_stage

    path = prepare_stage(Workspace(workspace), "assess", workspace / "lab" / "01_assess.ipynb",
                         {"app_id": app_id, "interactive": True, "as_of": AS_OF})
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="decomkit",
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    with client.setup_kernel():
        kernel = time.perf_counter() - started
        started = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        cells = time.perf_counter() - started
    return {"kernel": kernel, "cells": cells, "load": load()}


def measure(root: Path, apps: int, browser, changes: int, loads: int) -> dict:
    print(f"-- {apps} apps: building the demo", flush=True)
    workspace = make_demo(root, apps)
    result: dict = {"apps": apps}
    voila = Voila(workspace, root / f"voila-{apps}.log")
    try:
        looks = [first_look(browser, voila.base) for _ in range(loads)]
        result["look"] = {k: statistics.median(x[k] for x in looks) for k in looks[0]}
        result["look_all"] = looks
        print(f"   first look (median of {loads}): " + ", ".join(
            f"{k} {v:.2f}" for k, v in result["look"].items()), flush=True)
        times, slider_loads = slider_moves(browser, voila.base, changes)
        result["slider"] = {"p50": statistics.median(times), "p95": pct(times, 95),
                            "max": max(times), "load": statistics.mean(slider_loads)}
        print(f"   slider ms: p50 {result['slider']['p50']:.0f}, p95 "
              f"{result['slider']['p95']:.0f}, max {result['slider']['max']:.0f} "
              f"(load {result['slider']['load']:.2f})", flush=True)
    finally:
        voila.stop()
    result["record"] = record_all(workspace)
    print(f"   decomkit record: {result['record'][0]:.1f} s (load {result['record'][1]:.2f})",
          flush=True)
    result["assess"] = assess_cells(workspace)
    print(f"   01_assess: kernel {result['assess']['kernel']:.2f} s, cells "
          f"{result['assess']['cells']:.2f} s (load {result['assess']['load']:.2f})", flush=True)
    return result


def report(small: dict, big: dict) -> None:
    def row(label: str, b: float, s: float, unit: str, goal: str = "", lb: float = 0,
            ls: float = 0) -> None:
        print(f"| {label} | {b:.{0 if unit == 'ms' else 2}f} {unit} (load {lb:.1f}) | "
              f"{s:.{0 if unit == 'ms' else 2}f} {unit} (load {ls:.1f}) | {b / s:.2f} | {goal} |")

    print(f"\nmeasured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}")
    print(f"| | {big['apps']:,} apps | {small['apps']} apps | ratio | goal at 1,000 |")
    print("|---|---|---|---|---|")
    bl, sl = big["look"], small["look"]
    row("dashboard: first content (the headline, in the page before Voila's scripts)",
        bl["headline"], sl["headline"], "s",
        f"≤ 3 s: {'met' if bl['headline'] <= 3 else 'not met'}", bl["load"], sl["load"])
    row("dashboard: live page and its text shown (Voila's scripts loaded)", bl["page"],
        sl["page"], "s", "", bl["load"], sl["load"])
    row("dashboard: first kernel output (the live headline)", bl["first"], sl["first"], "s",
        "", bl["load"], sl["load"])
    row("dashboard: first table (after scoring)", bl["table"], sl["table"], "s", "", bl["load"],
        sl["load"])
    row("dashboard: live explorer shown", bl["explorer"], sl["explorer"], "s", "", bl["load"],
        sl["load"])
    bs, ss = big["slider"], small["slider"]
    row("slider move → charts in the DOM, p50", bs["p50"], ss["p50"], "ms", "", bs["load"],
        ss["load"])
    row("slider move → charts in the DOM, p95", bs["p95"], ss["p95"], "ms",
        f"≤ 100 ms: {'met' if bs['p95'] <= 100 else 'not met'}", bs["load"], ss["load"])
    row("`decomkit record`, all apps", big["record"][0], small["record"][0], "s", "",
        big["record"][1], small["record"][1])
    ba, sa = big["assess"], small["assess"]
    row("`01_assess`: all cells", ba["cells"], sa["cells"], "s",
        f"≤ 3 s: {'met' if ba['cells'] <= 3 else 'not met'}", ba["load"], sa["load"])
    row("`01_assess`: kernel start", ba["kernel"], sa["kernel"], "s", "", ba["load"], sa["load"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20, help="slider moves per size")
    parser.add_argument("--loads", type=int, default=3, help="page loads per size")
    parser.add_argument("--sizes", default="32,1000", help="app counts, the small one first")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("chromium is missing: make chromium (Debian's chromium package)")
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
        try:
            results = [measure(Path(tmp), apps, browser, args.changes, args.loads)
                       for apps in sizes]
        finally:
            browser.close()
    if len(results) == 2:
        report(results[0], results[1])


if __name__ == "__main__":
    main()
