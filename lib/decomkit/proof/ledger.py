"""The ledger: one SQLite file per workspace holding every app's lifecycle.

* An append-only event log; each row carries the SHA-256 of the row before it (over canonical
  JSON), so an edited, deleted or reordered row breaks the chain. The chain head is also written
  to a file beside the database, so a cut-off tail is caught too.
* A per-app state machine whose gates (the table in :mod:`decomkit.proof.gates`) are enforced here,
  not by a notebook's goodwill.
* Idempotency keys for platform actions, claimed under one lock, so a rerun after a crash or a
  second process repeats nothing.

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
from pathlib import Path
from typing import Any, Protocol

from decomkit.core.canonical import canonical_json, utcnow
from decomkit.core.errors import (
    ActionUnsettled,
    LedgerIntegrityError,
    ManualStepRequired,
    PlatformTimeout,
    TransitionError,
)
from decomkit.core.files import atomic_write_text
from decomkit.core.i18n import TEXT, t
from decomkit.core.locks import action_lock
from decomkit.core.present import operation as present_operation
from decomkit.core.said import LANGUAGES, Said, joined, refusal, said, said_error
from decomkit.core.sinks import scrub, scrub_value
from decomkit.proof.gates import (
    ACTION_FOR_STATE,
    GATES,
    STATES,
    Grant,
    decide,
    evaluate,
)

GENESIS = "0" * 64
ACTION_WAIT = 60.0  # seconds a run waits for another run's action on the same app


def _row_hash(row: dict) -> str:
    body = {k: row[k] for k in ("seq", "ts", "app_id", "kind", "state", "actor", "data",
                                "prev_hash")}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


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


def _span(rows: list[int]) -> Said:
    return said("anchor.row" if len(rows) == 1 else "anchor.rows", first=rows[0], last=rows[-1])


def _named(kind: str, value: str) -> Said:
    """An enumerated value named in a sentence: as written in English, by its label in the
    other languages (as written when it has none)."""
    key = f"{kind}.{value}"
    return Said({lang: value if lang == "en" or key not in TEXT else t(key, lang)
                 for lang in LANGUAGES})


class Checkpointing(Protocol):
    """What the ledger asks of its checkpointer (``decomkit.proof.checkpoints.Checkpointer``,
    which reads the ledger and so sits above it)."""

    def prepare(self, db: sqlite3.Connection) -> None: ...

    def write(self, db: sqlite3.Connection, seq: int, head: str) -> dict: ...

    def publish(self, ledger_path: Path) -> object: ...

    def signed_up_to(self, db: sqlite3.Connection) -> int | None: ...


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
CREATE INDEX IF NOT EXISTS events_action_key ON events (json_extract(data, '$.key'), seq)
    WHERE kind = 'action';
CREATE TABLE IF NOT EXISTS actions (
    key TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    updated TEXT NOT NULL
);
"""


# Operations whose result later steps build on: settled as done, they need it given.
RESULT_NEEDED = {"submit_approval": "proof.result_needed.submit_approval"}  # → i18n key


