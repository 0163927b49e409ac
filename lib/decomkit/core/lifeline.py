"""Processes that end with their parent: batch workers, kernel fork servers, kernels.

A ``kill -9`` of ``decomkit batch`` must not leave workers finishing work nobody watches. On
Linux the operating system kills the child when its parent ends (``prctl(PR_SET_PDEATHSIG)``);
everywhere, a watchdog thread also waits for the parent's end and exits (on Windows through the
parent's process handle that :mod:`multiprocessing` keeps). Kernels also watch their parent
themselves (ipykernel's ``JPY_PARENT_PID``).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def kill_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent ends (elsewhere: nothing)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


def die_with_parent(parent_pid: int | None = None, *, watch: bool = True) -> None:
    """End this process when its parent (``parent_pid``, expected) ends.

    ``watch`` starts the watchdog thread too (leave it off in a process that forks, where a
    thread would make ``os.fork`` unsafe)."""
    expected = parent_pid or os.getppid()
    kill_with_parent()
    if os.name == "posix" and os.getppid() != expected:
        os._exit(1)  # the parent ended before we asked
    if watch:
        threading.Thread(target=_watch, args=(expected,), daemon=True,
                         name="decomkit-lifeline").start()


def _watch(parent_pid: int) -> None:
    parent = multiprocessing.parent_process()
    if parent is not None:  # a multiprocessing child: the parent's sentinel closes at its end
        parent.join()
        os._exit(1)
    if os.name != "posix":
        return  # no sentinel to wait on and parent ids are not reassigned: nothing to watch
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os._exit(1)
