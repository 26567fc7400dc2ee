"""The counter devices in Chromium: the rating pad of window 1 (a finish there, the five
levels, reasons for a low one, the rating in the log credited to who served, back at
rest, a second rating refused), the resident rating from the ticket page, the window
display through each state, the set-up pages of devices without their token, and the
screenshots at each device's size."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.halls import hall_toml
from tests.support.hubs import ADMIN, Hub, device_token

from .browse import open_live, shoot
from .conftest import BrowserLog

pytestmark = pytest.mark.e2e

Api = Callable[..., dict[str, Any]]
PAD = {"width": 800, "height": 1280}
DISPLAY = {"width": 1280, "height": 400}
PHONE = {"width": 390, "height": 844}
RATING_WITHIN = 20  # seconds: long enough to rate, short enough to see it run out


@pytest.fixture
def hall_file() -> str:
    return hall_toml(
        cover_after="3s",
        escalate_after="2s",
        rating_within=f"{RATING_WITHIN}s",
        staff_number=lambda staff: f"KY-{staff.upper()}",
    )


def events(hub: Hub, kind: str) -> list[dict[str, Any]]:
    with hub.client() as client:
        answer = client.get("/api/halls/t/events", params={"limit": 1000})
    assert answer.status_code == 200, answer.text
    return [e for e in answer.json()["events"] if e["type"] == kind]


def finish_one(api: Api, window: int = 1) -> str:
    """A resident served at `window`: issued, called, finished. Its number."""
    api(type="ticket.issue", service="A")
    number: str = api(type="ticket.call", window=window)["events"][-1]["ticket"]["number"]
    api(type="ticket.finish", window=window)
    return number


def open_pad(new_page: Callable[..., Page], hub: Hub, lang: str = "zh-CN") -> Page:
    token = device_token(hub, "rating", "--window", "1")
    pad = new_page(viewport=PAD, has_touch=True)
    open_live(pad, f"{hub.url}/halls/t/windows/1/rating?token={token}&lang={lang}")
    return pad


def test_pad_rates_a_finish_with_reasons_once(
    new_page: Callable[..., Page],
    hub: Hub,
    api: Api,
    browser_log: BrowserLog,
    screenshots: Path,
) -> None:
    browser_log.allow(
        r"/api/halls/t/commands:\d+: Failed to load resource: "
        r"the server responded with a status of 409 \(Conflict\)$",
        "the second rating of one ticket is refused 409 already_rated on purpose",
    )
    # The B-post covers window 1 and serves: the rating goes to them.
    api(type="presence.set", window=1, post="A", state="present")
    api(type="presence.set", window=1, post="A", state="away", reason="break")
    api(type="cover.start", window=1)
    pad = open_pad(new_page, hub)
    clerk = pad.locator("#pad-clerk")
    expect(clerk).to_have_attribute("data-post", "B")
    expect(clerk.locator(".pc-person")).to_have_text("员工b1")
    expect(clerk.locator(".pc-post")).to_have_text("B岗")
    expect(clerk.locator(".pc-staff-no")).to_have_text("工号 KY-B1")
    expect(clerk.locator(".pc-notice")).to_have_text("B岗顶岗中")
    offer = pad.locator("#pad-offer")
    expect(offer.locator(".po-hint")).to_be_visible()
    expect(offer.locator(".po-choose")).to_be_hidden()
    shoot(pad, screenshots, "rating-800x1280-zh")

    number = finish_one(api)
    expect(offer.locator(".po-choose")).to_be_visible()
    expect(offer.locator(".po-ticket")).to_have_text(f"{number} 号")
    levels = offer.locator("[data-score]")
    expect(levels).to_have_text(["非常满意", "满意", "基本满意", "不满意", "非常不满意"])
    shoot(pad, screenshots, "rating-choose-800x1280-zh")

    offer.locator('[data-score="2"]').tap()
    dialog = pad.locator("#reasons-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-reason]")).to_have_text(
        ["等候时间长", "态度不好", "业务不熟", "一次没办成", "其他"]
    )
    dialog.locator('[data-reason="long_wait"]').tap()
    dialog.locator('[data-reason="not_done"]').tap()
    expect(dialog.locator('[data-reason="long_wait"]')).to_have_attribute("aria-pressed", "true")
    shoot(pad, screenshots, "rating-reasons-800x1280-zh")
    with pad.expect_response(lambda r: r.url.endswith("/api/halls/t/commands")) as sent:
        dialog.locator("[data-reasons-send]").tap()
    assert sent.value.status == 200, sent.value.text()
    expect(pad.locator("#pad-thanks")).to_be_visible()
    expect(pad.locator("#pad-thanks")).to_have_text("感谢您的评价！")

    (given,) = events(hub, "rating.given")
    assert (given["window"], given["score"], given["source"]) == (1, 2, "pad")
    assert given["ticket"]["number"] == number
    assert given["reasons"] == ["long_wait", "not_done"]
    assert given["staff"] == "b1"  # who served it: the B-post covering
    # Thanks, then at rest again (the hub's fragment says it is rated too).
    expect(pad.locator("#pad-thanks")).to_be_hidden(timeout=8_000)
    expect(offer).to_have_attribute("data-open", "false")
    expect(offer.locator(".po-hint")).to_be_visible()

    # Once per ticket: the pad offers it no more, and the hub refuses a second rating.
    token = device_token(hub, "rating", "--window", "1")
    body = {"type": "rating.give", "window": 1, "score": 5, "ticket": number}
    with hub.client(token) as again:
        answer = again.post("/api/halls/t/commands", json=body)
    assert (answer.status_code, answer.json()["error"]) == (409, "already_rated")
    assert len(events(hub, "rating.given")) == 1


def test_pad_and_resident_offers_run_out_untouched(
    new_page: Callable[..., Page], hub: Hub, api: Api
) -> None:
    api(type="presence.set", window=1, post="A", state="present")
    with hub.client(device_token(hub, "kiosk")) as kiosk:
        issued = kiosk.post("/api/halls/t/commands", json={"type": "ticket.issue", "service": "A"})
    url = issued.json()["ticket_view"]["url"]
    pad = open_pad(new_page, hub)
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    open_live(phone, url)
    api(type="ticket.call", window=1)
    api(type="ticket.finish", window=1)
    offer = pad.locator("#pad-offer .po-choose")
    expect(offer).to_be_visible()
    rating = phone.locator("#ticket-rating")
    expect(rating.locator(".tr-offer")).to_be_visible()
    # Nobody rates: both turn to rest at rating_within, with no event to tell them.
    expect(offer).to_be_hidden(timeout=(RATING_WITHIN + 5) * 1000)
    expect(pad.locator("#pad-offer .po-hint")).to_be_visible()
    expect(rating.locator(".tr-late")).to_be_visible(timeout=5_000)
    expect(rating.locator(".tr-late")).to_have_text("评价时间已过")
    expect(rating.locator(".tr-offer")).to_be_hidden()


def test_resident_rates_from_the_ticket_page(
    new_page: Callable[..., Page],
    hub: Hub,
    api: Api,
    browser_log: BrowserLog,
    screenshots: Path,
) -> None:
    browser_log.allow(
        r"/rating:\d+: Failed to load resource: "
        r"the server responded with a status of 403 \(Forbidden\)$",
        "a page whose key is wrong is refused 403 on purpose",
    )
    api(type="presence.set", window=1, post="A", state="present")
    with hub.client(device_token(hub, "kiosk")) as kiosk:
        issued = kiosk.post("/api/halls/t/commands", json={"type": "ticket.issue", "service": "A"})
    url = issued.json()["ticket_view"]["url"]
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    open_live(phone, url)
    rating = phone.locator("#ticket-rating")
    expect(rating).to_be_hidden()  # waiting: nothing to rate
    bare = new_page(viewport=PHONE, is_mobile=True)  # no key in the address: no rating
    open_live(bare, url.split("?")[0])
    wrong = new_page(viewport=PHONE, is_mobile=True, has_touch=True)  # a forged key
    open_live(wrong, url.split("?")[0] + "?k=forged")

    api(type="ticket.call", window=1)
    api(type="ticket.finish", window=1)
    expect(rating.locator(".tr-offer")).to_be_visible()
    expect(rating.locator(".tr-ask")).to_have_text("请对 1 号窗口的服务进行评价")
    expect(bare.locator("#ticket-status")).to_have_attribute("data-state", "finished")
    expect(bare.locator("#ticket-rating")).to_be_hidden()
    shoot(phone, screenshots, "ticket-rate-390x844-zh")

    wrong.locator('#ticket-rating [data-score="5"]').tap()
    expect(wrong.locator("#toast")).to_have_text("此链接不能评价，请扫描号票上的二维码")

    rating.locator('[data-score="1"]').tap()
    dialog = phone.locator("#reasons-dialog")
    expect(dialog).to_be_visible()
    dialog.locator('[data-reason="attitude"]').tap()
    with phone.expect_response(lambda r: r.url.endswith("/rating")) as sent:
        dialog.locator("[data-reasons-send]").tap()
    assert sent.value.status == 200, sent.value.text()
    expect(rating.locator(".tr-rated")).to_be_visible()
    expect(rating.locator(".tr-rated")).to_have_text("您已评价，感谢您的反馈")
    expect(rating).to_have_attribute("data-state", "rated")  # also from the hub's fragment
    (given,) = events(hub, "rating.given")
    assert (given["score"], given["reasons"], given["source"]) == (1, ["attitude"], "ticket")
    assert given["staff"] == "a1"


def test_display_shows_each_state_in_turn(
    new_page: Callable[..., Page], hub: Hub, api: Api, screenshots: Path
) -> None:
    token = device_token(hub, "display")  # hall-wide: any window's display (and the wall)
    english = new_page(viewport=DISPLAY)
    open_live(english, f"{hub.url}/halls/t/windows/1/display?token={token}&lang=en")
    screen = new_page(viewport=DISPLAY)
    open_live(screen, f"{hub.url}/halls/t/windows/1/display?token={token}")
    desk = screen.locator("#counter-1")
    expect(desk).to_have_attribute("data-state", "closed")  # nobody yet
    expect(desk.locator(".desk-notice")).to_have_text("暂停服务")

    api(type="presence.set", window=1, post="A", state="present")
    for _ in range(2):
        api(type="ticket.issue", service="A")
    api(type="ticket.call", window=1)
    expect(desk).to_have_attribute("data-state", "open")
    expect(desk.locator(".desk-label")).to_have_text("1 号窗口")
    expect(desk.locator(".desk-person")).to_have_text("员工a1")
    expect(desk.locator(".desk-staff-no")).to_have_text("工号 KY-A1")
    expect(desk.locator(".desk-ticket-no")).to_have_text("A001")
    expect(desk.locator(".desk-notice")).to_have_count(0)  # staffed: nothing extra
    shoot(screen, screenshots, "display-1280x400-zh")
    expect(english.locator("#counter-1 .desk-label")).to_have_text("Window 1")
    expect(english.locator("#counter-1 .desk-serving")).to_have_text("Now serving")
    shoot(english, screenshots, "display-1280x400-en")

    api(type="presence.set", window=1, post="A", state="away", reason="meeting")
    expect(desk).to_have_attribute("data-state", "away")
    expect(desk.locator(".desk-notice")).to_have_text("暂离，请稍候")
    expect(desk.locator(".desk-detail")).to_have_count(0)  # no away reason in public

    api(type="cover.start", window=1)
    expect(desk).to_have_attribute("data-state", "covered")
    expect(desk.locator(".desk-notice")).to_have_text("B岗顶岗中")
    expect(desk.locator(".desk-person")).to_have_text("员工b1")
    expect(desk.locator(".desk-post")).to_have_text("B岗")
    shoot(screen, screenshots, "display-covered-1280x400-zh")
    expect(english.locator("#counter-1 .desk-notice")).to_have_text("B-post covering")
    shoot(english, screenshots, "display-covered-1280x400-en")

    api(type="ticket.finish", window=1)
    api(type="ticket.call", window=1)
    api(type="ticket.finish", window=1)
    api(type="presence.set", window=1, post="A", state="off")  # gone for the day
    api(type="cover.end", window=1)
    expect(desk).to_have_attribute("data-state", "closed")
    expect(desk.locator(".desk-notice")).to_have_text("暂停服务")
    expect(desk.locator(".desk-person")).to_have_count(0)
    shoot(screen, screenshots, "display-closed-1280x400-zh")

    # The same hall-wide display token still drives the lobby wall.
    wall = new_page(viewport={"width": 1920, "height": 1080})
    open_live(wall, f"{hub.url}/halls/t/wall?token={token}")
    expect(wall.locator("#window-1")).to_be_visible()


def test_devices_without_their_token_get_the_setup_page(hub: Hub) -> None:
    pad2 = device_token(hub, "rating", "--window", "2")
    display2 = device_token(hub, "display", "--window", "2")
    cases = [
        ("/halls/t/windows/1/rating", "此评价器尚未授权", "--role rating --window 1"),
        (f"/halls/t/windows/1/rating?token={pad2}", "此评价器尚未授权", "--window 1"),
        ("/halls/t/windows/1/display", "此窗口屏尚未授权", "--role display --window 1"),
        (f"/halls/t/windows/1/display?token={display2}", "此窗口屏尚未授权", "--window 1"),
    ]
    for path, heading, command in cases:
        page = httpx.get(hub.url + path)
        assert page.status_code == 401, path
        assert heading in page.text and command in page.text, path
    for path in ("/halls/t/windows/9/rating", "/halls/t/windows/9/display"):
        assert httpx.get(hub.url + path).status_code == 404
    ok = httpx.get(f"{hub.url}/halls/t/windows/2/display?token={display2}")
    assert ok.status_code == 200 and 'id="counter-2"' in ok.text
    admin = httpx.get(f"{hub.url}/halls/t/windows/1/rating?token={ADMIN}")
    assert admin.status_code == 200 and 'id="pad-offer"' in admin.text


def test_token_window_is_for_pads_and_displays(hub: Hub) -> None:
    def token(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "hall", "token", "--hall", "t", *args]
        argv += ["--redis", hub.redis_url, "--config", str(hub.config)]
        return subprocess.run(argv, capture_output=True, text=True)

    for args, problem in (
        (("--role", "display", "--window", "9"), "has no window 9"),
        (("--role", "kiosk", "--window", "1"), "--window is for a rating pad or a counter display"),
        (("--role", "rating"), "a rating pad needs --window"),
    ):
        done = token(*args)
        assert done.returncode != 0 and problem in done.stderr, (args, done.stderr)
    assert token("--role", "display", "--window", "3").returncode == 0


def test_rating_refusals(hub: Hub, api: Api) -> None:
    api(type="presence.set", window=1, post="A", state="present")
    finish_one(api)
    pad1 = device_token(hub, "rating", "--window", "1")
    pad2 = device_token(hub, "rating", "--window", "2")
    bad = {"type": "rating.give", "window": 1, "score": 2, "reasons": ["rude"]}
    with hub.client(pad1) as client:
        answer = client.post("/api/halls/t/commands", json=bad)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_field")
    assert answer.json()["message"].startswith("reasons[0]")
    high = {"type": "rating.give", "window": 1, "score": 5, "reasons": ["long_wait"]}
    with hub.client(pad1) as client:
        answer = client.post("/api/halls/t/commands", json=high)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_field")
    with hub.client(pad2) as client:
        answer = client.post(
            "/api/halls/t/commands", json={"type": "rating.give", "window": 1, "score": 3}
        )
    assert (answer.status_code, answer.json()["error"]) == (403, "forbidden")
    assert events(hub, "rating.given") == []  # nothing refused changed anything


def test_english_pad(new_page: Callable[..., Page], hub: Hub, api: Api, screenshots: Path) -> None:
    api(type="presence.set", window=1, post="A", state="present")
    pad = open_pad(new_page, hub, "en")
    expect(pad.locator("#pad-clerk .pc-heading")).to_have_text("Serving you")
    expect(pad.locator("#pad-clerk .pc-window-label")).to_have_text("Window 1")
    expect(pad.locator("#pad-offer .po-hint")).to_be_visible()
    shoot(pad, screenshots, "rating-800x1280-en")
    finish_one(api)
    offer = pad.locator("#pad-offer")
    expect(offer.locator(".po-ask")).to_have_text("How was our service?")
    expect(offer.locator("[data-score]")).to_have_text(
        ["Very satisfied", "Satisfied", "Fairly satisfied", "Dissatisfied", "Very dissatisfied"]
    )
    shoot(pad, screenshots, "rating-choose-800x1280-en")
