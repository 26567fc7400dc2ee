"""Full-HD screenshots of every screen in a lived-in state, for people to look at (CI keeps
`artifacts/screenshots/`). The assertions only make sure each shot shows what it claims."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.hubs import Hub, device_token

from .browse import give_pin, log_in, open_live, shoot

pytestmark = pytest.mark.e2e

FULL_HD = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}


def test_screenshots(
    new_page: Callable[..., Page],
    hub: Hub,
    api: Callable[..., dict[str, Any]],
    screenshots: Path,
) -> None:
    # Window 1 staffed and serving, window 2 covered by its B-post and serving, window 3
    # uncovered (its A-post away past cover_after, nobody covering); people waiting.
    api(type="presence.set", window=1, post="A", state="present")
    api(type="presence.set", window=2, post="A", state="present")
    api(type="presence.set", window=3, post="A", state="present")
    api(type="presence.set", window=3, post="A", state="away", reason="meeting")
    api(type="presence.set", window=2, post="A", state="away", reason="break")
    api(type="cover.start", window=2)
    for service in ("A", "A", "A", "B", "B"):
        api(type="ticket.issue", service=service)
    api(type="ticket.call", window=1)
    api(type="ticket.call", window=2)

    wall = new_page(viewport=FULL_HD)
    open_live(wall, hub.url + "/halls/t/wall")
    expect(wall.locator("#window-3")).to_have_attribute("data-status", "uncovered", timeout=6_000)
    expect(wall.locator("#window-1")).to_have_attribute("data-status", "staffed")
    expect(wall.locator("#window-2")).to_have_attribute("data-status", "covered")
    expect(wall.locator("#calling > b")).to_have_text("A002")
    expect(wall.locator("#announce")).to_be_hidden()  # calls made before load: no pop-up
    shoot(wall, screenshots, "wall")

    give_pin(hub, "a1")
    tablet = new_page(viewport=FULL_HD)
    log_in(tablet, hub, "/halls/t/windows/1", "a1")
    expect(tablet.locator("#serving .serving-ticket")).to_have_text("A001")
    expect(tablet.locator("#queue-1 .wq-number")).to_have_text(["A003"])
    shoot(tablet, screenshots, "tablet")

    kiosk = new_page(viewport=FULL_HD)
    kiosk.goto(f"{hub.url}/halls/t/kiosk?token={device_token(hub, 'kiosk')}")
    shoot(kiosk, screenshots, "kiosk-services")
    kiosk.locator('button[data-service="A"]').click()
    expect(kiosk.locator('#ticket-card [data-slot="number"]')).to_have_text("A004")
    qr = kiosk.locator('#ticket-card [data-slot="qr"] img')
    qr.evaluate("img => img.decode().catch(() => null)")  # drawn (or known broken) first
    shoot(kiosk, screenshots, "kiosk-ticket")

    give_pin(hub, "boss")
    director = new_page(viewport=FULL_HD)
    log_in(director, hub, "/halls/t/director", "boss")
    expect(director.locator("#alerts .alert-list li.alert-uncovered").first).to_be_visible()
    expect(director.locator("#window-3")).to_have_attribute("data-status", "uncovered")
    shoot(director, screenshots, "director")

    phone = new_page(viewport=PHONE, is_mobile=True, device_scale_factor=2)
    open_live(phone, hub.url + "/halls/t/tickets/A003")
    expect(phone.locator("#ticket-status .ts-ahead")).to_have_text("下一位就是您，请留意叫号")
    shoot(phone, screenshots, "ticket-phone")
