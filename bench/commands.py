"""HTTP command round trip on one hub at a steady rate: p50 / p99 latency.

    python bench/commands.py [--rate 200] [--seconds 10]

Starts an embedded Redis and one `hall serve` (loopback only), then sends a realistic mix
(kiosk tickets, calls, finishes, presence taps) over one keep-alive connection at `--rate`
commands a second, and prints latency percentiles. Not a test.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from hallfile import WINDOWS, service_cycle, write_bench_hall

from hall.store.embedded import EmbeddedRedis, free_tcp_port

ADMIN = "bench-admin-token"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def mix() -> list[dict[str, object]]:
    out = service_cycle()
    out += [
        {"type": "presence.set", "window": 4, "post": "A", "state": "away", "reason": "break"},
        {"type": "presence.set", "window": 4, "post": "A", "state": "present"},
    ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hall-bench-") as tmp:
        folder = Path(tmp)
        config = write_bench_hall(folder)
        with EmbeddedRedis(folder / "redis") as redis:
            port = free_tcp_port()
            env = {**os.environ, "HALL_ADMIN_TOKEN": ADMIN}
            argv = [sys.executable, "-m", "hall", "serve", "--config", str(config)]
            argv += ["--redis", redis.url, "--port", str(port), "--log-level", "warning"]
            argv += ["--data", str(folder / "var")]  # its records database
            hub = subprocess.Popen(argv, env=env)
            try:
                run(f"http://127.0.0.1:{port}", args.rate, args.seconds)
            finally:
                hub.terminate()
                hub.wait(10)


def wait_healthy(base: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("the hub did not start")
        time.sleep(0.05)


def run(base: str, rate: float, seconds: float, redis: str = "embedded Redis (AOF always)") -> int:
    """Send the mix at `rate` for `seconds`, print the figures; returns the commands sent."""
    # http.client on one keep-alive connection: a thin client, so the figures are the hub's.
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    headers = {"authorization": f"Bearer {ADMIN}", "content-type": "application/json"}

    def post(body: dict[str, object]) -> int:
        conn.request("POST", "/api/halls/bench/commands", json.dumps(body), headers)
        response = conn.getresponse()
        response.read()
        return response.status

    wait_healthy(base)
    for n in range(1, WINDOWS + 1):
        post({"type": "presence.set", "window": n, "post": "A", "state": "present"})
    commands = mix()
    latencies: list[float] = []
    codes: dict[int, int] = {}
    interval = 1 / rate
    start = time.monotonic()
    i = 0
    while (now := time.monotonic()) - start < seconds:
        due = start + i * interval
        if now < due:
            time.sleep(due - now)
        t0 = time.perf_counter()
        status = post(commands[i % len(commands)])
        latencies.append((time.perf_counter() - t0) * 1000)
        codes[status] = codes.get(status, 0) + 1
        i += 1
    elapsed = time.monotonic() - start
    conn.close()
    print(f"hub: one process, {redis}, loopback; {i} commands in {elapsed:.1f} s")
    print(f"rate: asked {rate:.0f}/s, achieved {i / elapsed:.0f}/s; status codes: {codes}")
    p50, p90, p99 = (percentile(latencies, q) for q in (0.5, 0.9, 0.99))
    print(
        f"latency ms: p50 {p50:.2f}  p90 {p90:.2f}  p99 {p99:.2f}  "
        f"max {max(latencies):.2f}  mean {statistics.mean(latencies):.2f}"
    )
    return i


if __name__ == "__main__":
    main()
