"""The ledger: one SQLite file per workspace holding every app's lifecycle.

* An append-only event log; each row carries the SHA-256 of the row before it (over canonical
  JSON), so an edited, deleted or reordered row breaks the chain. The chain head is also written
  to a file beside the database, so a cut-off tail is caught too.
* A per-app state machine whose gates are enforced here, not by a notebook's goodwill.
* Idempotency keys for platform actions, so a rerun after a crash repeats nothing.

Writers take SQLite's write lock (``BEGIN IMMEDIATE``) for the whole append, so two processes can
write at once and the chain stays linear.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from decomkit.errors import LedgerIntegrityError, TransitionError
from decomkit.files import atomic_write_text

GENESIS = "0" * 64
MIN_OVERRIDE_REASON = 15  # characters; an override must be explained in a sentence

# state → (states it may be reached from, what is missing when it may not)
STATES: dict[str, tuple[tuple[str, ...], str]] = {
    "new": ((), ""),
    "assessed": (("new", "assessed", "decided"), "the app is past assessment"),
    "decided": (("assessed", "decided"), "the app has not been assessed (run 01_assess)"),
    "backed_up": (("decided", "backed_up", "backup_verified", "rejected"),
                  "there is no 'retire' decision (run 01_assess)"),
    "backup_verified": (("backed_up", "backup_verified"),
                        "there is no backup to verify (run 02_backup)"),
    "approval_pending": (("backup_verified", "rejected"),
                         "the backup is not verified (run 02_backup)"),
    "approved": (("approval_pending",), "no approval request is pending (run 03_approval)"),
    "rejected": (("approval_pending",), "no approval request is pending (run 03_approval)"),
    "access_revoked": (("approved",), "the request is not approved (run 03_approval)"),
    "disabled": (("approved", "access_revoked"), "the request is not approved (run 03_approval)"),
    "verified_disabled": (("disabled",), "the app has not been disabled"),
    "re_enabled": (("access_revoked", "disabled", "verified_disabled"),
                   "the app was not disabled or revoked"),
    "reviewed": (("verified_disabled", "reviewed"),
                 "the disable has not been verified (run 04_disable)"),
    "closed": (("reviewed",), "the review is not done (run 05_review)"),
}
DECISIONS = ("retire", "review", "keep")
# States from which a changing platform action needs the full disable gate.
_GUARDED = ("access_revoked", "disabled")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def _row_hash(row: dict) -> str:
    body = {k: row[k] for k in ("seq", "ts", "app_id", "kind", "state", "actor", "data",
                                "prev_hash")}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Event:
    seq: int
    ts: str
    app_id: str
    kind: str  # "transition", "action", "note"
    state: str | None
    actor: str
    data: dict
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Action:
    """A platform action under an idempotency key."""

    key: str
    app_id: str
    operation: str
    status: str  # "started", "done", "failed"
    result: Any


_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    app_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT,
    actor TEXT NOT NULL,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_app ON events (app_id, kind, seq);
CREATE TABLE IF NOT EXISTS actions (
    key TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    updated TEXT NOT NULL
);
"""


