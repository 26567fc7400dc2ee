"""Tap-to-screen fan-out: hall's hub against two Python peers, in one run (issue 6).

    python bench/fanout.py --quick          # all four targets, N=200, R=20, 5 s; storm 2,000
    python bench/fanout.py                  # N=1,000 at R=50 and R=100, 20 s; storm 5,000
    python bench/fanout.py --targets hall-wall --rates 50 --profile /tmp/prof
    python bench/fanout.py --settle 120     # on a shared machine: wait for a quiet one first
    python bench/fanout.py --hubs 2         # hall on 2 hubs, N sinks each (needs 3 cores)

One load-generator process on loopback, bounded in time and count; it stops by itself. Per
run it starts a fresh Redis (the embedded one: AOF, `appendfsync always`) and one server,
then opens N cheap websocket sinks that only count frames, plus 8 probes that timestamp
what they receive, and a publisher that sends R commands a second for D seconds over one
HTTP keep-alive connection, each command followed by its answer (a server that cannot keep
up slows the publisher down). Each command yields one event; its id (or, on the wall, its
ticket number) joins the command's send time with each probe's receipt.

Targets:
- `hall-events`: `hall serve`, `/ws/halls/bench/events` (JSON, one frame per event).
- `hall-wall`: `hall serve`, `/ws/halls/bench/view/wall` (HTML fragments); latency is
  measured on `ticket.called` (one command in three), matched by the ticket number in the
  list of recent calls (calls in one render batch share a frame).
- `peer-websockets`: `bench/peers/ws_broadcast.py` (websockets server + `broadcast()`).
- `peer-broadcaster`: `bench/peers/starlette_broadcaster.py` (Starlette + broadcaster).

The server is pinned to core 0, this process and Redis to core 1 (when there are two); with
`--hubs K`, hub k to core k and this process and Redis to the cores left.
Finally, for hall only, the reconnect storm: N wall screens connected, the hub restarted,
and the time until every screen has its full view again. README.md says what each figure
means. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import re
import resource
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hallfile import WINDOWS
from pyspy import finish_profile, start_profile
from results import PROBES, Result, table
from servers import (
    ADMIN,
    GEN_CORE,
    SERVER_CORE,
    Server,
    cpu_times,
    hall_commands,
    make_server,
    own_cpu,
    peer_bodies,
    proc_cpu,
    proc_rss,
    servers_cpu,
    servers_softirq,
)
from storm import storm
from wsload import CONNECT_BATCH, Http, Sock, now, open_sock

from hall.store.embedded import EmbeddedRedis, free_tcp_port

TARGETS = ("hall-events", "hall-wall", "peer-websockets", "peer-broadcaster")
MARK = b'<div id="calling"><b>'  # the wall's `calling` fragment names the called ticket
# Its recent calls: each item, as a call adds it (and again as it changes).
LISTED = re.compile(rb'<li id="rc-[^"]*" data-fate="[^"]*"[^>]*><b>([^<]+)</b>')
WARM_UP = 21  # commands before each measured run (a multiple of 3: the cycle stays whole)


# ------------------------------------------------------------------ one run


async def run_one(target: str, n: int, rate: float, seconds: float, args: Any) -> Result:
    """One run; with `--hubs K` (hall only) K hubs on one Redis, core k each, N sinks and
    the probes spread over them, the publisher on the first."""
    hubs = args.hubs if target.startswith("hall") else 1
    result = Result(target, n * hubs, rate, hubs)
    with tempfile.TemporaryDirectory(prefix="hall-fanout-") as tmp:
        folder = Path(tmp)
        with EmbeddedRedis(folder / "redis", port=free_tcp_port()) as redis_server:
            servers = [
                make_server(target, folder, redis_server.url, args.pin, core)
                for core in range(hubs)
            ]
            r = aioredis.Redis.from_url(redis_server.url)
            socks: list[Sock] = []
            try:
                await asyncio.gather(*(server.start() for server in servers))
                await drive(servers, r, redis_server.pid or 0, result, socks, rate, seconds, args)
            finally:
                for sock in socks:
                    sock.close()
                await r.aclose()
                for server in servers:
                    server.stop()
    return result


async def drive(
    servers: list[Server],
    r: aioredis.Redis,
    redis_pid: int,
    result: Result,
    socks: list[Sock],
    rate: float,
    seconds: float,
    args: Any,
) -> None:
    server = servers[0]  # the publisher's
    pub = Http(server.http_port, ADMIN)
    if server.hall:
        for w in range(1, WINDOWS + 1):
            body = {"type": "presence.set", "window": w, "post": "A", "state": "present"}
            raw = json.dumps(body).encode()
            status, answer = await pub.request("POST", server.publish_path, raw)
            if status != 200:
                raise SystemExit(f"setting up the hall failed: {status} {answer[:200]!r}")
        await asyncio.sleep(0.5)  # the ticker's first deadlines pass before anyone connects
    # RSS per connection: after the probes (the first socket builds the hub's feed and view),
    # before and after the N idle sinks.
    probes, sinks, result.connect_s = await connect_probes_then_sinks(servers, result, socks)
    bodies = hall_commands() if server.hall else peer_bodies()
    # Warm-up, not measured: first renders, caches, the first write on every socket.
    for k in range(WARM_UP):
        await pub.request("POST", server.publish_path, bodies[k % len(bodies)])
        await asyncio.sleep(1 / rate)
    await asyncio.sleep(1.0)
    bodies = bodies[WARM_UP % len(bodies) :] + bodies[: WARM_UP % len(bodies)]
    before = [s.frames for s in sinks]
    marks_before = [s.marks for s in sinks]
    probe_before = [p.frames for p in probes]
    xlen0 = await r.xlen(server.stream)
    sent: dict[str, float] = {}  # event id (or called ticket on the wall) -> send time
    statuses: Counter[int] = Counter()
    rtts: list[float] = []  # ms, the command's answer
    cpu0, gen0, redis0, t0 = servers_cpu(servers), own_cpu(), proc_cpu(redis_pid), now()
    all0, soft0 = cpu_times("cpu")[0], servers_softirq(servers)
    spy = start_profile(server.pid, f"{server.target}-{rate:g}", seconds, args)
    # No cyclic GC in the load generator while it measures: a full collection over 1,000
    # sockets' objects stalls it ~25 ms, which would show as the server's latency.
    gc.collect()
    gc.freeze()
    gc.disable()
    start, i = now(), 0
    while (t := now()) - start < seconds:
        due = start + i / rate
        if t < due:
            await asyncio.sleep(due - t)
        sent_at = now()
        status, answer = await pub.request("POST", server.publish_path, bodies[i % len(bodies)])
        rtts.append((now() - sent_at) * 1000)
        statuses[status] += 1
        if status == 200:
            for event in json.loads(answer)["events"]:
                if server.target == "hall-wall":
                    if event["type"] == "ticket.called":
                        sent[event["ticket"]["number"]] = sent_at
                else:
                    sent[event["id"]] = sent_at
        i += 1
    published = now()
    gc.enable()
    result.commands, result.statuses = i, dict(statuses)
    result.rtts = sorted(rtts)
    result.achieved = i / (published - start)
    pub.close()
    # Drain: until every sink has everything, or nothing moves for 1.5 s (at most 20 s).
    await asyncio.sleep(0.05)
    wall = server.target == "hall-wall"

    def got() -> int:
        if wall:
            return sum(s.marks - m for s, m in zip(sinks, marks_before, strict=True))
        return sum(s.frames - b for s, b in zip(sinks, before, strict=True))

    if wall:
        # The wall shows the state: calls in one render batch share a frame, whose banner
        # names the newest and whose list of recent calls holds each (the page announces
        # each one from there). So a sink should get the `calling` markers the probes got.
        def listed() -> int:
            return sum(
                len(sent.keys() & probe_receipts(server.target, p.messages[k:]).keys())
                for p, k in zip(probes, probe_before, strict=True)
            )

        await drain(listed, len(sent) * len(probes), published)
        shown = max(
            sum(m.count(MARK) for _, m in p.messages[k:])
            for p, k in zip(probes, probe_before, strict=True)
        )
        result.expected = shown * len(sinks)
    else:
        result.expected = (await r.xlen(server.stream) - xlen0) * len(sinks)
    await drain(got, result.expected, published)
    end = now()
    result.elapsed = end - t0
    result.server_cpu = servers_cpu(servers) - cpu0
    result.softirq = servers_softirq(servers) - soft0 if server.pin else math.nan
    result.gen_cpu = (own_cpu() - gen0) / result.elapsed
    result.redis_cpu = (proc_cpu(redis_pid) - redis0) / result.elapsed if redis_pid else 0.0
    ours = result.server_cpu + (result.gen_cpu + result.redis_cpu) * result.elapsed
    result.others = max(0.0, cpu_times("cpu")[0] - all0 - ours) / result.elapsed
    result.note += finish_profile(spy)
    result.received = got()
    result.deliveries = sum(s.frames - b for s, b in zip(sinks, before, strict=True))
    result.deliveries += sum(p.frames - b for p, b in zip(probes, probe_before, strict=True))
    result.closed = sum(1 for s in sinks if not s.alive)
    samples: list[float] = []
    for probe, skip in zip(probes, probe_before, strict=True):
        seen = probe_receipts(server.target, probe.messages[skip:])
        for key, sent_at in sent.items():
            at = seen.get(key)
            if at is None:
                result.probe_missing += 1
            else:
                samples.append((at - sent_at) * 1000)
    result.samples = sorted(samples)


async def drain(count: Callable[[], int], expected: int, since: float) -> None:
    """Until `count()` reaches `expected`, or stays put 1.5 s (at most 20 s after `since`)."""
    last, moved = -1, now()
    while now() - since < 20:
        got = count()
        if got >= expected:
            return
        if got != last:
            last, moved = got, now()
        elif now() - moved > 1.5:
            return
        await asyncio.sleep(0.05)


async def connect_probes_then_sinks(
    servers: list[Server], result: Result, socks: list[Sock]
) -> tuple[list[Sock], list[Sock], float]:
    """The first probe (it starts the hub's feed and view), then the sinks with the other
    probes among them, one after every N/8 sinks: the probes' places in the server's sets of
    sockets are spread like the sinks'. Probe k on hub k mod K, the sinks in turn (result.n
    in all)."""
    started = now()
    server, n = servers[0], result.n
    sink_turn = iter(range(1 << 30))

    async def one(hub: Server, keep: bool) -> Sock:
        sock = await open_sock(hub.port, hub.ws_path, keep=keep)
        socks.append(sock)
        if server.target == "hall-wall" and not keep:
            sock.mark = MARK
        if server.hall:  # hall sends a snapshot / the full view on connect
            await asyncio.wait_for(sock.first, 30)
        return sock

    async def probe() -> Sock:
        return await one(servers[len(probes) % len(servers)], True)

    async def sink() -> Sock:
        return await one(servers[next(sink_turn) % len(servers)], False)

    probes: list[Sock] = []
    probes.append(await probe())
    if server.target == "peer-broadcaster":
        await asyncio.sleep(0.5)  # broadcaster 0.3.1: the channel's first subscriber alone
    while len(probes) < len(servers):  # each hub's feed and view started before the RSS baseline
        probes.append(await probe())
    await asyncio.sleep(0.5)
    rss0 = sum(proc_rss(s.pid) for s in servers)
    sinks: list[Sock] = []
    step = max(1, n // PROBES)
    for i in range(0, n, CONNECT_BATCH):
        sinks += await asyncio.gather(*(sink() for _ in range(min(CONNECT_BATCH, n - i))))
        while len(probes) < PROBES and len(sinks) >= len(probes) * step:
            probes.append(await probe())
    while len(probes) < PROBES:
        probes.append(await probe())
    await asyncio.sleep(1.0)
    joined = n + PROBES - len(servers)
    result.rss_per_conn = (sum(proc_rss(s.pid) for s in servers) - rss0) / joined
    return probes, sinks, now() - started


def probe_receipts(target: str, messages: list[tuple[float, bytes]]) -> dict[str, float]:
    """Key -> first receipt time: event ids, or on the wall the called ticket numbers."""
    seen: dict[str, float] = {}
    for at, payload in messages:
        if target == "hall-wall":
            for number in LISTED.findall(payload):
                seen.setdefault(number.decode(), at)
            continue
        try:
            key = json.loads(payload).get("id")
        except ValueError:
            continue
        if key is not None:
            seen.setdefault(str(key), at)
    return seen


# ------------------------------------------------------------------ main


def raise_open_files(want: int, need: int) -> None:
    """Raise RLIMIT_NOFILE (the servers started from here inherit it)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for limit in ((want, max(want, hard)), (min(want, hard), hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, limit)
            break
        except (ValueError, OSError):
            continue
    got = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if got < need:
        print(f"warning: open files limited to {got}; this run needs about {need}")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="N=200, R=20, 5 s; storm 2,000")
    p.add_argument("-n", "--sockets", type=int, help="sinks per run (default 1,000)")
    p.add_argument("--rates", type=float, nargs="+", help="commands/s (default 50 100)")
    p.add_argument("--seconds", type=float, help="publishing time per run (default 20)")
    p.add_argument("--targets", nargs="+", choices=TARGETS, default=list(TARGETS))
    p.add_argument("--storm", type=int, help="screens in the reconnect storm; 0 skips it")
    p.add_argument("--storm-jitter", type=float, default=0.0, help="spread reconnects (s)")
    p.add_argument("--profile", metavar="DIR", help="py-spy each server over its runs")
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs each; the table keeps the one least disturbed by other processes",
    )
    p.add_argument("--settle", type=float, default=0, help="wait up to S s for a quiet machine")
    p.add_argument("--no-pin", dest="pin", action="store_false", help="no taskset pinning")
    p.add_argument(
        "--hubs",
        type=int,
        default=1,
        help="hall's hubs on one Redis, N sinks each, a core each (needs hubs + 1 cores)",
    )
    p.add_argument("--no-uvloop", action="store_true", help="the load generator on asyncio")
    args = p.parse_args(argv)
    quick = args.quick
    args.sockets = args.sockets or (200 if quick else 1000)
    args.rates = args.rates or ([20.0] if quick else [50.0, 100.0])
    args.seconds = args.seconds or (5.0 if quick else 20.0)
    args.storm = args.storm if args.storm is not None else (2000 if quick else 5000)
    args.pin = args.pin and (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity")
    cores = os.cpu_count() or 1
    if args.pin and args.hubs + 1 > cores:
        p.error(
            f"--hubs {args.hubs} needs {args.hubs + 1} cores (a core per hub, one for the load "
            f"generator and Redis); this machine has {cores}. --no-pin runs it anyway, "
            "with every process sharing the cores: its figures say nothing about scaling."
        )
    return args


async def settle(limit: float) -> None:
    """On a shared machine: wait (at most `limit` s) until other processes use under 15% of a
    core over one second, so they do not take the server's core mid-run."""
    deadline = now() + limit
    while limit > 0:
        busy, mine = cpu_times("cpu")[0], own_cpu()
        await asyncio.sleep(1.0)
        load = cpu_times("cpu")[0] - busy - (own_cpu() - mine)
        if load < 0.15:
            return
        if now() > deadline:
            print(f"  (still busy: other processes use {load:.0%} of a core; running anyway)")
            return


async def bench(args: argparse.Namespace) -> None:
    began = now()
    results: list[Result] = []
    for rate in args.rates:
        for target in args.targets:
            tries: list[Result] = []
            for _ in range(args.repeat):
                await settle(args.settle)
                tries.append(await run_one(target, args.sockets, rate, args.seconds, args))
                print(tries[-1].line(), flush=True)
            results.append(min(tries, key=lambda r: r.others))  # the least disturbed
    storm_result = None
    if args.storm:
        await settle(args.settle)
        storm_result = await storm(args.storm, args)
        print(storm_result.line(), flush=True)
    print()
    print(table(results, storm_result))
    print(f"\n(total {now() - began:.0f} s)")


def main() -> None:
    args = parse()
    need = max(args.sockets, args.storm) + PROBES + 256
    raise_open_files(max(65536, 4 * need), need)
    pins = f"server on core {SERVER_CORE}, load generator + Redis on core {GEN_CORE}"
    if args.pin and args.hubs > 1:  # parse() made sure there is a core left
        gen_cores = set(range(args.hubs, os.cpu_count() or 1))
        os.sched_setaffinity(0, gen_cores)  # Redis, started from here, inherits it
        pins = (
            f"hall's {args.hubs} hubs on cores 0-{args.hubs - 1} (the peers on core 0), "
            f"load generator + Redis on cores {min(gen_cores)}-{max(gen_cores)}"
        )
    elif args.pin:
        os.sched_setaffinity(0, {GEN_CORE})
    print(
        f"fanout: {'quick, ' if args.quick else ''}N={args.sockets}"
        f"{f' per hub, {args.hubs} hubs' if args.hubs > 1 else ''}, R={args.rates}, "
        f"D={args.seconds:g} s, storm {args.storm}; {pins if args.pin else 'no pinning'}; "
        f"Python {sys.version.split()[0]}, load generator on "
        f"{'asyncio' if args.no_uvloop else 'uvloop (if installed)'}",
        flush=True,
    )
    runner: Callable[[Any], Any] = asyncio.run
    if not args.no_uvloop:
        try:
            import uvloop

            runner = uvloop.run
        except ImportError:
            pass
    runner(bench(args))


if __name__ == "__main__":
    main()
