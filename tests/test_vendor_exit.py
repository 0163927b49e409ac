"""Leaving a licence's vendor (#22 item 7): every contract's deadline, a due-today deadline that
says so, exit options one per line, a ¥0 exit that reads "terminable at any time", the notice to
the vendor written and its sending recorded with evidence, the deadline red until then, and
savings realized only from the recorded vendor exit."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from decomkit.analysis.contracts import plan_exit
from decomkit.analysis.preflight import preflight
from decomkit.cli import main
from decomkit.context.stage import open_stage
from decomkit.core.errors import InputError, TransitionError, WorkspaceError
from decomkit.core.present import Audience, human_frame, term
from decomkit.lifecycle.review import portfolio_savings, review_app
from decomkit.lifecycle.vendor import (
    record_vendor_notified,
    vendor_exit,
    write_termination_notice,
)
from decomkit.records.overview import flag, portfolio_overview
from decomkit.views.trail import app_trail

AS_OF = dt.date(2026, 11, 23)
RETIRED = "old-expense"  # the demo's app disabled on 2026-07-15 (self-built: no contract yet)


def add_contract(ws, app_id: str, renewal: dt.date, *, auto_renew: bool = True,
                 notice_days: int = 30, fee: float = 0.0, vendor: str = "旧报销软件有限公司",
                 customer: str = "示例商贸有限公司") -> str:
    path = ws.root / "data" / "contracts.xlsx"
    contract_id = f"HT-TEST-{app_id}"
    row = {"contract_id": contract_id, "app_id": app_id,
           "start_date": pd.Timestamp(renewal) - pd.DateOffset(years=1),
           "renewal_date": pd.Timestamp(renewal), "notice_days": notice_days,
           "auto_renew": auto_renew, "annual_fee": 23400.0, "early_termination_fee": fee,
           "terms": "可随时终止" if fee == 0 else "提前终止需支付费用", "vendor": vendor,
           "customer": customer}
    pd.concat([pd.read_excel(path), pd.DataFrame([row])]).to_excel(path, index=False)
    return contract_id


def stage(ws, as_of: dt.date = AS_OF):
    return open_stage(str(ws.root), as_of=as_of.isoformat())


def ledger_rows(ws) -> int:
    with ws.ledger() as ledger:
        return len(ledger.events())


def evidence(tmp_path):
    path = tmp_path / "sent-mail.eml"
    path.write_text("Subject: 合同终止通知\n\n已发送。\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------ deadlines


def test_a_deadline_due_today_says_so_and_is_not_within_60_days():
    assert flag(0) == "today" and flag(1) == "60" and flag(61) == "90" and flag(200) == ""
    assert term("today", "zh") == "今天截止" and term("today", "en") == "due today"
    assert flag(0, notified=True) == "notified"


def test_every_contract_has_a_deadline_a_plain_end_date_too(demo):
    """wiki's HT-2025-010 ends on 2026-12-16 without renewing: it is a deadline (the issue:
    it was never flagged), as is old-attendance's notice deadline due today."""
    deadlines = portfolio_overview(stage(demo), verify_backups=False).deadlines_within(120)
    wiki = deadlines[deadlines["app_id"] == "wiki"].iloc[0]
    assert (wiki["contract_id"], wiki["deadline_kind"], wiki["deadline"], wiki["days_left"],
            wiki["flag"]) == ("HT-2025-010", "end", dt.date(2026, 12, 16), 23, "60")
    today = deadlines[deadlines["days_left"] == 0]
    assert list(today["flag"]) == ["today"] and list(today["app_id"]) == ["old-attendance"]
    shown = human_frame(deadlines, Audience("zh"))
    assert "合同到期(不续约)" in set(shown["截止类型"]) and "今天截止" in set(shown["提醒"])
    assert not shown.isin(["None", "nan", "NaT", "True", "False"]).any().any()


