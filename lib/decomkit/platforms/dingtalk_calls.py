"""The count of metered DingTalk calls (``platform/dingtalk-calls.jsonl``): one line per call
the organisation's monthly quota counts, with the month and the app it was made for ("" when
it serves every app of a stage run: the token-free shared reads such as the app list).

Token requests and the group robot's webhook are not Open API calls and are not counted.
Lines are appended (one short write each), so kernels of a batch running side by side do not
lose each other's lines. The batch summary reads it for calls per app, and a batch is warned
about before it starts when its estimate exceeds what is left of the month's quota.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter
from pathlib import Path

CALLS_NAME = "dingtalk-calls.jsonl"
# What one app's lifecycle takes in all, for the quota estimate before a batch, measured with
# each stage in a kernel of its own (bench/scale.py --dingtalk; docs/dingtalk.md, "The call
# budget"): 10 calls about the app (the request and two polls, the gate's admin check, the
# scope saved and changed, the disable, the verification, the notices before and after), 1
# more in the review, and 7–10 shared reads of its stage runs (the app list once a run, the
# template and the originator at the request, the inner-app list at the disable). With no
# fresh DingTalk import the assessment adds 2.
ESTIMATE_PER_APP = 20


def per_app_estimate(used: Counter[str]) -> int:
    """Calls to expect per app: ``ESTIMATE_PER_APP``, or more when this month's meter says
    so (its calls, shared ones included, over the apps it counted). Only ever raised by the
    history: a month of partial lifecycles (an assess-only batch costs a few calls an app)
    must not lower the estimate for a batch that runs the whole lifecycle."""
    apps = len([a for a, n in used.items() if a and n])
    if not apps:
        return ESTIMATE_PER_APP
    return max(ESTIMATE_PER_APP, math.ceil(sum(used.values()) / apps))


def month(now: float | None = None) -> str:
    return time.strftime("%Y-%m", time.gmtime(time.time() if now is None else now))


class CallMeter:
    """Counts metered calls by app, in a file (a workspace's ``platform/``) or in memory."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self.memory: Counter[str] = Counter()  # this process's calls, by app

    def record(self, app_id: str, call: str) -> None:
        self.memory[app_id] += 1
        if self.path is None:
            return
        line = json.dumps({"month": month(), "app": app_id, "call": call},
                          ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)


def counts(path: Path, in_month: str | None = None) -> Counter[str]:
    """Metered calls by app in ``in_month`` (default: this month) from the file at ``path``."""
    wanted = in_month or month()
    found: Counter[str] = Counter()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return found
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line cut by a crash
        if isinstance(entry, dict) and entry.get("month") == wanted:
            found[str(entry.get("app", ""))] += 1
    return found
