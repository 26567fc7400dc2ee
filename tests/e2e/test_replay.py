"""The day replay page in Chromium: a short morning driven through a real hub (its clock set
to 08:00:40 with HALL_CLOCK_OFFSET, so the commands fall in two minutes, 08:00 and 08:01),
archived, then replayed by the director: the page opens at the day's start with the wall as
it was, the slider moves it to 08:01 and back to an earlier minute, the bands' line follows,
and without a script the form shows a chosen minute."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.support.halls import hall_toml
from tests.support.hubs import Hub
from tests.support.records import log_and_archive
from tests.support.wait import wait_for

from .browse import give_pin

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
DESK = {"width": 1440, "height": 900}
PATH = "/halls/t/records/replay"


@pytest.fixture
def opening() -> datetime:
    return datetime.now(SHANGHAI).replace(hour=8, minute=0, second=0, microsecond=0)


@pytest.fixture
def hub_env(opening: datetime) -> dict[str, str]:
    """The hub's clock reads 08:00:40 as the test starts."""
    offset = (opening + timedelta(seconds=40)).timestamp() - time.time()
    return {"HALL_CLOCK_OFFSET": f"{offset:.3f}"}


@pytest.fixture
def hall_file() -> str:
    """One session, 08:00-08:30."""
    return hall_toml(sessions=("08:00:00-08:30:00",))


def hub_time(hub_env: dict[str, str]) -> datetime:
    return datetime.fromtimestamp(time.time() + float(hub_env["HALL_CLOCK_OFFSET"]), SHANGHAI)


def archived(hub: Hub) -> bool:
    """The archive holds the whole log (read in a thread of its own: Playwright's sync API
    keeps an event loop in this one)."""
    with ThreadPoolExecutor(1) as pool:
        log, archive = pool.submit(log_and_archive, hub.redis_url, None, hub.data, "t").result()
    return bool(log) and [e[0] for e in log] == [e[0] for e in archive]


def sign_in(page: Page, hub: Hub, path: str, staff: str = "boss") -> None:
    page.goto(hub.url + path)
    expect(page).to_have_url(hub.url + "/login?next=" + quote(path, safe=""))
    form = page.locator("form.login-form")
    form.locator("select[name=staff]").select_option(staff)
    form.locator("input[name=pin]").fill("2468")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(hub.url + path)


def drive_morning(api: Callable[..., dict[str, Any]], hub: Hub, hub_env: dict[str, str]) -> None:
    """08:00: window 1 staffed and calling A001. 08:01: window 2 staffed and calling B001,
    window 3's A-post away."""
    assert hub_time(hub_env).minute == 0, "the hub's clock should still be in 08:00"
    api(type="presence.set", window=1, post="A", state="present")
    api(type="ticket.issue", service="A")
    api(type="ticket.call", window=1)
    wait_for(lambda: hub_time(hub_env).minute >= 1, 30, "the hub's clock reaches 08:01")
    api(type="presence.set", window=2, post="A", state="present")
    api(type="presence.set", window=3, post="A", state="present")
    api(type="presence.set", window=3, post="A", state="away", reason="meeting")
    api(type="ticket.issue", service="B")
    api(type="ticket.call", window=2)
    wait_for(lambda: archived(hub), 15, "the archive holds the morning")


