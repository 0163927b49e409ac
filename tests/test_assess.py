"""Scoring, impact and licence timing against hand-computed numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from decomkit.analysis.assess import assess_app, score_portfolio
from decomkit.analysis.contracts import migration_cost, plan_exit
from decomkit.analysis.impact import assess_impact
from decomkit.core.config import Thresholds, Weights
from decomkit.inventory.tables import load_inventory
from decomkit.inventory.usage import monthly_active_users

AS_OF = dt.date(2026, 11, 23)  # analysis months: 2025-11 … 2026-10


def _events() -> str:
    rows = ["date,app_id,user_id"]
    early = ["2025-11-03", "2025-12-03", "2026-01-03"]
    late = ["2026-08-03", "2026-09-03", "2026-10-15"]
    rows += [f"{d},A,u{k}" for d in early for k in range(8)]  # 8 users a month at first
    rows += [f"{d},A,u{k}" for d in late for k in range(2)]  # 2 users a month at the end
    rows += ["2026-07-01,B,u1", "2024-05-01,A,u9"]  # B idle since July; A's old event is outside
    return "\n".join(rows) + "\n"


@pytest.fixture
def inventory(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    files = {
        "apps.csv": "app_id,name,licensed_seats,function_fit,alternative\n"
                    "A,库存管理,10,2,钉钉\nB,旧版报销,,,\n",
        "usage_events.csv": _events(),
        "costs.csv": "app_id,month,category,amount\n" + "".join(
            f"A,{m},licence,1000\n" for m in
            ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05",
             "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]),
        "incidents.csv": "incident_id,app_id,date,severity\nI1,A,2026-02-01,high\n"
                         "I2,A,2026-03-01,high\nI3,A,2026-04-01,low\nI4,A,2024-01-01,critical\n",
        "security_findings.csv": "finding_id,app_id,date,severity,status\n"
                                 "S1,A,2026-01-01,medium,open\nS2,A,2026-01-01,critical,closed\n",
        "survey_responses.csv": "response_id,app_id,date,score,phase\nR1,B,2026-09-01,4,before\n"
                                "R2,B,2026-09-02,5,before\nR3,B,2026-10-01,1,after\n",
        "users.csv": "user_id,name,department\n" + "".join(
            f"u{k},人{k},{'仓储部' if k % 2 else '销售部'}\n" for k in range(10)),
        "processes.csv": "process_id,app_id,name,criticality,approval_template\n"
                         "P1,A,采购入库,high,采购审批\nP2,A,盘点,low,\n",
        "integrations.csv": "integration_id,app_id,system,direction\nI1,A,ERP,both\n",
        "datasets.csv": "dataset_id,app_id,name,rows,bytes,personal_data\n"
                        "D1,A,商品,1000,2048,否\nD2,A,客户,500,1024,是\n",
    }
    for name, text in files.items():
        (data / name).write_text(text, encoding="utf-8")
    return load_inventory(data)


def test_monthly_active_users(inventory):
    mau = monthly_active_users(inventory, AS_OF)
    assert list(mau.loc["A"]) == [8, 8, 8, 0, 0, 0, 0, 0, 0, 2, 2, 2]
    assert list(mau.loc["B"]) == [0] * 8 + [1, 0, 0, 0]


def test_score_by_hand(inventory):
    table = score_portfolio(inventory, Weights(), Thresholds(), AS_OF)
    a = table.loc["A"]
    # usage: share 2/10 → low_share 1 - 0.2/0.5 = 0.6; decline (8-2)/8 = 0.75
    assert a["p_usage"] == pytest.approx(0.7 * 0.6 + 0.3 * 0.75)
    assert a["days_idle"] == 0  # used on 2026-10-15, the log's last day
    assert a["log_end"] == dt.date(2026, 10, 15)
    assert a["p_cost"] == pytest.approx(500 / 600)  # ¥1000 a month / 2 active users
    assert a["p_performance"] == pytest.approx(0.375 / 1.375)  # (2+2+0.5)/12 a month
    assert a["p_security"] == pytest.approx(0.3)  # the closed critical does not count
    assert a["p_fit"] == pytest.approx(0.75)
    assert a["p_alternative"] == 1
    expected = 100 * (0.35 * 0.645 + 0.25 * 500 / 600 + 0.1 * 0.375 / 1.375 + 0.1 * 0.3
                      + 0.1 * 0.75 + 0.1)
    assert a["score"] == pytest.approx(round(expected, 1))
    assert a["score"] == 66.6 and a["recommendation"] == "retire"
    assert sum(a[f"c_{f}"] for f in ("usage", "cost", "performance", "security", "fit",
                                      "alternative")) == pytest.approx(expected)


def test_idle_app_and_survey_fit(inventory):
    b = score_portfolio(inventory, Weights(), Thresholds(), AS_OF).loc["B"]
    assert b["days_idle"] == 106 and b["p_usage"] == 1.0  # 2026-07-01 → 2026-10-15
    assert b["fit_rating"] == 4.5  # mean of the 'before' answers; the 'after' one is ignored
    assert b["score"] == pytest.approx(100 * (0.35 + 0.1 * 0.125), abs=0.05)
    assert b["recommendation"] == "keep"  # 36.25 < 40


def test_weights_and_thresholds_change_the_decision(inventory):
    usage_only = Weights(usage=1, cost=0, performance=0, security=0, fit=0, alternative=0)
    table = score_portfolio(inventory, usage_only, Thresholds(retire=90, keep=50), AS_OF)
    assert table.loc["B", "score"] == 100 and table.loc["B", "recommendation"] == "retire"
    assert table.loc["A", "score"] == 64.5 and table.loc["A", "recommendation"] == "review"


def test_reasons_in_both_languages(inventory):
    table = score_portfolio(inventory, Weights(), Thresholds(), AS_OF)
    zh = assess_app(table, "A", "zh").reasons
    en = assess_app(table, "A", "en").reasons
    assert "近 3 个月平均每月仅 20% 的授权席位(10 个)在使用。" in zh
    assert "Monthly active users fell 75% over the year." in en
    assert "A replacement exists: 钉钉." in en
    assert assess_app(table, "B", "en").reasons[0] == (
        "Nobody had used it for 106 days by 2026-10-15, the usage log's last day.")


def test_impact_by_hand(inventory):
    impact = assess_impact(inventory, "A", AS_OF, "en")
    # high process 3 + low process 1 + one integration 2 + personal data 1 = 7 → high
    assert (impact.points, impact.level) == (7, "high")
    assert impact.rows_to_migrate == 1500 and impact.bytes_to_migrate == 3072
    assert impact.users_by_department.set_index("department")["users"].to_dict() == {
        "仓储部": 1, "销售部": 1}  # u0 and u1 used it in the last 90 days
    assert ("库存管理", "ERP", "integration:both") in impact.edges
    assert "Holds personal data: 客户." in impact.reasons
    quiet = assess_impact(inventory, "B", AS_OF, "en")
    assert (quiet.level, quiet.reasons) == ("low", [
        "No processes, integrations or recent users depend on it."])


def test_migration_cost_by_hand():
    assert migration_cost(3, 2, 100_000) == (1.5 + 2 + 2) * 1500


CONTRACT = {"contract_id": "C1", "notice_days": 60, "auto_renew": True,
            "early_termination_fee": 5000.0}


def test_deadline_ahead_exit_at_renewal():
    plan = plan_exit({**CONTRACT, "renewal_date": "2027-03-01"}, AS_OF, 1000, 2000, "en")
    assert plan.notice_deadline == dt.date(2026, 12, 31) and plan.days_to_deadline == 38
    months_paid = 98 / (365.25 / 12)
    assert plan.best.kind == "at_renewal" and plan.best.notice_by == dt.date(2026, 12, 31)
    assert plan.best.savings_12 == pytest.approx(1000 * (12 - months_paid) - 2000, abs=0.01)
    assert plan.best.savings_24 == pytest.approx(1000 * (24 - months_paid) - 2000, abs=0.01)
    early = next(o for o in plan.options if o.kind == "early_termination")
    assert (early.savings_12, early.savings_24) == (5000.0, 17000.0)
    assert plan.warning is None


def test_deadline_passed_and_auto_renews():
    contract = {**CONTRACT, "renewal_date": "2026-12-10", "early_termination_fee": None}
    plan = plan_exit(contract, AS_OF, 1000, 2000, "en")
    assert plan.notice_deadline == dt.date(2026, 10, 11) and plan.days_to_deadline < 0
    assert plan.best.kind == "next_renewal"
    assert plan.best.exit_date == dt.date(2027, 12, 10)
    assert plan.best.notice_by == dt.date(2027, 10, 11)
    assert plan.best.savings_12 == -2000
    assert plan.best.savings_24 == pytest.approx(1000 * (24 - 382 / (365.25 / 12)) - 2000,
                                                 abs=0.01)
    assert plan.warning == ("The notice deadline 2026-10-11 has passed; the contract renews "
                            "on 2026-12-10.")


def test_past_renewal_rolls_over_and_warns_when_near():
    plan = plan_exit({**CONTRACT, "renewal_date": "2026-01-15", "notice_days": 30}, AS_OF,
                     1000, 0, "zh")
    assert plan.term_end == dt.date(2027, 1, 15)
    assert plan.notice_deadline == dt.date(2026, 12, 16)
    assert plan.warning == "须在 2026-12-16 前发出终止通知,仅剩 23 天。"


def test_expired_contract_without_renewal():
    plan = plan_exit({**CONTRACT, "renewal_date": "2026-06-30", "auto_renew": False},
                     AS_OF, 1000, 500, "en")
    assert plan.best.kind == "expired" and plan.best.exit_date == AS_OF
    assert plan.best.savings_12 == 12000 - 500


def test_no_contract_means_now():
    plan = plan_exit(None, AS_OF, 800, 1000)
    assert (plan.best.kind, plan.best.savings_24) == ("no_contract", 800 * 24 - 1000)


def test_severity_table_by_hand(inventory):
    from decomkit.analysis.assess import severity_table

    table = severity_table(inventory, "A", AS_OF)
    assert table.loc["high", "incidents"] == 2 and table.loc["low", "incidents"] == 1
    assert table.loc["critical", "incidents"] == 0  # the 2024 one is outside the window
    assert table.loc["high", "incidents_per_month"] == round(2 / 12, 2)
    assert table["open_findings"].to_dict() == {"critical": 0, "high": 0, "medium": 1, "low": 0}


# ---------------------------------------- #22 item 8: numbers that read right


def test_idle_days_run_to_the_log_s_last_day_and_name_it(inventory):
    """The log ends on 2026-10-15; the analysis date is 2026-11-23. An app used on the log's
    last day is not idle for 39 days, and the day counted to is shown."""
    from decomkit.analysis.assess import usage_label

    table = score_portfolio(inventory, Weights(), Thresholds(), AS_OF)
    assert table.loc["A", "days_idle"] == 0
    assert table.loc["B", "days_idle"] == 106
    assert usage_label(table.loc["B"], "zh") == "106 天无人使用(至 2026-10-15)"
    assert usage_label(table.loc["B"], "en") == "idle 106 days (to 2026-10-15)"


def test_a_per_app_stage_counts_idle_days_to_the_whole_log_s_last_day(demo, as_of):
    """01_assess reads one app's rows; its idle days still run to the log's last day (not to
    the app's own last visit, nor to today), as the portfolio's do."""
    from decomkit.context.stage import open_stage
    from decomkit.lifecycle.decide import run_assessment, run_portfolio

    portfolio = run_portfolio(open_stage(str(demo.root), as_of=as_of.isoformat()),
                              record=False).table
    log_end = demo.inventory(["usage_events"]).usage_events["date"].max().date()
    assert set(portfolio["log_end"].dropna()) == {log_end}
    active = portfolio[portfolio["mau_recent"] > 5]
    assert (active["days_idle"] <= 7).all()  # not (as_of - log_end) for every active app
    one = run_assessment(open_stage(str(demo.root), as_of=as_of.isoformat(), app_id="jxc"),
                         "jxc")
    assert one.assessment.metrics["days_idle"] == portfolio.loc["jxc", "days_idle"] > 60
    assert str(log_end) in one.assessment.reasons[0]


def test_quadrant_and_recommendation_agree_or_the_difference_is_said(inventory):
    from decomkit.analysis.assess import AGREES, quadrant_note

    table = score_portfolio(inventory, Weights(), Thresholds(), AS_OF)
    for _, row in table.iterrows():
        note = quadrant_note(row, "en")
        if row["quadrant"] in AGREES[row["recommendation"]]:
            assert note == ""
        else:
            assert row["recommendation"] in note and row["quadrant"] in note
            assert "None" not in note and "nan" not in note
    a = table.loc["A"].copy()
    a["recommendation"], a["quadrant"] = "retire", "tolerate"
    zh = quadrant_note(a, "zh")
    assert "建议「停用」" in zh and "TIME 象限「容忍」" in zh and "决定以评分为准" in zh
    a["quadrant"] = "eliminate"
    assert quadrant_note(a, "zh") == ""


def test_the_assessment_carries_the_note_into_the_ledger(demo, as_of):
    """jxc: 'retire' and 'tolerate' (the issue's "停用 (容忍)") come with the sentence that
    explains them, in the assessment the ledger keeps."""
    from decomkit.context.stage import open_stage
    from decomkit.lifecycle.decide import run_assessment

    result = run_assessment(open_stage(str(demo.root), as_of=as_of.isoformat(), app_id="jxc"),
                            "jxc")
    a = result.assessment
    assert (a.recommendation, a.quadrant) == ("retire", "tolerate")
    assert "容忍" in a.quadrant_note and a.summary()["quadrant_note"] == a.quadrant_note


def test_people_are_whole_and_an_average_says_so():
    import pandas as pd

    from decomkit.core.present import Audience, human_frame

    frame = pd.DataFrame({"mau_recent": [27.333333, 4.0]})
    zh = human_frame(frame, Audience("zh"))
    assert list(zh.columns) == ["月活跃用户(近 3 个月平均)"]
    assert zh.iloc[:, 0].tolist() == ["27", "4"]
    assert human_frame(frame, Audience("en")).columns[0] == \
        "Monthly active users (3-month average)"


def test_cost_per_user_is_per_month_and_the_annual_total_stands_apart(inventory):
    table = score_portfolio(inventory, Weights(), Thresholds(), AS_OF)
    en = [r for r in assess_app(table, "A", "en").reasons if "¥" in r]
    zh = [r for r in assess_app(table, "A", "zh").reasons if "¥" in r]
    assert en == ["It costs ¥500 per active user per month; the app costs ¥12,000 a year "
                  "in all."]
    assert zh == ["每位活跃用户每月成本 ¥500;该应用全年总成本 ¥12,000。"]
