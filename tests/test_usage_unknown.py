"""No usage source is no evidence: an app is never retired because a log is missing."""

from __future__ import annotations

import pandas as pd

from decomkit.analysis.assess import assess_app, score_portfolio, usage_label
from decomkit.core.config import Thresholds, Weights
from decomkit.inventory.tables import load_inventory


def test_an_app_without_a_usage_source_is_usage_unknown_not_idle(tmp_path, as_of):
    data = tmp_path / "data"
    data.mkdir()
    # Two apps alike in every way (poor fit, a replacement, a critical finding) but usage:
    # nobody logs 无记录应用; the log covers 有覆盖应用 and shows no visit.
    (data / "apps.csv").write_text(
        "app_id,name,function_fit,alternative,usage_tracked\n"
        "x1,无记录应用,1,新系统,\nx2,有覆盖应用,1,新系统,是\nbusy,常用应用,5,,\n", encoding="utf-8")
    (data / "security_findings.csv").write_text(
        "finding_id,app_id,date,severity,status\nf1,x1,2026-10-01,critical,open\n"
        "f2,x2,2026-10-01,critical,open\n", encoding="utf-8")
    pd.DataFrame({"date": pd.to_datetime(["2026-10-05", "2026-11-02"]), "app_id": "busy",
                  "user_id": ["u1", "u2"]}).to_parquet(data / "usage_events.parquet")
    table = score_portfolio(load_inventory(data), Weights(), Thresholds(), as_of)

    unknown, idle = table.loc["x1"], table.loc["x2"]
    assert not unknown["usage_known"] and idle["usage_known"]
    assert unknown["p_usage"] == 0.0 and pd.isna(unknown["days_idle"])
    # security 10 + fit 10 + alternative 10 points; the idle twin adds usage's 35
    assert unknown["score"] == 30.0 and unknown["recommendation"] == "keep"
    assert idle["score"] == 65.0 and idle["recommendation"] == "retire"  # positive control
    assert usage_label(unknown, "en") == "usage unknown"
    assert usage_label(idle, "en").startswith("idle")
    reasons = assess_app(table, "x1", "en").reasons
    assert reasons[0].startswith("Usage unknown") and not any("Nobody" in r for r in reasons)
    assert table.loc["busy", "usage_known"] and table.loc["busy", "p_usage"] < 1
