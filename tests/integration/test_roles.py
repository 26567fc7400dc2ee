"""Every route and websocket x every role, with the expected answer (one table)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.support.hubs import ADMIN, Hub, hubs

ROLES = ("anonymous", "display", "kiosk", "clerk", "other_clerk", "director", "admin")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, dict[str, str | None]]]:
    from hall.store.embedded import EmbeddedRedis

    tmp = tmp_path_factory.mktemp("roles")
    with EmbeddedRedis(tmp / "redis") as redis, hubs(redis.url, tmp, 1) as (hub,):
        yield hub, _tokens(hub)


def _cli(hub: Hub, *args: str, stdin: str | None = None) -> str:
    argv = [
        sys.executable,
        "-m",
        "hall",
        *args,
        "--redis",
        hub.redis_url,
        "--config",
        str(hub.config),
    ]
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _tokens(hub: Hub) -> dict[str, str | None]:
    tokens: dict[str, str | None] = {"anonymous": None, "admin": ADMIN}
    for role in ("display", "kiosk"):
        tokens[role] = _cli(hub, "token", "--hall", "t", "--role", role)
    for role, staff in (("clerk", "a1"), ("other_clerk", "a2"), ("director", "boss")):
        _cli(hub, "pin", staff, "--hall", "t", stdin="1357\n")
        r = httpx.post(hub.url + "/api/login", json={"hall": "t", "staff": staff, "pin": "1357"})
        tokens[role] = r.json()["token"]
    return tokens


PRESENT = {"type": "presence.set", "window": 1, "post": "A", "state": "present"}
ISSUE = {"type": "ticket.issue", "service": "B"}
RATE = {"type": "rating.give", "window": 1, "score": 5}  # staff may not rate; nothing finished
LEAVE = {
    "type": "leave.register",
    "staff": "a2",
    "kind": "training",
    "from": "2030-01-07T08:00:00+08:00",
    "until": "2030-01-07T12:00:00+08:00",
}
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()  # the test hall's day

# (method, path, body): expected status for each role, in ROLES order
HTTP: list[tuple[str, str, Any, tuple[int, ...]]] = [
    ("GET", "/healthz", None, (200,) * 7),
    ("GET", "/metrics", None, (200,) * 7),
    ("GET", "/api/openapi.json", None, (200,) * 7),
    ("GET", "/api/halls", None, (200,) * 7),
    ("GET", "/api/halls/t/state", None, (200,) * 7),
    ("GET", "/api/halls/t/events", None, (401, 403, 403, 403, 403, 200, 200)),
    ("POST", "/api/halls/t/commands", PRESENT, (401, 403, 403, 200, 403, 200, 200)),
    ("POST", "/api/halls/t/commands", ISSUE, (401, 403, 200, 200, 200, 200, 200)),
    ("POST", "/api/halls/t/commands", RATE, (401, 403, 403, 403, 403, 403, 409)),
    ("POST", "/api/halls/t/commands", LEAVE, (401, 403, 403, 403, 403, 200, 200)),
    # the resident's rating: the ticket's key is the right, whoever else asks (403 without)
    (
        "POST",
        f"/api/halls/t/tickets/{TODAY}/A001/rating",
        {"key": "x", "window": 1, "score": 5},
        (403,) * 7,
    ),
    ("GET", "/halls/t/wall", None, (200,) * 7),
    ("GET", "/halls/t/tickets/A001", None, (303,) * 7),  # to today's page of that number
    ("GET", f"/halls/t/tickets/{TODAY}/A001", None, (200,) * 7),
    ("GET", "/halls/t/kiosk", None, (401, 401, 200, 401, 401, 401, 200)),
    ("GET", "/halls/t/windows/1", None, (303, 303, 303, 200, 303, 200, 200)),
    ("GET", "/halls/t/director", None, (303, 303, 303, 303, 303, 200, 200)),
    ("GET", "/me", None, (303, 303, 303, 200, 200, 200, 303)),  # a person's: staff only
]

# websocket path: expected outcome for each role ("ok" = it sends a first frame)
SOCKETS: list[tuple[str, tuple[str | int, ...]]] = [
    ("/ws/halls/t/events", (4401, 4403, 4403, 4403, 4403, "ok", "ok")),
    ("/ws/halls/t/view/wall", ("ok",) * 7),
    ("/ws/halls/t/view/ticket-A001", ("ok",) * 7),
    (f"/ws/halls/t/view/ticket-{TODAY}-A001", ("ok",) * 7),
    ("/ws/halls/t/view/director", (4401, 4403, 4403, 4403, 4403, "ok", "ok")),
    ("/ws/halls/t/view/window-1", (4401, 4403, 4403, "ok", 4403, "ok", "ok")),
    # one person's duty page: theirs alone (the clerk is a1), not the director's nor admin's
    ("/ws/halls/t/view/me-a1", (4401, 4403, 4403, "ok", 4403, 4403, 4403)),
    ("/ws/halls/t/view/me-nobody", (4404,) * 7),
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), HTTP)
@pytest.mark.parametrize("role", ROLES)
def test_http(
    setup: tuple[Hub, dict[str, str | None]],
    role: str,
    method: str,
    path: str,
    body: Any,
    expected: tuple[int, ...],
) -> None:
    hub, tokens = setup
    token = tokens[role]
    url = path
    if path.endswith("/kiosk") and token:
        url += f"?token={token}"  # a device page takes its token in the address
    with hub.client(token) as c:
        r = c.request(method, url, json=body, follow_redirects=False)
    if body is LEAVE and r.status_code == 200:  # leave the hall as it was for the next role
        (registered,) = r.json()["events"]
        cancel = {"type": "leave.cancel", "leave": registered["leave"]}
        with hub.client(ADMIN) as c:
            assert c.post("/api/halls/t/commands", json=cancel).status_code == 200
    assert r.status_code == expected[ROLES.index(role)], r.text[:200]
    if r.status_code == 303 and "/tickets/" in path:
        assert r.headers["location"] == f"/halls/t/tickets/{TODAY}/A001"
    elif r.status_code == 303:
        assert r.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(("path", "expected"), SOCKETS)
@pytest.mark.parametrize("role", ROLES)
def test_websockets(
    setup: tuple[Hub, dict[str, str | None]], role: str, path: str, expected: tuple[str | int, ...]
) -> None:
    hub, tokens = setup
    token = tokens[role]
    url = hub.ws + path + (f"?token={token}" if token else "")
    want = expected[ROLES.index(role)]
    try:
        with connect(url, open_timeout=5) as ws:
            first = ws.recv(timeout=5)
            got: str | int = "ok" if first else "empty"
    except ConnectionClosed as e:
        got = e.rcvd.code if e.rcvd else "closed"
    except InvalidStatus as e:
        got = e.response.status_code
    assert got == want


def test_pins_are_never_logged(setup: tuple[Hub, dict[str, str | None]]) -> None:
    hub, _ = setup
    httpx.post(hub.url + "/api/login", json={"hall": "t", "staff": "a3", "pin": "86420"})
    assert "86420" not in Path(hub.log).read_text()
