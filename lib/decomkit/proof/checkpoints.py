"""Signed ledger checkpoints: made at every lifecycle transition, published to the anchors, and
the verification of a ledger against them.

A checkpoint is ``{workspace id, seq, chain head, time, key id}`` signed with the workspace's
Ed25519 key. It is written in the same transaction as the transition it covers (a transition
that cannot be signed is not written), then published to every anchor in ``decomkit.toml``.
Publishing never blocks the stage: a checkpoint an anchor did not take is reported "not
anchored yet" and published by the next run (or ``decomkit ledger anchor DIR``).

Verification (``decomkit ledger verify``) checks the chain, every checkpoint's signature, and
that every checkpoint found at the anchors (or pasted with ``--checkpoint``) is a prefix of the
current chain: the same hash at its row. Whoever rewrites, shortens, reorders or deletes the
ledger after a checkpoint was anchored contradicts it, key or no key.
"""

from __future__ import annotations

import json
import re
import sqlite3
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from decomkit.core import said as core_said
from decomkit.core.canonical import utcnow
from decomkit.core.config import Config
from decomkit.core.errors import AnchorDeferred, AnchorError, LedgerIntegrityError
from decomkit.core.i18n import t
from decomkit.core.said import Said, said, said_error
from decomkit.proof.anchors import AnchorStore, checkpoint_text, open_anchors
from decomkit.proof.keys import (
    KeyRing,
    Signer,
    check_document,
    endorsed_keyring,
    has_keys,
    load_keyring,
    load_signer,
    said_of,
    sign_document,
)
from decomkit.proof.ledger import Ledger
from decomkit.proof.trust import TrustProfile

