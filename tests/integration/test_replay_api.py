"""`GET /api/halls/{hall}/records/replay?at=` against a real hub, on each records database:
the replay at a moment is what `GET /state` showed at that moment; who may ask; every bad
`at` a precise 400; 503 while the records database does not answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.support.hubs import Hub, device_token, hubs, set_pin
from tests.support.postgres import Postgres
from tests.support.records import log_and_archive
from tests.support.wait import wait_for

REPLAY = "/api/halls/t/records/replay"


def command(client: httpx.Client, **body: Any) -> list[dict[str, Any]]:
    r = client.post("/api/halls/t/commands", json=body)
    assert r.status_code == 200, r.text
    events: list[dict[str, Any]] = r.json()["events"]
    return events


def archived(hub: Hub, database_url: str | None, tmp_path: Path) -> bool:
    """Every event of the log is in the records database."""
    log, archive = log_and_archive(hub.redis_url, database_url, tmp_path / "var", "t")
    return bool(log) and [e[0] for e in log] == [e[0] for e in archive]


def login(hub: Hub, staff: str) -> str:
    set_pin(hub, staff, "2468").check_returncode()
    r = httpx.post(hub.url + "/api/login", json={"hall": "t", "staff": staff, "pin": "2468"})
    return str(r.json()["token"])


def test_a_replay_is_what_get_state_showed_at_that_moment(
    redis_url: str, database_url: str, tmp_path: Path
) -> None:
    with hubs(redis_url, tmp_path, 1, database=database_url) as (hub,), hub.client() as admin:
        shown: list[dict[str, Any]] = []

        def look() -> None:
            r = admin.get("/api/halls/t/state")
            assert r.status_code == 200
            shown.append(r.json())

        look()  # the day so far: opened, nobody arrived
        command(admin, type="presence.set", window=1, post="A", state="present")
        for service in ("A", "A", "B"):
            command(admin, type="ticket.issue", service=service)
        look()
        (call,) = command(admin, type="ticket.call", window=1)
        command(admin, type="presence.set", window=2, post="A", state="present")
        command(admin, type="presence.set", window=2, post="A", state="away", reason="meeting")
        look()
        command(admin, type="ticket.finish", window=1)
        command(admin, type="cover.start", window=2)
        command(admin, type="ticket.call", window=2)
        look()

        wait_for(lambda: archived(hub, database_url, tmp_path), 15, "the archive caught up")
        assert len({s["last_event_id"] for s in shown}) == 4  # four different moments
        for state in shown:
            r = admin.get(REPLAY, params={"at": state["at"]})
            assert r.status_code == 200, r.text
            assert r.json() == state
        # The call's own moment holds it; a microsecond before, A001 still waits.
        called = admin.get(REPLAY, params={"at": call["at"]}).json()
        assert (called["last_event_id"], called["windows"][0]["serving"]["number"]) == (
            call["id"],
            "A001",
        )
        before = datetime.fromisoformat(call["at"]) - timedelta(microseconds=1)
        earlier = admin.get(REPLAY, params={"at": before.isoformat()}).json()
        assert earlier["windows"][0]["serving"] is None
        assert [t["status"] for t in earlier["queue"]] == ["waiting"] * 3


def test_who_may_replay_and_every_bad_moment(hub: Hub, tmp_path: Path) -> None:
    now = datetime.now().astimezone()
    with hub.client() as admin:
        assert admin.get(REPLAY, params={"at": now.isoformat()}).status_code == 200
        cases = {
            "": "required",
            "yesterday": "not an ISO 8601 time",
            "2026-03-02T10:00:00": "no UTC offset",
            (now + timedelta(minutes=5)).isoformat(): "in the future",
        }
        for at, words in cases.items():
            r = admin.get(REPLAY, params={"at": at})
            assert r.status_code == 400, at
            assert r.json()["error"] == "invalid_field" and words in r.json()["message"]
        # An unencoded `+` arrives as a space: still the offset's sign.
        plain = f"{hub.url}{REPLAY}?at={(now - timedelta(seconds=1)).isoformat()}"
        assert admin.get(plain).status_code == 200
        assert admin.get("/api/halls/nope/records/replay", params={"at": "x"}).status_code == 404
    director = login(hub, "boss")
    clerk = login(hub, "a1")
    at = {"at": now.isoformat()}
    for token, status in (
        (None, 401),
        (director, 200),
        (clerk, 403),
        (device_token(hub, "integration"), 403),
        (device_token(hub, "kiosk"), 403),
    ):
        with hub.client(token) as client:
            r = client.get(REPLAY, params=at)
            assert r.status_code == status, (token, r.text)


def test_503_while_the_records_database_does_not_answer(
    redis_url: str, own_postgres: Postgres, tmp_path: Path
) -> None:
    url = own_postgres.create_database()
    with hubs(redis_url, tmp_path, 1, database=url) as (hub,), hub.client() as admin:
        at = {"at": datetime.now().astimezone().isoformat()}
        wait_for(lambda: admin.get(REPLAY, params=at).status_code == 200, 15, "records answer")
        own_postgres.stop()
        r = admin.get(REPLAY, params=at)
        assert r.status_code == 503
        assert r.json()["error"] == "unavailable" and "records database" in r.json()["message"]
        assert admin.get("/api/halls/t/state").status_code == 200  # the live hall goes on
        own_postgres.start()
        wait_for(lambda: admin.get(REPLAY, params=at).status_code == 200, 20, "back")
