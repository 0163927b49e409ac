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
from decomkit.core.said import Said, said

FOLDER = ".locks"  # <workspace>/.locks/
_held: dict[tuple[str, int], int] = {}  # (lock path, thread) → depth: re-entry is free
_guard = threading.Lock()


def _holder(note: Path) -> Said:
    """Who holds the lock, said in each language (a note written before notes kept the
    forms of ``what`` names it in English)."""
    try:
        info = json.loads(note.read_text(encoding="utf-8"))
        forms = info.get("said")
        what = Said(forms) if isinstance(forms, dict) else str(info["what"])
        return said("core.lock_holder", what=what, pid=info["pid"], since=info["since"])
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        return said("core.lock_holder_unknown")


@contextlib.contextmanager
def hold(path: Path, what: Said, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the lock at ``path`` for the block; wait up to ``wait`` seconds for it, then raise
    :class:`WorkspaceBusy` naming the holder. ``what`` (what the run does, a verb phrase said
    in each language) is kept in the lock's note, so a run refused reads it in its own
    language. Re-entering in the same thread is allowed."""
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
        atomic_write_text(note, json.dumps({"what": str(what), "said": getattr(
            what, "by_language", {"en": str(what)}), "pid": os.getpid(), "since": since},
            ensure_ascii=False))
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
    return hold(Path(root) / FOLDER / "batch.lock", said("core.lock.batch"))


def app_lock(root: Path, app_id: str, verb: str) -> contextlib.AbstractContextManager[None]:
    """One run that changes ``app_id`` at a time; a second is refused at once. ``verb`` names
    what the run does: the key ``core.lock.<verb>`` says it, with the app, in each language."""
    return hold(Path(root) / FOLDER / f"app-{_name(app_id)}.lock",
                said(f"core.lock.{verb}", app=app_id))


def action_lock(root: Path, app_id: str, wait: float) -> contextlib.AbstractContextManager[None]:
    """Held while an app's platform action is claimed and performed (``Ledger.run_once``)."""
    return hold(Path(root) / FOLDER / f"action-{_name(app_id)}.lock",
                said("core.lock.action", app=app_id), wait=wait)


@contextlib.contextmanager
def state_file(path: Path) -> Iterator[None]:
    """Exclusive access to a small shared state file (waits; such holds are short)."""
    with FileLock(str(path), timeout=-1):
        yield
