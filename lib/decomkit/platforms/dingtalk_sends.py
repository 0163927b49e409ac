"""The record of every DingTalk call that creates something (``platform/dingtalk-sends.json``):
an approval request, a work notification (one entry per chunk of ≤100 people).

An entry is written *before* the call ("sending"), then "sent" with DingTalk's answer (the
instance id, the task id), "unknown" when the answer was lost (a dropped connection, a
timeout, a 5xx that may follow acceptance), "refused" when DingTalk refused it before it ran,
and "absent" once DingTalk (or a person) said it never happened. A key that is "sending" or
"unknown" is never sent again until it is settled: by asking DingTalk
(``DingTalkPlatform.settled``) or by a person (``decomkit settle``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from decomkit.core.files import atomic_write_text
from decomkit.core.locks import state_file
from decomkit.core.sinks import state_json

SENDS_NAME = "dingtalk-sends.json"
OPEN = ("sending", "unknown")  # outcome not known: never sent again before it is settled


class SendJournal:
    """Entries by key, in a file (a workspace's ``platform/``) or, without one, in memory."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self._memory: dict[str, dict] = {}

    @contextmanager
    def _entries(self, write: bool = True) -> Iterator[dict[str, dict]]:
        if self.path is None:
            yield self._memory
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with state_file(self.path.with_suffix(".lock")):
            entries = (json.loads(self.path.read_text(encoding="utf-8"))
                       if self.path.exists() else {})
            yield entries
            if write:
                atomic_write_text(self.path, state_json(entries))

    def get(self, key: str) -> dict | None:
        with self._entries(write=False) as entries:
            entry = entries.get(key)
            return dict(entry) if entry is not None else None

    def under(self, key: str) -> dict[str, dict]:
        """The entries of ``key`` itself and of its chunks (``key#0``, ``key#1``…)."""
        with self._entries(write=False) as entries:
            return {k: dict(v) for k, v in entries.items()
                    if k == key or k.startswith(f"{key}#")}

    def begin(self, key: str, operation: str, **facts: Any) -> None:
        with self._entries() as entries:
            entries[key] = {"operation": operation, "status": "sending",
                            "started_ms": int(time.time() * 1000), **facts}

    def update(self, key: str, **changes: Any) -> None:
        with self._entries() as entries:
            entries.setdefault(key, {}).update(changes)

    def key_of(self, result: str) -> str | None:
        """The key whose send was answered with ``result`` (an approval's instance id)."""
        with self._entries(write=False) as entries:
            return next((k for k, e in entries.items() if e.get("status") == "sent"
                         and str(e.get("result")) == result), None)

    def results(self) -> set[str]:
        """Every result recorded as sent (an instance already claimed by some key)."""
        with self._entries(write=False) as entries:
            return {str(e.get("result")) for e in entries.values() if e.get("status") == "sent"}


def settle_sends(folder: Path, key: str, happened: bool, actor: str,
                 result: str | None = None) -> list[str]:
    """A person's finding on the open sends under ``key``: recorded in the workspace's
    ``platform/dingtalk-sends.json``. Returns the keys changed (none when nothing is open)."""
    journal = SendJournal(folder / SENDS_NAME)
    changed = [k for k, e in journal.under(key).items() if e.get("status") in OPEN]
    for k in changed:
        journal.update(k, status="sent" if happened else "absent",
                       settled_by=actor, **({"result": result} if happened and result else {}))
    return changed
