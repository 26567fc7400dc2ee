"""The ticket kiosk and the resident's ticket page in a real browser."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.hubs import Hub, device_token

from .browse import open_live
from .conftest import BrowserLog

pytestmark = pytest.mark.e2e

Api = Callable[..., dict[str, Any]]


def test_kiosk_issues_a_ticket_with_a_qr_code(page: Page, hub: Hub, api: Api) -> None:
    api(type="presence.set", window=1, post="A", state="present")
    api(type="presence.set", window=2, post="A", state="present")
    token = device_token(hub, "kiosk")
    assert token
    page.goto(f"{hub.url}/halls/t/kiosk?token={token}")
    services = page.locator("#kiosk-services")
    expect(services).to_have_attribute("data-issuing", "true")
    expect(services.locator("button[data-service]")).to_have_count(2)
    button = services.locator('button[data-service="A"]')
    expect(button.locator(".svc-name")).to_have_text("甲")
    expect(button.locator(".svc-windows")).to_have_text("1、2 号窗口办理")

    with page.expect_response(lambda r: r.url.endswith("/api/halls/t/commands")) as answer:
        button.click()
    issued = answer.value.json()
    assert answer.value.status == 200, issued
    day = issued["events"][-1]["ticket"]["issued_at"][:10]
    url = issued["ticket_view"]["url"]
    assert url.startswith(f"{hub.url}/halls/t/tickets/{day}/A001?k=")  # day and key
    card = page.locator("#ticket-card")
    expect(card).to_be_visible()
    expect(page.locator("#kiosk-main")).to_be_hidden()
    expect(card.locator('[data-slot="number"]')).to_have_text("A001")
    expect(card.locator('[data-slot="service_name"]')).to_have_text("甲")
    expect(card.locator('[data-slot="ahead"]')).to_have_text("下一位就是您，请留意叫号")
    expect(card.locator('[data-slot="windows"]')).to_have_text("请留意 1 号窗口、2 号窗口 叫号")
    # The QR code is its own request (an SVG drawn by the hub from the resident page's
    # address), shown as an image on the card; whether it renders: the test below.
    qr = card.locator('[data-slot="qr"] img')
    expect(qr).to_have_attribute("src", issued["ticket_view"]["qr_url"])
    drawn = page.request.get(hub.url + issued["ticket_view"]["qr_url"])
    assert drawn.status == 200 and drawn.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in drawn.text() and "<path" in drawn.text()

    # Done: back to the buttons; the next resident is one behind.
    card_done = page.locator("[data-kiosk-done]")
    card_done.click()
    expect(page.locator("#kiosk-main")).to_be_visible()
    expect(page.locator("#ticket-area")).to_be_hidden()
    button.click()
    expect(card.locator('[data-slot="number"]')).to_have_text("A002")
    expect(card.locator('[data-slot="ahead"]')).to_have_text("前面还有 1 人")
    expect(card.locator('[data-slot="wait"]')).to_contain_text("预计等候约")
    expect(card.locator('[data-slot="qr"] img')).to_have_attribute(
        "src", re.compile(rf"^/halls/t/tickets/{day}/A002/qr\.svg\?k=\w+$")
    )


def test_kiosk_ticket_qr_code_renders(page: Page, hub: Hub) -> None:
    page.goto(f"{hub.url}/halls/t/kiosk?token={device_token(hub, 'kiosk')}")
    page.locator('button[data-service="B"]').click()
    qr = page.locator('#ticket-card [data-slot="qr"] img')
    expect(qr).to_have_attribute("src", re.compile(r"^/halls/t/tickets/[\d-]{10}/B001/qr\.svg\?k="))
    decoded = qr.evaluate(
        "async img => { try { await img.decode(); return 'ok'; } catch (e) { return String(e); } }"
    )
    assert decoded == "ok"
    assert qr.evaluate("img => img.naturalWidth") > 0
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 100 and abs(box["width"] - box["height"]) < 2


def test_kiosk_without_token_explains_the_setup(
    page: Page, hub: Hub, browser_log: BrowserLog
) -> None:
    browser_log.allow(
        r"/halls/t/kiosk:\d+: Failed to load resource: the server responded with a status "
        r"of 401 \(Unauthorized\)$",
        "the kiosk page without a device token is answered 401 on purpose",
    )
    response = page.goto(hub.url + "/halls/t/kiosk")
    assert response is not None and response.status == 401
    expect(page.locator("h1")).to_have_text("此取号机尚未授权")
    expect(page.locator(".setup-steps")).to_contain_text("hall token")
    expect(page.locator(".setup-steps")).to_contain_text("--role kiosk")
    expect(page.locator("#kiosk-services")).to_have_count(0)


def test_resident_page_follows_the_ticket(
    new_page: Callable[..., Page], hub: Hub, api: Api
) -> None:
    api(type="presence.set", window=1, post="A", state="present")
    api(type="ticket.issue", service="A")
    api(type="ticket.issue", service="A")
    first, second = new_page(), new_page()
    open_live(first, hub.url + "/halls/t/tickets/A001")  # the undated path: today's
    open_live(second, hub.url + "/halls/t/tickets/A002")
    status = first.locator("#ticket-status")
    expect(first.locator(".resident-number")).to_have_text("A001")
    expect(status).to_have_attribute("data-state", "waiting")
    expect(status.locator(".ts-headline")).to_have_text("排队中")
    expect(status.locator(".ts-ahead")).to_have_text("下一位就是您，请留意叫号")
    # only window 1 is staffed: window 2 (which may call A too) is named once someone is there
    expect(status.locator(".ts-windows")).to_have_text("请留意 1 号窗口 叫号")
    expect(second.locator("#ticket-status .ts-ahead")).to_have_text("前面还有 1 人")
    api(type="presence.set", window=2, post="A", state="present")
    expect(status.locator(".ts-windows")).to_have_text("请留意 1 号窗口、2 号窗口 叫号")
    api(type="presence.set", window=2, post="A", state="off")

    api(type="ticket.call", window=1)
    expect(status).to_have_attribute("data-state", "called", timeout=2_000)
    expect(status.locator(".ts-headline")).to_have_text("请到 1 号窗口")
    expect(status.locator(".ts-note")).to_have_text("正在叫您的号")
    ahead = second.locator("#ticket-status .ts-ahead")
    expect(ahead).to_have_text("下一位就是您，请留意叫号", timeout=2_000)

    api(type="ticket.finish", window=1)
    expect(status).to_have_attribute("data-state", "finished", timeout=2_000)
    expect(status.locator(".ts-headline")).to_have_text("已办结")
    assert re.search(r"/halls/t/tickets/\d{4}-\d\d-\d\d/A001$", first.url)

    # the next resident is not there when called: 已过号, and where to ask
    api(type="ticket.call", window=1)
    api(type="ticket.no_show", window=1)
    gone = second.locator("#ticket-status")
    expect(gone).to_have_attribute("data-state", "no_show", timeout=2_000)
    expect(gone.locator(".ts-note")).to_have_text("叫号时未到，请到 1 号窗口询问")
    nobody = new_page()
    open_live(nobody, hub.url + "/halls/t/tickets/A077")
    expect(nobody.locator("#ticket-status .ts-headline")).to_have_text("无此号")
