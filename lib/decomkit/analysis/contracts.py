"""Licence timing: the last day to give notice, the best exit date, and what leaving saves.

Savings over a horizon of H months from today are the monthly cost avoided from the exit date to
the end of the horizon, less any early-termination fee and the migration effort.

Every contract has one deadline (:func:`contract_deadline`): a contract that renews by itself
must be given notice by its notice deadline; one that does not renew simply ends, and its end
date is the deadline (the app off and the data moved, or a new contract signed). A contract
whose early-termination fee is ¥0 may be ended at any time (the ``any_time`` option).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import pandas as pd

from decomkit.core.i18n import Language, t
from decomkit.inventory.tables import Inventory

NEAR_DAYS = 30  # warn when the notice deadline is this close
DAY_RATE = 1500.0  # ¥ per person-day of migration work
DAYS_PER_DATASET, DAYS_PER_INTEGRATION, ROWS_PER_DAY = 0.5, 1.0, 50_000
MONTH_DAYS = 365.25 / 12


def migration_cost(n_datasets: int, n_integrations: int, rows: int,
                   day_rate: float = DAY_RATE) -> float:
    """Person-days to move the data and rewire integrations, priced at ``day_rate``."""
    days = n_datasets * DAYS_PER_DATASET + n_integrations * DAYS_PER_INTEGRATION
    return round((days + rows / ROWS_PER_DAY) * day_rate, 2)


@dataclass(frozen=True)
class Deadline:
    """A contract's next deadline: give notice by it (``kind`` "notice", the contract renews by
    itself) or the contract ends on it (``kind`` "end", it does not renew)."""

    contract_id: str
    app_id: str
    kind: str  # notice | end
    day: dt.date
    term_end: dt.date  # end of the term the deadline belongs to
    notice_days: int

    def days_left(self, as_of: dt.date) -> int:
        return (self.day - as_of).days


def _notice_days(contract: dict) -> int:
    days = contract.get("notice_days")
    return int(days) if days is not None and pd.notna(days) else 0


def _auto_renews(contract: dict) -> bool:
    value = contract.get("auto_renew")
    return bool(value) if value is not None and pd.notna(value) else False


def contract_deadline(contract: dict, as_of: dt.date) -> Deadline | None:
    """The next deadline of ``contract`` (a contracts-table row as a dict) on or after
    ``as_of``: the notice deadline of a contract that renews by itself (a year on when this
    term's has passed), the end date of one that does not; None when it has already ended."""
    notice = _notice_days(contract)
    end = pd.Timestamp(contract["renewal_date"]).date()
    if _auto_renews(contract):
        while end - dt.timedelta(days=notice) < as_of:
            end = _add_years(end, 1)
        return Deadline(str(contract["contract_id"]), str(contract["app_id"]), "notice",
                        end - dt.timedelta(days=notice), end, notice)
    if end < as_of:
        return None
    return Deadline(str(contract["contract_id"]), str(contract["app_id"]), "end", end, end,
                    notice)


@dataclass(frozen=True)
class ExitOption:
    kind: str  # no_contract | expired | at_renewal | any_time | early_termination | next_renewal
    exit_date: dt.date
    notice_by: dt.date | None  # notice must be given by this day
    penalty: float
    savings_12: float
    savings_24: float


@dataclass(frozen=True)
class ExitPlan:
    contract_id: str | None
    as_of: dt.date
    term_end: dt.date | None  # end of the current term (rolled forward if it auto-renewed)
    notice_deadline: dt.date | None
    auto_renew: bool
    monthly_cost: float
    migration_cost: float
    best: ExitOption
    options: tuple[ExitOption, ...]
    warning: str | None  # a sentence, when the deadline is near or has passed

    @property
    def days_to_deadline(self) -> int | None:
        return None if self.notice_deadline is None else (self.notice_deadline - self.as_of).days

    def options_table(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(o) for o in self.options]).assign(
            best=[o == self.best for o in self.options])

    def option_lines(self, language: Language = "zh") -> list[str]:
        """Each exit option on its own line, the best marked, then the warning on its own."""
        lines = []
        for o in self.options:
            text = f"{self.contract_id} · {t(f'contract.exit.{o.kind}', language)}: " + t(
                "contract.option", language, date=o.exit_date)
            if o.penalty > 0:
                text += t("contract.fee", language, fee=f"¥{o.penalty:,.0f}")
            if o.notice_by:
                text += t("contract.notice_by", language, day=o.notice_by)
            if o == self.best and len(self.options) > 1:
                text += t("contract.best", language)
            lines.append(text)
        return lines + ([self.warning] if self.warning else [])

    def summary(self) -> dict:
        return {"contract_id": self.contract_id, "term_end": self.term_end,
                "notice_deadline": self.notice_deadline, "auto_renew": self.auto_renew,
                "best_exit": self.best.kind, "exit_date": self.best.exit_date,
                "notice_by": self.best.notice_by, "penalty": self.best.penalty,
                "savings_12": self.best.savings_12, "savings_24": self.best.savings_24,
                "warning": self.warning, "monthly_cost": self.monthly_cost,
                "migration_cost": self.migration_cost}


