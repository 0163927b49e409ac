"""Leaving the vendor (停用指南 stage 四, 软件授权情况): the termination notice, and the record that
the vendor was told.

``write_termination_notice`` writes the notice to the vendor as a file in the workspace,
``vendor/<app>/<contract>-termination-<notice date>-ends-<date>.<zh|en>.txt``: the contract
number, both parties
(the contracts table's ``customer`` and ``vendor``), the day the contract ends for us (the
chosen exit option's date) and the day of the notice. A person sends it and records that with
evidence: ``record_vendor_notified`` (``decomkit vendor notified``), a ledger note. Until that
note exists the contract's deadline stays red on the portfolio page, and no saving on the app is
counted as realized (``review.review_app``); from it, savings count from the exit's date.
Both steps are authorized by the ``notify_vendor`` gate: there must be a decision to retire.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from decomkit.analysis.contracts import ExitOption, plan_exit
from decomkit.context.workspace import Workspace
from decomkit.core.errors import InputError, Problem, WorkspaceError
from decomkit.core.files import atomic_write_text
from decomkit.core.i18n import Language, t
from decomkit.core.locks import app_lock
from decomkit.core.resources import render_template
from decomkit.core.said import Said, said, said_error
from decomkit.core.text import drawn_text
from decomkit.inventory.schemas import TABLES_BY_NAME
from decomkit.inventory.tables import find_table_file
from decomkit.inventory.usage import parse_as_of
from decomkit.lifecycle.authority import authorize
from decomkit.proof.gates import require
from decomkit.proof.ledger import Event, Ledger

NOTIFIED = "vendor_notified"  # the ledger note's event
WRITTEN = "vendor_notice_written"  # the ledger note of a notice the kit wrote
NOTICES = "vendor"  # the workspace folder of the notices


@dataclass(frozen=True)
class TerminationNotice:
    app_id: str
    contract_id: str
    customer: str
    vendor: str
    notice_date: dt.date
    effective_date: dt.date
    option: str  # the exit option's kind (contracts.ExitOption.kind)
    path: Path
    sha256: str


def _contract(workspace: Workspace, app_id: str) -> tuple[dict, str, int]:
    """The app's latest contract, its file's name and its row as a spreadsheet shows it."""
    contracts = workspace.inventory(["contracts"], app_id=app_id).contracts
    if not len(contracts):
        raise said_error(WorkspaceError, "life.vendor.no_contract", app=app_id)
    latest = contracts.sort_values("renewal_date").index[-1]
    files = find_table_file(workspace.path("data"), TABLES_BY_NAME["contracts"])
    name = f"data/{files[0].name}" if files else "data/contracts"
    return contracts.loc[latest].to_dict(), name, int(latest) + 2


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) \
        else str(value).strip()


def _exit_option(contract: dict, notice_date: dt.date, option: str) -> ExitOption:
    plan = plan_exit(contract, notice_date, 0.0)
    if not option:  # the earliest way out that the notice itself can bring about
        return min(plan.options, key=lambda o: (o.penalty, o.exit_date))
    chosen = [o for o in plan.options if o.kind == option]
    if not chosen:
        kinds = [o.kind for o in plan.options]
        raise said_error(WorkspaceError, "life.vendor.no_option", contract=contract["contract_id"],
                         option=option, date=notice_date, kinds=Said({
                             "en": ", ".join(kinds), "zh": "、".join(
                                 f"'{k}'({t(f'contract.exit.{k}', 'zh')})" for k in kinds)}))
    return chosen[0]


def write_termination_notice(workspace: Workspace, app_id: str, *, actor: str,
                             notice_date: dt.date, language: Language = "zh",
                             option: str = "") -> TerminationNotice:
    """Write the termination notice of ``app_id``'s contract, dated ``notice_date``, in
    ``language``. The contract ends on the date of ``option`` (an exit option's kind:
    at_renewal, next_renewal, any_time, early_termination); by default the option without a
    fee that ends it first. Refused without a retire decision, or when the contracts table does
    not name both parties (naming file, row and column); nothing is written then."""
    require(authorize(workspace, app_id, "notify_vendor", actor=actor))
    contract, file, row = _contract(workspace, app_id)
    parties = {c: _text(contract.get(c)) for c in ("customer", "vendor")}
    missing = [c for c, v in parties.items() if not v]
    if missing:
        raise InputError([Problem(file, row, c, said("life.p.party_empty"),
                                  said("life.p.legal_name"))
                          for c in missing])
    chosen = _exit_option(contract, notice_date, option)
    contract_id = str(contract["contract_id"])
    text = render_template(
        f"vendor/termination.{language}.txt.j2", contract_id=contract_id,
        customer=parties["customer"], vendor=parties["vendor"],
        start_date=_date(contract.get("start_date")), notice_date=notice_date.isoformat(),
        effective_date=chosen.exit_date.isoformat(), notice_days=int(
            contract.get("notice_days") or 0), option=chosen.kind,
        fee=f"¥{chosen.penalty:,.2f}")
    path = workspace.app_dir(NOTICES, app_id) / (
        f"{contract_id}-termination-{notice_date.isoformat()}-ends-"
        f"{chosen.exit_date.isoformat()}.{language}.txt")
    atomic_write_text(path, text.strip() + "\n")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with workspace.ledger() as ledger:  # what `vendor notified` trusts, never a file's name
        ledger.note(app_id, actor, {"event": WRITTEN, "contract_id": contract_id,
                                    "notice": path.name, "notice_sha256": digest,
                                    "notice_date": notice_date.isoformat(),
                                    "effective_date": chosen.exit_date.isoformat(),
                                    "option": chosen.kind})
    return TerminationNotice(app_id, contract_id, parties["customer"], parties["vendor"],
                             notice_date, chosen.exit_date, chosen.kind, path, digest)


def _date(value: object) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def record_vendor_notified(workspace: Workspace, app_id: str, *, who: str,
                           evidence: str | Path, notice: str | Path | None = None,
                           notified_on: dt.date | None = None) -> Event:
    """Record that ``who`` sent the vendor the termination notice (by default the latest the
    kit wrote for the contract; the contract ends on the day it names), with an evidence file
    (the sent mail, the vendor's receipt: its SHA-256 is kept), on ``notified_on`` (default:
    today where the organisation is). A ledger note; nothing else changes."""
    if not drawn_text(who):
        raise said_error(WorkspaceError, "life.vendor.who")
    proof = Path(evidence)
    if not proof.is_file() or proof.stat().st_size == 0:
        why = said("err.vendor_evidence_missing", file=proof)
        raise WorkspaceError(str(why)).saying(why)
    require(authorize(workspace, app_id, "notify_vendor", actor=who))
    contract, _, _ = _contract(workspace, app_id)
    contract_id = str(contract["contract_id"])
    folder = workspace.app_dir(NOTICES, app_id)
    with workspace.ledger() as ledger:
        written = {e.data["notice_sha256"]: e.data for e in ledger.events(app_id)
                   if e.kind == "note" and e.data.get("event") == WRITTEN
                   and e.data.get("contract_id") == contract_id}
    if notice is None:
        mine = [folder / d["notice"] for d in written.values() if (folder / d["notice"]).is_file()]
        if not mine:
            raise said_error(WorkspaceError, "life.vendor.no_notice", contract=contract_id,
                             folder=folder, root=workspace.root, app=app_id)
        notice = max(mine, key=lambda p: p.stat().st_mtime_ns)
    sent = Path(notice)
    if not sent.is_file() or sent.resolve().parent != folder.resolve():
        raise said_error(WorkspaceError, "life.vendor.not_ours", folder=folder,
                         contract=contract_id)
    facts = written.get(hashlib.sha256(sent.read_bytes()).hexdigest())
    if facts is None:  # edited, copied from another contract, or not the kit's
        raise said_error(WorkspaceError, "life.vendor.changed", file=sent.name,
                         contract=contract_id)
    evidence_sha256 = hashlib.sha256(proof.read_bytes()).hexdigest()
    today = parse_as_of("", workspace.config.timezone)
    on = notified_on or today
    if not dt.date.fromisoformat(facts["notice_date"]) <= on <= today:
        raise said_error(WorkspaceError, "life.vendor.told_on", on=on,
                         date=facts["notice_date"], today=today)
    data = {"event": NOTIFIED, "contract_id": contract_id, "who": who.strip(),
            "notice": sent.name, "notice_sha256": facts["notice_sha256"],
            "notice_date": facts["notice_date"], "notified_on": on.isoformat(),
            "effective_date": facts["effective_date"],
            "evidence": proof.name, "evidence_sha256": evidence_sha256}
    # one run at a time per app: the evidence check and the note it guards are not split
    with app_lock(workspace.root, app_id, "notify_vendor"), \
            workspace.ledger() as ledger:
        if any(e.kind == "note" and e.data.get("event") == NOTIFIED
               and e.data.get("evidence_sha256") == evidence_sha256 for e in ledger.events()):
            raise said_error(WorkspaceError, "life.vendor.evidence_reused", file=proof.name)
        return ledger.note(app_id, who.strip(), data)


def vendor_exit(ledger: Ledger, app_id: str, contract_id: str | None = None) -> dict | None:
    """The latest record that the vendor was told (of ``contract_id`` when given), or None."""
    found = [e.data for e in ledger.events(app_id)
             if e.kind == "note" and e.data.get("event") == NOTIFIED
             and (contract_id is None or e.data.get("contract_id") == contract_id)]
    return found[-1] if found else None


def vendor_exits(workspace: Workspace) -> dict[tuple[str, str], dict]:
    """Every contract's latest record that its vendor was told: (app, contract) → the note."""
    with workspace.ledger() as ledger:
        notes = [e for e in ledger.events() if e.kind == "note"
                 and e.data.get("event") == NOTIFIED]
    return {(e.app_id, str(e.data.get("contract_id"))): e.data for e in notes}
