"""The kiosk of the Kaiyuan hall file on its 1080x1920 portrait screen, in both languages:
seven services fill the screen without scrolling, each with what it covers (the hall file's
text), its window, and how many wait there, or that no window serves it now."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hall.config import default_hall_path
from tests.support.hubs import Hub, device_token

from .browse import open_live, shoot

pytestmark = pytest.mark.e2e

Api = Callable[..., dict[str, Any]]
KIOSK = {"width": 1080, "height": 1920}


def kaiyuan_all_day() -> str:
    """The shipped Kaiyuan hall file as hall `t`, open all day every day (so the test runs
    at any hour)."""
    text = default_hall_path().read_text(encoding="utf-8")
    changed = text.replace('id = "kaiyuan"', 'id = "t"', 1)
    changed = changed.replace('holidays = "cn"', 'holidays = "none"', 1)
    changed = re.sub(
        r"^days = \[.*\]$",
        'days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]',
        changed,
        count=1,
        flags=re.M,
    )
    changed = re.sub(
        r"\[hours\.summer\].*?\[hours\.winter\]\nsessions = \[[^\]]*\]",
        '[hours.all]\nsessions = ["00:00:00-23:59:59"]',
        changed,
        count=1,
        flags=re.S,
    )
    assert changed.count('"00:00:00-23:59:59"') == 1 and 'id = "t"' in changed
    return changed


@pytest.fixture
def hall_file() -> str:
    return kaiyuan_all_day()


def open_kiosk(new_page: Callable[..., Page], hub: Hub, lang: str) -> Page:
    page = new_page(viewport=KIOSK)
    page.add_init_script("window.print = () => {};")  # headless Chromium has no printer
    open_live(page, f"{hub.url}/halls/t/kiosk?token={device_token(hub, 'kiosk')}&lang={lang}")
    return page


def test_the_portrait_kiosk_in_both_languages(
    new_page: Callable[..., Page], hub: Hub, api: Api, screenshots: Path
) -> None:
    api(type="presence.set", window=1, post="A", state="present")  # 党群服务
    api(type="presence.set", window=4, post="A", state="present")  # 劳动保障
    api(type="cover.start", window=3)  # 卫生计生: the B-post covers
    for service in "AAAEEC":
        api(type="ticket.issue", service=service)

    zh = open_kiosk(new_page, hub, "zh-CN")
    cards = zh.locator(".service-card")
    expect(cards).to_have_count(7)
    a = cards.first
    expect(a.locator(".svc-name")).to_have_text("党群服务")
    expect(a.locator(".svc-covers")).to_have_text("党组织关系转接、党员证明、群团事务")
    expect(a.locator(".svc-windows")).to_have_text("1 号窗口办理")
    expect(a.locator(".svc-waiting")).to_have_text("等候 3 人")
    expect(cards.nth(2).locator(".svc-waiting")).to_have_text("等候 1 人")  # C: covered
    expect(cards.nth(1).locator(".svc-waiting")).to_have_text("现在没有窗口办理")  # B
    expect(zh.locator("[data-notices]")).to_have_count(2)  # A and E have one-time notices
    # Everything on one screen: nothing to scroll, the priority toggle at the bottom.
    assert zh.evaluate("document.documentElement.scrollHeight") <= KIOSK["height"]
    toggle = zh.locator(".priority-toggle").bounding_box()
    assert toggle is not None and toggle["y"] + toggle["height"] <= KIOSK["height"]
    for n in range(7):
        box = cards.nth(n).bounding_box()
        assert box is not None and box["height"] >= 180, (n, box)  # large targets
    shoot(zh, screenshots, "kiosk-1080x1920-zh")

    en = open_kiosk(new_page, hub, "en")
    a = en.locator(".service-card").first
    expect(a.locator(".svc-name")).to_have_text("Party and community")
    expect(a.locator(".svc-covers")).to_have_text(
        "Party membership transfers, Party member certificates, community groups"
    )
    expect(a.locator(".svc-windows")).to_have_text("at Window 1")
    expect(a.locator(".svc-waiting")).to_have_text("3 waiting")
    expect(en.locator(".service-card").nth(1).locator(".svc-waiting")).to_have_text(
        "No window serving now"
    )
    expect(en.locator(".bar-title")).to_have_text("Kaiyuan Street Service Centre")
    shoot(en, screenshots, "kiosk-1080x1920-en")
    assert en.evaluate("document.documentElement.scrollHeight") <= KIOSK["height"]

    with en.expect_response(lambda r: r.url.endswith("/api/halls/t/commands")) as answer:
        en.locator('button[data-service="E"]').click()
    assert answer.value.json()["ticket_view"]["ahead"] == 2
    card = en.locator("#ticket-card")
    expect(card.locator('[data-slot="service_name"]')).to_have_text("Labour and social security")
    expect(card.locator('[data-slot="ahead"]')).to_have_text("2 ahead of you")
    expect(card.locator('[data-slot="windows"]')).to_have_text("Watch for calls to Window 4")
    expect(en.locator('#ticket-area [data-slot="status"]')).to_have_text(
        "Please take your ticket and watch the screen"
    )
    shoot(en, screenshots, "kiosk-ticket-1080x1920-en")
