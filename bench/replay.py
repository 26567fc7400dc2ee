"""Day replay from the records database: how long the hall takes to show any minute of a busy
day, per adapter.

    python bench/replay.py [--days 22] [--samples 60] [--databases sqlite postgresql]

The data: `--days` working days of the Kaiyuan hall (a realistic month: 22) played offline
by the demo's simulator with twice its residents (bench/simday.py), archived as the
archiver would (pages of 1,000 events, one transaction each) into a fresh database: a SQLite
file, or a PostgreSQL from Debian's binaries with fsync on, as in production. Then, on the
month's last day (the busiest of its kind, about 2,400 events):

- `cold`: the first replay after archiving, which computes and stores every day's starting
  state since the first day (what a first replay after a long gap costs);
- `replay`: the hall at `--samples` random minutes of the day's hours, each a fresh
  `Replay` (as each request makes one): read the day's start, read and decode the day's
  events up to the minute, evolve. Target <= 100 ms (p50, p90, max printed);
- `timeline`: the day's bands, hours and occupancy, computed once (then kept) and read back;
- `month`: the month's timelines for the occupancy grid, once kept.

Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import anyio

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent)]  # this checkout's hall, tests, bench
from commands import percentile  # noqa: E402
from simday import Entry, busy_day  # noqa: E402

from hall.config import HallConfig, load_hall  # noqa: E402
from hall.config.loading import default_hall_path  # noqa: E402
from hall.records.archive import Archive, archived_event  # noqa: E402
from hall.records.databases import archive_for  # noqa: E402
from hall.records.replay import Replay  # noqa: E402
from hall.schedule import day_start, sessions_on  # noqa: E402
from tests.support.postgres import postgres  # noqa: E402

FIRST = date(2026, 3, 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=22)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    hall = load_hall(default_hall_path())
    started = time.perf_counter()
    days, entries = month(hall, args.days)
    print(
        f"{len(days)} working days of {hall.id} from {days[0]}, twice the demo's residents: "
        f"{len(entries):,} events ({time.perf_counter() - started:.1f} s to simulate)"
    )
    for name in args.databases:
        with tempfile.TemporaryDirectory(prefix="hall-bench-") as tmp, database(
            name, Path(tmp)
        ) as url:  # fmt: skip
            anyio.run(measure, name, url, Path(tmp), hall, days, entries, args.samples)


def month(hall: HallConfig, count: int) -> tuple[list[date], list[Entry]]:
    days: list[date] = []
    day = FIRST
    while len(days) < count:
        if sessions_on(hall, day):
            days.append(day)
        day += timedelta(days=1)
    entries: list[Entry] = []
    state = None
    for n, day in enumerate(days):
        log, state = busy_day(hall, day, state=state, seed=n + 1)
        entries += log
    return days, entries


@contextmanager
def database(name: str, folder: Path) -> Iterator[str]:
    if name == "sqlite":
        yield f"sqlite:///{folder / 'records.sqlite3'}"
        return
    with postgres(durable=True) as server:
        yield server.create_database()


async def measure(
    name: str,
    url: str,
    folder: Path,
    hall: HallConfig,
    days: list[date],
    entries: list[Entry],
    samples: int,
) -> None:
    archive = archive_for(url, folder)
    await archive.open()
    try:
        await fill(archive, hall, entries)
        last = days[-1]
        after = day_start(hall, last + timedelta(days=1)) + timedelta(hours=1)
        t0 = time.perf_counter()
        await Replay(archive, hall).start(last)
        cold = time.perf_counter() - t0

        opens, closes = sessions_on(hall, last)[0][0], sessions_on(hall, last)[-1][1]
        span = (closes - opens).total_seconds() / 60 + 60
        rng = random.Random(7)
        times: list[float] = []
        for _ in range(samples):
            at = opens + timedelta(minutes=rng.uniform(-30, span))
            t0 = time.perf_counter()
            moment = await Replay(archive, hall).at(at)
            times.append(time.perf_counter() - t0)
            assert moment.state.day == last
        t0 = time.perf_counter()
        await Replay(archive, hall).timeline(last, after)
        made = time.perf_counter() - t0
        t0 = time.perf_counter()
        await Replay(archive, hall).timeline(last, after)
        kept = time.perf_counter() - t0
        t0 = time.perf_counter()
        await Replay(archive, hall).timelines(days[0], last, after)
        whole = time.perf_counter() - t0
        busiest = len(await Replay(archive, hall).day_events(last))
    finally:
        await archive.close()
    ms = [t * 1000 for t in times]
    print(
        f"{name:10s} replay of {last} ({busiest:,} events): p50 {percentile(ms, 0.5):.1f} ms,"
        f" p90 {percentile(ms, 0.9):.1f} ms, max {max(ms):.1f} ms over {samples} minutes"
        " (target <= 100 ms)"
    )
    print(
        f"{name:10s} cold start of the last day (every day's start since the first, stored):"
        f" {cold * 1000:.0f} ms; the day's timeline {made * 1000:.0f} ms made,"
        f" {kept * 1000:.1f} ms kept; the month's {len(days)} timelines {whole * 1000:.0f} ms"
    )


async def fill(archive: Archive, hall: HallConfig, entries: list[Entry]) -> None:
    """As the archiver stores a log: pages of 1,000 events, a transaction each."""
    for n in range(0, len(entries), 1000):
        page = entries[n : n + 1000]
        await archive.append(hall.id, [archived_event(i, t, d) for i, t, d in page])


if __name__ == "__main__":
    main()
