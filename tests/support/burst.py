"""A crowd of anonymous readers, run as its own process so that the test measuring a
terminal's latency meanwhile does not share an event loop (or a core's queue) with them.

    python -m tests.support.burst URL PATH CONCURRENCY SECONDS  ->  {"200": n, ...} on stdout
    ("0": reads whose connection failed before an answer; what failed them goes to stderr,
    which pytest shows with a failing test)
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter

import httpx


async def burst(
    url: str, path: str, concurrency: int, seconds: float
) -> tuple[Counter[int], Counter[str]]:
    codes: Counter[int] = Counter()
    failures: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        stop = time.monotonic() + seconds

        async def reader() -> None:
            while time.monotonic() < stop:
                try:
                    codes[(await client.get(path)).status_code] += 1
                except httpx.TransportError as exc:
                    codes[0] += 1  # no answer: the connection failed (the test says so)
                    failures[f"{type(exc).__name__}: {exc}"] += 1

        await asyncio.gather(*(reader() for _ in range(concurrency)))
    return codes, failures


if __name__ == "__main__":
    url, path, concurrency, seconds = sys.argv[1:5]
    counts, failures = asyncio.run(burst(url, path, int(concurrency), float(seconds)))
    if failures:
        print(f"failed connections: {dict(failures)}", file=sys.stderr)
    print(json.dumps({str(code): n for code, n in counts.items()}))
