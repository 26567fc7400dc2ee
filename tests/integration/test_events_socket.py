"""`/ws/halls/{hall}/events`: snapshot, resume without gap or duplicate, live events."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.support.hubs import ADMIN, Hub


def issue(c: httpx.Client, n: int = 1) -> list[str]:
    ids = []
    for _ in range(n):
        r = c.post("/api/halls/t/commands", json={"type": "ticket.issue", "service": "A"})
        assert r.status_code == 200, r.text
        ids.append(r.json()["events"][-1]["id"])
    return ids


def socket(hub: Hub, after: str | None = None, token: str = ADMIN) -> ClientConnection:
    url = f"{hub.ws}/ws/halls/t/events?token={token}"
    if after is not None:
        url += f"&after={after}"
    return connect(url, open_timeout=5)


def frames(ws: ClientConnection, n: int, timeout: float = 5) -> list[dict[str, Any]]:
    return [json.loads(ws.recv(timeout=timeout)) for _ in range(n)]


def test_snapshot_first_then_live_events(hub: Hub) -> None:
    with hub.client() as c:
        issue(c, 3)
        with socket(hub) as ws:
            (snap,) = frames(ws, 1)
            assert snap["type"] == "snapshot"
            assert [t["number"] for t in snap["state"]["queue"]] == ["A001", "A002", "A003"]
            assert snap["last_event_id"] == snap["state"]["last_event_id"]
            (new_id,) = issue(c)
            (live,) = frames(ws, 1)
            assert (live["id"], live["type"]) == (new_id, "ticket.issued")
            assert live["ticket"]["number"] == "A004"


def test_resume_after_reconnect_with_50_missed_events(hub: Hub) -> None:
    with hub.client() as c:
        issue(c, 2)
        with socket(hub) as ws:
            seen = frames(ws, 1)[0]["last_event_id"]
        missed = issue(c, 50)
        with socket(hub, after=seen) as ws:
            got = frames(ws, 50)
            assert [e["id"] for e in got] == missed  # in order, no gap, no duplicate
            later = issue(c, 3)
            assert [e["id"] for e in frames(ws, 3)] == later
            with pytest.raises(TimeoutError):
                ws.recv(timeout=0.3)  # nothing more: no duplicates


def test_resume_while_events_keep_coming(hub: Hub) -> None:
    """The race between reading history and live events: every id exactly once."""
    import threading

    with hub.client() as c:
        first = issue(c, 1)[0]
        sent: list[str] = []
        done = threading.Event()

        def writer() -> None:
            with hub.client() as w:
                sent.extend(issue(w, 60))
            done.set()

        t = threading.Thread(target=writer)
        t.start()
        with socket(hub, after=first) as ws:
            t.join(30)
            assert done.is_set()
            got = [e["id"] for e in frames(ws, len(sent))]
        assert got == sent


@pytest.mark.parametrize(
    ("token", "path", "code"),
    [
        ("nope.nope", "/ws/halls/t/events", 4401),
        (ADMIN, "/ws/halls/zz/events", 4404),
        (ADMIN, "/ws/halls/t/events?after=bad", 4400),
    ],
)
def test_refused_sockets_close_with_a_reason(hub: Hub, token: str, path: str, code: int) -> None:
    sep = "&" if "?" in path else "?"
    with connect(f"{hub.ws}{path}{sep}token={token}") as ws, pytest.raises(ConnectionClosed) as err:
        ws.recv(timeout=5)
    assert err.value.rcvd is not None and err.value.rcvd.code == code
    assert err.value.rcvd.reason
