"""A retired app stays retired (issue #22, items 4 and 5; 停用指南 十 持续监控, 八 数据安全):
the watch over retired apps, the data-safety check over the whole scope, and the portfolio
that no longer scores a retired app as if it were live."""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest

from decomkit.analysis.watch import scope_text, watch_retired, widening
from decomkit.context.stage import open_stage
from decomkit.core.present import table_text
from decomkit.inventory.access import in_scope
from decomkit.lifecycle.decide import run_portfolio
from decomkit.lifecycle.review import check_data_safety
from decomkit.platforms import Scope
from decomkit.platforms.sandbox import SandboxPlatform
from decomkit.records.portfolio_page import render_portfolio
from decomkit.records.widgets import portfolio_explorer
from decomkit.running.demo import STILL_USED

RETIRED = ("old-expense", "room-booking")


def sandbox(ws) -> SandboxPlatform:
    return SandboxPlatform(ws.root / "platform")


def stage_of(ws, as_of, language: str = "zh"):
    return open_stage(str(ws.root), as_of=str(as_of), language=language)


def ledger_rows(ws) -> int:
    with ws.ledger() as ledger:
        return len(ledger.events())


def add_visits(ws, rows: list[tuple[str, str, str]]) -> None:
    """Append visits (date, app, user) to the demo's usage log."""
    path = ws.root / "data" / "usage_events.parquet"
    log = pd.read_parquet(path)
    extra = pd.DataFrame(rows, columns=["date", "app_id", "user_id"])
    extra["date"] = pd.to_datetime(extra["date"], format="ISO8601").astype(log["date"].dtype)
    pd.concat([log, extra], ignore_index=True).to_parquet(path, index=False)


# ------------------------------------------------------------------ use after the disable


def test_the_watch_finds_the_demo_room_booking_used_after_its_disable(demo, as_of):
    """Positive control: 会议室预订(旧), disabled on 2026-09-15, still opened by a few people."""
    watches = watch_retired(stage_of(demo, as_of))
    assert set(watches) == set(RETIRED)
    room = watches["room-booking"]
    assert room.disabled_on == dt.date(2026, 9, 15) and room.findings == ("used_after",)
    # the same figures counted straight from the log, from the day after the disable
    log = demo.inventory(["usage_events"]).usage_events
    after = log[(log["app_id"] == "room-booking") & (log["date"] >= "2026-09-16")]
    assert room.visits == len(after) > 0
    assert set(room.users) == set(after["user_id"].astype(str))
    assert len(room.users) == STILL_USED["room-booking"]
    assert (room.first_use, room.last_use) == (after["date"].min().date(),
                                               after["date"].max().date())
    assert room.log_until == dt.date(2026, 10, 28) and not room.gaps
    zh, en = " ".join(room.lines("zh")), " ".join(room.lines("en"))
    assert f"共 3 人访问 {room.visits} 次" in zh and "停用(2026-09-15)后仍在使用" in zh
    assert f"{room.visits} visits by 3 people" in en
    for text in (zh, en):
        assert "None" not in text and "nan" not in text and "used_after" not in text


def test_a_clean_retired_app_shows_nothing_and_one_visit_after_shows(demo, as_of):
    """旧版报销单 has no use after 2026-07-15: nothing found, and the sentence says how far the
    log reaches. One visit after the disable — at 20:00 on its day (it was disabled at 18:00
    local time), or any time later — is found; a bare day or an earlier hour on that day is
    not (it may have come before the disable)."""
    before = ledger_rows(demo)
    old = watch_retired(stage_of(demo, as_of))["old-expense"]
    assert old.findings == () and old.gaps == () and old.clean and old.visits == 0
    assert "停用(2026-07-15)后至 2026-10-28(使用记录的最后一天)无人使用。" in old.lines("zh")
    add_visits(demo, [("2026-07-15 00:00", "old-expense", "u0011"),
                      ("2026-07-15 17:30", "old-expense", "u0012"),
                      ("2026-07-15 20:00", "old-expense", "u0013"),
                      ("2026-08-03", "old-expense", "u0014")])
    old = watch_retired(stage_of(demo, as_of))["old-expense"]
    assert old.findings == ("used_after",) and old.visits == 2
    assert old.users == ("u0013", "u0014") and old.first_use == dt.date(2026, 7, 15)
    assert ledger_rows(demo) == before  # the watch writes nothing


