"""Locks between processes on one workspace (``filelock``: POSIX and Windows alike).

* the workspace's batch lock: one ``decomkit batch`` at a time (a second one is refused);
* an app's stage lock: one run that changes an app (backup, approval request, disable,
  rollback) at a time — a batch's parallel workers work on different apps, so they never meet;
* short locks around shared state files (the sandbox and manual platforms, an action's claim).

A lock dies with its process, so a crash never leaves one behind. Beside each lock file a note
says who holds it, for the message of the run that is refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from decomkit.core.errors import WorkspaceBusy
from decomkit.core.files import atomic_write_text

FOLDER = ".locks"  # <workspace>/.locks/
_held: dict[tuple[str, int], int] = {}  # (lock path, thread) → depth: re-entry is free
_guard = threading.Lock()


def _holder(note: Path) -> str:
    try:
        info = json.loads(note.read_text(encoding="utf-8"))
        return f"another run ({info['what']}, process {info['pid']}, since {info['since']})"
    except (OSError, ValueError, KeyError):
        return "another run"


@contextlib.contextmanager
def hold(path: Path, what: str, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the lock at ``path`` for the block; wait up to ``wait`` seconds for it, then raise
    :class:`WorkspaceBusy` naming the holder. Re-entering in the same thread is allowed."""
    path = Path(path)
    me = (str(path), threading.get_ident())
    with _guard:
        if me in _held:
            _held[me] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                _held[me] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path), timeout=wait)
    note = path.with_suffix(".owner")
    try:
        lock.acquire()
    except Timeout:
        raise WorkspaceBusy(what, _holder(note)) from None
    try:
        since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        atomic_write_text(note, json.dumps({"what": what, "pid": os.getpid(), "since": since}))
        with _guard:
            _held[me] = 1
        yield
    finally:
        with _guard:
            _held.pop(me, None)
        lock.release()


def _name(text: str) -> str:
    """A file name for any id (app ids may hold characters a file system refuses)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def batch_lock(root: Path) -> contextlib.AbstractContextManager[None]:
    """One batch per workspace; a second is refused at once (a batch can run for hours)."""
    return hold(Path(root) / FOLDER / "batch.lock", "run a batch on this workspace")


def app_lock(root: Path, app_id: str, what: str) -> contextlib.AbstractContextManager[None]:
    """One run that changes ``app_id`` at a time; a second is refused at once."""
    return hold(Path(root) / FOLDER / f"app-{_name(app_id)}.lock", f"{what} {app_id}")


def action_lock(root: Path, app_id: str, wait: float) -> contextlib.AbstractContextManager[None]:
    """Held while an app's platform action is claimed and performed (``Ledger.run_once``)."""
    return hold(Path(root) / FOLDER / f"action-{_name(app_id)}.lock",
                f"perform a platform action for {app_id}", wait=wait)


@contextlib.contextmanager
def state_file(path: Path) -> Iterator[None]:
    """Exclusive access to a small shared state file (waits; such holds are short)."""
    with FileLock(str(path), timeout=-1):
        yield
