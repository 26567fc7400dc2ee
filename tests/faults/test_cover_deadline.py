"""A cover given exactly at its deadline yields one outcome.

cover_after is 2 s. The A-post goes away; at the deadline plus an offset (-150 ms to
+250 ms) the same `cover.start` is sent from two hubs at once, while both hubs' tickers
(every 0.2 s) race to fire `cover.requested`. Whatever wins, the log tells one story:
either the cover came in time (`cover.started` only, the absence not late) or it came at or
after the deadline (`cover.requested` stamped at the deadline, then `cover.started`, the
absence late): never two cover starts, never a request after the start, and the story
agrees with the time the cover was decided.

Two hubs whose clocks differ by 2 s still fire each rule once:
tests/integration/test_cluster.py::test_two_hubs_with_skewed_clocks_fire_each_rule_once.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.hubs import ADMIN, Hub, hall_toml, hubs

from .clients import log_events

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(90),
    pytest.mark.redis_kinds("single", "cluster"),
]

COVER_AFTER = timedelta(seconds=2)
OFFSETS_MS = (-150, -40, -10, -6, -3, 0, 3, 10, 40, 250)  # attempt k: window k % 3 + 1


def test_a_cover_given_at_its_deadline_from_two_hubs_yields_one_outcome(
    redis_url: str, tmp_path: Path
) -> None:
    toml = hall_toml(cover_after="2s", escalate_after="30s")
    with hubs(redis_url, tmp_path, 2, toml) as (a, b):
        outcomes = asyncio.run(asyncio.wait_for(attempts(a, b), 70))
    print("\ncover at the deadline (offset ms -> outcome, cover decided ms from the deadline):")
    for offset, outcome, decided in outcomes:
        print(f"  {offset:+5d} -> {outcome:27s} {decided:+8.1f}")
    assert len(outcomes) == len(OFFSETS_MS)


async def attempts(a: Hub, b: Hub) -> list[tuple[int, str, float]]:
    headers = {"authorization": f"Bearer {ADMIN}"}
    async with (
        httpx.AsyncClient(base_url=a.url, headers=headers, timeout=10) as ca,
        httpx.AsyncClient(base_url=b.url, headers=headers, timeout=10) as cb,
    ):
        for n in (1, 2, 3):
            for post in ("A", "B"):
                r = await send(ca, type="presence.set", window=n, post=post, state="present")
                assert r.status_code == 200, r.text
        outcomes: list[tuple[int, str, float]] = []
        for first in range(0, len(OFFSETS_MS), 3):  # three windows at a time
            ks = range(first, min(first + 3, len(OFFSETS_MS)))
            outcomes += await asyncio.gather(
                *(attempt(ca, cb, k % 3 + 1, OFFSETS_MS[k]) for k in ks)
            )
        return outcomes


async def send(c: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await c.post("/api/halls/t/commands", json=body)


async def attempt(
    ca: httpx.AsyncClient, cb: httpx.AsyncClient, window: int, offset_ms: int
) -> tuple[int, str, float]:
    r = await send(ca, type="presence.set", window=window, post="A", state="away", reason="break")
    assert r.status_code == 200, r.text
    (away,) = [e for e in r.json()["events"] if e["type"] == "presence.changed"]
    deadline = datetime.fromisoformat(away["at"]) + COVER_AFTER
    await asyncio.sleep(max(0.0, deadline.timestamp() + offset_ms / 1000 - time.time()))
    racing = await asyncio.gather(
        send(ca, type="cover.start", window=window), send(cb, type="cover.start", window=window)
    )
    codes = sorted(r.status_code for r in racing)
    assert codes == [200, 409], [r.text for r in racing]
    (refused,) = [r for r in racing if r.status_code == 409]
    (won,) = [r for r in racing if r.status_code == 200]
    assert refused.json()["error"] == "already_covering"
    await asyncio.sleep(0.3)
    r = await send(cb, type="presence.set", window=window, post="A", state="present")
    assert r.status_code == 200, r.text
    back = r.json()["events"][-1]["id"]

    base = str(ca.base_url).rstrip("/")
    story = [
        e
        for e in await log_events(base, after=away["id"])
        if e.get("window") == window and _key(e["id"]) <= _key(back)
    ]
    kinds = [e["type"] for e in story if e["type"] in ("cover.requested", "cover.started")]
    (started,) = [e for e in story if e["type"] == "cover.started"]
    (absence,) = [e for e in story if e["type"] == "absence.recorded"]
    decided = datetime.fromisoformat(started["at"])
    margin = (decided - deadline).total_seconds() * 1000
    if kinds == ["cover.requested", "cover.started"]:
        (requested,) = [e for e in story if e["type"] == "cover.requested"]
        assert datetime.fromisoformat(requested["at"]) == deadline  # stamped when it fell due
        assert decided >= deadline and absence["late"] is True, (offset_ms, story)
        by_command = "cover.requested" in [e["type"] for e in won.json()["events"]]
        return offset_ms, f"late ({'the cover' if by_command else 'a ticker'} fired it)", margin
    assert kinds == ["cover.started"], (offset_ms, kinds)
    assert decided < deadline and absence["late"] is False, (offset_ms, story)
    assert absence["covered_by"] == f"b{window}"
    return offset_ms, "in time", margin


def _key(stream_id: str) -> tuple[int, int]:
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)
