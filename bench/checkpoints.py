"""What signed checkpoints cost a transition, three ways in one run; prints the ratios.

1. a bare ledger (hash chain only, no checkpoint);
2. the workspace's ledger: an Ed25519-signed checkpoint per transition, no anchor;
3. the same, with a local folder anchor (one file per checkpoint, fsynced).

Goal: signing adds under 2× to a transition (each transition already fsyncs SQLite and the
head file); a folder anchor under 3×.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

TRANSITIONS = 300


def timed(label: str, fn) -> float:
    started = time.perf_counter()
    fn()
    seconds = time.perf_counter() - started
    print(f"{label:<40} {seconds:7.2f} s  ({TRANSITIONS / seconds:6.0f} transitions/s)",
          flush=True)
    return seconds


def transitions(open_ledger) -> None:
    with open_ledger() as ledger:
        for i in range(TRANSITIONS):
            ledger.transition(f"app-{i % 10}", "assessed", "bench")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DECOMKIT_KEY_DIR"] = str(Path(tmp) / "keys")
        from decomkit.context.workspace import Workspace, init_workspace
        from decomkit.proof.anchors import add_folder_anchor
        from decomkit.proof.ledger import Ledger

        bare = timed("bare ledger", lambda: transitions(
            lambda: Ledger(Path(tmp) / "bare.sqlite")))
        signed_ws = init_workspace(Path(tmp) / "signed")
        signed = timed("signed checkpoints", lambda: transitions(signed_ws.ledger))
        anchored_root = init_workspace(Path(tmp) / "anchored").root
        add_folder_anchor(anchored_root, Path(tmp) / "anchor")
        anchored_ws = Workspace.open(anchored_root)
        anchored = timed("signed checkpoints + folder anchor", lambda: transitions(
            anchored_ws.ledger))
        print(f"signed / bare: {signed / bare:.2f}×   anchored / bare: {anchored / bare:.2f}×")


if __name__ == "__main__":
    main()