def test_the_calendar_has_the_end_of_a_contract_that_does_not_renew(demo):
    import icalendar

    from decomkit.records.portfolio_page import write_deadlines_calendar

    overview = portfolio_overview(stage(demo), verify_backups=False)
    path = write_deadlines_calendar(demo, overview)
    events = list(icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"))
    wiki = [e for e in events if "HT-2025-010" in str(e["summary"])]
    assert len(wiki) == 1 and wiki[0].decoded("dtstart") == dt.date(2026, 12, 16)
    assert str(wiki[0]["summary"]).startswith("合同到期")


# ------------------------------------------------------------------ exit options


def test_a_zero_fee_exit_reads_terminable_at_any_time():
    contract = {"contract_id": "HT-1", "app_id": "a", "renewal_date": "2027-04-06",
                "notice_days": 30, "auto_renew": True, "early_termination_fee": 0.0}
    plan = plan_exit(contract, AS_OF, 25000, 0, "zh")
    kinds = [o.kind for o in plan.options]
    assert kinds == ["at_renewal", "any_time"]
    lines = plan.option_lines("zh")
    assert lines[1].startswith("HT-1 · 可随时终止(无违约金)") and "违约金 ¥0" not in lines[1]
    assert "提前终止(支付违约金)" not in "".join(lines)
    assert plan.option_lines("en")[1].startswith("HT-1 · terminable at any time (no fee)")
    paid = plan_exit({**contract, "early_termination_fee": 5000.0}, AS_OF, 25000, 0, "zh")
    assert "提前终止(支付违约金): 2026-11-23 退出,违约金 ¥5,000" in paid.option_lines("zh")[1]


def test_each_exit_option_is_its_own_line_in_the_licence_check(demo):
    """crm's HT-2024-001: its renewal (notice passed) and its any-time exit were one line."""
    st = stage(demo)
    contract = st.inventory.contracts.set_index("contract_id").loc["HT-2024-001"].to_dict()
    plan = plan_exit({**contract, "contract_id": "HT-2024-001"}, AS_OF, 9600, 0, "zh")
    checks = [c for c in preflight(st.platform, st.inventory, "crm", "it-admin", plan, "zh")
              if c.item == "licence"]
    assert len(checks) == len(plan.options) + 1  # one per option, then the warning
    assert [c.status for c in checks] == ["ok", "ok", "warn"]
    assert "下一个合同期满时退出" in checks[0].detail and "可随时终止" not in checks[0].detail
    assert "可随时终止" in checks[1].detail and "下一个合同期满" not in checks[1].detail
    assert checks[2].detail.startswith("终止通知截止日 2026-11-13 已过")


def test_an_expired_app_and_its_links_are_said_in_words(demo):
    """The platform's status "expired" was shown raw ("[expired] ..."), a linked approval template
    in a list joined by commas in Chinese."""
    import dataclasses

    st = stage(demo)
    contract = st.inventory.contracts.set_index("contract_id").loc["HT-2024-001"].to_dict()
    plan = plan_exit({**contract, "contract_id": "HT-2024-001"}, AS_OF, 9600, 0, "zh")

    class Expired:
        def __getattr__(self, name):
            return getattr(st.platform, name)

        def get_app(self, app_id):
            return dataclasses.replace(st.platform.get_app(app_id), status="expired")

    for language, said, sep in (("zh", "平台显示该应用已过期", "、"),
                                ("en", "The platform shows the app expired", ", ")):
        checks = preflight(Expired(), st.inventory, "crm", "it-admin", plan, language)
        licence = [c for c in checks if c.item == "licence"][-1]
        assert licence.status == "warn" and licence.detail.startswith(said)
        assert "expired]" not in licence.detail
        # jxc: one approval template and two integrations (ERP, 财务系统)
        checks = preflight(Expired(), st.inventory, "jxc", "it-admin", plan, language)
        linked = next(c for c in checks if c.item == "linked").detail
        template = {"zh": "审批模板「采购申请审批」",
                    "en": "approval template '采购申请审批'"}[language]
        assert f"{template}{sep}ERP{sep}财务系统" in linked, linked


# ------------------------------------------------------------------ the notice and the record


def test_the_notice_names_the_contract_the_parties_and_both_dates(demo):
    contract_id = add_contract(demo, RETIRED, AS_OF + dt.timedelta(days=200))
    zh = write_termination_notice(demo, RETIRED, actor="it-admin", notice_date=AS_OF,
                                  language="zh", option="any_time")
    text = zh.path.read_text(encoding="utf-8")
    assert zh.path.parent == demo.root / "vendor" / RETIRED
    for part in (contract_id, "旧报销软件有限公司", "示例商贸有限公司", "通知日期:2026-11-23",
                 "将于 2026-11-23 终止", "可随时终止"):
        assert part in text, part
    renewal = AS_OF + dt.timedelta(days=200)
    en = write_termination_notice(demo, RETIRED, actor="it-admin", notice_date=AS_OF,
                                  language="en", option="at_renewal")
    text = en.path.read_text(encoding="utf-8")
    assert f"contract {contract_id} ends on {renewal}" in text
    assert "Date of this notice: 2026-11-23" in text and "at least 30 days before that date" in text
    for raw in ("None", "nan", "True", "False", "{{", "at_renewal"):
        assert raw not in text, raw


def test_without_a_retire_decision_no_notice_is_written_and_nothing_recorded(demo, tmp_path):
    add_contract(demo, "crm", AS_OF + dt.timedelta(days=200))
    before = ledger_rows(demo)
    with pytest.raises(TransitionError, match="no 'retire' decision"):
        write_termination_notice(demo, "crm", actor="it-admin", notice_date=AS_OF)
    with pytest.raises(TransitionError, match="no 'retire' decision"):
        record_vendor_notified(demo, "crm", who="张三", evidence=evidence(tmp_path))
    assert not (demo.root / "vendor").exists() and ledger_rows(demo) == before


def test_a_contract_without_its_parties_is_refused_naming_file_row_and_column(demo):
    add_contract(demo, RETIRED, AS_OF + dt.timedelta(days=200), vendor="")
    before = ledger_rows(demo)
    with pytest.raises(InputError) as caught:
        write_termination_notice(demo, RETIRED, actor="it-admin", notice_date=AS_OF)
    text = str(caught.value)
    assert "data/contracts.xlsx, row 18, column 'vendor'" in text  # 16 demo contracts + header
    assert not (demo.root / "vendor").exists() and ledger_rows(demo) == before


def test_the_deadline_stays_red_until_the_vendor_is_told_then_the_record_is_kept(demo,
                                                                                    tmp_path):
    """A retired app's contract (its deadline 170 days away) is listed and red: its vendor was
    not told. Recorded with evidence through the CLI, it says when, and leaves the calendar."""
    contract_id = add_contract(demo, RETIRED, AS_OF + dt.timedelta(days=200))
    soon = portfolio_overview(stage(demo), verify_backups=False).deadlines_within(120)
    row = soon[soon["contract_id"] == contract_id].iloc[0]
    assert row["flag"] == "tell_vendor" and row["days_left"] == 170 and not row["vendor_notified"]
    assert main(["vendor", "notice", str(demo.root), RETIRED, "--date", "2026-11-23",
                 "--option", "at_renewal"]) == 0
    proof = evidence(tmp_path)
    assert main(["vendor", "notified", str(demo.root), RETIRED, "--as", "张三",
                 "--evidence", str(proof), "--on", "2026-11-24"]) == 0
    with demo.ledger() as ledger:
        told = vendor_exit(ledger, RETIRED, contract_id)
    assert told["who"] == "张三" and told["notified_on"] == "2026-11-24"
    assert told["effective_date"] == str(AS_OF + dt.timedelta(days=200))
    assert told["evidence"] == "sent-mail.eml" and len(told["evidence_sha256"]) == 64
    overview = portfolio_overview(stage(demo), verify_backups=False)
    row = overview.deadlines[overview.deadlines["contract_id"] == contract_id].iloc[0]
    assert (row["flag"], row["vendor_notified"]) == ("notified", "2026-11-24")
    assert contract_id not in set(overview.open_deadlines["contract_id"])
    trail = app_trail(demo, RETIRED, Audience("zh"))
    entry = trail[-1]
    assert entry.what == "已通知供应商终止合同"
    assert any(contract_id in d and "终止日" in d for d in entry.details)
    assert any(d.startswith("证据 sent-mail.eml") or "sent-mail.eml" in d for d in entry.details)


# ------------------------------------------------------------------ savings


def test_realized_savings_count_only_from_the_recorded_vendor_exit(demo, tmp_path):
    """old-expense under a contract that renews by itself: without a recorded vendor exit,
    nothing saved is counted (the migration cost still is); told on 2026-08-20 that it ends
    at once (terminable at any time), the months from September count."""
    contract_id = add_contract(demo, RETIRED, dt.date(2027, 7, 15))
    review = review_app(stage(demo), RETIRED)
    assert review.contract_id == contract_id and review.awaiting_vendor
    assert review.realized == -1500 and review.projected == 3 * 1950 - 1500
    assert "尚未记录已通知供应商" in review.basis("zh")
    savings = portfolio_savings(stage(demo)).set_index("app_id")
    assert savings.loc[RETIRED, "realized"] == -1500
    assert savings.loc[RETIRED, "period"] == "2026-08 至 2026-10(3 个月)"
    assert portfolio_overview(stage(demo), verify_backups=False).realized == -1500 + 450
    notice = write_termination_notice(demo, RETIRED, actor="it-admin",
                                      notice_date=dt.date(2026, 8, 20), option="any_time")
    assert notice.effective_date == dt.date(2026, 8, 20)
    record_vendor_notified(demo, RETIRED, who="张三", evidence=evidence(tmp_path),
                           notified_on=dt.date(2026, 8, 20))
    review = review_app(stage(demo), RETIRED)
    assert not review.awaiting_vendor
    assert review.realized == 2 * 1950 - 1500  # September and October
    assert "2026-08-20" in review.basis("zh") and review.summary()["vendor_notified"]


def test_a_contract_that_ended_without_renewing_is_an_exit_by_itself(demo):
    add_contract(demo, RETIRED, dt.date(2026, 8, 31), auto_renew=False)
    review = review_app(stage(demo), RETIRED)
    assert not review.awaiting_vendor and review.realized == 2 * 1950 - 1500
    assert review.basis("en") == ("Contract HT-TEST-old-expense ended on 2026-08-31 without "
                                  "renewing; savings count from then.")


# ------------------------------------------------------------------ hostile input


def test_a_contract_number_that_would_leave_the_workspace_is_refused_at_input(demo, tmp_path):
    """The contract number names the notice's file: it follows the app id's rule, so '../x'
    or an absolute path is one problem naming file, row and column when the notice is asked
    for, and nothing is written anywhere nor recorded."""
    add_contract(demo, RETIRED, AS_OF + dt.timedelta(days=200))
    path = demo.root / "data" / "contracts.xlsx"
    escape = tmp_path / "escape"
    for bad in (f"../../../../{escape}", str(escape), "HT\\..\\x"):
        table = pd.read_excel(path)
        table.loc[table["app_id"] == RETIRED, "contract_id"] = bad
        table.to_excel(path, index=False)
        before = ledger_rows(demo)
        with pytest.raises(InputError) as refused:
            write_termination_notice(demo, RETIRED, actor="张三", notice_date=AS_OF)
        assert any(p.column == "contract_id" for p in refused.value.problems)
        assert ledger_rows(demo) == before
    assert not (demo.root / "vendor").exists()
    assert not list(tmp_path.glob("escape*")) and not list(demo.root.parent.glob("escape*"))


def test_only_the_kits_own_notice_of_this_contract_with_fresh_evidence_is_recorded(demo,
                                                                                 tmp_path):
    """A notice from elsewhere, a renamed file claiming another end date, evidence already used
    for another notice and a date outside the notice's date and today are all refused, and
    nothing is recorded; the kit's own notice with fresh evidence is (positive control)."""
    contract_id = add_contract(demo, RETIRED, AS_OF + dt.timedelta(days=200))
    notice = write_termination_notice(demo, RETIRED, actor="张三", notice_date=AS_OF,
                                      option="at_renewal").path
    forged = tmp_path / f"{contract_id}-termination-2020-01-01-ends-2020-01-02.zh.txt"
    forged.write_bytes(notice.read_bytes())
    renamed = notice.with_name(f"{contract_id}-termination-2020-01-01-ends-2020-01-02.zh.txt")
    renamed.write_text(notice.read_text(encoding="utf-8") + "改", encoding="utf-8")
    proof = evidence(tmp_path)
    before = ledger_rows(demo)
    for kwargs in ({"notice": forged}, {"notice": renamed},
                   {"notice": notice, "notified_on": dt.date(1999, 1, 1)},
                   {"notice": notice, "notified_on": dt.date(2999, 1, 1)}):
        with pytest.raises(WorkspaceError):
            record_vendor_notified(demo, RETIRED, who="张三", evidence=proof, **kwargs)
    assert ledger_rows(demo) == before
    told = record_vendor_notified(demo, RETIRED, who="张三", evidence=proof, notice=notice)
    assert told.data["effective_date"] == str(AS_OF + dt.timedelta(days=200))
    with pytest.raises(WorkspaceError, match="already given"):
        record_vendor_notified(demo, RETIRED, who="张三", evidence=proof, notice=notice)
    assert ledger_rows(demo) == before + 1


def test_a_deadline_message_for_a_contract_whose_vendor_was_told_is_refused_and_sends_nothing(
        demo, tmp_path):
    """The tick's deadline step reads the vendor exit itself (the app's own events): a message
    due for a contract whose vendor was told since the schedule was read is refused, and
    nothing is sent or written. Positive control: before the vendor is told, it would go."""
    from decomkit.lifecycle.due_steps import do_step
    from decomkit.lifecycle.schedule import Due
    from helpers import world

    deadline = AS_OF + dt.timedelta(days=200)
    contract_id = add_contract(demo, RETIRED, deadline)
    due = Due(AS_OF, RETIRED, "deadline_notice", contract_id,
              {"deadline": deadline, "kind": "notice", "threshold": 120})
    assert do_step(stage(demo), due, True, "en").status == "would"
    assert main(["vendor", "notice", str(demo.root), RETIRED, "--date", "2026-11-23",
                 "--option", "at_renewal"]) == 0
    assert main(["vendor", "notified", str(demo.root), RETIRED, "--as", "张三",
                 "--evidence", str(evidence(tmp_path)), "--on", "2026-11-24"]) == 0
    before = world(demo)
    outcome = do_step(stage(demo), due, False, "en")
    assert outcome.status == "refused" and contract_id in outcome.why
    assert world(demo) == before
