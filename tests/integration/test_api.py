"""Every endpoint and error code of the contract, against a real hub and a real Redis; each
refusal leaves the state unchanged."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.support.hubs import ADMIN, Hub, device_token, set_pin
from tests.support.wait import wait_for


def state(hub: Hub) -> dict[str, Any]:
    r = httpx.get(hub.url + "/api/halls/t/state")
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


def command(c: httpx.Client, body: Any, hall: str = "t") -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return c.post(f"/api/halls/{hall}/commands", content=raw)


def login(hub: Hub, staff: str, pin: str, client: str | None = None) -> httpx.Response:
    """`client`: the address it comes from, as a proxy on this machine would say."""
    headers = {"x-forwarded-for": client} if client else {}
    body = {"hall": "t", "staff": staff, "pin": pin}
    return httpx.post(hub.url + "/api/login", json=body, headers=headers)


def test_health_halls_state_openapi(hub: Hub) -> None:
    # (the test hall ignores the national calendar: no warning of its data ending)
    health = httpx.get(hub.url + "/healthz").json()
    assert set(health.pop("archive")) == {"database", "lag_seconds"}  # test_archiver.py
    assert health.pop("halls") == {"configured": 1, "tailed": 0}  # test_follow.py
    assert health == {"status": "ok", "redis": "up", "reader": "up"}
    halls = httpx.get(hub.url + "/api/halls").json()
    assert halls == {"halls": [{"id": "t", "name": "测试大厅", "timezone": "Asia/Shanghai"}]}
    s = state(hub)
    assert set(s) == {
        "hall",
        "name",
        "at",
        "last_event_id",
        "open",
        "windows",
        "queue",
        "occupancy",
    }
    assert s["open"] is True and s["at"].endswith("+08:00")
    w = s["windows"][0]
    assert set(w) == {
        "number", "name", "status", "serving_status", "services", "a", "b", "serving",
        "waiting", "arrived",
    }  # fmt: skip
    assert set(w["a"]) >= {"staff", "name", "state", "since"}
    assert w["a"]["since"] is None  # public: no minutes to count (public_detail = false)
    with hub.client() as admin:
        detail = admin.get("/api/halls/t/state").json()
    assert set(detail) >= {*s, "alerts", "leaves"}
    assert detail["windows"][0]["a"]["since"] and "cover" in detail["windows"][0]
    assert set(s["occupancy"]) == {
        "in_hall", "waiting", "being_served", "staffed_windows", "open_windows", "windows"
    }  # fmt: skip
    doc = httpx.get(hub.url + "/api/openapi.json").json()
    assert "/api/halls/{hall}/commands" in doc["paths"]
    assert "TicketIssue" in doc["components"]["schemas"]
    metrics = httpx.get(hub.url + "/metrics").text
    assert "hall_commands_total" in metrics or "hall_commands" in metrics


def test_a_command_round_trip(hub: Hub) -> None:
    with hub.client() as c:
        r = command(c, {"type": "ticket.issue", "service": "A", "priority": True})
    assert r.status_code == 200, r.text
    (event,) = [e for e in r.json()["events"] if e["type"] == "ticket.issued"]
    assert event["ticket"]["number"] == "A001" and event["ticket"]["priority"] is True
    assert event["hall"] == "t" and "-" in event["id"] and event["at"].endswith("+08:00")
    s = state(hub)
    assert s["queue"][0]["number"] == "A001"
    assert s["last_event_id"] == r.json()["events"][-1]["id"]


@pytest.mark.parametrize(
    ("body", "token", "hall", "status", "code"),
    [
        (b"x" * (17 * 1024), ADMIN, "t", 413, "too_large"),
        ({"type": "ticket.call", "window": 1}, None, "t", 401, "unauthorized"),
        ({"type": "ticket.call", "window": 1}, "t.not-a-real-token", "t", 401, "unauthorized"),
        ({"type": "ticket.call", "window": 1}, ADMIN, "nowhere", 404, "unknown_hall"),
        (b"{oops", ADMIN, "t", 400, "malformed"),
        (b"[]", ADMIN, "t", 400, "malformed"),
        ({"window": 1}, ADMIN, "t", 400, "malformed"),
        ({"type": "ticket.fly"}, ADMIN, "t", 400, "unknown_type"),
        ({"type": "ticket.call", "window": "one"}, ADMIN, "t", 400, "invalid_field"),
        ({"type": "rating.give", "window": 1, "score": 9}, ADMIN, "t", 400, "invalid_field"),
        ({"type": "ticket.call", "window": 9}, ADMIN, "t", 404, "unknown_window"),
        ({"type": "ticket.issue", "service": "Q"}, ADMIN, "t", 404, "unknown_service"),
        ({"type": "ticket.call", "window": 1}, ADMIN, "t", 409, "no_ticket"),
        ({"type": "cover.end", "window": 1}, ADMIN, "t", 409, "not_covering"),
    ],
)
def test_refusals_are_precise_and_change_nothing(
    hub: Hub, body: Any, token: str | None, hall: str, status: int, code: str
) -> None:
    before = state(hub)
    with hub.client(token) as c:
        r = command(c, body, hall)
    assert r.status_code == status, r.text
    assert r.json()["error"] == code and r.json()["message"]
    after = state(hub)
    assert after["last_event_id"] == before["last_event_id"]
    assert after["windows"] == before["windows"] and after["queue"] == before["queue"]


def test_roles_and_device_tokens(hub: Hub) -> None:
    kiosk = device_token(hub, "kiosk")
    display = device_token(hub, "display")
    with hub.client(kiosk) as c:
        assert command(c, {"type": "ticket.issue", "service": "B"}).status_code == 200
        r = command(c, {"type": "ticket.call", "window": 3})
        assert (r.status_code, r.json()["error"]) == (403, "forbidden")
    with hub.client(display) as c:
        assert command(c, {"type": "ticket.issue", "service": "B"}).status_code == 403
        assert c.get("/api/halls/t/events").status_code == 403
    # revoked at once, on the hub that never saw it issued
    argv = [sys.executable, "-m", "hall", "token", "--redis", hub.redis_url, "revoke", kiosk]
    subprocess.run(argv, check=True, capture_output=True)
    with hub.client(kiosk) as c:
        assert command(c, {"type": "ticket.issue", "service": "B"}).status_code == 401


def test_pin_login_cookie_csrf_and_rate_limit(hub: Hub) -> None:
    assert set_pin(hub, "a1", "12ab").returncode != 0  # not digits
    done = set_pin(hub, "a1", "2468")
    assert done.returncode == 0, done.stderr
    assert "2468" not in done.stdout + done.stderr  # never echoed
    assert login(hub, "a1", "1111").status_code == 401
    ok = login(hub, "a1", "2468")
    assert ok.status_code == 200
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    token = ok.json()["token"]
    with hub.client(token) as c:
        r = command(c, {"type": "presence.set", "window": 1, "post": "A", "state": "present"})
        assert r.status_code == 200, r.text
        r = command(c, {"type": "presence.set", "window": 2, "post": "A", "state": "present"})
        assert r.status_code == 403
    # the browser's way: the cookie alone is not enough for a POST, the CSRF header is
    with httpx.Client(base_url=hub.url, cookies={"hall_session": token}) as browser:
        r = command(browser, {"type": "presence.set", "window": 1, "post": "A", "state": "away"})
        assert r.status_code == 403
    # Each PIN check is counted before it is made, a correct one given back. One client (the
    # wrong 1111 above was its first) may check a1 three times a minute...
    assert [login(hub, "a1", "0000").status_code for _ in range(3)] == [401, 401, 429]
    limited = login(hub, "a1", "2468")
    assert limited.status_code == 429 and 0 < int(limited.headers["retry-after"]) <= 60
    # ... so the account stays open to everyone else: five checks a minute in all
    assert login(hub, "a1", "2468", "10.0.0.2").status_code == 200  # (given back)
    assert [login(hub, "a1", "0000", "10.0.0.3").status_code for _ in range(2)] == [401, 401]
    assert login(hub, "a1", "2468", "10.0.0.4").status_code == 429  # five wrong: a1 waits


def test_command_rate_limit_per_token(hub: Hub) -> None:
    """30 a second in bursts of 30, per token: 90 commands sent at once (so that the
    refill cannot keep up however slow the machine) see the bucket run dry."""
    token = device_token(hub, "kiosk")

    async def burst() -> list[httpx.Response]:
        headers = {"authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=hub.url, headers=headers, timeout=30) as c:
            body = {"type": "ticket.issue", "service": "A"}
            return await asyncio.gather(
                *(c.post("/api/halls/t/commands", json=body) for _ in range(90))
            )

    answers = asyncio.run(burst())
    codes = [r.status_code for r in answers]
    assert set(codes) == {200, 429} and codes.count(200) >= 30, codes
    limited = next(r for r in answers if r.status_code == 429)
    assert limited.json()["error"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
    with hub.client(token) as c:  # the bucket refills
        wait_for(lambda: command(c, {"type": "ticket.issue", "service": "B"}).status_code == 200, 5)
    with hub.client() as admin:  # the operator is not throttled
        assert all(
            command(admin, {"type": "ticket.issue", "service": "B"}).status_code == 200
            for _ in range(40)
        )


def test_events_endpoint(hub: Hub) -> None:
    with hub.client() as c:
        ids = [
            command(c, {"type": "ticket.issue", "service": "A"}).json()["events"][-1]["id"]
            for _ in range(5)
        ]
        all_events = c.get("/api/halls/t/events", params={"limit": 1000}).json()
        assert all_events["last_id"] == ids[-1]
        page = c.get("/api/halls/t/events", params={"after": ids[1], "limit": 2}).json()
        assert [e["id"] for e in page["events"]] == ids[2:4] and page["last_id"] == ids[3]
        tail = c.get("/api/halls/t/events", params={"after": ids[-1]}).json()
        assert tail == {"events": [], "last_id": ids[-1]}
        assert c.get("/api/halls/t/events", params={"limit": 5000}).status_code == 200
        bad = c.get("/api/halls/t/events", params={"limit": 0})
        assert (bad.status_code, bad.json()["error"]) == (400, "invalid_field")
        assert c.get("/api/halls/t/events", params={"after": "yesterday"}).status_code == 400
    assert httpx.get(hub.url + "/api/halls/t/events").status_code == 401
    integration = device_token(hub, "integration")
    with hub.client(integration) as c:
        assert c.get("/api/halls/t/events").status_code == 200


def test_idempotent_commands(two_hubs: list[Hub]) -> None:
    a, b = two_hubs
    body = {"id": "kiosk-7-0001", "type": "ticket.issue", "service": "A"}
    with a.client() as ca, b.client() as cb:
        first = command(ca, body)
        again = command(cb, {"service": "A", "type": "ticket.issue", "id": "kiosk-7-0001"})
        assert first.status_code == again.status_code == 200
        # the first result again (ticket_view, the kiosk's extension, is as of now)
        assert (
            first.content.split(b',"ticket_view"')[0] == again.content.split(b',"ticket_view"')[0]
        )
        assert first.json()["ticket_view"]["number"] == again.json()["ticket_view"]["number"]
        other = command(cb, {**body, "service": "B"})
        assert (other.status_code, other.json()["error"]) == (409, "id_reused")
        events = ca.get("/api/halls/t/events").json()["events"]
    assert [e["type"] for e in events].count("ticket.issued") == 1
    # a refused command is not recorded: its retry is decided anew
    with a.client() as ca:
        refused = command(ca, {"id": "c-1", "type": "ticket.call", "window": 3})
        assert refused.status_code == 409
        assert command(ca, {"id": "c-2", "type": "ticket.issue", "service": "B"}).status_code == 200
        assert command(ca, {"id": "c-1", "type": "ticket.call", "window": 3}).status_code == 200


def test_a_repeated_id_does_not_bypass_roles(hub: Hub) -> None:
    body = {"id": "same-1", "type": "presence.set", "window": 1, "post": "A", "state": "present"}
    with hub.client() as admin:
        assert command(admin, body).status_code == 200
    with hub.client(device_token(hub, "display")) as display:
        r = command(display, body)
    assert (r.status_code, r.json()["error"]) == (403, "forbidden")


def test_odd_requests_get_json_errors(hub: Hub) -> None:
    with hub.client() as c:
        r = c.get("/api/halls/t/events", params={"after": "99999999999999999999-0"})
        assert (r.status_code, r.json()["error"]) == (400, "invalid_field")
        r = c.get("/api/nothing-here")
        assert (r.status_code, r.json()["error"]) == (404, "not_found")
        r = c.delete("/api/halls/t/commands")
        assert (r.status_code, r.json()["error"]) == (405, "method_not_allowed")
        r = c.post("/api/login", content=b"[1]")
        assert (r.status_code, r.json()["error"]) == (400, "malformed")


def test_kiosk_issue_returns_what_the_ticket_prints(hub: Hub) -> None:
    with hub.client(device_token(hub, "kiosk")) as c:
        first = command(c, {"type": "ticket.issue", "service": "A"}).json()
        second = command(c, {"type": "ticket.issue", "service": "A"}).json()
    view = second["ticket_view"]
    assert first["ticket_view"]["ahead"] == 0
    # Nobody serves A yet: no window calls it now, no wait is promised.
    assert (view["number"], view["ahead"], view["windows"]) == ("A002", 1, [])
    assert (view["all_windows"], view["wait_minutes"]) == ([1, 2], None)
    with hub.client() as admin:
        command(admin, {"type": "presence.set", "window": 2, "post": "A", "state": "present"})
    with hub.client(device_token(hub, "kiosk")) as c:
        third = command(c, {"type": "ticket.issue", "service": "A"}).json()["ticket_view"]
    assert (third["windows"], third["ahead"], third["wait_minutes"]) == ([2], 2, 16)
    day = datetime.fromisoformat(second["events"][-1]["ticket"]["issued_at"]).date()
    assert view["url"].startswith(f"{hub.url}/halls/t/tickets/{day}/A002?k=")  # its day, its key
    qr = httpx.get(hub.url + view["qr_url"])
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.text.lstrip().startswith("<svg")
    # without the key nobody gets the QR (it carries the key)
    assert httpx.get(hub.url + view["qr_url"].split("?")[0]).status_code == 403
    old = httpx.get(f"{hub.url}/halls/t/tickets/A002?k=x", follow_redirects=False)
    assert old.headers["location"] == f"/halls/t/tickets/{day}/A002?k=x"


def test_a_resident_rates_their_ticket_with_its_key_and_staff_cannot(hub: Hub) -> None:
    with hub.client(device_token(hub, "kiosk")) as kiosk:
        view = command(kiosk, {"type": "ticket.issue", "service": "A"}).json()["ticket_view"]
    key = view["url"].split("?k=")[1]
    path = view["url"].split("?")[0].removeprefix(hub.url)
    with hub.client() as admin:
        command(admin, {"type": "ticket.call", "window": 1})
        command(admin, {"type": "ticket.finish", "window": 1})
    rate = f"/api{path}/rating"
    r = httpx.post(hub.url + rate, json={"key": "wrong", "window": 1, "score": 1})
    assert (r.status_code, r.json()["error"]) == (403, "forbidden")
    r = httpx.post(hub.url + rate, json={"key": key, "window": 1, "score": 4})
    (given,) = r.json()["events"]
    assert (given["type"], given["score"], given["source"]) == ("rating.given", 4, "ticket")
    r = httpx.post(hub.url + rate, json={"key": key, "window": 1, "score": 5})
    assert (r.status_code, r.json()["error"]) == (409, "already_rated")