def test_a_log_that_ends_before_the_disable_is_a_gap_not_a_clean_bill(demo, as_of):
    path = demo.root / "data" / "usage_events.parquet"
    log = pd.read_parquet(path)
    log[log["date"] < "2026-07-13"].to_parquet(path, index=False)  # an export made before
    old = watch_retired(stage_of(demo, as_of))["old-expense"]
    assert old.log_until == dt.date(2026, 7, 12) and old.gaps == ("log_before_disable",)
    assert not old.clean and old.findings == ()
    assert "尚无法判断停用后是否有人使用" in old.lines("zh")[0]


# ------------------------------------------------------------------ scope and status


def test_a_widened_scope_and_a_re_enable_outside_the_kit_are_findings(demo, as_of):
    platform = sandbox(demo)
    changes = len(platform.calls(changing_only=True))
    assert watch_retired(stage_of(demo, as_of))["old-expense"].findings == ()
    platform.set_visible_scope("old-expense", Scope(user_ids=("u0200",)), key="console-1")
    old = watch_retired(stage_of(demo, as_of))["old-expense"]
    assert old.findings == ("scope_widened",) and old.widened.user_ids == ("u0200",)
    assert "停用后可见范围被扩大:新增 1 人(u0200)(停用时:仅管理员可见)。" in old.lines("zh")
    platform.enable("old-expense", key="console-2")
    old = watch_retired(stage_of(demo, as_of, "en"))["old-expense"]
    assert old.findings == ("scope_widened", "re_enabled")
    assert "Re-enabled outside the kit: the platform shows it enabled." in old.lines("en")
    assert "re-enabled outside the kit" in old.label("en")
    platform.set_visible_scope("old-expense", Scope(), key="console-3")  # empty: everyone
    old = watch_retired(stage_of(demo, as_of))["old-expense"]
    assert old.widened.everyone and scope_text(old.widened, "zh") == "全员"
    # the watch itself changed nothing on the platform: only the three console changes
    assert len(platform.calls(changing_only=True)) == changes + 3


def test_widening_compares_with_the_scope_at_the_disable():
    admins = Scope(only_admin_visible=True)
    assert not widening(admins, admins)
    assert widening(admins, Scope(dept_ids=("财务部",))).dept_ids == ("财务部",)
    assert not widening(Scope(user_ids=("U0200",)), Scope(user_ids=("u0200",)))  # one person
    assert widening(Scope(dept_ids=("财务部",)), Scope()).everyone
    assert not widening(Scope(), Scope(dept_ids=("财务部",)))  # narrower than everyone
    assert not widening(Scope(dept_ids=("财务部",)), admins)


def test_a_platform_that_does_not_answer_is_said_not_passed(demo, as_of):
    platform = sandbox(demo)
    platform.fail_next("error", operation="get_app", count=2)
    old = watch_retired(stage_of(demo, as_of), ["old-expense"])["old-expense"]
    assert old.app is None and old.gaps == ("platform",) and not old.clean
    assert old.lines("en")[1].startswith("The platform could not be asked")


# ------------------------------------------------------------------ the portfolio


def test_retired_apps_are_never_candidates_nor_scored_as_live(demo, as_of):
    stage = stage_of(demo, as_of)
    run = run_portfolio(stage, record=False)
    for app in RETIRED:
        row = run.table.loc[app]
        assert row["recommendation"] == "retired" and pd.isna(row["score"])
        assert pd.isna(row["quadrant"]) and app not in set(run.candidates["app_id"])
    assert "jxc" in set(run.candidates["app_id"])  # a positive control: open cases stay
    assert list(run.table.index[-2:]) == list(RETIRED)  # after every scored app
    shown = table_text(run.table[["name", "score", "recommendation", "usage"]].loc[list(RETIRED)])
    assert "已停用(不评分)" in shown and "仍在使用:停用后 3 人访问" in shown
    assert "已停用(2026-07-15)" in shown
    assert "nan" not in shown and "None" not in shown and "retired" not in shown
    legend = " ".join(t.get_text() for ax in run.figures["scores"].axes
                      for t in ax.get_legend().get_texts())
    assert sum(map(int, re.findall(r"\((\d+)\)", legend))) == len(run.table) - 2 == 30
    assert set(portfolio_explorer(stage).table.index).isdisjoint(RETIRED)


