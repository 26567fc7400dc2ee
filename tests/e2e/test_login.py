"""The staff login form itself, submitted by the browser: a wrong PIN is refused on the form,
the right one lands on the page that asked for the login."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.support.hubs import Hub

from .browse import give_pin, wait_live
from .conftest import BrowserLog

pytestmark = pytest.mark.e2e


def test_login_form_redirects_to_the_tablet(page: Page, hub: Hub, browser_log: BrowserLog) -> None:
    # A wrong PIN is answered 401 with the form again; Chromium logs the 401 document.
    browser_log.allow(
        r"Failed to load resource: the server responded with a status of 401 \(Unauthorized\)$",
        "the wrong PIN is refused on purpose",
    )
    give_pin(hub, "a1")
    path = "/halls/t/windows/1"
    page.goto(hub.url + path)
    expect(page).to_have_url(hub.url + "/login?next=" + quote(path, safe=""))
    form = page.locator("form.login-form")
    expect(page.locator(".login-error")).to_be_hidden()

    form.locator("select[name=staff]").select_option("a1")
    form.locator("input[name=pin]").fill("1111")
    with page.expect_response(lambda r: r.request.method == "POST") as refused:
        form.locator("button[type=submit]").click()
    assert refused.value.status == 401
    expect(page.locator(".login-error")).to_have_text("工作人员或 PIN 码不正确")
    expect(form.locator("select[name=staff]")).to_have_value("a1")  # kept for the retry
    expect(form.locator("input[name=next]")).to_have_value(path)

    form.locator("input[name=pin]").fill("2468")
    with page.expect_response(lambda r: r.request.method == "POST") as accepted:
        form.locator("button[type=submit]").click()
    assert accepted.value.status == 303
    expect(page).to_have_url(hub.url + path)
    wait_live(page)
    expect(page.locator("body")).to_have_attribute("data-post", "A")
    expect(page.locator("#window-1")).to_be_visible()
