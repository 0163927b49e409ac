"""Printing a dossier to PDF through headless Chromium (Debian's ``chromium``, the browser the
kit's browser tests use). The page's own ``@page`` rules give the footer: the app, the signing
key's fingerprint and the page number; Chromium's default header and footer are turned off.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from decomkit.core.errors import RecordError
from decomkit.core.files import atomic_write_bytes
from decomkit.core.said import said_error

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome", "msedge")
TIMEOUT_SECONDS = 180


# Where Windows installs them (they are rarely on PATH there).
WINDOWS_BROWSERS = (r"Google\Chrome\Application\chrome.exe",
                    r"Microsoft\Edge\Application\msedge.exe")


def find_browser() -> str:
    """The first Chromium-family browser on PATH (or in Windows' program folders); a clear
    error when there is none."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    for base in filter(None, (os.environ.get("PROGRAMFILES"),
                              os.environ.get("PROGRAMFILES(X86)"))):
        for relative in WINDOWS_BROWSERS:
            if (Path(base) / relative).is_file():
                return str(Path(base) / relative)
    raise said_error(RecordError, "record.no_browser")


def print_pdf(page: Path, target: Path, browser: str | None = None) -> Path:
    """Print the HTML file ``page`` to ``target`` (written whole or not at all)."""
    browser = browser or find_browser()
    with tempfile.TemporaryDirectory(prefix="decomkit-pdf-") as scratch:
        out = Path(scratch) / "page.pdf"
        command = [browser, "--headless", "--disable-gpu", "--no-pdf-header-footer",
                   "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", "--no-first-run", "--disable-extensions",
                   f"--user-data-dir={Path(scratch) / 'profile'}", f"--print-to-pdf={out}",
                   page.resolve().as_uri()]
        if getattr(os, "geteuid", lambda: 1)() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to sandbox as root
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT_SECONDS,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise said_error(RecordError, "record.pdf_timeout", page=page.name,
                             seconds=TIMEOUT_SECONDS) from None
        if done.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
            raise said_error(RecordError, "record.pdf_failed", page=page.name,
                             code=done.returncode, tail=tail[0][:200])
        atomic_write_bytes(target, out.read_bytes())
    return target
