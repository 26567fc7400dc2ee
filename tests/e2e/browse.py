"""What the end-to-end tests do in the browser again and again: open a live screen and wait
for its socket, log in through the form, time how fast a text appears."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.support.hubs import Hub, set_pin

PIN = "2468"


def give_pin(hub: Hub, staff: str, pin: str = PIN) -> None:
    """`hall pin STAFF --hall t` with the PIN on stdin, as an operator would."""
    done = set_pin(hub, staff, pin)
    assert done.returncode == 0, done.stderr


def wait_live(page: Page, frames: int = 1, timeout: float = 10_000) -> None:
    """Wait until the page's view socket has delivered `frames` messages in total (the
    first one is the whole view, sent on connect)."""
    page.wait_for_function("n => window.__hall.frames >= n", arg=frames, timeout=timeout)


def open_live(page: Page, url: str) -> None:
    page.goto(url)
    wait_live(page)


def log_in(page: Page, hub: Hub, path: str, staff: str, pin: str = PIN) -> None:
    """Open `path`, get sent to the login form, log in as `staff`, land back on `path`
    with its live socket connected."""
    page.goto(hub.url + path)
    expect(page).to_have_url(hub.url + "/login?next=" + quote(path, safe=""))
    form = page.locator("form.login-form")
    expect(form.locator("input[name=next]")).to_have_value(path)
    hall = form.locator("input[name=hall]")
    expect(hall).to_have_value("t")  # the only hall: a hidden field
    form.locator("select[name=staff]").select_option(staff)
    form.locator("input[name=pin]").fill(pin)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(hub.url + path)
    wait_live(page)


_WATCH = """([selector, text]) => {
  const key = selector + "|" + text;
  window.__seen = window.__seen || {};
  const check = () => {
    const el = document.querySelector(selector);
    if (el && el.textContent.includes(text) && !window.__seen[key]) {
      window.__seen[key] = Date.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
  check();
  return key;
}"""


class TextTimer:
    """Records (in the page, on the DOM mutation itself) when `selector` first contains
    `text`, so a delay can be measured against a wall-clock instant taken in the test."""

    def __init__(self, page: Page, selector: str, text: str) -> None:
        self.page = page
        self.key = page.evaluate(_WATCH, [selector, text])
        assert not self.seen(), f"{selector} already shows {text!r}"

    def seen(self) -> float | None:
        ms = self.page.evaluate("k => (window.__seen || {})[k] || null", self.key)
        return None if ms is None else ms / 1000

    def delay_after(self, start: float, timeout: float = 1_000) -> float:
        """Seconds from `start` (a `time.time()`) to the text appearing; fails if it has
        not appeared `timeout` ms after now."""
        self.page.wait_for_function("k => window.__seen[k]", arg=self.key, timeout=timeout)
        seen = self.seen()
        assert seen is not None
        return seen - start


def shoot(page: Page, folder: Path, name: str) -> None:
    """Save a screenshot of the viewport as `folder/name.png`, fonts loaded."""
    page.evaluate("document.fonts.ready")
    page.screenshot(path=folder / f"{name}.png")


def now() -> float:
    return time.time()
