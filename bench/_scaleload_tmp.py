"""`scale.py`'s load: the commands and the probes' tap-to-screen times (`load`), and the
screens, held by processes of this script (`Screens`): one process holding many wall
sockets (the lean client of `wsload.py`: a sink counts messages without decoding them),
because one process may not open more than RLIMIT_NOFILE sockets. As a script, run by
`scale.py`, not by hand:

    python bench/scaleload.py PORT PER_HALL HALL [HALL ...]

opens PER_HALL sockets to `/ws/halls/HALL/view/wall` for each HALL (100 connecting at a
time), prints one JSON line `{"ready": N, "failed": M, "seconds": S}`, then answers each
line `count` on stdin with `{"frames": F, "alive": A}` (messages received so far, sockets
still open), and exits at the end of stdin.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from hallfile import WINDOWS
from wsload import CONNECT_BATCH, Http, Sock, open_sock

BENCH = Path(__file__).resolve().parent
CONNECTIONS = 16  # the publisher's keep-alive connections
PER_WORKER = 9_000  # sockets per process of this script


async def connect_all(port: int, paths: list[str]) -> tuple[list[Sock], int]:
    socks: list[Sock] = []
    failed = 0
    for first in range(0, len(paths), CONNECT_BATCH):
        batch = paths[first : first + CONNECT_BATCH]
        done = await asyncio.gather(*(open_sock(port, p) for p in batch), return_exceptions=True)
        for sock in done:
            if isinstance(sock, Sock):
                socks.append(sock)
            else:
                failed += 1
    # every socket's whole view, before the sockets count as ready
    await asyncio.gather(*(asyncio.wait_for(s.first, 30) for s in socks), return_exceptions=True)
    return socks, failed


async def main(port: int, per_hall: int, halls: list[str]) -> None:
    started = time.perf_counter()
    paths = [(os.environ.get("WSPATH") or "/ws/halls/{hall}/view/wall").format(hall=hall) for hall in halls for _ in range(per_hall)]
    socks, failed = await connect_all(port, paths)
    say({"ready": len(socks), "failed": failed, "seconds": time.perf_counter() - started})
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        if line.strip() == "count":
            say({"frames": sum(s.frames for s in socks), "alive": sum(s.alive for s in socks)})
    for sock in socks:
        sock.close()


class Screens:
    """`scaleload.py` processes holding wall sockets over every hall."""

    def __init__(self, port: int, halls: list[str], per_hall: int) -> None:
        per_worker = max(1, PER_WORKER // per_hall)
        self.procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(BENCH / "scaleload.py"),
                    str(port),
                    str(per_hall),
                    *halls[i : i + per_worker],
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for i in range(0, len(halls), per_worker)
        ]

    def ready(self) -> tuple[int, int]:
        lines = [json.loads(self._line(p)) for p in self.procs]
        return sum(x["ready"] for x in lines), sum(x["failed"] for x in lines)

    def frames(self) -> int:
        for p in self.procs:
            assert p.stdin is not None
            p.stdin.write("count\n")
            p.stdin.flush()
        return sum(json.loads(self._line(p))["frames"] for p in self.procs)

    def close(self) -> None:
        for p in self.procs:
            with contextlib.suppress(OSError):
                assert p.stdin is not None
                p.stdin.close()
        for p in self.procs:
            p.wait(30)

    @staticmethod
    def _line(p: subprocess.Popen[str]) -> str:
        assert p.stdout is not None
        line = p.stdout.readline()
        if not line:
            raise SystemExit("a screens process ended early")
        return line


def cycle(step: int) -> dict[str, object]:
    """A hall's step-th command: per window, issue a ticket, call it, finish it."""
    window = (step // 3) % WINDOWS + 1
    kind = step % 3
    if kind == 0:
        return {"type": "ticket.issue", "service": "ABCDEFG"[window - 1]}
    return {"type": "ticket.call" if kind == 1 else "ticket.finish", "window": window}


async def load(
    port: int,
    active: list[str],
    probes: dict[str, Sock],
    rate: float,
    seconds: float,
    token: str,
    steps: dict[str, int],
) -> dict[str, Any]:
    """`rate` commands a second for `seconds` over the `active` halls, each hall at its step
    of `cycle` (kept in `steps` from one load to the next)."""
    pool: asyncio.Queue[Http] = asyncio.Queue()
    for _ in range(CONNECTIONS):
        pool.put_nowait(Http(port, token))
    latencies: list[float] = []
    calls: list[tuple[str, bytes, float]] = []  # (hall, ticket number, sent at)
    errors = 0

    async def one(hall: str) -> None:
        nonlocal errors
        body = cycle(steps.get(hall, 0))
        steps[hall] = steps.get(hall, 0) + 1
        http = await pool.get()
        try:
            sent = time.perf_counter()
            status, data = await http.request(
                "POST", f"/api/halls/{hall}/commands", json.dumps(body).encode()
            )
            latencies.append(time.perf_counter() - sent)
        finally:
            pool.put_nowait(http)
        if status != 200:
            errors += 1
        elif body["type"] == "ticket.call" and hall in probes:
            called = [e for e in json.loads(data)["events"] if e["type"] == "ticket.called"]
            if called:
                calls.append((hall, f">{called[0]['ticket']['number']}<".encode(), sent))

    total = int(rate * seconds)
    start = time.perf_counter()
    tasks = []
    for k in range(total):
        await asyncio.sleep(max(0.0, start + k / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one(active[k % len(active)])))
    await asyncio.gather(*tasks)
    took = time.perf_counter() - start
    await asyncio.sleep(1.0)  # the last deliveries
    while not pool.empty():
        pool.get_nowait().close()
    screen = []
    for hall, number, sent in calls:
        seen = [at for at, msg in probes[hall].messages if at >= sent and number in msg]
        if seen:
            screen.append(seen[0] - sent)
    return {
        "commands": len(latencies),
        "errors": errors,
        "achieved": len(latencies) / took,
        "latency": sorted(latencies),
        "screen": sorted(screen),
        "calls": len(calls),
    }


def pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(len(values) * p))] * 1000 if values else float("nan")


async def watched_phase(port: int, halls: list[str]) -> dict[str, Sock]:
    probes = {}
    for hall in halls:
        sock = await open_sock(port, f"/ws/halls/{hall}/view/wall", keep=True)
        await asyncio.wait_for(sock.first, 30)
        probes[hall] = sock
    return probes


def say(obj: dict[str, object]) -> None:
    print(json.dumps(obj), flush=True)


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - the plain loop works, more slowly
        pass
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]))
