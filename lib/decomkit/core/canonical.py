"""One spelling of a value for hashing and signing, and of the time now."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any


def canonical_json(value: Any) -> str:
    """Keys sorted, no spaces, text as itself: equal values hash equal everywhere."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def plan_hash(plan: dict) -> str:
    """The hash an approval is given for: a changed plan is a stale approval."""
    return hashlib.sha256(canonical_json(plan).encode("utf-8")).hexdigest()