def test_the_portfolio_page_shows_the_retired_app_still_in_use(demo, as_of):
    page = render_portfolio(demo, as_of=str(as_of)).read_text(encoding="utf-8")
    section = page.split("已停用应用:停用后监控", 1)[1]
    assert "2 个已停用应用中有 1 个需要检查" in section
    assert section.count('class="watch-finding"') == 1
    assert "停用(2026-09-15)后仍在使用" in section and "会议室预订(旧)" in section
    assert "停用(2026-07-15)后至 2026-10-28(使用记录的最后一天)无人使用" in section


# ------------------------------------------------------------------ data safety, whole scope


def test_the_safety_check_catches_one_regranted_user_among_240(demo, as_of):
    """The issue's case: re-enabled for u0200 only. Every person is checked against the
    scope, from one get_app call: no call per person (DingTalk meters them)."""
    platform = sandbox(demo)
    platform.set_visible_scope("old-expense", Scope(user_ids=("u0200",)), key="console-1")
    platform.enable("old-expense", key="console-2")
    stage = stage_of(demo, as_of)
    per_person = []
    stage.platform.visible_to = lambda *a: per_person.append(a)  # type: ignore[method-assign]
    stage.platform.is_admin = lambda *a: per_person.append(a)  # type: ignore[method-assign]
    safety = check_data_safety(stage, "old-expense")
    assert per_person == []
    assert safety.reachable_by == ["u0200"] and not safety.ok
    assert safety.reach.checked == len(demo.inventory(["users"]).users) == 240
    assert set(safety.watch.findings) == {"scope_widened", "re_enabled"}
    zh = safety.lines("zh")
    assert any(line.startswith("仍有 1 人可以打开它(u0200)") and "全部 240 人" in line
               for line in zh)
    assert json.dumps(safety.summary(), ensure_ascii=False)  # what the ledger keeps is JSON


def test_the_safety_check_covers_a_whole_department_and_an_empty_scope(demo, as_of):
    platform = sandbox(demo)
    users = demo.inventory(["users"]).users
    platform.enable("old-expense", key="console-1")
    platform.set_visible_scope("old-expense", Scope(dept_ids=("销售部",)), key="console-2")
    safety = check_data_safety(stage_of(demo, as_of), "old-expense")
    sales = users[users["department"] == "销售部"]["user_id"]
    assert sorted(safety.reachable_by) == sorted(sales) and len(sales) > 20  # no sample
    platform.set_visible_scope("old-expense", Scope(), key="console-3")
    safety = check_data_safety(stage_of(demo, as_of, "en"), "old-expense")
    assert len(safety.reachable_by) == 240 and "visible scope everyone" in safety.lines("en")[1]


def test_the_safety_check_of_a_clean_retired_app_is_safe(demo, as_of):
    safety = check_data_safety(stage_of(demo, as_of, "en"), "old-expense")
    assert safety.ok and safety.reachable_by == [] and safety.reach.checked == 240
    assert safety.lines("en")[1] == ("Nobody can open it: the platform shows it disabled, "
                                     "visible scope admins only; all 240 people in the "
                                     "directory were checked.")
    room = check_data_safety(stage_of(demo, as_of), "room-booking")
    assert not room.ok and room.reachable_by == []  # nobody can open it, yet it was used
    assert any("停用(2026-09-15)后仍在使用" in line for line in room.lines("zh"))


def test_scope_members_take_sub_departments_ids_and_one_spelling_of_a_user():
    users = pd.DataFrame({"user_id": ["u1", "U2", "u3", "u4"],
                          "department": ["财务部", "财务部/应收组", "销售部", "销售部/华东"],
                          "dept_id": ["10", "11", "20", "21"]})
    assert list(in_scope(users, [], ["财务部"])) == [True, True, False, False]
    assert list(in_scope(users, ["u2"], [])) == [False, True, False, False]
    assert list(in_scope(users, [], ["20"])) == [False, False, True, False]
    assert list(in_scope(users, [], ["20"], {"20": {"销售部"}})) == [False, False, True, True]


@pytest.mark.parametrize("app", RETIRED)
def test_the_demo_history_keeps_the_scope_before_and_after_the_disable(demo, app):
    """The demo's retired apps look as a kit disable leaves them: admins only on the
    platform, the scope before kept for a rollback, the scope at the disable recorded."""
    assert sandbox(demo).get_app(app).scope == Scope(only_admin_visible=True)
    with demo.ledger() as ledger:
        saved = ledger.last(app, "access_revoked").data["saved_scope"]
        at_disable = ledger.last(app, "verified_disabled").data["scope"]
    assert saved["dept_ids"] and not saved["only_admin_visible"]
    assert at_disable["only_admin_visible"]