def _savings(monthly: float, as_of: dt.date, exit_date: dt.date, horizon: int,
             penalty: float, migration: float) -> float:
    months_paid = max(0.0, (exit_date - as_of).days / MONTH_DAYS)
    return round(monthly * max(0.0, horizon - months_paid) - penalty - migration, 2)


def _option(kind: str, exit_date: dt.date, notice_by: dt.date | None, penalty: float,
            monthly: float, as_of: dt.date, migration: float) -> ExitOption:
    return ExitOption(kind, exit_date, notice_by, penalty,
                      _savings(monthly, as_of, exit_date, 12, penalty, migration),
                      _savings(monthly, as_of, exit_date, 24, penalty, migration))


def _add_years(day: dt.date, years: int) -> dt.date:
    return (pd.Timestamp(day) + pd.DateOffset(years=years)).date()


def plan_exit(contract: dict | None, as_of: dt.date, monthly_cost: float,
              migration: float = 0.0, language: Language = "zh") -> ExitPlan:
    """The exit options under ``contract`` (a contracts-table row as a dict, or None)."""
    monthly_cost, migration = float(monthly_cost), float(migration)

    def option(kind, exit_date, notice_by=None, penalty=0.0):
        return _option(kind, exit_date, notice_by, penalty, monthly_cost, as_of, migration)

    if contract is None:
        best = option("no_contract", as_of)
        return ExitPlan(None, as_of, None, None, False, monthly_cost, migration, best, (best,),
                        None)
    auto_renew = bool(contract.get("auto_renew")) if pd.notna(contract.get("auto_renew")) \
        else False
    notice = dt.timedelta(days=int(contract.get("notice_days") or 0))
    fee = contract.get("early_termination_fee")
    fee = float(fee) if fee is not None and pd.notna(fee) else None
    term_end = pd.Timestamp(contract["renewal_date"]).date()
    while auto_renew and term_end < as_of:  # it renewed by itself, perhaps more than once
        term_end = _add_years(term_end, 1)
    if term_end < as_of:
        best = option("expired", as_of)
        return ExitPlan(contract["contract_id"], as_of, term_end, None, False, monthly_cost,
                        migration, best, (best,), t("contract.expired", language, end=term_end))
    deadline = term_end - notice
    options = []
    if as_of <= deadline or not auto_renew:
        options.append(option("at_renewal", term_end, deadline if auto_renew else None))
    else:
        later = _add_years(term_end, 1)
        options.append(option("next_renewal", later, later - notice))
    if fee is not None:  # a ¥0 fee: the contract may be ended at any time
        options.append(option("any_time" if fee == 0 else "early_termination", as_of, None,
                              fee))
    best = max(options, key=lambda o: (o.savings_24, -o.penalty))
    days_left = (deadline - as_of).days
    warning = None
    if auto_renew and days_left < 0:
        warning = t("contract.deadline_passed", language, deadline=deadline, end=term_end)
    elif auto_renew and days_left == 0:
        warning = t("contract.deadline_today", language, deadline=deadline)
    elif auto_renew and days_left <= NEAR_DAYS:
        warning = t("contract.deadline_near", language, deadline=deadline, days=days_left)
    elif not auto_renew and (term_end - as_of).days <= NEAR_DAYS:
        warning = t("contract.ends_near", language, end=term_end,
                    days=(term_end - as_of).days)
    return ExitPlan(contract["contract_id"], as_of, term_end, deadline, auto_renew, monthly_cost,
                    migration, best, tuple(options), warning)


