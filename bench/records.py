"""The records database, per adapter: how far the archive trails the log on a busy hall,
and how fast the ledger reads a month and a year.

    python bench/records.py [--parts lag ledger] [--rate 200] [--seconds 10]
                            [--databases sqlite postgresql] [--quick]

**Lag** (`--parts lag`):
For each database: a fresh embedded Redis (AOF always), the database (a SQLite file; a
PostgreSQL from Debian's binaries with fsync on, as in production), and one `hall serve`
with `--database`, loopback only. Commands go to the hub at `--rate` a second (the
issue/call/finish cycle of bench/commands.py: one event each) on one keep-alive
connection, while a poller reads the hall's archived id (`hall:{bench}:archived`, written
right after each committed batch) every 5 ms. An event's lag is the moment the archived id
passed it minus its stream id's time (Redis's clock, the same machine). Prints p50 / p99 /
max, and checks that the archive equals the log.

**Ledger** (`--parts ledger`, bench/ledger.py): 22 working days of the Kaiyuan hall simulated
through the pure core (bench/simulated.py: the demo's people, twice its residents, appeals)
and archived; the month's attendance sheet cold (folded and sealed) and warm (target
<= 200 ms), a clerk's month, the services; then a year of 20 halls sealed, read warm
(target <= 2 s). Prints the generation time too.

`--quick`: a 3-second lag run, 5 working days and 3 halls: to check that it runs. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent)]  # this checkout's hall, tests, bench
from commands import mix, percentile  # noqa: E402
from hallfile import WINDOWS, write_bench_hall  # noqa: E402
from ledger import generate, ledger_figures  # noqa: E402

from hall.store import keys  # noqa: E402
from hall.store.embedded import EmbeddedRedis, free_tcp_port  # noqa: E402
from tests.support.postgres import postgres  # noqa: E402
from tests.support.records import log_and_archive  # noqa: E402

ADMIN = "bench-admin-token"
HALL = "bench"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--parts", nargs="+", choices=["lag", "ledger"], default=["lag", "ledger"])
    parser.add_argument("--quick", action="store_true", help="a short run: does it work?")
    args = parser.parse_args()
    seconds = 3.0 if args.quick else args.seconds
    if "lag" in args.parts:
        for name in args.databases:
            with tempfile.TemporaryDirectory(prefix="hall-bench-") as tmp, database(
                name, Path(tmp)
            ) as url:  # fmt: skip
                archive_lag(name, url, Path(tmp), args.rate, seconds)
    if "ledger" in args.parts:
        days, took = generate(args.quick)
        count = sum(len(events) for _, events in days)
        print(f"\nsimulated {len(days)} days ({count:,} events) through the core in {took:.1f} s")
        for name in args.databases:
            with tempfile.TemporaryDirectory(prefix="hall-bench-") as tmp, database(
                name, Path(tmp)
            ) as url:  # fmt: skip
                asyncio.run(ledger_figures(name, url, Path(tmp), days, args.quick))


@contextmanager
def database(name: str, folder: Path) -> Iterator[str]:
    if name == "sqlite":
        yield f"sqlite:///{folder / 'records.sqlite3'}"
    elif name == "postgresql":
        with postgres(durable=True) as server:
            yield server.url()
    else:
        raise SystemExit(f"no such database: {name} (sqlite, postgresql)")


class MarkPoller(threading.Thread):
    """Reads the hall's archived id every 5 ms; keeps (ms, seq) of each new one with the
    wall-clock time it was first seen."""

    def __init__(self, redis_url: str) -> None:
        super().__init__(daemon=True)
        self.client = redis.Redis.from_url(redis_url)
        self.seen: list[tuple[tuple[int, int], float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        last = None
        while not self.stop.is_set():
            value = self.client.get(keys.archived(HALL))
            if value is not None and value != last:
                ms, _, seq = value.decode().partition("-")
                self.seen.append(((int(ms), int(seq)), time.time() * 1000))
                last = value
            self.stop.wait(0.005)

    def archived_at(self, event_id: str) -> float | None:
        ms, _, seq = event_id.partition("-")
        key = (int(ms), int(seq))
        return next((at for mark, at in self.seen if mark >= key), None)


def archive_lag(name: str, database_url: str, folder: Path, rate: float, seconds: float) -> None:
    config = write_bench_hall(folder, HALL)
    with EmbeddedRedis(folder / "redis") as server:
        port = free_tcp_port()
        argv = [sys.executable, "-m", "hall", "serve", "--config", str(config)]
        argv += ["--redis", server.url, "--database", database_url, "--port", str(port)]
        argv += ["--data", str(folder / "var"), "--log-level", "warning"]
        env = {**os.environ, "HALL_ADMIN_TOKEN": ADMIN}
        hub = subprocess.Popen(argv, env=env, cwd=ROOT)
        poller = MarkPoller(server.url)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base)
            poller.start()
            ids, elapsed = send(base, rate, seconds)
            deadline = time.monotonic() + 30
            while poller.archived_at(ids[-1]) is None and time.monotonic() < deadline:
                time.sleep(0.05)
            log, archived = log_and_archive(server.url, database_url, folder, HALL)
        finally:
            poller.stop.set()
            hub.terminate()
            hub.wait(10)
    lags = []
    for event_id in ids:
        at = poller.archived_at(event_id)
        if at is not None:
            lags.append((at - int(event_id.partition("-")[0])) / 1000)
    print(
        f"\n{name}: {len(ids)} events in {elapsed:.1f} s ({len(ids) / elapsed:.0f} events/s at "
        f"{rate:.0f} commands/s), {len(lags)} seen archived; the archive equals the log: "
        f"{archived == log} ({len(archived)} events)"
    )
    if lags:
        p50, p99 = percentile(lags, 0.5), percentile(lags, 0.99)
        print(f"{name}: archive lag s: p50 {p50:.3f}  p99 {p99:.3f}  max {max(lags):.3f}")


def wait_healthy(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise SystemExit("the hub did not start")


def send(base: str, rate: float, seconds: float) -> tuple[list[str], float]:
    """Commands at `rate` a second on one keep-alive connection: the ids of their events."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    headers = {"authorization": f"Bearer {ADMIN}", "content-type": "application/json"}

    def post(body: dict[str, object]) -> list[str]:
        conn.request("POST", f"/api/halls/{HALL}/commands", json.dumps(body), headers)
        response = conn.getresponse()
        answer = response.read()
        if response.status != 200:
            return []
        return [event["id"] for event in json.loads(answer)["events"]]

    for n in range(1, WINDOWS + 1):
        post({"type": "presence.set", "window": n, "post": "A", "state": "present"})
    commands = mix()
    ids: list[str] = []
    start = time.monotonic()
    i = 0
    while (now := time.monotonic()) - start < seconds:
        due = start + i / rate
        if now < due:
            time.sleep(due - now)
        ids += post(commands[i % len(commands)])
        i += 1
    conn.close()
    return ids, time.monotonic() - start


if __name__ == "__main__":
    main()
