"""The demo organisation: big enough to be real, mixed like real exports, deterministic."""

from __future__ import annotations

import hashlib
import time

import openpyxl
import pandas as pd
import pytest

from decomkit.inventory.tables import decode_csv
from decomkit.running.demo import APPS, build_demo


def test_demo_has_a_real_company(demo, as_of):
    inv = demo.inventory()
    apps = inv.apps
    assert len(apps) >= 30
    assert {"进销存", "OA审批", "考勤打卡", "CRM客户管理"} <= set(apps["name"])
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in apps["name"])
    # app_scopes is read from the platform by `decomkit import dingtalk` (test_import_dingtalk);
    # the demo's sandbox derives scopes from usage instead, so that table is the one left empty.
    for table in set(inv.names()) - {"app_scopes"}:
        assert len(inv[table]) > 0, f"{table} is empty"
    months = inv.usage_events["date"].dt.to_period("M").nunique()
    assert months == 12
    assert inv.usage_events["date"].max() < pd.Timestamp(as_of)
    assert set(inv.integrations["system"]) >= {"ERP", "财务系统"}


def test_profiles_differ_in_usage(demo, as_of):
    usage = demo.inventory(["usage_events"]).usage_events
    per_app = usage.groupby("app_id")["user_id"].nunique()
    profile = {a.app_id: a.profile for a in APPS}
    by_profile = per_app.groupby(per_app.index.map(profile)).median()
    assert by_profile["essential"] > 3 * by_profile["borderline"] > 3 * by_profile["retire"]
    last = usage.groupby("app_id")["date"].max()
    assert (pd.Timestamp(as_of) - last["old-expense"]).days > 90  # clearly abandoned


def test_exports_are_real_files_in_mixed_formats(demo):
    datasets = demo.inventory(["datasets"]).datasets
    kinds = set()
    for row in datasets.itertuples():
        path = demo.root / "exports" / row.app_id / row.export_file
        assert path.stat().st_size == row.bytes
        if path.suffix == ".xlsx":
            kinds.add("xlsx")
            rows = openpyxl.load_workbook(path, read_only=True).active.max_row - 1
        else:
            text, encoding = decode_csv(path.read_bytes(), path.name)
            kinds.add(encoding)
            rows = len(text.strip().splitlines()) - 1
        assert rows == row.rows, path
    assert kinds == {"xlsx", "utf-8", "gb18030"}
    assert {"商品信息", "采购订单", "销售记录"} <= set(datasets[datasets.app_id == "jxc"]["name"])


def _digest(root) -> dict[str, str]:
    """The organisation's inputs (its backups and ledger carry the time they were made)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in ("data", "exports") for p in sorted((root / folder).rglob("*"))
            if p.suffix in (".csv", ".parquet", ".xlsx")}


def test_same_seed_gives_the_same_organisation(tmp_path, as_of):
    a = build_demo(tmp_path / "a", events=3000, as_of=as_of)
    time.sleep(1.1)  # workbooks written a second later must still be equal, byte for byte
    b = build_demo(tmp_path / "b", events=3000, as_of=as_of)
    c = build_demo(tmp_path / "c", events=3000, as_of=as_of, seed=8)
    assert _digest(a.root) == _digest(b.root)
    assert _digest(a.root) != _digest(c.root)


@pytest.mark.parametrize("n", [9, 40])
def test_app_count_keeps_the_mix(tmp_path, n, as_of):
    ws = build_demo(tmp_path / "w", apps=n, events=2000, as_of=as_of)
    apps = ws.inventory([]).apps
    assert len(apps) == n
    profile = {a.app_id: a.profile for a in APPS}
    assert {"essential", "borderline", "retire"} <= {profile.get(a, "x") for a in apps["app_id"]}


# ------------------------------------------------------------------ what the demo teaches (#22, 9)


def test_survey_answers_before_a_disable_are_dated_before_it(demo, as_of):
    from decomkit.running.demo import RETIRED, retired_on

    survey = demo.inventory(["survey_responses"]).survey_responses
    for app in RETIRED:
        off = pd.Timestamp(retired_on(as_of, app))
        answers = survey[survey["app_id"] == app]
        before, after = (answers[answers["phase"] == p]["date"] for p in ("before", "after"))
        assert len(before) and (before < off).all(), app
        assert len(after) and (after > off).all(), app


def test_each_retired_app_has_its_own_after_answers_and_approver_comments(demo, as_of):
    from decomkit.running.demo import RETIRED

    survey = demo.inventory(["survey_responses"]).survey_responses
    after = survey[survey["phase"] == "after"]
    texts = {app: set(after[after["app_id"] == app]["comment"]) for app in RETIRED}
    people = {app: set(after[after["app_id"] == app]["user_id"]) for app in RETIRED}
    assert texts["old-expense"].isdisjoint(texts["room-booking"])
    assert people["old-expense"].isdisjoint(people["room-booking"])
    log = demo.inventory(["usage_events"]).usage_events
    for app in RETIRED:  # the people asked used the app
        assert people[app] <= set(log[log["app_id"] == app]["user_id"].astype(str)), app
    with demo.ledger() as ledger:
        comments = {app: [r["comment"] for r in ledger.last(app, "approved").data["records"]]
                    for app in RETIRED}
    assert set(comments["old-expense"]).isdisjoint(comments["room-booking"])
    assert not any("财务报销" in c for c in comments["room-booking"])  # not the other app's


def test_the_retired_room_booking_is_used_after_its_disable_by_a_few_people_only(demo, as_of):
    from decomkit.running.demo import STILL_USED, retired_on

    log = demo.inventory(["usage_events"]).usage_events
    for app, off in (("room-booking", retired_on(as_of, "room-booking")),
                     ("old-expense", retired_on(as_of, "old-expense"))):
        visits = log[log["app_id"] == app]
        after = visits[visits["date"] > pd.Timestamp(off)]
        assert after["user_id"].nunique() == STILL_USED.get(app, 0), app
        assert visits[visits["date"] <= pd.Timestamp(off)]["user_id"].nunique() > 20, app