class Ledger:
    """The workspace's ledger. Open one per process; it is cheap."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.head_path = self.path.with_suffix(".head")
        self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA busy_timeout = 60000")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # ------------------------------------------------------------ the event log

    def _append(self, db: sqlite3.Connection, app_id: str, kind: str, state: str | None,
                actor: str, data: dict, at: str | None = None) -> Event:
        from decomkit.sinks import scrub, scrub_value

        last = db.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last["seq"] + 1, last["hash"]) if last else (1, GENESIS)
        row = {"seq": seq, "ts": at or utcnow(), "app_id": app_id, "kind": kind, "state": state,
               "actor": scrub(actor, tokens=False),  # a sink like any file: no secret in a row
               "data": json.loads(canonical_json(scrub_value(data, tokens=False))),
               "prev_hash": prev}
        row["hash"] = _row_hash(row)
        db.execute(
            "INSERT INTO events (seq, ts, app_id, kind, state, actor, data, prev_hash, hash) "
            "VALUES (:seq, :ts, :app_id, :kind, :state, :actor, :data, :prev_hash, :hash)",
            {**row, "data": canonical_json(row["data"])})
        # Written while the write lock is held, so heads land in chain order.
        atomic_write_text(self.head_path, canonical_json({"seq": seq, "hash": row["hash"]}))
        return Event(**row)

    def note(self, app_id: str, actor: str, data: dict) -> Event:
        """Append an event that does not change the app's state (evidence, a comment, …)."""
        with self._write() as db:
            return self._append(db, app_id, "note", None, actor, data)

    def events(self, app_id: str | None = None) -> list[Event]:
        sql = "SELECT * FROM events" + (" WHERE app_id = ?" if app_id else "") + " ORDER BY seq"
        rows = self._db.execute(sql, (app_id,) if app_id else ()).fetchall()
        return [Event(**{**dict(r), "data": json.loads(r["data"])}) for r in rows]

    def head(self) -> tuple[int, str]:
        last = self._db.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        return (last["seq"], last["hash"]) if last else (0, GENESIS)

    def verify(self) -> int:
        """Check the whole chain and the head file; return the number of rows checked."""
        prev, expected_seq, problems = GENESIS, 1, []
        for row in self._db.execute("SELECT * FROM events ORDER BY seq"):
            r = {**dict(row), "data": json.loads(row["data"])}
            if r["seq"] != expected_seq:
                problems.append(f"row {expected_seq} is missing (next row is {r['seq']})")
            if r["prev_hash"] != prev:
                problems.append(f"row {r['seq']} does not follow the row before it "
                                "(a row was deleted, inserted or moved)")
            if _row_hash(r) != r["hash"]:
                problems.append(f"row {r['seq']} was edited after it was written")
            prev, expected_seq = r["hash"], r["seq"] + 1
            if len(problems) >= 10:
                break
        count = expected_seq - 1
        head = self._read_head()
        if head is not None and not problems:
            if head["seq"] > count:
                problems.append(f"the ledger ends at row {count} but its head file says "
                                f"{head['seq']}: rows were cut from the end")
            elif head["seq"] < count:
                problems.append(f"the ledger has rows past its head file's row {head['seq']}")
            elif head["hash"] != prev:
                problems.append("the last row's hash differs from the head file")
        elif head is None and count:
            problems.append(f"the head file {self.head_path.name} is missing")
        if problems:
            raise LedgerIntegrityError(
                f"{self.path} does not verify: " + "; ".join(problems)
                + ". Restore the ledger from a backup and investigate who changed it.")
        return count

    def _read_head(self) -> dict | None:
        try:
            return json.loads(self.head_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (ValueError, UnicodeDecodeError):
            return {"seq": -1, "hash": "unreadable"}

    # ------------------------------------------------------------ the state machine

    def state(self, app_id: str) -> str:
        return self._last_transition_field(app_id, "state") or "new"

    def states(self) -> dict[str, str]:
        rows = self._db.execute(
            "SELECT app_id, state FROM events WHERE seq IN (SELECT MAX(seq) FROM events "
            "WHERE kind = 'transition' GROUP BY app_id)").fetchall()
        return {r["app_id"]: r["state"] for r in rows}

    def _last_transition_field(self, app_id: str, field: str) -> Any:
        row = self._db.execute(
            "SELECT state, data FROM events WHERE app_id = ? AND kind = 'transition' "
            "ORDER BY seq DESC LIMIT 1", (app_id,)).fetchone()
        if row is None:
            return None
        return row["state"] if field == "state" else json.loads(row["data"]).get(field)

    def last(self, app_id: str, state: str) -> Event | None:
        """The latest transition of ``app_id`` into ``state``."""
        row = self._db.execute(
            "SELECT * FROM events WHERE app_id = ? AND kind = 'transition' AND state = ? "
            "ORDER BY seq DESC LIMIT 1", (app_id, state)).fetchone()
        return Event(**{**dict(row), "data": json.loads(row["data"])}) if row else None

    def transition(self, app_id: str, state: str, actor: str, data: dict | None = None, *,
                   override_reason: str = "", at: str | None = None) -> Event:
        """Move ``app_id`` to ``state`` if its gate allows it; raise TransitionError if not.

        ``data`` carries what the gate checks: ``decision`` for "decided", ``manifest_hash`` for
        backup states, ``plan_hash``, ``manifest_hash`` and ``confirm`` for the guarded states.
        A written ``override_reason`` bypasses a gate (never the typed confirmation) and is
        recorded in the event. ``at`` (ISO time) records when it happened, for importing a
        lifecycle that took place before the kit (the demo's history); it defaults to now.
        """
        if state not in STATES:
            raise TransitionError(app_id, f"move to '{state}'",
                                  f"unknown state; use one of {', '.join(STATES)}")
        data = dict(data or {})
        with self._write() as db:
            missing = self._gate(app_id, state, data)
            if missing and override_reason:
                if len(override_reason.strip()) < MIN_OVERRIDE_REASON:
                    raise TransitionError(app_id, f"override the gate to '{state}'",
                                          f"the reason must be a sentence of at least "
                                          f"{MIN_OVERRIDE_REASON} characters")
                data["override"] = {"reason": override_reason.strip(), "bypassed": missing}
            elif missing:
                raise TransitionError(app_id, f"move to '{state}'", missing)
            return self._append(db, app_id, "transition", state, actor, data, at)

    def missing(self, app_id: str, state: str, data: dict | None = None) -> str:
        """What is missing before ``app_id`` may enter ``state`` ("" when nothing is): a gate
        checked before the work it guards, so nothing is done that could not be recorded."""
        return self._gate(app_id, state, dict(data or {}))

    def _gate(self, app_id: str, state: str, data: dict) -> str:
        """What is missing before ``app_id`` may enter ``state`` ("" when nothing is)."""
        if state in _GUARDED and data.get("confirm") != app_id:
            # Never overridable: the operator must type the app id to change a platform.
            raise TransitionError(app_id, f"move to '{state}'",
                                  f"the typed confirmation must equal the app id '{app_id}'")
        current = self.state(app_id)
        allowed, missing = STATES[state]
        if current not in allowed:
            return f"{missing} (current state: {current})"
        if state == "decided" and data.get("decision") not in DECISIONS:
            return f"decision must be one of {', '.join(DECISIONS)}"
        if (state == "backed_up" and current == "decided"
                and self._last_transition_field(app_id, "decision") != "retire"):
            return "the decision is not 'retire' (run 01_assess)"
        if state == "backup_verified":
            backed = self.last(app_id, "backed_up")
            if data.get("manifest_hash") != backed.data.get("manifest_hash"):
                return "the verified manifest is not the one that was backed up; back up again"
        if state == "approval_pending" and (plan := data.get("plan_hash")) is None:
            return f"the request carries no plan hash (got {plan!r})"
        if state in _GUARDED:
            return self._disable_gate(app_id, data)
        return ""

    def _disable_gate(self, app_id: str, data: dict) -> str:
        approved = self.last(app_id, "approved")
        pending = self.last(app_id, "approval_pending")
        verified = self.last(app_id, "backup_verified")
        if pending is None or data.get("plan_hash") != pending.data.get("plan_hash"):
            return "the plan changed after it was approved (stale approval); request approval again"
        if verified is None or data.get("manifest_hash") != verified.data.get("manifest_hash"):
            return "the backup changed since it was verified; back up and verify again"
        if approved is None:
            return "the request is not approved"
        return ""

    # ------------------------------------------------------------ idempotent actions

    def action(self, key: str) -> Action | None:
        row = self._db.execute("SELECT * FROM actions WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return Action(row["key"], row["app_id"], row["operation"], row["status"],
                      json.loads(row["result"]) if row["result"] else None)

    def run_once(self, key: str, app_id: str, operation: str, actor: str,
                 perform: Callable[[], Any]) -> tuple[Any, bool]:
        """Run ``perform`` at most once to completion under ``key``; return (result, ran_now).

        A key already done returns its recorded result without calling ``perform``. A key left
        "started" by a crash calls ``perform`` again: platforms receive the same key and must
        treat it as a repeat (the sandbox and DingTalk robot do).
        """
        done = self.action(key)
        if done is not None and done.status == "done":
            return done.result, False
        with self._write() as db:
            db.execute(
                "INSERT INTO actions (key, app_id, operation, status, updated) "
                "VALUES (?, ?, ?, 'started', ?) ON CONFLICT(key) DO UPDATE SET "
                "status = 'started', updated = excluded.updated",
                (key, app_id, operation, utcnow()))
        try:
            result = perform()
        except Exception as exc:
            with self._write() as db:
                db.execute("UPDATE actions SET status = 'failed', result = ?, updated = ? "
                           "WHERE key = ?", (canonical_json({"error": str(exc)}), utcnow(), key))
                self._append(db, app_id, "action", None, actor,
                             {"key": key, "operation": operation, "status": "failed",
                              "error": str(exc)})
            raise
        with self._write() as db:
            db.execute("UPDATE actions SET status = 'done', result = ?, updated = ? "
                       "WHERE key = ?", (canonical_json(result), utcnow(), key))
            self._append(db, app_id, "action", None, actor,
                         {"key": key, "operation": operation, "status": "done",
                          "result": result})
        return result, True
