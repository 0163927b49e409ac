"""Portfolio metrics over a large usage log: decomkit against DuckDB on the same parquet.

Builds (once, cached under bench/.cache/) a demo workspace with --events N (default 10 million)
and times, end to end from the files (best of --repeat):

* cold: decomkit's validating read of apps + usage (every check, file/row/column problems)
  and ``assess.usage_metrics`` (monthly active users per app and month, last use, idle days,
  active share, decline) — what the portfolio score needs from the log;
* cold + snapshot: the same, also keeping the validated tables in the workspace's snapshot
  (what the first notebook of a batch does);
* warm: what the portfolio stage does once the snapshot exists: apps, and use per app from
  the snapshot's summary of the log (one row per app, month and user), then the metrics;
* DuckDB: the same figures in SQL straight from ``usage_events.parquet``.

Second line, as before: the metrics alone on tables already in memory, decomkit against DuckDB
SQL over the same DataFrame. It checks both give the same numbers, and prints decomkit's peak
extra memory against the event table's in-memory size.
Run: ``.venv/bin/python bench/portfolio_metrics.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import threading
import time
from pathlib import Path

AS_OF = dt.date(2026, 11, 23)


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


class PeakMemory:
    """Samples the process's resident memory every few milliseconds while in the block."""

    def __enter__(self):
        self.base = self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, rss_bytes())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    @property
    def extra(self) -> int:
        return self.peak - self.base


DUCKDB_SQL = """
WITH win AS (
  SELECT app_id, user_id, date_trunc('month', date) AS month FROM events
  WHERE date >= $start AND date < $end
), mau AS (
  SELECT app_id, month, count(DISTINCT user_id) AS users FROM win GROUP BY ALL
), last_use AS (SELECT app_id, max(date) AS last_used FROM events GROUP BY ALL)
SELECT a.app_id,
  coalesce(sum(users) FILTER (WHERE month >= $recent), 0) / 3.0 AS mau_recent,
  coalesce(sum(users) FILTER (WHERE month < $early_end), 0) / 3.0 AS mau_early,
  any_value(l.last_used) AS last_used
FROM apps a LEFT JOIN mau m USING (app_id) LEFT JOIN last_use l USING (app_id)
GROUP BY a.app_id ORDER BY a.app_id
"""


def best_of(n: int, fn):
    times, result = [], None
    for _ in range(n):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def check_equal(ours, duck) -> None:
    import pandas as pd

    duck = duck.set_index(duck["app_id"].astype(str)).drop(columns="app_id")
    ours = ours.set_index(ours.index.astype(str))
    for column in ("mau_recent", "mau_early"):
        pd.testing.assert_series_equal(ours[column].sort_index(), duck[column].sort_index(),
                                       check_names=False, check_dtype=False,
                                       check_index_type=False)
    same_last = (ours["last_used"].sort_index().to_numpy()
                 == duck["last_used"].sort_index().to_numpy()).all()
    assert same_last, "last use differs between decomkit and DuckDB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import shutil

    import duckdb
    import pandas as pd

    from decomkit.analysis.assess import usage_metrics
    from decomkit.context.workspace import Workspace
    from decomkit.inventory.snapshot import CACHE, open_snapshot
    from decomkit.inventory.tables import load_inventory
    from decomkit.inventory.usage import analysis_months
    from decomkit.running.demo import build_demo

    root = Path(__file__).resolve().parent / ".cache" / f"demo-{args.events}"
    if not (root / "decomkit.toml").exists():
        print(f"building a demo workspace with {args.events:,} events in {root} …")
        build_demo(root, events=args.events, as_of=AS_OF)
    workspace = Workspace.open(root)
    tables = ["usage_events"]

    def cold():
        inventory = load_inventory(root / "data", tables)
        return usage_metrics(inventory, AS_OF)

    def warm():  # what the portfolio stage does: apps, and use from the log's summary
        snapshot = open_snapshot(root)
        return usage_metrics(snapshot.inventory([]), AS_OF, snapshot.usage_counts(AS_OF))

    def cold_snapshot():
        shutil.rmtree(root / CACHE, ignore_errors=True)
        return warm()

    months = analysis_months(AS_OF)
    params = {"start": months[0].start_time, "end": months[-1].end_time + pd.Timedelta(1),
              "recent": months[-3].start_time, "early_end": months[3].start_time}
    parquet = str(root / "data" / "usage_events.parquet")

    def duck_files():
        con = duckdb.connect()
        apps = open_snapshot(root).table("apps")[["app_id"]]  # 1 row per app: not the cost
        con.register("apps", apps)
        con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet('{parquet}')")
        return con.execute(DUCKDB_SQL, params).df()

    cold_s, ours = best_of(args.repeat, cold)
    snap_s, _ = best_of(args.repeat, cold_snapshot)
    warm_s, _ = best_of(args.repeat, warm)
    duck_files_s, duck = best_of(args.repeat, duck_files)
    check_equal(ours, duck)

    inventory = workspace.inventory(tables)
    events = inventory.usage_events
    table_bytes = int(events.memory_usage(deep=True).sum())
    with PeakMemory() as memory:
        ours_s, ours = best_of(args.repeat, lambda: usage_metrics(inventory, AS_OF))
    con = duckdb.connect()
    con.register("events", events)
    con.register("apps", inventory.apps[["app_id"]])
    duck_s, duck = best_of(args.repeat, lambda: con.execute(DUCKDB_SQL, params).df())
    check_equal(ours, duck)

    print(f"events: {len(events):,}  (in memory {table_bytes / 2**20:,.0f} MiB); best of "
          f"{args.repeat}, results equal")
    print(f"end to end from the files: decomkit cold (validation included) {cold_s:.2f} s, "
          f"cold keeping the snapshot {snap_s:.2f} s, warm (from the snapshot) {warm_s:.2f} s;"
          f" DuckDB from the parquet {duck_files_s:.2f} s")
    print(f"  ratio to DuckDB: cold {cold_s / duck_files_s:.1f}x (goal <= 2), warm "
          f"{warm_s / duck_files_s:.1f}x (goal <= 1)")
    print(f"in memory: decomkit usage metrics {ours_s:.3f} s, DuckDB SQL {duck_s:.3f} s; "
          f"ratio DuckDB / decomkit time {duck_s / ours_s:.2f} (>= 1: decomkit at least as fast)")
    print(f"decomkit peak extra memory: {memory.extra / 2**20:,.0f} MiB = "
          f"{memory.extra / table_bytes:.2f} x the event table  (goal: < 2)")


if __name__ == "__main__":
    main()
