"""Every page, in Chinese and in English, at its device's size, in a lived-in hall: axe-core
finds no critical or serious violation, and a screenshot of each lands in
artifacts/screenshots/ as `<page>-<width>x<height>-<lang>.png` for people to look at."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.support.halls import hall_toml
from tests.support.hubs import ADMIN, Hub, device_token
from tests.support.records import log_and_archive
from tests.support.wait import wait_for

from .axe import axe_version, report, violations
from .browse import give_pin, log_in, shoot, wait_live
from .conftest import BrowserLog

pytestmark = pytest.mark.e2e

WALL = {"width": 1920, "height": 1080}
TABLET = {"width": 1280, "height": 800}
KIOSK = {"width": 1080, "height": 1920}
DISPLAY = {"width": 1280, "height": 400}
PAD = {"width": 800, "height": 1280}
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1440, "height": 900}


@pytest.fixture
def hall_file() -> str:
    """English names and 工号 for everyone; cover asked for 3 s into an absence."""
    return hall_toml(
        english=True,
        staff_number=lambda staff: f"KY-{staff.upper()}",
        cover_after="3s",
        escalate_after="2s",
    )


def lived_in(api: Callable[..., dict[str, Any]]) -> None:
    """Window 1 serving (one ticket finished there: its pad offers the rating), window 2
    covered by its B-post, window 3 uncovered; residents waiting."""
    for window in (1, 2, 3):
        api(type="presence.set", window=window, post="A", state="present")
    api(type="presence.set", window=3, post="A", state="away", reason="meeting")
    api(type="presence.set", window=2, post="A", state="away", reason="break")
    api(type="cover.start", window=2)
    for service in ("A", "A", "A", "B", "B", "A"):
        api(type="ticket.issue", service=service)
    api(type="ticket.call", window=1)
    api(type="ticket.finish", window=1)
    api(type="ticket.call", window=1)
    api(type="ticket.call", window=2)


def archive_holds_the_log(hub: Hub) -> bool:
    """Every event of the log is in the records database (read in a thread of its own:
    Playwright's sync API keeps an event loop in this one)."""
    with ThreadPoolExecutor(1) as pool:
        log, archive = pool.submit(log_and_archive, hub.redis_url, None, hub.data, "t").result()
    return bool(log) and [e[0] for e in log] == [e[0] for e in archive]


def check(page: Page, screenshots: Path, name: str, lang: str) -> None:
    size = page.viewport_size
    assert size is not None
    found = violations(page)
    shoot(page, screenshots, f"{name}-{size['width']}x{size['height']}-{lang}")
    assert not found, f"{name} ({lang}), axe {axe_version()}:\n{report(found)}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_is_accessible_at_its_size(
    new_page: Callable[..., Page],
    hub: Hub,
    api: Callable[..., dict[str, Any]],
    screenshots: Path,
    browser_log: BrowserLog,
    lang: str,
) -> None:
    browser_log.allow(
        r"/halls/t/(kiosk|windows/1/rating)\?lang=[a-zA-Z-]+:0: Failed to load resource: "
        r"the server responded with a status of 401 \(Unauthorized\)$",
        "a device page without its token answers 401 with the set-up page, on purpose",
    )
    lived_in(api)
    q = "?lang=en" if lang == "en" else "?lang=zh-CN"
    locale = "en-GB" if lang == "en" else "zh-CN"

    def page_at(size: dict[str, int], **options: Any) -> Page:
        # bypass_csp: axe is injected as a script, which the pages' CSP rightly refuses
        return new_page(viewport=size, locale=locale, bypass_csp=True, **options)

    def open_live(page: Page, path: str, sep: str = "?") -> None:
        page.goto(hub.url + path + (q if sep == "?" else "&" + q[1:]))
        wait_live(page)

    wall = page_at(WALL)
    open_live(wall, "/halls/t/wall")
    expect(wall.locator("#window-3")).to_have_attribute("data-status", "uncovered", timeout=6_000)
    check(wall, screenshots, "wall", lang)

    kiosk_token = device_token(hub, "kiosk")
    kiosk = page_at(KIOSK)
    open_live(kiosk, f"/halls/t/kiosk?token={kiosk_token}&print=0", sep="&")
    check(kiosk, screenshots, "kiosk", lang)
    kiosk.goto(f"{hub.url}/halls/t/kiosk?token={kiosk_token}&check=1&{q[1:]}")
    check(kiosk, screenshots, "kiosk-check", lang)
    setup = page_at(KIOSK)
    setup.goto(f"{hub.url}/halls/t/kiosk{q}")
    check(setup, screenshots, "kiosk-setup", lang)

    display = page_at(DISPLAY)
    open_live(display, f"/halls/t/windows/2/display?token={device_token(hub, 'display')}", "&")
    check(display, screenshots, "display", lang)

    pad = page_at(PAD)
    rating = device_token(hub, "rating", "--window", "1")
    open_live(pad, f"/halls/t/windows/1/rating?token={rating}", sep="&")
    check(pad, screenshots, "rating", lang)
    pad_setup = page_at(PAD)
    pad_setup.goto(f"{hub.url}/halls/t/windows/1/rating{q}")
    check(pad_setup, screenshots, "rating-setup", lang)

    phone = page_at(PHONE, is_mobile=True, device_scale_factor=2)
    open_live(phone, "/halls/t/tickets/A004")
    check(phone, screenshots, "ticket", lang)

    login = page_at(TABLET)
    login.goto(f"{hub.url}/login{q}")
    check(login, screenshots, "login", lang)

    give_pin(hub, "a1")
    tablet = page_at(TABLET)
    log_in(tablet, hub, "/halls/t/windows/1", "a1")
    open_live(tablet, "/halls/t/windows/1")
    check(tablet, screenshots, "tablet", lang)

    give_pin(hub, "b2", "97531")
    me = page_at(PHONE, is_mobile=True, device_scale_factor=2)
    log_in(me, hub, "/me", "b2", "97531")
    open_live(me, "/me")
    check(me, screenshots, "me", lang)

    give_pin(hub, "boss", "86420")
    director = page_at(DESK)
    log_in(director, hub, "/halls/t/director", "boss", "86420")
    open_live(director, "/halls/t/director")
    check(director, screenshots, "director", lang)

    # --- records: replay --- (the lived-in morning, archived, at this minute)
    wait_for(lambda: archive_holds_the_log(hub), 15, "the archive holds the day")
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    director.goto(f"{hub.url}/halls/t/records/replay{q}&minute={now.hour * 60 + now.minute}")
    expect(director.frame_locator("#replay-frame").locator("#window-3")).to_have_attribute(
        "data-status", "uncovered"
    )
    check(director, screenshots, "replay", lang)
    # the operator's view of the overview (a supervisor's, of 50 halls: test_overview.py)
    overview = page_at(DESK)
    open_live(overview, f"/overview?token={ADMIN}", sep="&")
    check(overview, screenshots, "overview-admin", lang)

    # --- records: pages --- (the lived-in morning: late arrivals, a3's uncovered absence)
    director.goto(f"{hub.url}/halls/t/records{q}")
    expect(director.locator("#sheet-a3")).to_be_visible()
    check(director, screenshots, "records-sheet", lang)
    director.goto(f"{hub.url}/halls/t/records/staff/a3{q}")
    expect(director.locator(".record").first).to_be_visible()
    check(director, screenshots, "records-clerk", lang)
    director.goto(f"{hub.url}/halls/t/records/services{q}")
    expect(director.locator("#records-hours")).to_be_visible()
    check(director, screenshots, "records-figures", lang)
    tablet.goto(f"{hub.url}/halls/t/records/staff/a1{q}")  # a1's own: the appeal form
    expect(tablet.locator(".appeal-form").first).to_be_visible()
    check(tablet, screenshots, "records-own", lang)
