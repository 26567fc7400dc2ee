"""Each person lands on their own place after signing in, and the duty page (`/me`) follows
a clerk who holds two posts (A at window 1, B at window 2) on their phone: the cover need
addressed to them arrives live with its countdown, and they start the cover from there."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.halls import hall_toml
from tests.support.hubs import Hub

from .browse import PIN, give_pin, now, shoot, wait_live

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def hall_file() -> str:
    """a1 is the A-post of window 1 and the B-post of window 2."""
    return hall_toml(cover_after="3s", escalate_after="2s", b_posts={2: "a1"})


def sign_in(page: Page, hub: Hub, staff: str) -> None:
    """The login form opened by itself (no page asked for it)."""
    page.goto(hub.url + "/login")
    form = page.locator("form.login-form")
    expect(form.locator("input[name=next]")).to_have_value("/")
    form.locator("select[name=staff]").select_option(staff)
    form.locator("input[name=pin]").fill(PIN)
    form.locator("button[type=submit]").click()


@pytest.mark.parametrize(
    ("staff", "lands", "view"),
    [
        ("a2", "/halls/t/windows/2", "tablet"),  # one post: its window's tablet
        ("a1", "/me", "me"),  # A at window 1, B at window 2: the duty page
        ("boss", "/halls/t/director", "director"),
    ],
)
def test_each_person_lands_on_their_own_place(
    new_page: Callable[..., Page], hub: Hub, staff: str, lands: str, view: str
) -> None:
    give_pin(hub, staff)
    page = new_page()
    sign_in(page, hub, staff)
    expect(page).to_have_url(hub.url + lands)
    wait_live(page)
    expect(page.locator("body")).to_have_attribute("data-view", view)


def test_duty_page_shows_a_cover_need_live_with_its_countdown(
    new_page: Callable[..., Page],
    hub: Hub,
    api: Callable[..., dict[str, Any]],
    screenshots: Path,
) -> None:
    give_pin(hub, "a1")
    api(type="presence.set", window=2, post="A", state="present")
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    sign_in(phone, hub, "a1")
    expect(phone).to_have_url(hub.url + "/me")
    wait_live(phone)
    expect(phone.locator(".me-name")).to_have_text("员工a1")
    one, two = phone.locator('.duty[data-window="1"]'), phone.locator('.duty[data-window="2"]')
    expect(one.locator(".duty-title")).to_have_text("1 号窗口 · 窗口1")
    expect(one.locator(".duty-me dt")).to_have_text("我是A岗")
    expect(two.locator(".duty-me dt")).to_have_text("我是B岗")
    expect(two.locator(".duty-status-word")).to_have_text("在岗")
    expect(one.locator("a.duty-open")).to_have_attribute("href", "/halls/t/windows/1")
    need = phone.locator('#cover-needs .need[data-window="2"]')
    expect(need).to_have_count(0)

    # a1 taps present at window 1 from the tablet's link, and comes back: live on /me
    api(type="presence.set", window=1, post="A", state="present")
    expect(one.locator(".duty-state")).to_have_text("在岗", timeout=2_000)

    # window 2's A-post steps away: a1, its B-post, is told at once, wherever they are
    api(type="presence.set", window=2, post="A", state="away", reason="break")
    asked = now()
    expect(need).to_be_visible(timeout=1_000)
    seen = now() - asked
    assert seen < 1.0, f"the need reached /me {seen:.3f} s after the tap"
    expect(need.locator(".need-text")).to_have_text("2 号窗口A岗 员工a2 暂离：请您顶岗")
    expect(need.locator(".countdown")).to_have_text(re.compile(r"^0:0[0-3]$"))
    expect(two).to_have_class(re.compile(r"\bduty-needed\b"))
    expect(two.locator(".duty-status-word")).to_have_text("暂离")
    shoot(phone, screenshots, "me-390x844-zh")
    # the countdown runs out: the window turns uncovered, the clock counts on past it
    expect(two.locator(".duty-status-word")).to_have_text("无人顶岗", timeout=6_000)
    expect(need.locator(".countdown")).to_have_text(re.compile(r"^\+0:0\d$"))

    need.locator("button.need-go").tap()
    expect(two.locator(".duty-state")).to_have_text("顶岗中", timeout=2_000)
    expect(two.locator(".duty-status-word")).to_have_text("B岗顶岗")
    expect(need).to_have_count(0)
    with hub.client() as c:
        window_2 = c.get("/api/halls/t/state").json()["windows"][1]
    assert window_2["status"] == "covered" and window_2["b"]["staff"] == "a1"

    phone.locator(".bar .lang-link").click()
    wait_live(phone)
    expect(two.locator(".duty-me dt")).to_have_text("I am the B-post")
    expect(two.locator(".duty-state")).to_have_text("Covering")
    expect(phone.locator("a.me-logout")).to_have_text("Log out")
    shoot(phone, screenshots, "me-390x844-en")

    phone.locator("a.me-logout").click()
    expect(phone).to_have_url(hub.url + "/login")
    phone.goto(hub.url + "/me")
    expect(phone).to_have_url(hub.url + "/login?next=%2Fme")
