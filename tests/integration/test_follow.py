"""A hub serving a city of halls (300 here) follows only what it serves: it reads a hall's
log while a socket of that hall is open on it (and a short linger after), while the time
rules of every hall fire, once across hubs, whether anyone watches or not."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from websockets.sync.client import connect

from tests.support.halls import write_halls
from tests.support.hubs import ADMIN, Hub
from tests.support.wait import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

HALLS = 300
LINGER = {"HALL_FOLLOW_LINGER": "1"}


@pytest.fixture
def city(tmp_path: Path) -> list[str]:
    return write_halls(tmp_path / "halls", HALLS, cover_after="2s", escalate_after="1s")


def start(redis_url: str, tmp_path: Path, name: str) -> Hub:
    started = time.monotonic()
    hub = Hub(redis_url, tmp_path / "halls", tmp_path / f"{name}.log", env=LINGER).start()
    print(f"\n{name}: healthy {time.monotonic() - started:.1f} s after start, {HALLS} halls")
    return hub


@pytest.fixture
def two(redis_url: str, tmp_path: Path, city: list[str]) -> Iterator[tuple[Hub, Hub]]:
    a = start(redis_url, tmp_path, "a")
    b = start(redis_url, tmp_path, "b")
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


def halls(hub: Hub) -> dict[str, int]:
    out: dict[str, int] = httpx.get(hub.url + "/healthz", timeout=5).json()["halls"]
    return out


def send(hub: Hub, hall: str, **body: Any) -> httpx.Response:
    headers = {"authorization": f"Bearer {ADMIN}"}
    return httpx.post(f"{hub.url}/api/halls/{hall}/commands", json=body, headers=headers)


def ticks(hub: Hub) -> float:
    """The deadlines this hub claimed and ticked."""
    for line in httpx.get(hub.url + "/metrics", timeout=5).text.splitlines():
        if line.startswith("hall_ticks_total "):
            return float(line.split()[1])
    return 0.0


def log(redis_url: str, hall: str, after: str = "-") -> list[dict[str, str]]:
    """The hall's log (after id `after`) as the stream holds it."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        entries = client.xrange(f"hall:{{{hall}}}:events", "(" + after if after != "-" else "-")
    finally:
        client.close()
    return [fields for _, fields in entries]


def test_a_hub_reads_a_halls_log_only_while_a_socket_follows_it(
    two: tuple[Hub, Hub], redis_url: str
) -> None:
    a, b = two
    assert halls(a) == {"configured": HALLS, "tailed": 0}
    with connect(f"{a.ws}/ws/halls/h0123/view/director?token={ADMIN}", open_timeout=5) as ws:
        ws.recv(timeout=5)  # the whole view
        assert halls(a)["tailed"] == 1 and halls(b)["tailed"] == 0
        # a command on another hub reaches this socket: the hall's log is read here
        assert send(b, "h0123", type="ticket.issue", service="A").status_code == 200
        assert "A001" in str(ws.recv(timeout=5))
        # a hall nobody watches here is not read, commands or not
        assert send(a, "h0200", type="ticket.issue", service="A").status_code == 200
        assert halls(a)["tailed"] == 1
    # the last socket left: after the linger (1 s) the hub stops reading the hall
    wait_for(lambda: halls(a)["tailed"] == 0, 10, "h0123 no longer tailed")
    metrics = httpx.get(a.url + "/metrics").text
    assert "hall_tailed_halls 0.0" in metrics
    # and a new socket follows it again, from the state it has now
    with connect(f"{a.ws}/ws/halls/h0123/view/director?token={ADMIN}", open_timeout=5) as ws:
        assert "A001" in str(ws.recv(timeout=5))
        assert halls(a)["tailed"] == 1


def test_the_time_rules_of_unwatched_halls_fire_once_across_two_hubs(
    two: tuple[Hub, Hub], redis_url: str, city: list[str]
) -> None:
    a, b = two
    # every hall began its day once at start, watched or not (nobody watches any), and one
    # hub did each: the deadline's claim went to one of them
    for hall in city:
        days = [e for e in log(redis_url, hall) if e["type"] == "day.started"]
        assert len(days) == 1, hall
    assert ticks(a) + ticks(b) == HALLS
    hall = "h0042"
    assert (
        send(a, hall, type="presence.set", window=1, post="A", state="present").status_code == 200
    )
    r = send(b, hall, type="presence.set", window=1, post="A", state="away", reason="break")
    assert r.status_code == 200
    away = r.json()["events"][0]["id"]

    def window_1() -> list[str]:
        return [
            e["type"]
            for e in log(redis_url, hall, after=away)
            if e["type"].startswith("cover.") and '"window":1' in e["data"]
        ]

    wait_for(lambda: "cover.escalated" in window_1(), 15, "the cover rule ran its course")
    kinds = window_1()
    assert kinds.count("cover.needed") == 1
    assert kinds.count("cover.requested") == 1 and kinds.count("cover.escalated") == 1
    assert halls(a)["tailed"] == halls(b)["tailed"] == 0


def test_an_open_overview_keeps_its_halls_followed_past_the_linger(
    two: tuple[Hub, Hub],
) -> None:
    a, b = two
    with connect(f"{a.ws}/ws/overview?token={ADMIN}", open_timeout=10) as ws:
        ws.recv(timeout=10)  # the whole overview
        assert halls(a)["tailed"] == HALLS
        # Nothing is to happen here: the only way to see that the linger (1 s) passed
        # without the hub letting go is to let it pass.
        time.sleep(2.5)
        assert halls(a)["tailed"] == HALLS
        # and a command on the other hub still reaches the overview's row
        assert send(b, "h0042", type="ticket.issue", service="A").status_code == 200
        wait_for(lambda: "h0042" in str(ws.recv(timeout=5)), 10, "h0042's row")
    wait_for(lambda: halls(a)["tailed"] == 0, 10, "no hall followed once the overview left")
