"""A hub outage as the hall meets it (issue 12): taps made while the hub is down are kept on
the device, shown as pending and sent when it answers again (once each: the command id);
every screen is live again within 3 s of the hub answering, whatever the outage's length.
(The kiosk opening and closing on time by itself: test_kiosk_hours.py.)"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.hubs import Hub, device_token

from .browse import give_pin, log_in, open_live
from .conftest import BrowserLog

pytestmark = pytest.mark.e2e

OUTAGE_SECONDS = 10
DOWN = "the hub is deliberately down while the pages retry"


def allow_the_outage(browser_log: BrowserLog) -> None:
    """What Chromium logs while the hub is down, and nothing else: each refused socket
    attempt (and htmx's log of its error event), each refused command."""
    browser_log.allow(
        r"WebSocket connection to 'ws://127\.0\.0\.1:\d+/ws/halls/t/view/[^']+' failed: "
        r"Error in connection establishment: net::ERR_CONNECTION_REFUSED$",
        DOWN,
    )
    browser_log.allow(r"/static/vendor/htmx\.min\.js:\d+: \[object Event\]$", DOWN)
    browser_log.allow(
        r"/api/halls/t/commands:\d+: Failed to load resource: "
        r"(net::ERR_CONNECTION_REFUSED|the server responded with a status of 503 .*)$",
        DOWN,
    )


def events(hub: Hub, kind: str) -> list[dict[str, Any]]:
    with hub.client() as c:
        found: list[dict[str, Any]] = c.get("/api/halls/t/events").json()["events"]
    return [e for e in found if e["type"] == kind]


def test_taps_in_an_outage_are_kept_and_screens_are_back_within_3_s(
    new_page: Callable[..., Page], hub: Hub, browser_log: BrowserLog
) -> None:
    allow_the_outage(browser_log)
    give_pin(hub, "a1")
    give_pin(hub, "a2")
    wall = new_page()
    open_live(wall, hub.url + "/halls/t/wall")
    tablet = new_page()
    log_in(tablet, hub, "/halls/t/windows/1", "a1")
    restarted = new_page()  # a2's tablet: it will be reloaded during the outage
    log_in(restarted, hub, "/halls/t/windows/2", "a2")
    kiosk = new_page()
    open_live(kiosk, f"{hub.url}/halls/t/kiosk?token={device_token(hub, 'kiosk')}")
    live = {"wall": wall, "tablet 1": tablet, "kiosk": kiosk}

    stopped = time.monotonic()
    hub.stop()
    # a1 taps present, a resident takes a ticket, a2 taps present and the tablet is closed
    tablet.locator("#posts .post-a button.btn-present").click()
    pending = tablet.locator("#pending")
    expect(pending).to_have_text("待发送 1 条（网络恢复后自动发送）")
    expect(tablet.locator("#toast")).to_have_text("网络中断：已记下，恢复后自动发送")
    kiosk.locator('#kiosk-services button[data-service="A"]').click()
    expect(kiosk.locator("#pending")).to_be_visible()
    expect(kiosk.locator("#kiosk-busy")).to_be_visible()
    restarted.locator("#posts .post-a button.btn-present").click()
    expect(restarted.locator("#pending")).to_be_visible()
    restarted.goto("about:blank")  # the tablet's browser is closed: the tap stays on it
    expect(wall.locator("#conn-overlay")).to_be_visible(timeout=8_000)

    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))  # the outage itself
    hub.start()  # returns when /healthz answers 200 (polled every 50 ms)
    answering = time.time()
    for name, page in live.items():
        page.wait_for_function(
            "t => window.__hall.openedAt >= t", arg=answering * 1000 - 100, timeout=10_000
        )
        back = page.evaluate("window.__hall.openedAt") / 1000 - answering
        print(f"{name}: live {back:.2f} s after the hub answered")
        assert back < 3.0, f"{name} took {back:.2f} s to come back"
        expect(page.locator("#conn-overlay")).to_be_hidden()

    # The kept taps went through, each once.
    expect(tablet.locator("#window-1")).to_have_attribute("data-status", "staffed")
    expect(pending).to_be_hidden()
    card = kiosk.locator("#ticket-card")
    expect(card.locator('[data-slot="number"]')).to_have_text("A001", timeout=5_000)
    expect(kiosk.locator("#pending")).to_be_hidden()
    expect(wall.locator("#window-1")).to_have_attribute("data-status", "staffed")
    assert [e["ticket"]["number"] for e in events(hub, "ticket.issued")] == ["A001"]

    # a2's tablet, opened again after the outage (still signed in), sends what it kept.
    open_live(restarted, hub.url + "/halls/t/windows/2")
    expect(wall.locator("#window-2")).to_have_attribute("data-status", "staffed")
    expect(restarted.locator("#pending")).to_be_hidden()
    present = [e for e in events(hub, "presence.changed") if e.get("state") == "present"]
    assert sorted(e["window"] for e in present) == [1, 2]
