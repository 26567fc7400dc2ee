"""End-to-end fixtures: one headless Chromium for all of them, a fresh browser context per
page (own cookies, so two clerks can be logged in side by side), a real hub subprocess per
test on its own real Redis, and a watch on every page's console and uncaught errors.

A test fails at teardown if any page logged a console error or threw, unless the test
allowed that exact message beforehand with `browser_log.allow(pattern, reason)`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from tests.support.halls import hall_toml
from tests.support.hubs import Hub

CHROMIUM = os.environ.get("HALL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Counts the live socket's opens (with the last one's time) and messages and lists its
# close codes (htmx-ext-ws events bubble from the body to the document), so tests can wait
# for "connected and first view received".
SOCKET_PROBE = """
const hall = (window.__hall = {opens: 0, openedAt: 0, closes: [], frames: 0});
document.addEventListener("htmx:wsOpen", () => { hall.opens += 1; hall.openedAt = Date.now(); });
document.addEventListener("htmx:wsClose", (e) => { hall.closes.push(e.detail.event.code); });
document.addEventListener("htmx:wsAfterMessage", () => { hall.frames += 1; });
"""
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "artifacts" / "screenshots"


# One Chromium for all the end-to-end tests. Scope "package", not "session": the sync API
# keeps its event loop marked as running in this thread while Playwright is started, so
# anyio tests collected after tests/e2e (tests/integration) could not start their loops;
# the package scope stops Playwright right after the last e2e test.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set HALL_CHROMIUM)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class BrowserLog:
    """Console errors and uncaught page errors of every page a test opened."""

    problems: list[str] = field(default_factory=list)
    allowed: list[tuple[re.Pattern[str], str]] = field(default_factory=list)

    def allow(self, pattern: str, reason: str) -> None:
        """Tolerate errors whose "SOURCE: TEXT" line (as in the failure report) matches the
        regex `pattern` (searched), for `reason`."""
        assert reason, "say why this error is expected"
        self.allowed.append((re.compile(pattern), reason))

    def record(self, where: str, text: str) -> None:
        line = f"{where}: {text}"
        if not any(pattern.search(line) for pattern, _ in self.allowed):
            self.problems.append(line)

    def watch(self, page: Page) -> None:
        def on_console(msg: ConsoleMessage) -> None:
            if msg.type == "error":
                loc = msg.location
                self.record(f"console.error {loc.get('url', '')}:{loc.get('lineNumber')}", msg.text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.record("pageerror", str(error)))


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def new_page(browser: Browser, browser_log: BrowserLog, hub: Hub) -> Iterator[Callable[..., Page]]:
    """`new_page(**context_options)`: a page in a fresh context (no cookies), watched.
    Pages close before the hub stops (hence `hub` here), so no socket sees it go."""
    contexts: list[BrowserContext] = []

    def make(**options: object) -> Page:
        options.setdefault("locale", "zh-CN")
        options.setdefault("timezone_id", "Asia/Shanghai")
        context = browser.new_context(**options)  # type: ignore[arg-type]
        context.add_init_script(SOCKET_PROBE)
        contexts.append(context)
        page = context.new_page()
        browser_log.watch(page)
        return page

    yield make
    for context in contexts:
        context.close()
    if browser_log.problems:
        pytest.fail(
            "the browser reported errors:\n" + "\n".join(browser_log.problems), pytrace=False
        )


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


@pytest.fixture
def hall_file() -> str:
    """The test hall, asking for cover 3 s into an absence and escalating 2 s later (so the
    cover flow happens within a test)."""
    return hall_toml(cover_after="3s", escalate_after="2s")


@pytest.fixture
def api(hub: Hub) -> Callable[..., dict[str, Any]]:
    """`api(type=..., **fields)`: one command with the admin token; its JSON (asserts 200).
    A client per call, so a command right after a hub restart needs no pool cleanup."""

    def command(**body: object) -> dict[str, Any]:
        with hub.client() as client:
            response = client.post("/api/halls/t/commands", json=body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    return command


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
