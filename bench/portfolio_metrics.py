"""Portfolio metrics over a large usage log: decomkit against DuckDB SQL on the same data.

Builds (once, cached under bench/.cache/) a demo workspace with --events N (default 10 million),
loads the usage table once, then times

* decomkit: ``assess.usage_metrics`` (monthly active users per app and month, last use, idle
  days, active share, decline) — what the portfolio score needs from the log;
* DuckDB: the same figures in SQL over the same in-memory DataFrame.

It checks both give the same numbers, and prints the time ratio and decomkit's peak extra memory
against the event table's in-memory size. Run: ``.venv/bin/python bench/portfolio_metrics.py``.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import duckdb
    import pandas as pd

    from decomkit.assess import analysis_months, usage_metrics
    from decomkit.demo import build_demo
    from decomkit.workspace import Workspace

    root = Path(__file__).resolve().parent / ".cache" / f"demo-{args.events}"
    if not (root / "decomkit.toml").exists():
        print(f"building a demo workspace with {args.events:,} events in {root} …")
        build_demo(root, events=args.events, as_of=AS_OF)
    start = time.perf_counter()
    inventory = Workspace.open(root).inventory(["usage_events"])
    load_s = time.perf_counter() - start
    events = inventory.usage_events
    table_bytes = int(events.memory_usage(deep=True).sum())

    with PeakMemory() as memory:
        ours_s, ours = best_of(args.repeat, lambda: usage_metrics(inventory, AS_OF))

    months = analysis_months(AS_OF)
    params = {"start": months[0].start_time, "end": months[-1].end_time + pd.Timedelta(1),
              "recent": months[-3].start_time, "early_end": months[3].start_time}
    con = duckdb.connect()
    con.register("events", events)
    con.register("apps", inventory.apps[["app_id"]])
    duck_s, duck = best_of(args.repeat, lambda: con.execute(DUCKDB_SQL, params).df())

    duck = duck.set_index(duck["app_id"].astype(str)).drop(columns="app_id")
    ours = ours.set_index(ours.index.astype(str))
    for column in ("mau_recent", "mau_early"):
        pd.testing.assert_series_equal(ours[column].sort_index(), duck[column].sort_index(),
                                       check_names=False, check_dtype=False,
                                       check_index_type=False)
    same_last = (ours["last_used"].sort_index().to_numpy()
                 == duck["last_used"].sort_index().to_numpy()).all()
    assert same_last, "last use differs between decomkit and DuckDB"

    print(f"events: {len(events):,}  (in memory {table_bytes / 2**20:,.0f} MiB; "
          f"loading and validating the parquet took {load_s:.1f} s)")
    print(f"decomkit usage metrics: {ours_s:.3f} s   DuckDB SQL: {duck_s:.3f} s   "
          f"(best of {args.repeat}, results equal)")
    print(f"ratio DuckDB / decomkit time: {duck_s / ours_s:.2f}  (≥ 1 means decomkit is at "
          "least as fast)")
    print(f"decomkit peak extra memory: {memory.extra / 2**20:,.0f} MiB = "
          f"{memory.extra / table_bytes:.2f} × the event table  (goal: < 2)")


if __name__ == "__main__":
    main()
