"""Tap-to-screen fan-out: hall's hub against two Python peers, in one run (issue 6).

    python bench/fanout.py --quick          # all four targets, N=200, R=20, 5 s; storm 2,000
    python bench/fanout.py                  # N=1,000 at R=50 and R=100, 20 s; storm 5,000
    python bench/fanout.py --targets hall-wall --rates 50 --profile /tmp/prof
    python bench/fanout.py --settle 120     # on a shared machine: wait for a quiet one first

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

The server is pinned to core 0, this process and Redis to core 1 (when there are two).
Finally, for hall only, the reconnect storm: N wall screens connected, the hub restarted,
and the time until every screen has its full view again. README.md says what each figure
means. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from hallfile import WINDOWS, service_cycle, write_bench_hall  # noqa: E402

from hall.store.embedded import EmbeddedRedis, free_tcp_port  # noqa: E402

ADMIN = "bench-admin-token"
HALL = "bench"
PROBES = 8
TARGETS = ("hall-events", "hall-wall", "peer-websockets", "peer-broadcaster")
SERVER_CORE, GEN_CORE = 0, 1
CLK_TCK = os.sysconf("SC_CLK_TCK")
MARK = b'class="calling-ticket">'  # the wall's `calling` fragment names the called ticket
LISTED = re.compile(rb'<li class="rc[^"]*"[^>]*? data-ticket="([^"]+)"')  # its recent calls
LENGTH = re.compile(rb"(?i)\r\ncontent-length:\s*(\d+)")
CONNECT_BATCH = 100  # sinks connecting at once while a run sets up
SAMPLE_HZ = 250  # py-spy's rate under --profile
# Frames under which everything runs (the CLI, the loop): left out of the inclusive list.
BOILERPLATE = re.compile(
    r"click/|runpy|uvicorn/(main|server|_compat)\.py|asyncio/(runners|base_events)\.py|"
    r"hall/(cli|__main__)\.py|uvloop/__init__"
)
WARM_UP = 21  # commands before each measured run (a multiple of 3: the cycle stays whole)


def now() -> float:
    return time.perf_counter()


# ------------------------------------------------------------------ the lean websocket client


class Sock(asyncio.Protocol):
    """A minimal websocket client: handshake, unmasked server frames, pings answered.

    A sink (`keep=False`) only counts messages and skips their payloads (and, with `mark`,
    counts that byte string in the stream: the wall's called tickets); a probe
    (`keep=True`) keeps each message with the time its last byte arrived."""

    def __init__(self, host: str, port: int, path: str, *, keep: bool = False) -> None:
        key = "dGhlIHNhbXBsZSBub25jZQ=="  # not checked: the server's accept is not verified
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self.keep = keep
        self.mark: bytes | None = None
        self.marks = 0
        self.frames = 0
        self.first_at = 0.0  # when the first message arrived (snapshot or full view)
        self.messages: list[tuple[float, bytes]] = []
        self.close_code: int | None = None
        self.transport: asyncio.Transport | None = None
        self.alive = False
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.first: asyncio.Future[None] = loop.create_future()
        self.lost: asyncio.Future[None] = loop.create_future()
        self._head = b""
        self._buf = b""
        self._skip = 0
        self._tail = b""
        self._parts: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        t: Any = transport  # uvloop's transports are no asyncio.Transport subclass
        self.transport = t
        self.alive = True
        t.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.alive = False
        for fut in (self.opened, self.first):
            if not fut.done():
                fut.set_exception(ConnectionError("closed before it was ready"))
                fut.exception()  # nobody may be waiting: mark it retrieved
        if not self.lost.done():
            self.lost.set_result(None)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        if not self.opened.done():
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self._head.startswith(b"HTTP/1.1 101"):
                status = self._head.split(b"\r\n", 1)[0].decode(errors="replace")
                self.opened.set_exception(ConnectionError(f"no upgrade: {status}"))
                self.close()
                return
            data, self._head = self._head[end + 4 :], b""
            self.opened.set_result(None)
            if not data:
                return
        if self.mark is not None:
            mark = self.mark
            self.marks += data.count(mark)
            if self._tail:
                self.marks += (self._tail + data[: len(mark) - 1]).count(mark)
            self._tail = (self._tail + data)[1 - len(mark) :]
        if self._skip:  # inside a long payload a sink does not keep
            if len(data) <= self._skip:
                self._skip -= len(data)
                return
            data, self._skip = data[self._skip :], 0
        buf = self._buf + data if self._buf else data
        i, n = 0, len(buf)
        while n - i >= 2:
            b0, length, h = buf[i], buf[i + 1] & 0x7F, i + 2
            if length == 126:
                if n - h < 2:
                    break
                length, h = (buf[h] << 8) | buf[h + 1], h + 2
            elif length == 127:
                if n - h < 8:
                    break
                length, h = int.from_bytes(buf[h : h + 8], "big"), h + 8
            end = h + length
            opcode = b0 & 0x0F
            if opcode >= 8:  # control frames are small: wait for the whole one
                if end > n:
                    break
                self._control(opcode, buf[h:end])
            elif self.keep:
                if end > n:
                    break
                self._parts.append(buf[h:end])
                if b0 & 0x80:
                    self._message(b"".join(self._parts))
                    self._parts = []
            else:
                if b0 & 0x80:
                    self._message(b"")
                if end > n:
                    self._skip, self._buf = end - n, b""
                    return
            i = end
        self._buf = buf[i:] if i < n else b""

    def _message(self, payload: bytes) -> None:
        self.frames += 1
        if self.frames == 1:
            self.first_at = now()
            if not self.first.done():
                self.first.set_result(None)
        if self.keep:
            self.messages.append((now(), payload))

    def _control(self, opcode: int, payload: bytes) -> None:
        assert self.transport is not None
        if opcode == 9:  # ping: a masked pong (a zero mask leaves the payload as it is)
            self.transport.write(bytes((0x8A, 0x80 | len(payload))) + b"\0\0\0\0" + payload)
        elif opcode == 8:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self.transport.close()


async def open_sock(port: int, path: str, *, keep: bool = False, within: float = 10) -> Sock:
    loop = asyncio.get_running_loop()
    _, sock = await asyncio.wait_for(
        loop.create_connection(lambda: Sock("127.0.0.1", port, path, keep=keep), "127.0.0.1", port),
        within,
    )
    try:
        await asyncio.wait_for(sock.opened, within)
    except BaseException:
        sock.close()
        raise
    return sock


# ------------------------------------------------------------------ HTTP over one connection


class Http:
    """HTTP/1.1 on one keep-alive connection: a request, its answer, the next request."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.port = port
        self.headers = f"Host: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        if token:
            self.headers += f"Authorization: Bearer {token}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        head = f"{method} {path} HTTP/1.1\r\n{self.headers}Content-Length: {len(body)}\r\n\r\n"
        self.writer.write(head.encode() + body)
        answer = await self.reader.readuntil(b"\r\n\r\n")
        m = LENGTH.search(answer)
        data = await self.reader.readexactly(int(m[1])) if m else b""
        return int(answer[9:12]), data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def wait_http(port: int, path: str, proc: subprocess.Popen[bytes], within: float) -> None:
    deadline = now() + within
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode} while starting")
        client = Http(port)
        try:
            status, _ = await asyncio.wait_for(client.request("GET", path), 2)
            if status == 200:
                return
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            client.close()
        if now() > deadline:
            raise SystemExit(f"the server on port {port} did not answer {path}")
        await asyncio.sleep(0.05)


