"""A city on one hub (issue 15): 2,000 halls configured, what a hub costs per hall idle, and
commands spread over 500 active halls with screens on every hall. Prints figures; not a
test. Run by hand on a quiet machine:

    python bench/scale.py --quick                   # 200 halls, 1,000 screens, 50/s for 5 s
    python bench/scale.py                           # 2,000 halls, 20,000 screens, 200/s, 20 s
    python bench/scale.py --redis redis+cluster://127.0.0.1:7000   # any Redis URL the hub takes

Without `--redis` it starts a fresh embedded Redis (AOF, as `hall serve` does) and counts
its CPU; with `--redis` give the server processes' pids (`--redis-pid`, repeatable: a
cluster's masters) to count theirs, and the halls get ids of their own (`s<pid>-0000`), so
a shared Redis keeps earlier runs' keys apart.

The phases, each on the same hub (`hall serve` itself, its own process):
1. **start**: a hub with 1 hall, then one with N (the Kaiyuan layout, `hallfile.py`): seconds
   to /healthz 200 and until every hall's first day is written (the ticker's first scan),
   RSS after that, and CPU of the hub and Redis over `--idle` seconds of nothing: the cost
   of a configured hall that nobody watches.
2. **watched**: one wall socket on each of the first `--watched` halls (these are the
   probes below): RSS, and how many logs the hub reads (/healthz `halls.tailed`).
3. **screens**: `--screens` wall sockets spread evenly over every hall, held by `scaleload.py`
   processes (a process may not hold more sockets than its open-files limit; the hub
   neither, so the run is capped below it and the memory extrapolated, as printed).
4. **load**: `--rate` commands a second for `--seconds` over the first `--active` halls, on
   16 keep-alive connections, open loop (command k is due at k/rate), each hall cycling
   through issue, call, finish on its 7 windows. Command path: from sending the POST to
   its answer. Tap-to-screen: from sending a `ticket.call` on a probed hall to the first
   message on that hall's probe wall holding the ticket's number. CPU per command and per
   delivery: the hub's and Redis's CPU time (from /proc) over the load, divided by the
   commands answered and by the messages all sockets received.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from hallfile import write_bench_hall
from scaleload import Screens, load, pct, watched_phase
from servers import proc_cpu, proc_rss

from hall.store.embedded import EmbeddedRedis, free_tcp_port

ADMIN = "bench-admin-token-0123456789"
MIB = 2**20


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="200 halls, 1,000 screens, 50/s, 5 s")
    p.add_argument("--halls", type=int, default=2000)
    p.add_argument("--active", type=int, default=500, help="halls the commands go to")
    p.add_argument("--watched", type=int, default=200, help="halls with a probe wall")
    p.add_argument("--screens", type=int, default=20_000, help="wall sockets over all halls")
    p.add_argument("--rate", type=float, default=200.0, help="commands per second")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measured")
    p.add_argument("--redis", help="a Redis URL for the hub (default: a fresh embedded one)")
    p.add_argument("--redis-pid", type=int, action="append", default=[], help="its pids")
    args = p.parse_args(argv)
    if args.quick:
        args.halls, args.active, args.watched, args.screens = 200, 50, 20, 1000
        args.rate, args.seconds, args.idle = 50.0, 5.0, 3.0
    args.active = min(args.active, args.halls)
    args.watched = min(args.watched, args.active)
    return args


# ------------------------------------------------------------------ a hub and its halls


def write_city(folder: Path, n: int, prefix: str) -> list[str]:
    folder.mkdir(parents=True)
    ids = [f"{prefix}{i:04d}" for i in range(n)]
    for hall in ids:
        write_bench_hall(folder, hall)
    return ids


class Hub:
    def __init__(self, config: Path, redis_url: str, data: Path) -> None:
        self.port = free_tcp_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [sys.executable, "-m", "hall", "serve", "--config", str(config)]
        argv += ["--redis", redis_url, "--port", str(self.port), "--data", str(data)]
        argv += ["--log-level", "warning"]
        env = {**os.environ, "HALL_ADMIN_TOKEN": ADMIN}
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)

    def wait(self, ready: Any, within: float, what: str) -> float:
        """Seconds from the start until `ready()` holds."""
        deadline = time.perf_counter() + within
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the hub exited ({self.proc.returncode}) while {what}")
            with contextlib.suppress(httpx.HTTPError):
                if ready():
                    return time.perf_counter() - self.started
            time.sleep(0.05)
        raise SystemExit(f"the hub was not {what} within {within:g} s")

    def healthy(self) -> bool:
        return httpx.get(self.url + "/healthz", timeout=2).status_code == 200

    def health(self) -> dict[str, Any]:
        out: dict[str, Any] = httpx.get(self.url + "/healthz", timeout=5).json()
        return out

    def metric(self, name: str) -> float:
        for line in httpx.get(self.url + "/metrics", timeout=5).text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return 0.0

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def started(
    config: Path, redis_url: str, data: Path, halls: int
) -> tuple[Hub, float, float, float]:
    """A hub, once healthy, every hall's first day written, and that archived (what an
    idle hub costs is measured after its start-up work): (hub, healthy s, settled s,
    archived s)."""
    hub = Hub(config, redis_url, data)
    healthy = hub.wait(hub.healthy, 120, "healthy")
    settled = hub.wait(lambda: hub.metric("hall_ticks_total") >= halls, 300, "settled")
    archived = hub.wait(lambda: hub.health()["archive"]["lag_seconds"] == 0, 300, "archived")
    return hub, healthy, settled, archived


@contextlib.contextmanager
def redis(args: argparse.Namespace, tmp: Path) -> Iterator[tuple[str, list[int], str]]:
    """(URL, pids to count, hall id prefix)."""
    if args.redis:
        yield args.redis, args.redis_pid, f"s{os.getpid()}-"
        return
    with EmbeddedRedis(tmp / "redis") as server:
        assert server.pid is not None
        yield server.url, [server.pid], "h"


def cpu(pids: list[int]) -> float:
    return sum(proc_cpu(pid) for pid in pids)


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the hub inherits it
    room = hard - 400 - args.watched  # the hub's own files, its Redis connections
    per_hall = max(1, min(args.screens, room) // args.halls)
    out: list[tuple[str, str]] = []
    with (
        tempfile.TemporaryDirectory(prefix="hall-scale-") as name,
        redis(args, Path(name)) as (
            url,
            redis_pids,
            prefix,
        ),
    ):
        tmp = Path(name)
        write_city(tmp / "one", 1, prefix + "o")
        base, healthy1, _, _ = started(tmp / "one", url, tmp / "var1", 1)
        time.sleep(1)
        rss1 = proc_rss(base.proc.pid)
        base.stop()
        halls = write_city(tmp / "halls", args.halls, prefix)
        hub, healthy, settled, archived = started(tmp / "halls", url, tmp / "var", args.halls)
        try:
            time.sleep(1)
            rss_idle = proc_rss(hub.proc.pid)
            c0, r0 = proc_cpu(hub.proc.pid), cpu(redis_pids)
            time.sleep(args.idle)
            idle_hub = (proc_cpu(hub.proc.pid) - c0) / args.idle * 100
            idle_redis = (cpu(redis_pids) - r0) / args.idle * 100
            out += [
                ("hub start, 1 hall", f"healthy {healthy1:.1f} s, RSS {rss1 / MIB:.0f} MiB"),
                (
                    f"hub start, {args.halls:,} halls",
                    f"healthy {healthy:.1f} s, every hall's first day written {settled:.1f} s, "
                    f"archived {archived:.1f} s",
                ),
                (
                    f"idle, {args.halls:,} halls, none watched",
                    f"RSS {rss_idle / MIB:.0f} MiB "
                    f"({(rss_idle - rss1) / max(1, args.halls - 1) / 1024:.1f} KiB per hall); "
                    f"CPU hub {idle_hub:.1f} %, Redis {idle_redis:.1f} %",
                ),
            ]
            out += asyncio.run(phases(args, hub, halls, redis_pids, per_hall))
        finally:
            hub.stop()
    print(f"\nbench/scale.py: {args.halls:,} halls, Redis {url.split('://')[0]}://…")
    width = max(len(k) for k, _ in out)
    for key, value in out:
        print(f"  {key:<{width}}  {value}")


async def phases(
    args: argparse.Namespace, hub: Hub, halls: list[str], redis_pids: list[int], per_hall: int
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    probes = await watched_phase(hub.port, halls[: args.watched])
    rss_watched = proc_rss(hub.proc.pid)
    tailed = hub.health()["halls"]["tailed"]
    out.append(
        (
            f"{args.watched} halls watched (a wall each)",
            f"RSS {rss_watched / MIB:.0f} MiB, logs read {tailed}",
        )
    )
    active = halls[: args.active]
    steps: dict[str, int] = {}
    # every active hall's wall rendered: the second load differs by its screens alone
    walls = Screens(hub.port, halls[args.watched : args.active], 1)
    screens: Screens | None = None
    try:
        walls.ready()
        bare = await measured(hub, active, probes, redis_pids, args, walls, steps)
        out += report("load, a wall per active hall", args, bare)
        started = time.perf_counter()
        rss_before = proc_rss(hub.proc.pid)
        screens = Screens(hub.port, halls, per_hall)
        ready, failed = screens.ready()
        took = time.perf_counter() - started
        rss = proc_rss(hub.proc.pid)
        each = (rss - rss_before) / max(1, ready)
        total = ready + args.active
        at_target = rss + (args.screens - total) * each
        out.append(
            (
                f"{total:,} screens ({per_hall}/hall more, {failed} failed)",
                f"connected in {took:.0f} s; RSS {rss / MIB:.0f} MiB, {each / 1024:.1f} KiB "
                f"per screen; at {args.screens:,}: {at_target / MIB:.0f} MiB"
                + (" (extrapolated)" if total < args.screens else "")
                + " (target <= 400)",
            )
        )
        both = Both(walls, screens)
        full = await measured(hub, active, probes, redis_pids, args, both, steps)
    finally:
        walls.close()
        if screens is not None:
            screens.close()
    out += report(f"load, {total:,} screens", args, full)
    more = full["messages"] - bare["messages"]
    if more > 0:
        each_us = (full["hub_cpu"] - bare["hub_cpu"]) / more * 1e6
        out.append(("hub CPU per delivery", f"{each_us:.1f} µs (extra CPU / extra messages)"))
    for sock in probes.values():
        sock.close()
    return out


class Both:
    def __init__(self, *parts: Screens) -> None:
        self.parts = parts

    def frames(self) -> int:
        return sum(p.frames() for p in self.parts)


async def measured(
    hub: Hub,
    active: list[str],
    probes: dict[str, Any],
    redis_pids: list[int],
    args: argparse.Namespace,
    screens: Screens | Both,
    steps: dict[str, int],
) -> dict[str, Any]:
    """One load, with the CPU and the messages it cost."""

    def messages() -> int:
        return sum(s.frames for s in probes.values()) + screens.frames()

    m0, c0, r0 = messages(), proc_cpu(hub.proc.pid), cpu(redis_pids)
    got = await load(hub.port, active, probes, args.rate, args.seconds, ADMIN, steps)
    got["hub_cpu"] = proc_cpu(hub.proc.pid) - c0
    got["redis_cpu"] = cpu(redis_pids) - r0
    got["messages"] = messages() - m0
    return got


def report(title: str, args: argparse.Namespace, got: dict[str, Any]) -> list[tuple[str, str]]:
    n = max(1, got["commands"])
    lat, screen = got["latency"], got["screen"]
    return [
        (
            f"{title}: {args.rate:g}/s over {args.active} halls, {args.seconds:g} s",
            f"achieved {got['achieved']:.0f}/s, {got['errors']} errors, "
            f"{got['messages']:,} messages to screens",
        ),
        (
            "  command path (POST to answer)",
            f"p50 {pct(lat, 0.5):.1f} ms, p99 {pct(lat, 0.99):.1f} ms, max {pct(lat, 1.0):.1f} ms",
        ),
        (
            f"  tap-to-screen ({len(screen)} of {got['calls']} calls)",
            f"p50 {pct(screen, 0.5):.1f} ms, p99 {pct(screen, 0.99):.1f} ms, "
            f"max {pct(screen, 1.0):.1f} ms (target p99 <= 50)",
        ),
        (
            "  CPU per command (all of it / commands)",
            f"hub {got['hub_cpu'] / n * 1000:.2f} ms, Redis {got['redis_cpu'] / n * 1000:.3f} ms"
            + ("" if args.redis_pid or not args.redis else " (no --redis-pid: Redis not counted)"),
        ),
    ]


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass
    main()
