"""The lobby wall in a real browser: live within a second, and honest when the hub is gone."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from websockets.sync.client import connect

from hall.kiosk.calls import RECENT_CALLS
from tests.support.hubs import Hub
from tests.support.wait import wait_for

from .browse import TextTimer, now, open_live, shoot, wait_live
from .conftest import CHROMIUM, CHROMIUM_ARGS, SOCKET_PROBE, BrowserLog

pytestmark = pytest.mark.e2e

Api = Callable[..., dict[str, Any]]
STALE = re.compile(r"\bstale\b")


def test_wall_shows_presence_and_calls_within_a_second(page: Page, hub: Hub, api: Api) -> None:
    open_live(page, hub.url + "/halls/t/wall")
    tile = page.locator("#window-1")
    # open since long before the hub started, nobody arrived: past the deadline, red
    expect(tile).to_have_attribute("data-status", "uncovered")
    expect(tile.locator(".wt-word")).to_have_text("无人顶岗")
    expect(tile.locator(".wt-clerk")).to_have_text("")  # nobody serves

    timer = TextTimer(page, "#window-1 .wt-word", "在岗")
    api(type="presence.set", window=1, post="A", state="present")
    delay = timer.delay_after(now())
    assert delay < 1.0, f"the tile changed {delay:.3f} s after the command returned"
    expect(tile).to_have_attribute("data-status", "staffed")
    expect(tile.locator(".wt-clerk")).to_have_text("员工a1")

    api(type="ticket.issue", service="A")
    expect(page.locator("#wait-1")).to_have_text("等候 1 人", timeout=1_000)
    calling = TextTimer(page, "#calling > b", "A001")
    serving = TextTimer(page, "#serving-1", "A001")
    api(type="ticket.call", window=1)
    returned = now()
    call_delay = calling.delay_after(returned)
    tile_delay = serving.delay_after(returned)
    assert call_delay < 1.0 and tile_delay < 1.0, (call_delay, tile_delay)
    expect(page.locator("#calling > b + span")).to_have_text("1 号窗口")
    expect(page.locator("#recent-calls li").first).to_have_attribute("data-fate", "current")
    expect(page.locator("#recent-calls li b").first).to_have_text("A001")
    expect(page.locator("#wait-1")).to_have_text("等候 0 人")
    print(f"presence {delay * 1000:.0f} ms, call banner {call_delay * 1000:.0f} ms")


def test_wall_overlay_while_hub_down_then_reconnects(
    page: Page, hub: Hub, api: Api, browser_log: BrowserLog, screenshots: Path
) -> None:
    # While the hub is stopped the ws extension keeps retrying: Chromium logs each refused
    # attempt, and htmx logs the `htmx:wsError` event it raises for it (as "[object
    # Event]"). That is the scenario under test, not a fault; nothing else is excused.
    down_reason = "the hub is deliberately down while the page retries its socket"
    browser_log.allow(
        r"/static/vendor/ws\.js:\d+: WebSocket connection to "
        r"'ws://127\.0\.0\.1:\d+/ws/halls/t/view/wall\?lang=zh-CN' failed: "
        r"Error in connection establishment: net::ERR_CONNECTION_REFUSED$",
        down_reason,
    )
    browser_log.allow(r"/static/vendor/htmx\.min\.js:\d+: \[object Event\]$", down_reason)
    open_live(page, hub.url + "/halls/t/wall")
    overlay = page.locator("#conn-overlay")
    expect(overlay).to_be_hidden()
    opens = page.evaluate("window.__hall.opens")

    stopping = now()
    hub.stop()  # SIGTERM: the hub closes the socket (1012) as it goes
    expect(overlay).to_be_hidden()  # not at once: a blip must not blank the screen
    expect(overlay).to_be_visible(timeout=8_000)  # shown 5 s after losing the socket
    assert now() - stopping >= 4.5, "the overlay should wait 5 s before calling the screen stale"
    expect(page.locator("body")).to_have_class(STALE)
    expect(overlay).to_contain_text("连接中断")
    shoot(page, screenshots, "wall-stale")
    closes = page.evaluate("window.__hall.closes")
    assert closes[0] == 1012, f"a hub shutting down closes screens with 1012, got {closes}"

    frames = page.evaluate("window.__hall.frames")
    hub.start()  # the same port: the page reconnects by itself, nobody reloads it
    # Retries never more than 2 s apart (hall.js): live again within 3 s of the hub
    # answering (measured in test_outage.py).
    page.wait_for_function("n => window.__hall.opens > n", arg=opens, timeout=5_000)
    expect(overlay).to_be_hidden(timeout=2_000)
    expect(page.locator("body")).not_to_have_class(STALE)
    wait_live(page, frames + 1)  # the whole view came with the new socket

    api(type="presence.set", window=2, post="A", state="present")
    tile = page.locator("#window-2")
    expect(tile).to_have_attribute("data-status", "staffed", timeout=1_000)
    expect(tile.locator(".wt-clerk")).to_have_text("员工a2")


HOLD = "window.HALL_WALL_TIMING = {alone: 60000, shortest: 60000, stale: 60000};"


def test_an_announcement_is_dropped_once_its_call_is_over(page: Page, hub: Hub, api: Api) -> None:
    """The band announces current calls only: a call that waits is dropped when its ticket
    is a no-show, and the one on show ends when its ticket is recalled (announced again),
    transferred or finished. Each announcement is held (HOLD) so that only its call's end
    can end it."""
    for window in (1, 2):
        api(type="presence.set", window=window, post="A", state="present")
    for _ in range(3):
        api(type="ticket.issue", service="A")
    page.add_init_script(HOLD)
    open_live(page, hub.url + "/halls/t/wall")
    band = page.locator("#announce")
    expect(band).to_be_hidden()

    def current(window: int) -> str:
        row = page.locator(f'#recent-calls [data-fate="current"][data-window="{window}"]')
        expect(row).to_have_count(1)
        return str(row.get_attribute("data-call-id"))

    api(type="ticket.call", window=1)  # A001
    first = current(1)
    expect(band).to_have_attribute("data-call-id", first)
    expect(band.locator(".announce-ticket")).to_have_text("A001")
    expect(band.locator(".announce-window")).to_have_text("1 号窗口")

    waiting = TextTimer(page, "#announce .announce-queue", "A002")
    api(type="ticket.call", window=2)  # A002: shown at once as the next one
    delay = waiting.delay_after(now())
    assert delay < 1.0, f"the new call showed {delay:.3f} s after the command returned"
    expect(band.locator(".announce-queue li")).to_have_text(["A002 → 2 号窗口"])
    api(type="ticket.no_show", window=2)
    expect(band).to_have_attribute("data-queue", "")
    expect(band.locator(".announce-next")).to_be_hidden()
    expect(page.locator('#recent-calls [data-window="2"] mark')).to_have_text("过号")
    expect(band).to_have_attribute("data-call-id", first)  # still on show: A001 is current

    api(type="ticket.recall", window=1)
    again = current(1)
    assert again != first
    expect(band).to_have_attribute("data-call-id", again)  # announced anew
    expect(page.locator('#recent-calls [data-window="1"] mark')).to_have_text("重呼")

    api(type="ticket.transfer", window=1, to_window=2)
    expect(band).to_be_hidden()  # A001 left window 1: nothing to announce
    expect(page.locator("#calling .calling-none")).to_have_text("暂无叫号")
    expect(page.locator('#recent-calls [data-fate="transferred"] mark')).to_have_text("转 2 号窗口")

    api(type="ticket.call", window=2)  # the transferred A001 comes first at window 2
    expect(band.locator(".announce-window")).to_have_text("2 号窗口")
    expect(band.locator(".announce-ticket")).to_have_text("A001")
    expect(page.locator("#calling > b")).to_have_text("A001")
    api(type="ticket.finish", window=2)
    expect(band).to_be_hidden()
    expect(page.locator("#calling .calling-none")).to_be_visible()  # 正在呼叫: none now
    expect(page.locator("#recent-calls li")).to_have_count(3)  # A001 at 2 and 1, A002


def test_one_sound_indicator_that_says_what_is_so(
    page: Page, hub: Hub, browser: Browser, browser_log: BrowserLog
) -> None:
    """Chromium as it comes blocks sound until someone taps the page; nobody taps a wall.
    The wall says so (and how to start its browser), in one element; started with the
    documented flag, it plays sound untouched."""
    open_live(page, hub.url + "/halls/t/wall")
    sound = page.locator("#sound")
    expect(page.locator(".sound")).to_have_count(1)
    expect(sound).to_have_attribute("data-state", "blocked")
    expect(sound).to_contain_text("声音被浏览器拦截")
    expect(sound).to_contain_text("--autoplay-policy=no-user-gesture-required")
    sound.click()  # a gesture: the browser allows sound from now on
    expect(sound).to_have_attribute("data-state", "on")
    expect(sound).to_have_text("声音：开")
    sound.click()
    expect(sound).to_have_attribute("data-state", "off")
    expect(sound).to_have_text("声音：关")

    flagged = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
    )
    try:
        context = flagged.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
        context.add_init_script(SOCKET_PROBE)
        wall = context.new_page()
        browser_log.watch(wall)
        open_live(wall, hub.url + "/halls/t/wall")
        expect(wall.locator("#sound")).to_have_attribute("data-state", "on")
        expect(wall.locator("#sound")).to_have_text("声音：开")
    finally:
        flagged.close()


def test_the_live_list_of_calls_is_the_list_a_fresh_wall_gets(
    new_page: Callable[..., Page], hub: Hub
) -> None:
    """The recent calls change item by item (a call on top, a recall moved to the top, an
    ending replaced, the oldest dropped by the page). Through a random run of calls,
    recalls, no-shows, transfers and finishes, three sent at once (so that one render often
    holds several), the live list is after every burst, byte for byte, the list a wall
    connecting then gets whole (the same render: no clock between them)."""
    with hub.client() as client:
        for window in (1, 2, 3):
            body = {"type": "presence.set", "window": window, "post": "A", "state": "present"}
            client.post("/api/halls/t/commands", json=body).raise_for_status()
    live = new_page()
    open_live(live, hub.url + "/halls/t/wall")
    rng = random.Random(13)
    actions = ["call"] * 4 + ["recall"] * 2 + ["finish", "no_show", "transfer"]
    done: list[str] = []

    def command(body: dict[str, Any]) -> None:
        service = "AB"[body["window"] // 3]  # window 1 serves A, 2 A and B, 3 B
        with hub.client() as client:
            client.post("/api/halls/t/commands", json={"type": "ticket.issue", "service": service})
            if client.post("/api/halls/t/commands", json=body).status_code == 200:
                done.append(body["type"])

    def same_as_a_fresh_wall() -> bool:
        with connect(f"{hub.ws}/ws/halls/t/view/wall?lang=zh-CN", open_timeout=5) as ws:
            whole = str(ws.recv(timeout=5))
        return bool(live.evaluate(SAME_LIST, whole))

    with ThreadPoolExecutor(3) as pool:
        for _ in range(30):
            burst = []
            for _ in range(3):
                window, action = rng.randint(1, 3), rng.choice(actions)
                body: dict[str, Any] = {"type": f"ticket.{action}", "window": window}
                if action == "transfer":
                    body["to_window"] = rng.choice([w for w in (1, 2, 3) if w != window])
                burst.append(body)
            list(pool.map(command, burst))
            wait_for(same_as_a_fresh_wall, 5, "the live list as a fresh wall's")
    print(f"applied: {dict(Counter(done))}")
    kinds = {"call", "recall", "finish", "no_show", "transfer"}
    assert {f"ticket.{kind}" for kind in kinds} <= set(done), done
    assert live.locator("#recent-calls li").count() == RECENT_CALLS


# The live page's list against the one in a whole view (parsed by the same browser).
SAME_LIST = """(whole) => {
  const t = document.createElement("template");
  t.innerHTML = whole;
  return t.content.getElementById("recent-calls").innerHTML ===
    document.getElementById("recent-calls").innerHTML;
}"""