# ------------------------------------------------------------------ the servers under test


def pinned(argv: list[str], core: int, pin: bool) -> list[str]:
    return ["taskset", "-c", str(core), *argv] if pin and shutil.which("taskset") else argv


def proc_cpu(pid: int) -> float:
    """utime + stime of a process, all its threads, in seconds (from /proc/<pid>/stat)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_times(name: str) -> tuple[float, float]:
    """(busy, softirq) seconds of `cpu` (all cores) or `cpu0`... from /proc/stat. On loopback
    the receiving side's TCP work runs as softirq inside the sender's `send()`: the server's
    core does it for the load generator, and on this kernel the server's CPU time includes
    it (a bare send loop's CPU time equals its wall time, softirq and all)."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"{name} "):
            ticks = [int(x) for x in line.split()[1:]]
            busy = sum(ticks[:8]) - ticks[3] - ticks[4]  # less idle and iowait
            return busy / CLK_TCK, ticks[6] / CLK_TCK
    return 0.0, 0.0


def listen_overflows() -> int:
    """TcpExt ListenOverflows: connections dropped because an accept queue was full (the
    client's SYN is retried after 1 s, then 3 s, 7 s...)."""
    lines = Path("/proc/net/netstat").read_text().splitlines()
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            return int(dict(zip(names.split(), values.split(), strict=True))["ListenOverflows"])
    return 0


def proc_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


@dataclass
class Server:
    target: str
    argv: list[str]
    port: int  # websockets
    http_port: int  # publisher and health
    ws_path: str
    publish_path: str
    stream: str  # the Redis stream its events go through
    env: dict[str, str]
    pin: bool
    core: int = SERVER_CORE
    proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def hall(self) -> bool:
        return self.target.startswith("hall")

    def spawn(self) -> None:
        argv = pinned(self.argv, self.core, self.pin)
        self.proc = subprocess.Popen(argv, env=self.env, stdout=subprocess.DEVNULL)
        if self.pin and not shutil.which("taskset"):
            os.sched_setaffinity(self.proc.pid, {self.core})

    async def start(self) -> None:
        self.spawn()
        assert self.proc is not None
        await wait_http(self.http_port, "/healthz", self.proc, 60)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def make_server(
    target: str, folder: Path, redis_url: str, pin: bool, core: int = SERVER_CORE
) -> Server:
    port = free_tcp_port()
    env = {**os.environ, "HALL_ADMIN_TOKEN": ADMIN}
    py = sys.executable
    if target.startswith("hall"):
        config = write_bench_hall(folder, HALL)
        argv = [py, "-m", "hall", "serve", "--config", str(config), "--redis", redis_url]
        argv += ["--port", str(port), "--log-level", "warning", "--data", str(folder / "var")]
        path = f"/ws/halls/{HALL}/events?token={ADMIN}"
        if target == "hall-wall":
            path = f"/ws/halls/{HALL}/view/wall"
        stream = f"hall:{{{HALL}}}:events"
        publish = f"/api/halls/{HALL}/commands"
        return Server(target, argv, port, port, path, publish, stream, env, pin, core)
    if target == "peer-websockets":
        http_port = free_tcp_port()
        argv = [py, str(BENCH / "peers" / "ws_broadcast.py"), "--redis", redis_url]
        argv += ["--port", str(port), "--http-port", str(http_port), "--stream", "bench:events"]
        return Server(target, argv, port, http_port, "/ws", "/publish", "bench:events", env, pin)
    argv = [py, str(BENCH / "peers" / "starlette_broadcaster.py"), "--redis", redis_url]
    argv += ["--port", str(port), "--channel", "bench-events"]
    return Server(target, argv, port, port, "/ws", "/publish", "bench-events", env, pin)


# ------------------------------------------------------------------ what the publisher sends


def hall_commands() -> list[bytes]:
    """Per window: issue a ticket, call it, finish it: one event each, always valid."""
    return [json.dumps(c).encode() for c in service_cycle()]


def peer_bodies() -> list[bytes]:
    """The same cycle as events the size of hall's (the peers only add id, hall and at)."""
    out: list[dict[str, Any]] = []
    for n in range(1, WINDOWS + 1):
        code = "ABCDEFG"[n - 1]
        ticket = {
            "number": f"{code}001",
            "service": code,
            "priority": False,
            "status": "waiting",
            "issued_at": "2026-11-28T10:00:00.000000+08:00",
            "window": None,
            "recalls": 0,
        }
        called = {**ticket, "status": "called", "window": n}
        out += [
            {"type": "ticket.issued", "ticket": ticket},
            {"type": "ticket.called", "ticket": called, "window": n, "staff": f"a{n}"},
            {"type": "ticket.finished", "ticket": called, "window": n, "staff": f"a{n}"},
        ]
    return [json.dumps(b).encode() for b in out]


# ------------------------------------------------------------------ one run


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else math.nan


@dataclass
class Result:
    target: str
    n: int  # sinks in all
    rate: float
    hubs: int = 1  # hall's hubs sharing the sinks (and the probes), one core each
    achieved: float = 0.0
    commands: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    expected: int = 0  # frames (calls on the wall) the sinks should have received
    received: int = 0
    closed: int = 0  # sinks the server closed during the run
    samples: list[float] = field(default_factory=list)  # ms
    probe_missing: int = 0
    rtts: list[float] = field(default_factory=list)  # ms, each command's answer
    deliveries: int = 0
    server_cpu: float = 0.0  # seconds over the run
    softirq: float = 0.0  # seconds of softirq on the server's core (loopback receive work)
    others: float = 0.0  # cores' worth of CPU used by other processes on the machine
    elapsed: float = 0.0  # seconds, publishing + draining
    rss_per_conn: float = 0.0  # bytes
    gen_cpu: float = 0.0  # share of one core
    redis_cpu: float = 0.0
    connect_s: float = 0.0
    note: str = ""

    @property
    def name(self) -> str:
        return self.target if self.hubs == 1 else f"{self.target} ({self.hubs} hubs)"

    @property
    def saturated(self) -> bool:
        return self.achieved < 0.95 * self.rate

    @property
    def loss(self) -> float:
        return max(0, self.expected - self.received) / self.expected if self.expected else 0.0

    @property
    def cpu_us(self) -> float:
        return self.server_cpu / self.deliveries * 1e6 if self.deliveries else math.nan

    def pct(self, q: float) -> float:
        return percentile(self.samples, q)

    def line(self) -> str:
        sat = "SATURATED" if self.saturated else "ok"
        codes = {k: v for k, v in self.statuses.items() if k != 200}
        what = "calls" if self.target == "hall-wall" else "frames"
        return (
            f"{self.name} N={self.n} R={self.rate:g}: achieved {self.achieved:.1f}/s ({sat}), "
            f"{self.commands} commands{f', non-200 {codes}' if codes else ''}\n"
            f"  loss {self.expected - self.received:,} of {self.expected:,} {what} "
            f"({self.loss:.3%}); sinks closed by the server: {self.closed}\n"
            f"  latency ms p50 {self.pct(0.5):.2f} p99 {self.pct(0.99):.2f} "
            f"p99.9 {self.pct(0.999):.2f} max {max(self.samples, default=math.nan):.2f} "
            f"({len(self.samples):,} samples from {PROBES} probes, "
            f"{self.probe_missing} not received); command answer ms p50 "
            f"{percentile(self.rtts, 0.5):.2f} p99 {percentile(self.rtts, 0.99):.2f}\n"
            f"  server CPU {self.cpu_us:.1f} us/delivery ({self.deliveries:,} deliveries, "
            f"{self.server_cpu / self.elapsed:.0%} of a core; of which softirq on its core, "
            f"the receivers' TCP work, {self.softirq / max(1, self.deliveries) * 1e6:.1f} "
            f"us/delivery); RSS "
            f"{self.rss_per_conn / 1024:.1f} KiB/connection; load generator "
            f"{self.gen_cpu:.0%} of a core, Redis {self.redis_cpu:.0%}, other processes "
            f"{self.others:.0%}; "
            f"connected in {self.connect_s:.1f} s{self.note}"
        )


def own_cpu() -> float:
    t = os.times()
    return t.user + t.system


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


def servers_cpu(servers: list[Server]) -> float:
    return sum(proc_cpu(server.pid) for server in servers)


def servers_softirq(servers: list[Server]) -> float:
    return sum(cpu_times(f"cpu{server.core}")[1] for server in servers)


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


# ------------------------------------------------------------------ profile (py-spy)


def start_profile(pid: int, name: str, seconds: float, args: Any) -> subprocess.Popen[bytes] | None:
    if not args.profile:
        return None
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("  (no py-spy: pip install py-spy to profile)")
        return None
    out = Path(args.profile) / f"{name}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [spy, "record", "--pid", str(pid), "--rate", str(SAMPLE_HZ), "--nonblocking"]
    argv += ["--format", "raw", "--output", str(out), "--duration", str(math.ceil(seconds))]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc.output = out  # type: ignore[attr-defined]
    return proc


def finish_profile(spy: subprocess.Popen[bytes] | None, *, now_: bool = False) -> str:
    """Wait for py-spy (or stop it at once) and summarize what it wrote."""
    if spy is None:
        return ""
    if now_:
        spy.send_signal(signal.SIGINT)
    try:
        spy.wait(30)
    except subprocess.TimeoutExpired:
        spy.send_signal(signal.SIGINT)
        spy.wait(10)
    out: Path = spy.output  # type: ignore[attr-defined]
    return f"\n  profile: {out}\n" + summarize_profile(out) if out.exists() else ""


def summarize_profile(path: Path, top: int = 12) -> str:
    """Self and inclusive shares per function from py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        k = int(count)
        total += k
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        frames = [f.replace(str(Path(sys.prefix)), "~") for f in frames]
        own[frames[-1]] += k
        for f in set(frames):
            if not BOILERPLATE.search(f):
                incl[f] += k
    if not total:
        return "  (no samples)"
    rows = [f"  {total} samples at {SAMPLE_HZ} Hz; self time:"]
    rows += [f"    {k / total:6.1%}  {f}" for f, k in own.most_common(top)]
    rows += ["  inclusive time:"]
    rows += [f"    {k / total:6.1%}  {f}" for f, k in incl.most_common(top * 2)]
    return "\n".join(rows)


# ------------------------------------------------------------------ the reconnect storm


@dataclass
class Storm:
    n: int
    connected: int = 0
    down_s: float = 0.0  # SIGTERM to the new hub answering
    start_s: float = 0.0  # new process spawned to listening
    resync_s: float = 0.0  # listening to the last screen's full view
    p50_s: float = 0.0
    p99_s: float = 0.0
    resynced: int = 0
    retries: int = 0
    codes: dict[int | None, int] = field(default_factory=dict)
    overflows: int = 0  # SYNs dropped on a full accept queue while reconnecting
    note: str = ""

    def line(self) -> str:
        return (
            f"reconnect storm, hall-wall, N={self.n}: {self.connected} screens connected; hub "
            f"down {self.down_s:.2f} s (SIGTERM to listening; the new process took "
            f"{self.start_s:.2f} s to listen); {self.resynced}/{self.n} full views again "
            f"{self.resync_s:.2f} s after it listened (per screen p50 {self.p50_s:.2f} s, "
            f"p99 {self.p99_s:.2f} s); {self.retries} connect retries, {self.overflows} "
            f"accept-queue overflows; close codes seen "
            f"{self.codes}{self.note}"
        )


async def storm(n: int, args: Any) -> Storm:
    out = Storm(n)
    with tempfile.TemporaryDirectory(prefix="hall-storm-") as tmp:
        folder = Path(tmp)
        with EmbeddedRedis(folder / "redis", port=free_tcp_port()) as redis_server:
            server = make_server("hall-wall", folder, redis_server.url, args.pin)
            socks: list[Sock] = []
            try:
                await server.start()
                pub = Http(server.http_port, ADMIN)
                for w in range(1, WINDOWS + 1):
                    body = {"type": "presence.set", "window": w, "post": "A", "state": "present"}
                    await pub.request("POST", server.publish_path, json.dumps(body).encode())
                for raw in hall_commands()[:6]:  # some tickets, so the view is not empty
                    await pub.request("POST", server.publish_path, raw)
                pub.close()
                for i in range(0, n, CONNECT_BATCH * 2):
                    batch = [
                        open_sock(server.port, server.ws_path)
                        for _ in range(min(CONNECT_BATCH * 2, n - i))
                    ]
                    socks += await asyncio.gather(*batch)
                await asyncio.gather(*(asyncio.wait_for(s.first, 30) for s in socks))
                out.connected = sum(1 for s in socks if s.frames)
                await restart(server, socks, out, args)
            finally:
                for sock in socks:
                    sock.close()
                server.stop()
    return out


async def restart(server: Server, socks: list[Sock], out: Storm, args: Any) -> None:
    jitter = args.storm_jitter
    assert server.proc is not None
    t_term = now()
    server.proc.terminate()
    await asyncio.to_thread(server.proc.wait, 30)
    await asyncio.gather(*(asyncio.wait_for(s.lost, 10) for s in socks), return_exceptions=True)
    out.codes = dict(Counter(s.close_code for s in socks))
    t_spawn = now()
    overflows = listen_overflows()
    server.spawn()
    while True:  # poll the port: the screens are released the moment the hub listens
        try:
            _, w = await asyncio.open_connection("127.0.0.1", server.port)
            w.close()
            break
        except OSError:
            if now() - t_spawn > 60:
                raise SystemExit("the hub did not come back") from None
            await asyncio.sleep(0.005)
    t_listen = now()
    spy = start_profile(server.pid, f"storm-{out.n}", 60, args)
    out.down_s, out.start_s = t_listen - t_term, t_listen - t_spawn
    done: list[float] = []
    retries = 0

    async def again() -> None:
        nonlocal retries
        if jitter:
            await asyncio.sleep(random.uniform(0, jitter))
        while now() - t_listen < 60:
            try:
                sock = await open_sock(server.port, server.ws_path, within=15)
            except (OSError, TimeoutError):
                retries += 1
                await asyncio.sleep(random.uniform(0.05, 0.1))
                continue
            socks.append(sock)
            try:
                await asyncio.wait_for(sock.first, 30)
            except (ConnectionError, TimeoutError):
                retries += 1
                sock.close()
                continue
            done.append(sock.first_at - t_listen)
            return

    await asyncio.gather(*(again() for _ in range(out.connected)))
    out.overflows = listen_overflows() - overflows
    out.note = finish_profile(spy, now_=True)
    out.retries, out.resynced = retries, len(done)
    done.sort()
    out.resync_s = done[-1] if done else math.nan
    out.p50_s, out.p99_s = percentile(done, 0.5), percentile(done, 0.99)


# ------------------------------------------------------------------ main


def table(results: Iterable[Result], storm_result: Storm | None) -> str:
    rows = [
        "| target | N | R/s | achieved/s | loss | p50 ms | p99 ms | p99.9 ms | max ms "
        "| CPU µs/delivery | RSS KiB/conn |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        achieved = f"{r.achieved:.1f}" + (" (saturated)" if r.saturated else "")
        rows.append(
            f"| {r.name} | {r.n:,} | {r.rate:g} | {achieved} | {r.loss:.2%} "
            f"| {r.pct(0.5):.1f} | {r.pct(0.99):.1f} | {r.pct(0.999):.1f} "
            f"| {max(r.samples, default=math.nan):.1f} | {r.cpu_us:.1f} "
            f"| {r.rss_per_conn / 1024:.1f} |"
        )
    if storm_result is not None:
        s = storm_result
        rows.append("")
        rows.append(
            f"reconnect storm (hall-wall, N={s.n:,}): all {s.resynced:,} full views "
            f"{s.resync_s:.2f} s after the new hub listened (p50 {s.p50_s:.2f} s, p99 "
            f"{s.p99_s:.2f} s); {s.down_s + s.resync_s:.2f} s from SIGTERM "
            f"(of which {s.start_s:.2f} s starting the new process)"
        )
    return "\n".join(rows)


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
