"""The validated inventory snapshot: kept once, invalidated by content, never hiding a problem,
and sliced per app exactly as the full read filtered to that app."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import threading

import pandas as pd
import pytest

from decomkit.core.errors import InputError, WorkspaceError
from decomkit.inventory.snapshot import CACHE, MANIFEST, open_snapshot
from decomkit.inventory.tables import load_inventory

APP_TABLES = ("usage_events", "costs", "contracts", "integrations", "processes", "datasets",
              "incidents", "security_findings", "survey_responses", "app_scopes")


def built(root) -> list[str]:
    """Snapshot folders built so far (whole ones: a manifest inside)."""
    cache = root / CACHE
    return sorted(p.name for p in cache.iterdir() if (p / MANIFEST).exists()) \
        if cache.exists() else []


def test_a_second_read_uses_the_snapshot(demo):
    first = open_snapshot(demo.root)
    assert built(demo.root) == [first.folder.name]
    again = open_snapshot(demo.root)
    assert again.folder == first.folder
    assert built(demo.root) == [first.folder.name]


def test_a_changed_file_makes_a_new_snapshot(demo):
    first = open_snapshot(demo.root)
    apps_csv = demo.path("data") / "apps.csv"
    text = apps_csv.read_bytes().decode("gbk")
    renamed = text.replace(",OA审批,", ",OA审批流,", 1)
    assert renamed != text
    stat = apps_csv.stat()
    apps_csv.write_bytes(renamed.encode("gbk"))
    # The same modification time as before: the content, not the clock, decides.
    os.utime(apps_csv, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    second = open_snapshot(demo.root)
    assert second.folder != first.folder
    names = set(second.table("apps")["name"])
    assert "OA审批流" in names and "OA审批" not in names
    assert set(first.table("apps")["name"]) != names  # the old snapshot is untouched


def test_a_touch_keeps_the_snapshot_new_bytes_of_the_same_size_do_not(demo):
    """A new modification time with the same bytes keeps the snapshot (re-hashed, same key);
    other bytes of the same size make a new one."""
    first = open_snapshot(demo.root).folder
    apps_csv = demo.path("data") / "apps.csv"
    os.utime(apps_csv)  # touched, same bytes
    assert open_snapshot(demo.root).folder == first
    raw = apps_csv.read_bytes()
    swapped = raw.replace(b",OA", b",OB", 1)
    assert len(swapped) == len(raw) and swapped != raw
    apps_csv.write_bytes(swapped)
    assert open_snapshot(demo.root).folder != first


def test_problems_are_kept_and_reported_again(workspace):
    data = workspace.path("data")
    (data / "apps.csv").write_text("app_id,name\nA1,进销存\nA1,again\n", encoding="utf-8")
    (data / "costs.csv").write_text("app_id,month,category,amount\nA9,2025-01,licence,-1\n",
                                    encoding="utf-8")
    with pytest.raises(InputError) as direct:
        load_inventory(data)
    with pytest.raises(InputError) as first:
        workspace.inventory()
    assert len(built(workspace.root)) == 1
    with pytest.raises(InputError) as again:  # from the snapshot: no second validation
        workspace.inventory(["costs"], app_id="A1")
    assert first.value.problems == direct.value.problems == again.value.problems
    assert {(p.file, p.row, p.column) for p in again.value.problems} == {
        ("apps.csv", 3, "app_id"), ("costs.csv", 2, "app_id"), ("costs.csv", 2, "amount")}
    assert str(again.value) == str(direct.value)
    folder = workspace.root / CACHE / built(workspace.root)[0]
    assert not list(folder.glob("*.parquet"))  # bad input keeps no tables to read past it
    (data / "apps.csv").write_text("app_id,name\nA1,进销存\nA9,考勤\n", encoding="utf-8")
    (data / "costs.csv").write_text("app_id,month,category,amount\nA9,2025-01,licence,1\n",
                                    encoding="utf-8")
    assert list(workspace.inventory().costs["app_id"]) == ["A9"]  # fixed files: a new snapshot


def test_an_app_slice_equals_the_full_read_filtered(demo):
    full = load_inventory(demo.path("data"))
    compared = dict.fromkeys(APP_TABLES, 0)
    for app_id in ("jxc", "crm", "old-expense"):
        one = demo.inventory(app_id=app_id)
        pd.testing.assert_frame_equal(one.apps, full.apps[full.apps["app_id"] == app_id])
        for name in APP_TABLES:  # the index: each record's position in its file
            expected = full[name][full[name]["app_id"] == app_id]
            pd.testing.assert_frame_equal(one[name], expected, obj=f"{app_id} {name}")
            compared[name] += len(expected)
        pd.testing.assert_frame_equal(one.users, full.users)
    assert all(compared[n] for n in ("usage_events", "costs", "datasets", "contracts"))
    whole = demo.inventory()
    for name in ("apps", "users"):
        pd.testing.assert_frame_equal(whole[name], full[name])
    for name in APP_TABLES:  # an app's rows together, in file order, each at its position
        pd.testing.assert_frame_equal(whole[name].sort_index(), full[name])


def test_an_unknown_app_is_named(demo):
    with pytest.raises(WorkspaceError, match="app 'nope' is not in the apps table"):
        demo.inventory(app_id="nope")


def test_usage_is_split_along_app_boundaries(demo):
    import pyarrow.parquet as pq

    path = open_snapshot(demo.root).folder / "usage_events.parquet"
    meta = pq.ParquetFile(path).metadata
    assert meta.num_row_groups > 1
    apps_in_groups = [set(pq.ParquetFile(path).read_row_group(i, columns=["app_id"])
                          .column(0).to_pylist()) for i in range(meta.num_row_groups)]
    seen: set[str] = set()
    for apps in apps_in_groups:  # no app is split across two row groups
        assert not apps & seen
        seen |= apps


def test_concurrent_builders_make_one_whole_snapshot(demo):
    folders, errors = [], []

    def read() -> None:
        try:
            folders.append(open_snapshot(demo.root).folder)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(folders)) == 1
    assert built(demo.root) == [folders[0].name]
    leftovers = [p.name for p in (demo.root / CACHE).iterdir() if p.name.endswith(".part")]
    assert leftovers == []


def test_assessing_from_an_app_slice_equals_the_whole_portfolio(demo, as_of):
    from decomkit.context.stage import open_stage
    from decomkit.lifecycle.decide import run_assessment

    for app_id in ("jxc", "crm"):
        whole = run_assessment(open_stage(str(demo.root), as_of=as_of.isoformat()), app_id)
        one = run_assessment(open_stage(str(demo.root), as_of=as_of.isoformat(),
                                        app_id=app_id), app_id)
        assert one.assessment.summary() == whole.assessment.summary()
        assert one.impact.summary() == whole.impact.summary()
        assert one.plan == whole.plan and one.checks == whole.checks
        pd.testing.assert_series_equal(one.mau, whole.mau)
        assert whole.mau.sum() > 0


def test_a_parquet_log_is_checked_row_by_row(workspace):
    """The columnar path still names file, row and column of each bad cell."""
    data = workspace.path("data")
    (data / "apps.csv").write_text("app_id,name\nA1,进销存\n", encoding="utf-8")
    pd.DataFrame({"date": pd.to_datetime(["2025-01-01", None, "2025-01-03", "2025-01-04"]),
                  "app_id": ["A1", "A1", "A2", "A1"],
                  "user_id": ["u1", "u2", "u3", "  "]}).to_parquet(data / "usage_events.parquet")
    with pytest.raises(InputError) as caught:
        workspace.inventory(["usage_events"], app_id="A1")
    assert {(p.file, p.row, p.column) for p in caught.value.problems} == {
        ("usage_events.parquet", 2, "date"), ("usage_events.parquet", 3, "app_id"),
        ("usage_events.parquet", 4, "user_id")}
    # a date no nanosecond clock reaches is one problem, not a crash
    pd.DataFrame({"date": pd.array([pd.Timestamp("2025-01-01"), dt.datetime(2300, 1, 1)],
                                   dtype="datetime64[us]"),
                  "app_id": ["A1", "A1"], "user_id": ["u1", "u2"]}
                 ).to_parquet(data / "usage_events.parquet")
    with pytest.raises(InputError) as caught:
        workspace.inventory(["usage_events"])
    assert [(p.row, p.column, p.what) for p in caught.value.problems] == [
        (2, "date", "is not a date between 1678 and 2262")]
    # a bad value is shown as its text, stripped, as a CSV's is
    pd.DataFrame({"date": ["2025-01-01", "2025-13-01 "], "app_id": ["A1", "A1"],
                  "user_id": ["u1", "u2"]}).to_parquet(data / "usage_events.parquet")
    with pytest.raises(InputError) as caught:
        workspace.inventory(["usage_events"])
    assert [p.what for p in caught.value.problems] == ["is not a date ('2025-13-01')"]


def test_the_portfolio_reads_use_from_the_log_summary(demo, as_of):
    """The portfolio stage never loads the log: use per app comes from the snapshot's summary
    and equals what the whole log gives, for any analysis date."""

    from decomkit.analysis.assess import score_portfolio
    from decomkit.context.stage import open_stage
    from decomkit.inventory.usage import summary_counts, usage_counts, usage_summary
    from decomkit.lifecycle.decide import run_portfolio

    full = load_inventory(demo.path("data"))
    for day in (as_of, as_of - dt.timedelta(days=200)):  # the past: later visits don't count
        stage = open_stage(str(demo.root), as_of=day.isoformat())
        assert stage.inventory.usage_events.empty
        expected = usage_counts(full, day)
        for ours, theirs in zip(stage.usage, expected, strict=True):
            pd.testing.assert_frame_equal(pd.DataFrame(ours), pd.DataFrame(theirs))
        assert expected[0].to_numpy().sum() > 0 and expected[2].sum() > 0
        assert (expected[1].dropna() < pd.Timestamp(day + dt.timedelta(days=1))).all()
        table = run_portfolio(stage, record=False).table
        whole = score_portfolio(full, stage.weights, stage.thresholds, day)
        # the two retired apps are set aside unscored (analysis.watch); the rest score alike
        scored = table["score"].dropna()
        assert set(table.index) - set(scored.index) == {"old-expense", "room-booking"}
        pd.testing.assert_series_equal(scored, whole["score"].reindex(scored.index))
        assert (table["days_idle"].dropna() >= 0).all()
    for app_id in ("jxc", "crm"):  # a per-app stage: its app's rows of the summary
        one = open_stage(str(demo.root), as_of=as_of.isoformat(), app_id=app_id)
        for ours, theirs in zip(one.usage, usage_counts(one.inventory, as_of), strict=True):
            pd.testing.assert_frame_equal(pd.DataFrame(ours), pd.DataFrame(theirs))
    # an inventory opened without the log is no evidence of idling: use must come from stage
    with pytest.raises(WorkspaceError, match="without the usage log"):
        score_portfolio(stage.inventory, stage.weights, stage.thresholds, as_of)
    # the check can fail: one user-month fewer is one active user fewer; the last day of an
    # app's use left out is an earlier last use
    summary, apps = usage_summary(full.usage_events), full.apps["app_id"]
    months, days = summary.months, summary.days
    recent = months.index[months["month"] >= pd.Timestamp(as_of) - pd.DateOffset(months=6)]
    fewer = summary_counts(dataclasses.replace(summary, months=months.drop(recent[0])), apps,
                           as_of)[0]
    assert fewer.to_numpy().sum() == summary_counts(summary, apps, as_of)[0].to_numpy().sum() - 1
    latest = days["last"].idxmax()
    earlier = summary_counts(dataclasses.replace(summary, days=days.drop(latest)), apps, as_of)
    assert earlier[1][days.loc[latest, "app_id"]] < days.loc[latest, "last"]


def test_use_is_matched_to_apps_by_id_and_stays_with_the_stage_s_files(demo, as_of):
    """Counts in another order, counts for apps not listed, and apps.csv rewritten after the
    stage opened: every app keeps its own use."""
    from decomkit.analysis.assess import score_portfolio, usage_metrics
    from decomkit.context.stage import open_stage
    from decomkit.inventory.usage import usage_counts
    from decomkit.lifecycle.decide import run_portfolio

    full = load_inventory(demo.path("data"))
    counts = usage_counts(full, as_of)
    reversed_counts = tuple(part.iloc[::-1] for part in counts)
    pd.testing.assert_frame_equal(usage_metrics(full, as_of, reversed_counts),
                                  usage_metrics(full, as_of, counts))
    fewer_apps = full.apps[full.apps["app_id"] != "attendance"]  # its visits belong to no one
    others = usage_counts(dataclasses.replace(full, apps=fewer_apps), as_of)
    for ours, theirs in zip(others, counts, strict=True):
        pd.testing.assert_frame_equal(pd.DataFrame(ours),
                                      pd.DataFrame(theirs).loc[fewer_apps["app_id"]])

    stage = open_stage(str(demo.root), as_of=as_of.isoformat())
    apps_csv = demo.path("data") / "apps.csv"
    text = apps_csv.read_bytes().decode("gbk").splitlines(keepends=True)
    apps_csv.write_bytes("".join(text[:1] + text[:0:-1]).encode("gbk"))  # rows reversed
    table = run_portfolio(stage, record=False).table
    whole = score_portfolio(full, stage.weights, stage.thresholds, as_of)
    scored = table["score"].dropna()  # the retired apps are set aside unscored
    pd.testing.assert_series_equal(scored, whole["score"].reindex(scored.index))


def test_an_assessment_reads_the_whole_app_whatever_the_stage_holds(demo, as_of):
    from decomkit.context.stage import open_stage
    from decomkit.lifecycle.decide import run_assessment

    day = as_of.isoformat()
    whole = run_assessment(open_stage(str(demo.root), as_of=day, app_id="bi-pro"), "bi-pro")
    for tables in (["usage_events"], ["users"]):
        partial = open_stage(str(demo.root), as_of=day, app_id="bi-pro", tables=tables)
        assert run_assessment(partial, "bi-pro").assessment.summary() == \
            whole.assessment.summary()


def test_an_app_s_rows_stay_in_one_row_group_however_the_log_is_ordered(workspace):
    import numpy as np
    import pyarrow.parquet as pq

    from decomkit.inventory.snapshot import ROW_GROUP_ROWS, SUMMARY, _row_groups_of

    rng = np.random.default_rng(3)
    apps = [f"z{n:03d}" if n % 2 else f"a{n:03d}" for n in range(60)]  # not in sorted order
    rows = 4 * ROW_GROUP_ROWS
    data = workspace.path("data")
    pd.DataFrame({"app_id": apps, "name": apps}).to_csv(data / "apps.csv", index=False)
    pd.DataFrame({"date": pd.Timestamp("2026-01-01") + pd.to_timedelta(
                      rng.integers(0, 300, rows), unit="D"),
                  "app_id": rng.choice(apps, rows),
                  "user_id": rng.choice([f"u{n}" for n in range(50)], rows)}
                 ).to_parquet(data / "usage_events.parquet")
    folder = open_snapshot(workspace.root).folder
    for name in ("usage_events", *SUMMARY):
        meta = pq.ParquetFile(folder / f"{name}.parquet").metadata
        assert meta.num_row_groups > 1
        assert all(len(_row_groups_of(meta, app)) == 1 for app in apps), name


def test_a_log_from_csv_or_parquet_is_dictionary_encoded_alike(workspace):
    data = workspace.path("data")
    (data / "apps.csv").write_text("app_id,name\nA1,进销存\nA2,考勤\n", encoding="utf-8")
    log = pd.DataFrame({"date": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-02"]),
                        "app_id": ["A1", " A2", "A1"], "user_id": ["u1", "u2 ", "u1"]})
    log.to_parquet(data / "usage_events.parquet")
    from_parquet = load_inventory(data, ["usage_events"]).usage_events
    (data / "usage_events.parquet").unlink()
    log.assign(date=log["date"].dt.strftime("%Y-%m-%d")).to_csv(data / "usage_events.csv",
                                                                 index=False)
    from_csv = load_inventory(data, ["usage_events"]).usage_events
    for frame in (from_parquet, from_csv):
        assert isinstance(frame["app_id"].dtype, pd.CategoricalDtype)
        assert list(frame["app_id"].astype(str)) == ["A1", "A2", "A1"]  # stripped
        assert list(frame["user_id"].astype(str)) == ["u1", "u2", "u1"]
