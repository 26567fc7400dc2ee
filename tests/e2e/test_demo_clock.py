"""`hall demo` in a real browser: a page's clock follows the demo's simulated clock, at its
speed (60x: two real seconds move it two simulated minutes), not the device's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from hall.store.embedded import free_tcp_port
from tests.support.wait import wait_for

from .conftest import SOCKET_PROBE, BrowserLog

pytestmark = pytest.mark.e2e

SPEED = 60


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[str]:
    """`python -m hall demo --speed 60` on a free port; its base URL."""
    port = free_tcp_port()
    argv = [sys.executable, "-m", "hall", "demo", "--speed", str(SPEED), "--port", str(port)]
    log = tmp_path / "demo.out"
    with log.open("wb") as sink:
        proc = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, env=dict(os.environ))
    url = f"http://127.0.0.1:{port}"
    try:

        def healthy() -> bool:
            assert proc.poll() is None, log.read_text()
            return httpx.get(url + "/healthz", timeout=1).status_code == 200

        wait_for(healthy, 30, "the demo's hub answers")
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)


@pytest.fixture
def wall(browser: Browser, browser_log: BrowserLog, demo: str) -> Iterator[Page]:
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1920, "height": 1080}
    )
    context.add_init_script(SOCKET_PROBE)
    page = context.new_page()
    browser_log.watch(page)
    yield page
    context.close()
    if browser_log.problems:
        pytest.fail("the browser reported errors:\n" + "\n".join(browser_log.problems))


def minutes(hhmm: str) -> int:
    hh, mm = hhmm.strip().split(":")
    return int(hh) * 60 + int(mm)


def test_a_demo_page_clock_runs_at_the_demo_speed(wall: Page, demo: str) -> None:
    wall.goto(demo + "/halls/kaiyuan/wall")
    assert wall.locator("body").get_attribute("data-clock-rate") == str(SPEED)
    read = "() => [Date.now(), window.hall.now(), document.getElementById('clock').textContent]"
    real0, hall0, shown0 = wall.evaluate(read)
    hub = datetime.fromisoformat(httpx.get(demo + "/api/halls/kaiyuan/state").json()["at"])
    _, hall_after, _ = wall.evaluate(read)
    # The page's clock is the hub's (the demo day from 07:55), not this machine's: within a
    # few simulated seconds of the hub's answer, whatever the time of day here.
    hub_ms = hub.timestamp() * 1000
    assert hall0 - 15_000 <= hub_ms <= hall_after + 15_000, (hall0, hub_ms, hall_after)
    assert abs(minutes(shown0) - (hub.hour * 60 + hub.minute)) <= 1, (shown0, hub)

    # Two real seconds later (waited for on the page's own clock): two simulated minutes.
    wall.wait_for_function("t => Date.now() >= t", arg=real0 + 2_000, timeout=5_000)
    real1, hall1, _ = wall.evaluate(read)
    rate = (hall1 - hall0) / (real1 - real0)
    assert rate == pytest.approx(SPEED, rel=0.02)
    assert 115_000 <= hall1 - hall0 <= 180_000  # ~2 simulated minutes
    # The clock on the wall shows it (it is redrawn every real second: a simulated minute).
    wall.wait_for_function(
        "([t, m]) => { const [h, mm] = document.getElementById('clock').textContent.split(':');"
        " return Date.now() >= t && Number(h) * 60 + Number(mm) >= m; }",
        arg=[real1 + 1_100, minutes(shown0) + 2],
        timeout=5_000,
    )
