"""Who may open the records pages, on a real hub: the director and the admin everything; a
clerk their own month (the sheet sends them there), 403 on another's and on the services;
device tokens 403; nobody signed in to the login. Bad inputs are 400 with the picker still
there, an unknown clerk 404; the pages answer in both languages; the duty page lists the
clerk's records; the director's page links the records."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.hubs import ADMIN, Hub, device_token, hubs, set_pin
from tests.support.postgres import Postgres
from tests.support.wait import wait_for

PIN = "1357"
SHEET, SERVICES = "/halls/t/records", "/halls/t/records/services"


def session(hub: Hub, staff: str) -> httpx.Client:
    """A browser-like client signed in as `staff` (the session cookie)."""
    set_pin(hub, staff, PIN).check_returncode()
    client = httpx.Client(base_url=hub.url, timeout=10)
    r = client.post("/api/login", json={"hall": "t", "staff": staff, "pin": PIN})
    assert r.status_code == 200, r.text
    return client


def command(hub: Hub, body: dict[str, Any]) -> dict[str, Any]:
    with hub.client() as client:
        r = client.post("/api/halls/t/commands", json=body)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


@pytest.fixture
def hub(redis_url: str, tmp_path: Path) -> Any:
    with hubs(redis_url, tmp_path, 1) as (hub,):
        yield hub


def test_who_may_open_the_records_pages(hub: Hub) -> None:
    done = command(hub, {"type": "presence.set", "window": 1, "post": "A", "state": "present"})
    (late,) = [e for e in done["events"] if e["type"] == "arrival.late"]
    boss, a1 = session(hub, "boss"), session(hub, "a1")
    kiosk, display = device_token(hub, "kiosk"), device_token(hub, "display")
    own = "/halls/t/records/staff/a1"
    other = "/halls/t/records/staff/a2"
    with closing(boss), closing(a1), httpx.Client(base_url=hub.url, timeout=10) as anonymous:
        cases: list[tuple[httpx.Client, str, dict[str, str], int]] = [
            (boss, SHEET, {}, 200),
            (boss, other, {}, 200),
            (boss, SERVICES, {}, 200),
            (a1, own, {}, 200),
            (a1, other, {}, 403),
            (a1, SERVICES, {}, 403),
            (anonymous, SHEET, {"token": kiosk}, 403),
            (anonymous, own, {"token": kiosk}, 403),
            (anonymous, SERVICES, {"token": display}, 403),
            (boss, SHEET, {"month": "2026-13"}, 400),
            (boss, SHEET, {"month": "9999-01"}, 400),
            (boss, own, {"month": "march"}, 400),
            (boss, own, {"seen": "soon"}, 400),
            (boss, SERVICES, {"from": "2026-03-05", "until": "2026-03-01"}, 400),
            (boss, SERVICES, {"from": "yesterday"}, 400),
            (boss, "/halls/t/records/staff/nobody", {}, 404),
            (boss, "/halls/t/records/staff/UPPER", {}, 404),
        ]
        for client, path, params, status in cases:
            r = client.get(path, params=params)
            assert r.status_code == status, (path, params, r.status_code)
            assert r.headers["content-type"].startswith("text/html"), path
        # refusals say why in the page's words
        assert "只能查看自己的记录" in a1.get(other).text
        assert "月份应写作 YYYY-MM" in boss.get(SHEET, params={"month": "2026-13"}).text
        assert "only" in a1.get(other, params={"lang": "en"}).text

        # nobody signed in: to the login, and back here after it
        for path in (SHEET, own, SERVICES):
            r = anonymous.get(path, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
        # a clerk asking for the sheet is sent to their own month
        r = a1.get(SHEET, params={"month": late["at"][:7]}, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, f"{own}?month={late['at'][:7]}")
        # the admin token, as a bearer header
        with hub.client(ADMIN) as admin:
            assert admin.get(other).status_code == 200

        # the record reaches the pages once archived; the director's page links them
        def shown() -> str | None:
            text = boss.get(own).text
            return text if f'data-record="{late["record"]}"' in text else None

        page = wait_for(shown, 10, "a1's late arrival on their month's page")
        assert "迟到（到岗）" in page and "计入" in page
        assert 'href="/halls/t/records"' in boss.get("/halls/t/director").text
        me = a1.get("/me", params={"lang": "zh-CN"}).text  # (the last page set English)
        assert "我的记录" in me and 'href="/halls/t/records/staff/a1?month=' in me
        assert 'class="me-record rs-standing"' in me
        english = boss.get(SHEET, params={"lang": "en"}).text
        assert "Attendance sheet," in english and "Signed (director):" in english


def test_the_records_database_down_the_pages_say_so_and_the_duty_page_goes_on(
    redis_url: str, own_postgres: Postgres, tmp_path: Path
) -> None:
    url = own_postgres.create_database()
    with hubs(redis_url, tmp_path, 1, database=url) as (hub,):
        a1 = session(hub, "a1")
        with closing(a1), hub.client(ADMIN) as admin:
            assert admin.get(SHEET).status_code == 200
            own_postgres.stop()
            for path in (SHEET, "/halls/t/records/staff/a1", SERVICES):
                r = admin.get(path)
                assert r.status_code == 503, path
                assert "记录数据库暂时无法访问" in r.text
            me = a1.get("/me")
            assert me.status_code == 200 and "记录暂时无法读取" in me.text
            assert 'id="duty-posts"' in me.text  # the rest of the page as ever
