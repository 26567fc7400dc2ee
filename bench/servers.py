"""The servers `fanout.py` measures (hall's hub and the two peers): how each is started and
pinned, what its publisher sends, and what it costs (from /proc)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hallfile import WINDOWS, service_cycle, write_bench_hall
from wsload import wait_http

from hall.store.embedded import free_tcp_port

BENCH = Path(__file__).resolve().parent
ADMIN = "bench-admin-token"
HALL = "bench"
SERVER_CORE, GEN_CORE = 0, 1
CLK_TCK = os.sysconf("SC_CLK_TCK")


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


def own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def servers_cpu(servers: list[Server]) -> float:
    return sum(proc_cpu(server.pid) for server in servers)


def servers_softirq(servers: list[Server]) -> float:
    return sum(cpu_times(f"cpu{server.core}")[1] for server in servers)
