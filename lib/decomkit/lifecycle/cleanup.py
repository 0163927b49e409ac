"""The residue checklist (停用指南 stage 七, 清理软件残留): what still references a disabled app,
each item recorded as cleaned by the person who did it, with an evidence file.

The items are the ones the disable listed (its ``residue`` step); cleaning them happens in
DingTalk and the other systems, by people. Recording is gated (``clean_residue``: the disable
was verified) and kept once per item as a ledger action.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd

from decomkit.context.stage import Stage
from decomkit.core.said import refused
from decomkit.core.text import drawn_text
from decomkit.lifecycle.authority import authorize
from decomkit.lifecycle.execute import residue
from decomkit.proof.gates import require


def _instance(stage: Stage, app_id: str) -> str:
    with stage.workspace.ledger() as ledger:
        approved = ledger.last(app_id, "approved")
    return approved.data["instance_id"] if approved else "-"


def residue_items(stage: Stage, app_id: str) -> list[str]:
    """The residue the disable recorded, or (before it) what it would list now."""
    with stage.workspace.ledger() as ledger:
        kept = ledger.action(f"{app_id}:{_instance(stage, app_id)}:residue")
    return list(kept.result) if kept is not None and kept.status == "done" else residue(
        stage, app_id)


def residue_checklist(stage: Stage, app_id: str) -> pd.DataFrame:
    """One row per item: who cleaned it, when, and the evidence's SHA-256 (empty: not yet)."""
    items, instance, rows = residue_items(stage, app_id), _instance(stage, app_id), []
    with stage.workspace.ledger() as ledger:
        for number, item in enumerate(items, 1):
            done = ledger.action(f"{app_id}:{instance}:residue-cleaned:{number}")
            result = done.result if done is not None and done.status == "done" else {}
            rows.append({"number": number, "item": item, "cleaned_by": result.get("who", ""),
                         "cleaned_at": result.get("at", ""),
                         "evidence_sha256": result.get("evidence_sha256", "")})
    return pd.DataFrame(rows, columns=["number", "item", "cleaned_by", "cleaned_at",
                                       "evidence_sha256"])


def mark_residue_cleaned(stage: Stage, app_id: str, number: int, who: str,
                         evidence: str | Path) -> dict:
    """Record that ``who`` cleaned residue item ``number`` (1-based), with an evidence file;
    a second record of the same item keeps the first. Refused (nothing written) before the
    disable is verified, without a name, or without a non-empty evidence file."""
    grant = require(authorize(stage.workspace, app_id, "clean_residue", actor=stage.analyst,
                              dry_run=False))
    items = residue_items(stage, app_id)
    path = Path(evidence) if evidence else None
    if not 1 <= number <= len(items):
        raise refused(app_id, "clean_residue", "err.no_residue_item", number=number,
                      count=len(items))
    if not drawn_text(who):
        raise refused(app_id, "clean_residue", "err.say_who_cleaned")
    if path is None or not path.is_file() or path.stat().st_size == 0:
        raise refused(app_id, "clean_residue", "err.evidence_missing")
    record = {"item": items[number - 1], "who": who.strip(), "evidence": path.name,
              "evidence_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
              "at": dt.datetime.now(dt.UTC).isoformat()}
    with stage.workspace.ledger() as ledger:
        result, _ = ledger.run_once(
            f"{app_id}:{_instance(stage, app_id)}:residue-cleaned:{number}", app_id,
            "residue-cleaned", stage.analyst, lambda: record, grant=grant)
    return result
