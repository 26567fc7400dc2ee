"""The district's overview on a real hub: three halls and a district file, a supervisor of
two of them. Who may see what (one table per kind of door), every command 403 with the
hall unchanged, the JSON in the order of attention, the live socket."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.support.halls import hall_toml
from tests.support.hubs import ADMIN, Hub
from tests.support.wait import wait_for

DISTRICT = """id = "licheng"
name = "鲤城区"
[[supervisors]]
id = "lin"
name = "林检"
halls = ["t", "u"]
[[supervisors]]
id = "wu"
name = "吴纪"
halls = ["v"]
"""
ROLES = ("anonymous", "kiosk", "clerk", "director", "supervisor", "admin")
PIN = "1357"


def write_folder(folder: Path, district: str = DISTRICT) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for hall in ("t", "u", "v"):
        # no cover rule before a clerk arrives (grace), and a quick one after they go away
        text = hall_toml(hall_id=hall, arrival_grace="23h59m", cover_after="1s")
        (folder / f"{hall}.toml").write_text(text, encoding="utf-8")
    (folder / "district.toml").write_text(district, encoding="utf-8")
    return folder


def cli(hub: Hub, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "hall", *args, "--redis", hub.redis_url]
    argv += ["--config", str(hub.config)]
    return subprocess.run(argv, input=stdin, capture_output=True, text=True)


def login(hub: Hub, place: str, staff: str, pin: str = PIN) -> httpx.Response:
    return httpx.post(hub.url + "/api/login", json={"hall": place, "staff": staff, "pin": pin})


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, dict[str, str | None]]]:
    from hall.store.embedded import EmbeddedRedis

    tmp = tmp_path_factory.mktemp("overview")
    with EmbeddedRedis(tmp / "redis") as redis:
        hub = Hub(redis.url, write_folder(tmp / "halls"), tmp / "hub.log").start()
        try:
            tokens: dict[str, str | None] = {"anonymous": None, "admin": ADMIN}
            tokens["kiosk"] = cli(hub, "token", "--hall", "t", "--role", "kiosk").stdout.strip()
            for role, place, staff in (
                ("clerk", "t", "a1"),
                ("director", "t", "boss"),
                ("supervisor", "licheng", "lin"),
            ):
                assert cli(hub, "pin", staff, "--hall", place, stdin=PIN + "\n").returncode == 0
                tokens[role] = login(hub, place, staff).json()["token"]
            yield hub, tokens
        finally:
            hub.stop()


# (method, path): expected status for each role, in ROLES order
HTTP: list[tuple[str, str, tuple[int, ...]]] = [
    ("GET", "/api/overview", (401, 403, 403, 403, 200, 200)),
    ("GET", "/overview", (303, 303, 303, 303, 200, 200)),
    ("GET", "/halls/t/director", (303, 303, 303, 200, 200, 200)),  # the supervisor's: read-only
    ("GET", "/halls/v/director", (303, 303, 303, 303, 303, 200)),  # not the supervisor's
    ("GET", "/halls/t/windows/1", (303, 303, 200, 200, 303, 200)),
    ("GET", "/halls/t/wall", (200,) * 6),  # public
    ("GET", "/api/halls/t/events", (401, 403, 403, 200, 403, 200)),
    ("GET", "/api/halls/u/state", (200, 403, 403, 403, 200, 200)),
    ("GET", "/api/halls/v/state", (200, 403, 403, 403, 403, 200)),
]


@pytest.mark.parametrize(("method", "path", "expected"), HTTP)
@pytest.mark.parametrize("role", ROLES)
def test_http(
    setup: tuple[Hub, dict[str, str | None]],
    role: str,
    method: str,
    path: str,
    expected: tuple[int, ...],
) -> None:
    hub, tokens = setup
    with hub.client(tokens[role]) as c:
        r = c.request(method, path, follow_redirects=False)
    assert r.status_code == expected[ROLES.index(role)], r.text[:200]
    if r.status_code == 303:
        assert r.headers["location"].startswith("/login?next=")
    if r.status_code >= 400:
        assert r.json()["error"] in ("unauthorized", "forbidden") and r.json()["message"]


SOCKETS: list[tuple[str, tuple[str | int, ...]]] = [
    ("/ws/overview", (4401, 4403, 4403, 4403, "ok", "ok")),
    ("/ws/halls/t/view/director-readonly", (4401, 4403, 4403, "ok", "ok", "ok")),
    ("/ws/halls/t/view/director", (4401, 4403, 4403, "ok", 4403, "ok")),
    ("/ws/halls/v/view/director-readonly", (4401, 4403, 4403, 4403, 4403, "ok")),
    ("/ws/halls/t/events", (4401, 4403, 4403, "ok", 4403, "ok")),
    ("/ws/halls/t/view/window-1", (4401, 4403, "ok", "ok", 4403, "ok")),
]


@pytest.mark.parametrize(("path", "expected"), SOCKETS)
@pytest.mark.parametrize("role", ROLES)
def test_websockets(
    setup: tuple[Hub, dict[str, str | None]], role: str, path: str, expected: tuple[str | int, ...]
) -> None:
    hub, tokens = setup
    token = tokens[role]
    url = hub.ws + path + (f"?token={token}" if token else "")
    try:
        with connect(url, open_timeout=5) as ws:
            got: str | int = "ok" if ws.recv(timeout=5) else "empty"
    except ConnectionClosed as e:
        got = e.rcvd.code if e.rcvd else "closed"
    assert got == expected[ROLES.index(role)]


COMMANDS: list[dict[str, Any]] = [
    {"type": "presence.set", "window": 1, "post": "A", "state": "present"},
    {"type": "cover.start", "window": 1},
    {"type": "ticket.issue", "service": "A"},
    {"type": "ticket.call", "window": 1},
    {"type": "rating.give", "window": 1, "score": 5},
    {"type": "alert.ack", "alert": "uncovered-1-0"},
    {"type": "window.close", "window": 1},
    {"type": "appeal.file", "record": "R1", "reason": "x"},
    {
        "type": "leave.register",
        "staff": "a2",
        "kind": "training",
        "from": "2030-01-07T08:00:00+08:00",
        "until": "2030-01-07T12:00:00+08:00",
    },
]


@pytest.mark.parametrize("hall", ["t", "v"])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c["type"])
def test_a_supervisor_acts_on_nothing(
    setup: tuple[Hub, dict[str, str | None]], hall: str, command: dict[str, Any]
) -> None:
    hub, tokens = setup
    before = httpx.get(f"{hub.url}/api/halls/{hall}/state").json()["last_event_id"]
    with hub.client(tokens["supervisor"]) as c:
        r = c.post(f"/api/halls/{hall}/commands", json=command)
    assert (r.status_code, r.json()["error"]) == (403, "forbidden"), r.text
    assert httpx.get(f"{hub.url}/api/halls/{hall}/state").json()["last_event_id"] == before


def test_supervisors_sign_in_at_the_district(setup: tuple[Hub, dict[str, str | None]]) -> None:
    hub, _ = setup
    assert login(hub, "licheng", "lin", "9999").status_code == 401  # wrong PIN
    assert login(hub, "licheng", "boss").status_code == 401  # a hall's staff, not the district's
    assert login(hub, "t", "lin").status_code == 401  # a supervisor, not a hall's staff
    assert login(hub, "chaoyang", "lin").json()["error"] == "unknown_hall"
    refused = cli(hub, "pin", "zhang", "--hall", "licheng", stdin=PIN + "\n")
    assert refused.returncode != 0
    assert "district licheng has no supervisor 'zhang'" in refused.stderr
    form = {"hall": "licheng", "staff": "lin", "pin": PIN, "next": "/"}
    r = httpx.post(hub.url + "/login", data=form, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/overview")  # their own place
    with httpx.Client(base_url=hub.url, cookies=r.cookies) as browser:
        assert browser.get("/me", follow_redirects=False).headers["location"] == "/overview"
        page = browser.get("/overview").text
        assert "鲤城区" in page and 'id="ov-t"' in page and 'id="ov-v"' not in page
        director = browser.get("/halls/t/director").text
        assert "director-readonly" in director and "btn-ack" not in director


def test_the_overview_in_the_order_of_attention_live(
    setup: tuple[Hub, dict[str, str | None]],
) -> None:
    hub, tokens = setup
    supervisor = {"authorization": f"Bearer {tokens['supervisor']}"}

    def overview(token: str | None = None) -> list[dict[str, Any]]:
        headers = {"authorization": f"Bearer {token}"} if token else supervisor
        r = httpx.get(hub.url + "/api/overview", headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["district"] == {"id": "licheng", "name": "鲤城区", "name_en": ""}
        halls: list[dict[str, Any]] = body["halls"]
        return halls

    assert [h["hall"] for h in overview()] == ["t", "u"]  # all calm: by id
    state = httpx.get(hub.url + "/api/halls/u/state", headers=supervisor).json()
    assert "alerts" in state and "cover" in state["windows"][0]  # the director page's detail
    assert [h["hall"] for h in overview(ADMIN)] == ["t", "u", "v"]
    url = f"{hub.ws}/ws/overview?token={tokens['supervisor']}&lang=en"
    with connect(url, open_timeout=5) as ws:
        first = str(ws.recv(timeout=5))
        assert 'id="ov-t"' in first and 'id="ov-u"' in first and "ov-v" not in first
        with hub.client() as admin:
            for command in (
                {"type": "presence.set", "window": 2, "post": "A", "state": "present"},
                {"type": "presence.set", "window": 2, "post": "A", "state": "away"},
            ):
                assert admin.post("/api/halls/u/commands", json=command).status_code == 200
        top = wait_for(lambda: overview()[0]["uncovered_windows"] and overview()[0], 10, "u up")
        assert (top["hall"], top["uncovered_windows"], top["open_alerts"]) == ("u", 1, 1)
        assert top["attention"] and top["href"] == "/halls/u/director"

        def row_of_u() -> str:
            frame = str(ws.recv(timeout=5))
            return frame if 'id="ov-u"' in frame and 'data-uncovered="1"' in frame else ""

        frame = wait_for(row_of_u, 10, "u's row, uncovered, over the socket")
        assert 'id="ov-t"' not in frame  # only what changed: u's row and the totals
        assert 'data-order="9998.9998.' in frame


def test_a_bad_district_file_stops_the_hub_and_check_says_why(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "halls", DISTRICT.replace('["v"]', '["v", "w"]'))
    for argv in (["check", str(folder)], ["serve", "--config", str(folder), "--port", "1"]):
        done = subprocess.run(
            [sys.executable, "-m", "hall", *argv], capture_output=True, text=True, timeout=60
        )
        assert done.returncode != 0
        assert "district.toml: supervisors[1].halls[1]: unknown hall id 'w'" in done.stderr
    good = subprocess.run(
        [sys.executable, "-m", "hall", "check", str(write_folder(tmp_path / "ok"))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert good.returncode == 0
    assert "district licheng (鲤城区), 2 supervisors, 3 of 3 halls supervised" in good.stdout


def test_signing_out_closes_the_overview_at_once(setup: tuple[Hub, dict[str, str | None]]) -> None:
    hub, _ = setup
    token = login(hub, "licheng", "lin").json()["token"]
    with connect(f"{hub.ws}/ws/overview?token={token}", open_timeout=5) as ws:
        assert 'id="ov-t"' in str(ws.recv(timeout=5))
        done = subprocess.run(
            [sys.executable, "-m", "hall", "token", "--redis", hub.redis_url, "revoke", token],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    assert (
        httpx.get(
            hub.url + "/api/overview", headers={"authorization": f"Bearer {token}"}
        ).status_code
        == 401
    )
