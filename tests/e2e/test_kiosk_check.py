"""The kiosk's self-check says what to fix, in plain words: in a browser started without the
kiosk flags, sound needs a tap (Chromium's autoplay policy refuses play(): real), printing
shows a dialog (simulated: headless Chromium never shows one, so a print() that holds the
page as a dialog would stands in for it), and without HALL_PUBLIC_URL the tickets' QR codes
lead to 127.0.0.1, which no phone opens. The check in a kiosk browser that passes:
test_kiosk_print.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.support.hubs import Hub, device_token

from .conftest import BrowserLog

pytestmark = pytest.mark.e2e

# window.print() as it behaves with a print dialog: the page waits until someone closes it.
DIALOG = """
window.print = () => { const until = Date.now() + 2000; while (Date.now() < until) {} };
"""


def test_the_check_page_says_what_to_fix(new_page: Callable[..., Page], hub: Hub) -> None:
    page = new_page(viewport={"width": 1080, "height": 1920})
    page.add_init_script(DIALOG)
    page.goto(f"{hub.url}/halls/t/kiosk?token={device_token(hub, 'kiosk')}&check=1")
    sound = page.locator("#check-sound")
    expect(sound).to_have_attribute("data-state", "fix")
    expect(sound.locator(".check-badge")).to_have_text("需处理")
    expect(sound.locator(".check-text")).to_contain_text(
        "--autoplay-policy=no-user-gesture-required"
    )
    printing = page.locator("#check-print")
    expect(printing).to_have_attribute("data-state", "fix", timeout=10_000)
    expect(printing.locator(".check-text")).to_contain_text("打印时弹出了对话框")
    expect(printing.locator(".check-text")).to_contain_text("--kiosk-printing")
    public = page.locator("#check-public")
    expect(public).to_have_attribute("data-state", "fix")
    expect(public.locator(".check-text")).to_contain_text(f"号票二维码指向 {hub.url}")
    expect(public.locator(".check-text")).to_contain_text("HALL_PUBLIC_URL")

    # In English, and the way back to the kiosk keeps the token.
    page.locator(".lang-link").click()
    expect(page.locator("#check-public .check-text")).to_contain_text("phones cannot open")
    expect(page.locator("#check-sound .check-text")).to_contain_text("without a tap")
    page.locator(".check-links .btn-primary").click()
    expect(page.locator("#kiosk-services button[data-service]")).to_have_count(2)


def test_the_check_page_is_the_kiosks_own(
    new_page: Callable[..., Page], hub: Hub, browser_log: BrowserLog
) -> None:
    browser_log.allow(
        r"Failed to load resource: the server responded with a status of 401",
        "a check page without a kiosk token is refused on purpose",
    )
    page = new_page()
    response = page.goto(f"{hub.url}/halls/t/kiosk?check=1")
    assert response is not None and response.status == 401
    expect(page.locator("h1")).to_have_text("此取号机尚未授权")
    token = device_token(hub, "kiosk")
    with hub.client(None) as client:
        for query, field in (("check=yes", "check"), ("print=no", "print")):
            answer = client.get(f"/halls/t/kiosk?token={token}&{query}")
            assert answer.status_code == 400, answer.text
            assert answer.json()["error"] == "invalid_field"
            assert answer.json()["message"].startswith(f"{field}: ")
        quiet = client.get(f"/halls/t/kiosk?token={token}&print=0")
        assert quiet.status_code == 200 and 'data-auto-print="false"' in quiet.text