class Ledger:
    """The workspace's ledger. Open one per process; it is cheap."""

    def __init__(self, path: Path, checkpointer: Checkpointing | None = None):
        """``checkpointer`` (decomkit.proof.checkpoints.Checkpointer) signs a checkpoint with every
        transition, in its transaction, and publishes it to the anchors after the commit."""
        self.path = Path(path)
        self.checkpointer = checkpointer
        self._publish = False
        self.head_path = self.path.with_suffix(".head")
        self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA busy_timeout = 60000")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")
        self._db.executescript(_SCHEMA)
        if checkpointer is not None:
            checkpointer.prepare(self._db)

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
        # After the commit: an anchor that is down never blocks a stage. (Only a ledger with a
        # checkpointer sets _publish.)
        if self._publish and self.checkpointer is not None:
            self._publish = False
            self.checkpointer.publish(self.path)

    # ------------------------------------------------------------ the event log

    def _append(self, db: sqlite3.Connection, app_id: str, kind: str, state: str | None,
                actor: str, data: dict, at: str | None = None, *,
                adopting: bool = False) -> Event:
        last = db.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last["seq"] + 1, last["hash"]) if last else (1, GENESIS)
        if not adopting:
            self._refuse_unsigned(db)
        row = {"seq": seq, "ts": at or utcnow(), "app_id": app_id, "kind": kind, "state": state,
               "actor": scrub(actor, tokens=False),  # a sink like any file: no secret in a row
               "data": json.loads(canonical_json(scrub_value(data, tokens=False))),
               "prev_hash": prev}
        row["hash"] = _row_hash(row)
        db.execute(
            "INSERT INTO events (seq, ts, app_id, kind, state, actor, data, prev_hash, hash) "
            "VALUES (:seq, :ts, :app_id, :kind, :state, :actor, :data, :prev_hash, :hash)",
            {**row, "data": canonical_json(row["data"])})
        if self.checkpointer is not None:  # every row, whatever its kind, is signed now
            self.checkpointer.write(db, seq, row["hash"])  # unsigned: rolled back, as never
            self._publish = self._publish or kind == "transition"
        # Written while the write lock is held, so heads land in chain order.
        atomic_write_text(self.head_path, canonical_json({"seq": seq, "hash": row["hash"]}))
        return Event(**row)

    def unsigned(self, db: sqlite3.Connection | None = None) -> list[int]:
        """Rows after the last signed checkpoint (added without the signing key); [] without
        a checkpointer or before the first checkpoint (an old ledger adopted at 'keys init')."""
        if self.checkpointer is None:
            return []
        db = db or self._db
        signed = self.checkpointer.signed_up_to(db)
        if signed is None:
            return []
        return [r[0] for r in db.execute("SELECT seq FROM events WHERE seq > ? ORDER BY seq",
                                         (signed,))]

    def _refuse_unsigned(self, db: sqlite3.Connection) -> None:
        if rows := self.unsigned(db):
            raise said_error(LedgerIntegrityError, "proof.rows_unsigned", path=self.path,
                             rows=_span(rows))

    def checkpoint(self, adopt: str = "") -> dict | None:
        """Sign a checkpoint of the current head now (a record's manifest, a key change) and
        publish it; None without a checkpointer or rows. Rows after the last signed checkpoint
        are refused (LedgerIntegrityError) unless ``adopt`` names the person adopting them:
        then a row saying who adopted which rows is added and signed with them."""
        if self.checkpointer is None:
            return None
        with self._write() as db:
            if rows := self.unsigned(db):
                if not adopt:
                    self._refuse_unsigned(db)
                self._append(db, "-", "note", None, adopt,
                             {"adopted_unsigned_rows": rows, "by": adopt}, adopting=True)
            seq, head = self.head()
            checkpoint = self.checkpointer.write(db, seq, head) if seq else None
            self._publish = bool(seq)
        return checkpoint

    def note(self, app_id: str, actor: str, data: dict) -> Event:
        """Append an event that does not change the app's state (evidence, a comment, …)."""
        with self._write() as db:
            return self._append(db, app_id, "note", None, actor, data)

    def events(self, app_id: str | None = None) -> list[Event]:
        sql = "SELECT * FROM events" + (" WHERE app_id = ?" if app_id else "") + " ORDER BY seq"
        rows = self._db.execute(sql, (app_id,) if app_id else ()).fetchall()
        return [Event(**{**dict(r), "data": json.loads(r["data"])}) for r in rows]

    def done_actions(self, operation: str) -> list[Event]:
        """The action events recording ``operation`` done, every app's, oldest first: one
        query, filtered in the database (not every event read and decoded)."""
        rows = self._db.execute(
            "SELECT * FROM events WHERE kind = 'action' AND json_extract(data, '$.operation') = ? "
            "AND json_extract(data, '$.status') = 'done' ORDER BY seq", (operation,)).fetchall()
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
                problems.append(said("ledger.row_missing", seq=expected_seq, next=r["seq"]))
            if r["prev_hash"] != prev:
                problems.append(said("ledger.row_moved", seq=r["seq"]))
            if _row_hash(r) != r["hash"]:
                problems.append(said("ledger.row_edited", seq=r["seq"]))
            prev, expected_seq = r["hash"], r["seq"] + 1
            if len(problems) >= 10:
                break
        count = expected_seq - 1
        head = self._read_head()
        if head is not None and not problems:
            if head["seq"] > count:
                problems.append(said("ledger.cut", count=count, head=head["seq"]))
            elif head["seq"] < count:
                problems.append(said("ledger.past_head", head=head["seq"]))
            elif head["hash"] != prev:
                problems.append(said("ledger.head_hash"))
        elif head is None and count:
            problems.append(said("ledger.head_missing", name=self.head_path.name))
        if problems:
            raise LedgerIntegrityError(
                f"{self.path} does not verify: " + "; ".join(problems)
                + ". Restore the ledger from a backup and investigate who changed it.").saying({
                    lang: t("ledger.not_verified", lang, path=self.path, problems=(
                        "; " if lang == "en" else ";").join(p.in_language(lang)
                                                             for p in problems))
                    for lang in LANGUAGES})
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
                   override_reason: str = "", grant: Grant | None = None,
                   at: str | None = None) -> Event:
        """Move ``app_id`` to ``state`` if its gate allows it; raise TransitionError if not.

        The gate is the table in :mod:`decomkit.proof.gates`, checked under the write lock. ``data``
        carries what it checks: ``decision`` for "decided", ``manifest_hash`` for backup states,
        ``plan_hash``, ``manifest_hash`` and ``confirm`` for the guarded states. ``grant`` (from
        ``gates.authorize``, obtained before the effect this records) covers the conditions
        its override passed; conditions that became unmet since are refused. Without a grant,
        a written ``override_reason`` passes what the gate lets it pass (never the typed
        confirmation) and is recorded in the event. ``at`` (ISO time) records when it happened,
        for importing a lifecycle that took place before the kit; it defaults to now.
        """
        move = said("proof.move_to", state=_named("state", state))
        if state not in STATES or state == "new":
            raise refusal(app_id, move, said("proof.unknown_state", states=Said({
                lang: (", " if lang == "en" else "、").join(
                    _named("state", s).in_language(lang) for s in STATES)
                for lang in LANGUAGES})))
        data = dict(data or {})
        with self._write() as db:
            if grant is not None:
                data.update(self._granted(app_id, state, data, grant))
            else:
                action = ACTION_FOR_STATE[state]
                decision = decide(app_id, action, evaluate(self, app_id, action, data),
                                  override_reason, data)
                if not decision:
                    raise refusal(app_id, move, joined([u.text for u in decision.unmet]))
                if decision.override:
                    data["override"] = decision.override
            return self._append(db, app_id, "transition", state, actor, data, at)

    def _granted(self, app_id: str, state: str, data: dict, grant: Grant) -> dict:
        """What a granted transition records; refused if the grant does not cover it or a
        condition it did not pass became unmet since."""
        if grant.app_id != app_id or not grant.covers(state):
            raise refusal(app_id, said("proof.move_to", state=_named("state", state)),
                           said("proof.grant_other", action=_named("verb", grant.action),
                                app=grant.app_id))
        gate_state = GATES[grant.action].state
        action = grant.action if gate_state == state else ACTION_FOR_STATE[state]
        checked = {**grant.data, **data}
        passed = set((grant.override or {}).get("conditions", ()))
        unmet = [u for u in evaluate(self, app_id, action, checked)
                 if u.condition not in passed]
        if unmet:
            raise refusal(app_id, said("proof.move_to", state=_named("state", state)),
                           joined([u.text for u in unmet]) + said("proof.changed_since"))
        return {"override": grant.override} if grant.override else {}

    def missing(self, app_id: str, state: str, data: dict | None = None) -> str:
        """What is missing before ``app_id`` may enter ``state`` ("" when nothing is), from the
        ledger alone (``gates.authorize`` also checks the world: the backup on its target)."""
        action = ACTION_FOR_STATE[state]
        return "; ".join(u.text for u in evaluate(self, app_id, action, dict(data or {})))

    # ------------------------------------------------------------ idempotent actions

    def _check_action(self, db: sqlite3.Connection, key: str, status: str) -> None:
        """An action row the chain does not back is refused: the ``actions`` table is not
        chained itself, so a settled row ("done", "failed", "unknown") must match the latest
        signed event recorded for its key."""
        if status == "started":  # a claim: it is settled with the platform, never skipped
            return
        signed = self.checkpointer.signed_up_to(db) if self.checkpointer else None
        latest = db.execute(  # the latest signed row about this key, read from the end
            "SELECT json_extract(data, '$.status') FROM events WHERE kind = 'action' AND "
            "json_extract(data, '$.key') = ? AND (? IS NULL OR seq <= ?) ORDER BY seq DESC "
            "LIMIT 1", (key, signed, signed)).fetchone()
        found = latest[0] if latest else None
        if found != status:
            raise said_error(LedgerIntegrityError, "proof.action_unbacked", path=self.path,
                             action_key=key, status=_named("status", status),
                             found=said("proof.action_says", found=Said(
                                 {**_named("status", str(found)).by_language, "en": repr(found)}))
                             if found
                             else said("proof.action_unmentioned"))

    def action(self, key: str) -> Action | None:
        row = self._db.execute("SELECT * FROM actions WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        self._check_action(self._db, key, row["status"])
        return Action(row["key"], row["app_id"], row["operation"], row["status"],
                      json.loads(row["result"]) if row["result"] else None)

    def run_once(self, key: str, app_id: str, operation: str, actor: str,
                 perform: Callable[[], Any],
                 settle: Callable[[], tuple[bool, Any] | None] | None = None, *,
                 grant: Grant) -> tuple[Any, bool]:
        """Run ``perform`` at most once to completion under ``key``; return (result, ran_now).

        The app's action lock is held throughout, and the check and the claim happen in one
        write transaction: a second process on the same key waits, then finds it done. A key
        done returns its recorded result. A key claimed by a run that did not finish
        ("started", or "unknown" after a timeout) is settled by asking the platform:
        ``settle()`` answers (took effect, result), or None when the platform cannot tell —
        then a person checks (:class:`ActionUnsettled`); it is never repeated blindly. A key
        whose call the platform refused ("failed") is tried again.

        Every effect goes through here, and only with a live ``grant`` (one the gate authority
        gave a run asked with dry_run=False, for this app): a dry run cannot act by construction.
        """
        if not grant.live or grant.app_id != app_id:
            why = said("err.dry_run")
            raise TransitionError(app_id, operation, str(why), {
                lang: t("gate.refused", lang, app=app_id, action=present_operation(
                    operation, lang), why=why.in_language(lang)) for lang in LANGUAGES})
        with action_lock(self.path.parent, app_id, wait=ACTION_WAIT):
            with self._write() as db:
                row = db.execute("SELECT status, result FROM actions WHERE key = ?",
                                 (key,)).fetchone()
                if row is not None:
                    self._check_action(db, key, row["status"])
                if row is not None and row["status"] == "done":
                    return (json.loads(row["result"]) if row["result"] else None), False
                unsettled = row is not None and row["status"] in ("started", "unknown")
                if not unsettled:
                    db.execute(
                        "INSERT INTO actions (key, app_id, operation, status, updated) "
                        "VALUES (?, ?, ?, 'started', ?) ON CONFLICT(key) DO UPDATE SET "
                        "status = 'started', updated = excluded.updated",
                        (key, app_id, operation, utcnow()))
            if unsettled:
                outcome = settle() if settle is not None else None
                if outcome is None:
                    raise ActionUnsettled(key, operation)
                took_effect, result = outcome
                if took_effect:
                    self._record_action(key, app_id, operation, actor, "done", result,
                                        {"settled": "the platform shows it took effect"})
                    return result, False
            try:
                result = perform()
            except ManualStepRequired:  # a person does it first; the next run goes on
                self._record_action(key, app_id, operation, actor, "waiting", None, {})
                raise
            except PlatformTimeout as exc:  # it may have taken effect: settle it next time
                self._record_action(key, app_id, operation, actor, "unknown",
                                    {"error": str(exc)}, {"error": str(exc)})
                raise
            except Exception as exc:
                self._record_action(key, app_id, operation, actor, "failed",
                                    {"error": str(exc)}, {"error": str(exc)})
                raise
            self._record_action(key, app_id, operation, actor, "done", result,
                                {"result": result})
            return result, True

    def _record_action(self, key: str, app_id: str, operation: str, actor: str, status: str,
                       result: Any, details: dict) -> None:
        with self._write() as db:
            db.execute("UPDATE actions SET status = ?, result = ?, updated = ? WHERE key = ?",
                       (status, canonical_json(result), utcnow(), key))
            self._append(db, app_id, "action", None, actor,
                         {"key": key, "operation": operation, "status": status, **details})

    def settleable(self, key: str, happened: bool, result: Any = None) -> Action:
        """The unsettled action ``key`` if a person's finding on it can be recorded as given;
        TransitionError saying why not. Decided before anything is written: ``settle`` and
        its dry run (``decomkit settle`` without --apply) ask the same question."""
        action = self.action(key)
        if action is None or action.status not in ("started", "unknown"):
            app = action.app_id if action else "?"
            why = said("err.not_unsettled", action_key=key) + (said(
                "err.action_is", status=said(f"status.{action.status}")) if action else "")
            raise TransitionError(app, f"settle {key}", str(why), {
                lang: t("gate.refused", lang, app=app, action=t(
                    "verb.settle", lang, action_key=key), why=why.in_language(lang))
                for lang in LANGUAGES})
        if happened and result in (None, "") and action.operation in RESULT_NEEDED:
            raise refusal(action.app_id, said("verb.settle", action_key=key),
                           said(RESULT_NEEDED[action.operation]))
        return action

    def settle(self, key: str, happened: bool, actor: str, result: Any = None) -> Action:
        """A person's finding on an unsettled action: it took effect (done) or it did not
        (the next run performs it)."""
        action = self.settleable(key, happened, result)
        self._record_action(key, action.app_id, action.operation, actor,
                            "done" if happened else "failed", result,
                            {"settled": f"by {actor}: "
                             + ("it took effect" if happened else "it did not take effect")})
        settled = self.action(key)
        if settled is None:  # its row was updated just now; actions are never deleted
            raise said_error(LedgerIntegrityError, "proof.action_vanished", action_key=key)
        return settled