def app_exit_plan(inventory: Inventory, app_id: str, as_of: dt.date, monthly_cost: float,
                  language: Language = "zh") -> ExitPlan:
    """The plan for ``app_id``'s latest contract, migration effort estimated from its data."""
    def rows_of(table: pd.DataFrame) -> pd.DataFrame:
        return table[table["app_id"] == app_id]

    datasets = rows_of(inventory.datasets)
    migration = migration_cost(len(datasets), len(rows_of(inventory.integrations)),
                               int(datasets["rows"].fillna(0).sum()))
    contracts = rows_of(inventory.contracts).sort_values("renewal_date")
    contract = contracts.iloc[-1].to_dict() if len(contracts) else None
    return plan_exit(contract, as_of, monthly_cost, migration, language)


@dataclass(frozen=True)
class ReenableTerms:
    """What re-enabling costs under the app's contract (停用指南 FAQ 2: before a re-enable,
    confirm the term of use and the fees)."""

    contract_id: str | None
    as_of: dt.date
    term_end: dt.date | None  # end of the current term (rolled forward if it auto-renews)
    auto_renew: bool
    annual_fee: float | None  # what a renewal costs a year
    terms: str  # the contract's terms in words
    app_kind: str = ""  # the apps table's kind: official, third_party, self_built, association

    @property
    def ended(self) -> bool:
        return self.term_end is not None and self.term_end < self.as_of

    def facts(self) -> dict:
        """What the re_enable gate checks, and what the ledger keeps with the re-enable."""
        return {"contract_id": self.contract_id,
                "contract_term_end": self.term_end.isoformat() if self.term_end else None,
                "contract_ended": self.ended, "renewal_fee": self.annual_fee}

    def lines(self, language: Language = "zh") -> list[str]:
        """The terms as a person reads them before re-enabling, in ``language``; without a
        contract, what restoring this kind of app takes (a free association is associated
        again, not asked of a vendor)."""
        if self.contract_id is None:
            key = {"association": "reenable.association", "self_built": "reenable.own",
                   "official": "reenable.own"}.get(self.app_kind, "reenable.no_contract")
            return [t(key, language)]
        fee = t("reenable.fee_unknown", language) if self.annual_fee is None else t(
            "reenable.fee_year", language, fee=f"¥{self.annual_fee:,.2f}")
        renews = t("reenable.renews", language) if self.auto_renew else ""
        return [t("reenable.term_ended" if self.ended else "reenable.term_runs", language,
                  id=self.contract_id, end=self.term_end, renews=renews),
                t("reenable.fee", language, fee=fee)] + (
            [t("reenable.terms", language, terms=self.terms)] if self.terms else [])


def reenable_terms(inventory: Inventory, app_id: str, as_of: dt.date) -> ReenableTerms:
    """The terms of ``app_id``'s latest contract as they stand on ``as_of``."""
    contracts = inventory.contracts[inventory.contracts["app_id"] == app_id]
    if not len(contracts):
        apps = inventory.apps
        kinds = list(apps.loc[apps["app_id"] == app_id, "kind"]) if "kind" in apps.columns \
            else []
        return ReenableTerms(None, as_of, None, False, None, "",
                             str(kinds[0]) if kinds else "")
    contract = contracts.sort_values("renewal_date").iloc[-1].to_dict()
    auto_renew = bool(contract.get("auto_renew")) if pd.notna(contract.get("auto_renew")) \
        else False
    term_end = pd.Timestamp(contract["renewal_date"]).date()
    while auto_renew and term_end < as_of:
        term_end = _add_years(term_end, 1)
    fee, terms = contract.get("annual_fee"), contract.get("terms")
    return ReenableTerms(str(contract["contract_id"]), as_of, term_end, auto_renew,
                         float(fee) if pd.notna(fee) else None,
                         str(terms) if pd.notna(terms) else "")