def test_the_slider_moves_the_wall_through_the_morning(
    new_page: Callable[..., Page],
    hub: Hub,
    hub_env: dict[str, str],
    api: Callable[..., dict[str, Any]],
    screenshots: Path,
) -> None:
    drive_morning(api, hub, hub_env)
    give_pin(hub, "boss")
    page = new_page(viewport=DESK)
    sign_in(page, hub, PATH)

    wall = page.frame_locator("#replay-frame")
    slider = page.locator("#replay-minute")
    time_shown = page.locator("#replay-time")
    # The day's start (the session's first minute): only window 1 had come.
    expect(slider).to_have_attribute("min", "480")  # 08:00
    expect(slider).to_have_value("480")
    expect(time_shown).to_have_text("08:00")
    expect(wall.locator("#window-1")).to_have_attribute("data-status", "staffed")
    expect(wall.locator("#window-2")).to_have_attribute("data-status", "unstaffed")
    expect(wall.locator("#calling > b")).to_have_text("A001")
    expect(wall.locator("#clock")).to_have_text("08:00")
    marker = page.locator("#replay-bands .marker")
    at_start = marker.get_attribute("x1")

    expect(page.locator("html")).to_have_class(re.compile(r"\bjs\b"))  # the script listens
    # One step right: 08:01, window 2 serving B001, window 3 away.
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(time_shown).to_have_text("08:01")
    expect(wall.locator("#window-2")).to_have_attribute("data-status", "staffed")
    expect(wall.locator("#window-3")).to_have_attribute("data-status", "away")
    expect(wall.locator("#calling > b")).to_have_text("B001")
    expect(wall.locator("#clock")).to_have_text("08:01")
    assert float(marker.get_attribute("x1") or 0) > float(at_start or 0)
    expect(page).to_have_url(f"{hub.url}{PATH}?minute=481")
    shoot_page(page, screenshots)

    # Today goes no further than now: the slider stops at 08:01.
    page.keyboard.press("End")
    expect(slider).to_have_value("481")

    # Back to an earlier minute: the wall as it was then.
    page.keyboard.press("ArrowLeft")
    expect(time_shown).to_have_text("08:00")
    expect(wall.locator("#window-2")).to_have_attribute("data-status", "unstaffed")
    expect(wall.locator("#window-3")).to_have_attribute("data-status", "unstaffed")
    expect(wall.locator("#calling > b")).to_have_text("A001")
    assert float(marker.get_attribute("x1") or 0) == float(at_start or 0)


def shoot_page(page: Page, folder: Path) -> None:
    page.evaluate("document.fonts.ready")
    page.screenshot(path=folder / "replay-slider-1440x900-zh.png")


def test_without_script_the_form_shows_the_chosen_minute(
    browser: Any, hub: Hub, hub_env: dict[str, str], api: Callable[..., dict[str, Any]]
) -> None:
    drive_morning(api, hub, hub_env)
    give_pin(hub, "boss")
    context = browser.new_context(viewport=DESK, java_script_enabled=False, locale="zh-CN")
    try:
        page = context.new_page()
        sign_in(page, hub, PATH)
        expect(page.locator("#replay-go")).to_be_visible()
        wall = page.frame_locator("#replay-frame")
        expect(wall.locator("#window-2")).to_have_attribute("data-status", "unstaffed")
        page.locator("#replay-minute").evaluate("el => { el.value = '481'; }")
        page.locator("#replay-go").click()
        expect(page).to_have_url(f"{hub.url}{PATH}?day={hub_time(hub_env).date()}&minute=481")
        expect(page.locator("#replay-time")).to_have_text("08:01")
        expect(wall.locator("#window-2")).to_have_attribute("data-status", "staffed")
    finally:
        context.close()


def test_a_clerk_is_refused_and_a_future_day_is_a_400(
    new_page: Callable[..., Page], hub: Hub, hub_env: dict[str, str], browser_log: Any
) -> None:
    for status in ("403 \\(Forbidden\\)", "400 \\(Bad Request\\)"):
        browser_log.allow(
            rf"Failed to load resource: the server responded with a status of {status}$",
            "this test asks for what it may not see, and for a day to come",
        )
    give_pin(hub, "a1")
    page = new_page(viewport=DESK)
    page.goto(hub.url + PATH)
    expect(page).to_have_url(hub.url + "/login?next=" + quote(PATH, safe=""))
    form = page.locator("form.login-form")
    form.locator("select[name=staff]").select_option("a1")
    form.locator("input[name=pin]").fill("2468")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(hub.url + PATH)
    response = page.goto(hub.url + PATH)
    assert response is not None and response.status == 403
    give_pin(hub, "boss")
    director = new_page(viewport=DESK)
    sign_in(director, hub, PATH)
    tomorrow = hub_time(hub_env).date() + timedelta(days=1)
    response = director.goto(f"{hub.url}{PATH}?day={tomorrow}")
    assert response is not None and response.status == 400
    expect(director.locator(".replay-error")).to_contain_text(tomorrow.isoformat())
    expect(director.locator("#replay-day")).to_be_visible()  # pick another day from here