FORMAT = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS checkpoints (seq INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS anchored (
    seq INTEGER NOT NULL, anchor TEXT NOT NULL, status TEXT NOT NULL, detail TEXT,
    updated TEXT NOT NULL, PRIMARY KEY (seq, anchor));
"""
_TEXT = re.compile(r"decomkit-checkpoint/1 ws=(?P<ws>\S+) seq=(?P<seq>\d+) "
                   r"head=(?P<head>[0-9a-f]{64}) time=(?P<time>\S+) key=(?P<key>[0-9a-f]+) "
                   r"sig=(?P<sig>[A-Za-z0-9+/=]+)")


# Where a checkpoint checked against the chain came from, besides an anchor (its label).
PASTED = said("proof.source.pasted")
MANIFEST_SOURCE = said("proof.source.manifest")


class AnchorWarning(UserWarning):
    """A checkpoint is not anchored yet; the next run publishes it."""


class LedgerHome(Protocol):
    """What checkpoints read of a workspace (``decomkit.context.workspace`` sits above the
    proof and provides this): its folder, settings and ledger."""

    @property
    def root(self) -> Path: ...

    @property
    def config(self) -> Config: ...

    @property
    def ledger_path(self) -> Path: ...

    def ledger(self) -> Ledger: ...


def make_checkpoint(workspace_id: str, seq: int, head: str, signer: Signer) -> dict:
    return sign_document({"format": FORMAT, "workspace_id": workspace_id, "seq": seq,
                          "head": head, "time": utcnow(), "key_id": signer.key_id}, signer)


def parse_checkpoint_text(text: str, ring: KeyRing) -> dict:
    """A pasted checkpoint line back into a checkpoint whose signature can be checked."""
    match = _TEXT.search(text)
    if match is None:
        raise said_error(LedgerIntegrityError, "proof.not_checkpoint_line",
                         start=repr(text[:40]))
    known = ring.keys.get(match["key"])
    return {"format": FORMAT, "workspace_id": match["ws"], "seq": int(match["seq"]),
            "head": match["head"], "time": match["time"], "key_id": match["key"],
            "signature": {"algorithm": "Ed25519", "key_id": match["key"],
                          "fingerprint": known.fingerprint if known else "",
                          "value": match["sig"]}, "_where": "--checkpoint"}


def _connect(path: Path) -> sqlite3.Connection | None:
    """A read-only connection, or None when there is no ledger (never create one)."""
    if not Path(path).exists():
        return None
    db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=60)
    db.row_factory = sqlite3.Row
    return db


def stored_checkpoints(ledger_path: Path) -> list[dict]:
    db = _connect(ledger_path)
    if db is None:
        return []
    try:
        return [json.loads(r["body"]) for r in db.execute(
            "SELECT body FROM checkpoints ORDER BY seq")]
    except sqlite3.OperationalError:  # a ledger from before checkpoints
        return []
    finally:
        db.close()


def current_checkpoint(workspace: LedgerHome) -> str:
    """The latest checkpoint as one line (for the approval form's 台账校验 / Ledger checkpoint
    field), or "-" when the ledger has none."""
    found = stored_checkpoints(workspace.ledger_path)
    return checkpoint_text(found[-1]) if found else "-"


class Checkpointer:
    """Signs a checkpoint for the ledger inside its transaction and publishes it after."""

    def __init__(self, root: Path, config: Config):
        self.root, self.config = Path(root), config
        self._signer: Signer | None = None
        self._workspace_id = ""

    def prepare(self, db: sqlite3.Connection) -> None:
        db.executescript(_SCHEMA)

    def write(self, db: sqlite3.Connection, seq: int, head: str) -> dict:
        """Sign and store the checkpoint of row ``seq`` (once). Raises SigningKeyError, which
        rolls the transition back: nothing is written that cannot be signed."""
        row = db.execute("SELECT body FROM checkpoints WHERE seq = ?", (seq,)).fetchone()
        if row is not None:
            return json.loads(row[0])
        if self._signer is None:
            self._signer = load_signer(self.root)
            self._workspace_id = load_keyring(self.root).workspace_id
        checkpoint = make_checkpoint(self._workspace_id, seq, head, self._signer)
        db.execute("INSERT INTO checkpoints (seq, body) VALUES (?, ?)",
                   (seq, json.dumps(checkpoint, sort_keys=True)))
        return checkpoint

    def signed_up_to(self, db: sqlite3.Connection) -> int | None:
        """The last row a signed checkpoint covers; None before the first checkpoint."""
        row = db.execute("SELECT MAX(seq) FROM checkpoints").fetchone()
        return row[0] if row else None

    def publish(self, ledger_path: Path) -> dict[str, list[int]]:
        """Publish every checkpoint an anchor does not hold yet; return, per anchor, the rows
        still not anchored (a warning says so; nothing is raised)."""
        anchors = open_anchors(self.root, self.config)
        if not anchors:
            return {}
        return publish_pending(ledger_path, anchors)


def _retrying() -> Retrying:
    return Retrying(stop=stop_after_attempt(2), wait=wait_exponential(multiplier=0.2, max=1),
                    retry=retry_if_exception(lambda e: isinstance(e, AnchorError)
                                             and not isinstance(e, AnchorDeferred)),
                    reraise=True)


def publish_pending(ledger_path: Path, anchors: list[AnchorStore]) -> dict[str, list[int]]:
    db = sqlite3.connect(ledger_path, timeout=60, isolation_level=None)
    db.executescript(_SCHEMA)
    left: dict[str, list[int]] = {}
    try:
        for anchor in anchors:
            pending = [json.loads(r[0]) for r in db.execute(
                "SELECT body FROM checkpoints WHERE seq NOT IN (SELECT seq FROM anchored WHERE "
                "anchor = ? AND status = 'done') ORDER BY seq", (anchor.label,))]
            covered: list[dict] = []
            if anchor.latest_only and pending:  # the latest covers every row before it
                covered, pending = pending[:-1], pending[-1:]
            for i, checkpoint in enumerate(pending):
                try:
                    receipt = _retrying()(anchor.publish, checkpoint)
                    status, detail = "done", receipt
                except AnchorError as exc:
                    status, detail = "failed", said_of(exc)
                marked = [*covered, checkpoint] if status == "done" else [checkpoint]
                db.executemany(
                    "INSERT INTO anchored (seq, anchor, status, detail, updated) VALUES "
                    "(?, ?, ?, ?, ?) ON CONFLICT (seq, anchor) DO UPDATE SET status = "
                    "excluded.status, detail = excluded.detail, updated = excluded.updated",
                    [(c["seq"], anchor.label, status,
                      str(detail) if c is checkpoint else f"covered by row {checkpoint['seq']}: "
                      f"{detail}", utcnow()) for c in marked])
                if status == "failed":  # the anchor is down: the rest waits for the next run
                    rows = [c["seq"] for c in [*covered, *pending[i:]]]
                    left[anchor.label] = rows
                    warnings.warn(core_said.said(
                        "anchor.not_yet", rows=core_said.said(
                            "anchor.row" if len(rows) == 1 else "anchor.rows", first=rows[0],
                            last=rows[-1]), anchor=anchor.shown, detail=detail),
                        AnchorWarning, stacklevel=2)
                    break
    finally:
        db.close()
    return left


def _rows(rows: list[int]) -> Said:
    return said("anchor.row" if len(rows) == 1 else "anchor.rows", first=rows[0], last=rows[-1])


def anchor_now(workspace: LedgerHome, adopt: str = "") -> dict[str, list[int]]:
    """Publish every pending checkpoint (``decomkit ledger anchor``). Rows after the last
    signed checkpoint are refused unless ``adopt`` names who adopts them."""
    with workspace.ledger() as ledger:
        ledger.checkpoint(adopt)  # a head past the last checkpoint (an old ledger's notes)
    anchors = open_anchors(workspace.root, workspace.config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AnchorWarning)
        return publish_pending(workspace.ledger_path, anchors) if anchors else {}


# ------------------------------------------------------------------ verification


@dataclass
class LedgerReport:
    rows: int
    head: str
    checkpoints: int  # signed checkpoints in the ledger, all verified
    anchored: dict[str, int] = field(default_factory=dict)  # anchor → checkpoints read there
    unanchored: dict[str, int] = field(default_factory=dict)  # anchor → not published yet
    notes: list[str] = field(default_factory=list)
    pinned: bool = False  # checked against a trust profile, not the workspace's own claims
    latest: str = "-"  # the latest checkpoint as one line (current_checkpoint), "-" for none


def _evidence(workspace: LedgerHome) -> list[str]:
    """What shows the workspace has done work, when its ledger is gone."""
    root = workspace.root
    found: list[str] = []
    for folder in ("runs", "backups", "records"):
        files = [p for p in (root / folder).rglob("*") if p.is_file()] if (
            root / folder).is_dir() else []
        if files:
            found.append(said("proof.evidence", what=said(f"proof.evidence.{folder}"),
                              folder=folder, n=len(files)))
    return found


def _chain(ledger_path: Path) -> tuple[dict[int, str], list[str], list[int]]:
    """Row → hash, the chain's problems (edited, missing, reordered rows, head file) and the
    rows that are transitions."""
    with Ledger(ledger_path) as ledger:
        problems: list[str] = []
        try:
            ledger.verify()
        except LedgerIntegrityError as exc:  # said in each language when it is
            problems.append(said_of(exc))
        events = ledger.events()
    return {e.seq: e.hash for e in events}, problems, [e.seq for e in events
                                                     if e.kind == "transition"]


def _contradiction(checkpoint: dict, hashes: dict[int, str], source: str) -> str:
    seq = checkpoint["seq"]
    where = said("proof.holds_checkpoint", source=source, seq=seq,
                 time=checkpoint.get("time", "?"), head=checkpoint["head"][:16])
    if not hashes:
        return said("proof.ledger_deleted", where=where)
    if seq not in hashes:
        return said("proof.ledger_shortened", where=where, last=max(hashes))
    if hashes[seq] != checkpoint["head"]:
        return said("proof.ledger_rewritten", where=where, seq=seq, hash=hashes[seq][:16])
    return ""


def verify_ledger(workspace: LedgerHome, *, public_keys: tuple = (),
                  checkpoint_texts: tuple[str, ...] = (),
                  extra_checkpoints: tuple[tuple[str, dict], ...] = (),
                  trust: TrustProfile | None = None) -> LedgerReport:
    """Check the chain, every checkpoint's signature, and every anchored checkpoint (and each
    pasted line or ``(source, checkpoint)`` given) against the chain; raise
    LedgerIntegrityError naming the first contradiction first. ``trust`` (the auditor's trust
    profile) pins the keys, the workspace id and the anchors; ``public_keys`` pins only the
    keys; without either the workspace is checked against its own claims (``report.pinned``
    is False)."""
    root = workspace.root
    problems: list[str] = []
    notes: list[str] = []
    registry = load_keyring(root) if has_keys(root) else None
    ring = KeyRing.of(*public_keys) if public_keys else registry
    if trust is not None:
        ring = trust.keyring(root)
    elif registry is not None and not public_keys:
        ring, unendorsed = endorsed_keyring(root)
        problems += unendorsed
    if ring is None:
        raise said_error(LedgerIntegrityError, "proof.no_public_key", root=root)
    workspace_id = registry.workspace_id if registry else ""
    if trust is not None:
        if workspace_id and workspace_id != trust.workspace_id:
            problems.append(said("proof.id_changed", workspace_id=workspace_id,
                                 where=trust.where, trusted=trust.workspace_id))
        workspace_id = trust.workspace_id
    exists = workspace.ledger_path.exists()
    hashes, chain_problems, transitions = _chain(workspace.ledger_path) if exists else ({}, [],
                                                                                       [])
    problems += chain_problems
    local = stored_checkpoints(workspace.ledger_path)
    workspace_id = workspace_id or (local[0]["workspace_id"] if local else "")

    external: list[tuple[str, dict]] = []
    anchored: dict[str, int] = {}
    anchors = open_anchors(root, workspace.config)
    from_profile: set[str] = set()
    if trust is not None:  # the profile's anchors, wherever the workspace now points
        pinned = trust.open_anchors(root, workspace.config)
        named = {(a.kind, a.target) for a in pinned}
        configured = {(a.kind, a.target) for a in anchors}
        notes += [said("proof.anchor_unlisted", label=a.shown) for a in pinned
                  if (a.kind, a.target) not in configured]
        notes += [said("proof.anchor_unpinned", label=a.shown) for a in anchors
                  if (a.kind, a.target) not in named]
        anchors = pinned + [a for a in anchors if (a.kind, a.target) not in named]
        from_profile = {a.label for a in pinned}
    for anchor in anchors:
        try:
            found, every = anchor.read(workspace_id)
        except AnchorError as exc:
            problems.append(said("proof.anchor_needed", why=said_of(exc)))
            continue
        if found is None:
            notes.append(said("proof.anchor_write_only", label=anchor.shown))
            continue
        anchored[anchor.label] = len(found)
        external += [(anchor.label, c) for c in found]
        problems += _known_elsewhere(anchor.shown, every or [], workspace_id, ring)
        if anchor.label in from_profile and not found and local:
            problems.append(said("proof.anchor_empty", label=anchor.shown,
                                 workspace_id=workspace_id, n=len(local)))
        gone = sorted(_published(workspace.ledger_path, anchor.label)
                      - {c["seq"] for c in found if c.get("workspace_id") == workspace_id})
        if gone:
            problems.append(said("proof.anchor_lost", label=anchor.shown,
                                 rows=", ".join(map(str, gone[:10]))))
    for text in checkpoint_texts:
        external.append((PASTED, parse_checkpoint_text(text, ring)))
    external += list(extra_checkpoints)

    contradictions: list[str] = []
    for source, checkpoint in sorted(external, key=lambda sc: sc[1].get("seq", 0)):
        if "unreadable" in checkpoint:
            contradictions.append(said("proof.not_a_checkpoint", source=source,
                                       where=checkpoint["unreadable"]))
            continue
        if checkpoint.get("workspace_id") != workspace_id:
            if source in (PASTED, MANIFEST_SOURCE):
                contradictions.append(said("proof.other_workspace", source=source,
                                           other=checkpoint.get("workspace_id"),
                                           workspace_id=workspace_id))
            continue  # another workspace's checkpoint in a shared anchor
        signed = {k: v for k, v in checkpoint.items() if not k.startswith("_")}
        why = check_document(signed, ring, at=checkpoint.get("time", ""))
        if why:
            contradictions.append(said("proof.checkpoint_signature", source=source,
                                       seq=checkpoint["seq"], why=why))
            continue
        if why := _contradiction(checkpoint, hashes, source):
            contradictions.append(why)
    problems[:0] = contradictions[:1]
    problems += contradictions[1:5]

    if not hashes:
        evidence = _evidence(workspace) + (
            [said("proof.evidence.anchors", anchors=", ".join(sorted(anchored)))]
            if external else [])
        if evidence or local:
            shown = evidence or [said("proof.evidence.checkpoints")]
            problems.insert(0, said("proof.ledger_gone" if not exists else "proof.ledger_empty",
                                    evidence=Said({lang: ("; " if lang == "en" else ";").join(
                                        core_said.in_language(e, lang) for e in shown)
                                        for lang in core_said.LANGUAGES})))

    for checkpoint in local:
        why = check_document(checkpoint, ring, at=checkpoint.get("time", ""))
        if why or checkpoint.get("workspace_id") != workspace_id:
            problems.append(said("proof.local_checkpoint", seq=checkpoint["seq"],
                                 why=why or said("proof.another_workspace")))
        elif why := _contradiction(checkpoint, hashes, said("proof.the_ledger")):
            problems.append(why)
    covered = {c["seq"] for c in local}
    first = min(covered) if covered else None
    unsigned = [s for s in transitions if first is None or (s >= first and s not in covered)]
    if unsigned:
        problems.append(said("proof.transitions_unsigned",
                             rows=", ".join(map(str, unsigned[:10]))))
    tail = [s for s in hashes if covered and s > max(covered) and s not in unsigned]
    if tail:
        problems.append(said("proof.tail_unsigned", rows=_rows(tail), last=max(covered)))
    if problems:
        error = LedgerIntegrityError(f"{root} does not verify:\n  - " + "\n  - ".join(problems))
        if all(isinstance(p, core_said.Said) for p in problems):  # one language a message
            error.saying({lang: t("ledger.root_not_verified", lang, root=root) + "\n  - "
                          + "\n  - ".join(core_said.in_language(p, lang) for p in problems)
                          for lang in core_said.LANGUAGES})
        raise error
    return LedgerReport(len(hashes), hashes[max(hashes)] if hashes else "", len(local),
                        anchored, _unanchored(workspace), notes,
                        pinned=trust is not None,
                        latest=checkpoint_text(local[-1]) if local else "-")


def _known_elsewhere(label: str, every: list[dict], workspace_id: str, ring: KeyRing
                     ) -> list[str]:
    """Checkpoints at an anchor signed by a trusted key under another workspace id: the
    workspace was given a new id (its forgery published under it) — never another's."""
    found: dict[str, list[int]] = {}
    for checkpoint in every:
        other = checkpoint.get("workspace_id")
        if "unreadable" in checkpoint or other == workspace_id:
            continue
        signed = {k: v for k, v in checkpoint.items() if not k.startswith("_")}
        if not check_document(signed, ring, at=str(checkpoint.get("time", ""))):
            found.setdefault(str(other), []).append(checkpoint["seq"])
    return [said("proof.known_elsewhere", label=label, n=len(rows), rows=_rows(sorted(rows)),
                 other=other, workspace_id=workspace_id) for other, rows in found.items()]


def _published(ledger_path: Path, label: str) -> set[int]:
    """Rows whose checkpoint ``label`` took, as this ledger recorded it."""
    db = _connect(ledger_path)
    if db is None:
        return set()
    try:
        return {r[0] for r in db.execute("SELECT seq FROM anchored WHERE anchor = ? AND "
                                         "status = 'done'", (label,))}
    except sqlite3.OperationalError:
        return set()
    finally:
        db.close()


def _unanchored(workspace: LedgerHome) -> dict[str, int]:
    db = _connect(workspace.ledger_path)
    if db is None:
        return {}
    try:
        total = db.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0]
        result = {}
        for anchor in open_anchors(workspace.root, workspace.config):
            done = db.execute("SELECT COUNT(*) FROM anchored WHERE anchor = ? AND status = "
                              "'done'", (anchor.label,)).fetchone()[0]
            if total - done:
                result[anchor.label] = total - done
        return result
    except sqlite3.OperationalError:
        return {}
    finally:
        db.close()

