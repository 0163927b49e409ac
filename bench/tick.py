"""``decomkit tick`` over the demo: 30 simulated days, one tick a day, against the same on a
demo of 8 apps; prints seconds per tick and the ratio. A tick's cost should follow what is
due and the apps it reads, not grow with the days already ticked (goal: the 32-app demo under
4x the 8-app one, a quiet day well under a second).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

from decomkit.running.demo import build_demo
from decomkit.running.tick import run_tick

AS_OF = dt.date(2026, 11, 23)
DAYS = 30


def ticks(root: Path, apps: int) -> tuple[float, float, int]:
    """(seconds for the first tick, seconds per tick over the rest, steps done)."""
    build_demo(root, apps=apps, as_of=AS_OF)
    started = time.perf_counter()
    steps = len(run_tick(root, AS_OF).outcomes)
    first = time.perf_counter() - started
    started = time.perf_counter()
    for n in range(1, DAYS):
        steps += len(run_tick(root, AS_OF + dt.timedelta(days=n)).outcomes)
    return first, (time.perf_counter() - started) / (DAYS - 1), steps


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rows = {apps: ticks(Path(tmp) / f"demo-{apps}", apps) for apps in (8, 32)}
    for apps, (first, each, steps) in rows.items():
        print(f"{apps:>3} apps: first tick {first:6.2f} s, then {each:6.3f} s a tick "
              f"({steps} steps in {DAYS} days)", flush=True)
    small, large = rows[8][1], rows[32][1]
    print(f"ratio 32 apps / 8 apps, per tick: {large / small:.2f}x")


if __name__ == "__main__":
    main()
