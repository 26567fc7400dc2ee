"""The kiosk opens and stops issuing on time with nobody touching it (issue 12): a kiosk
loaded before opening used to say closed until someone touched it, and touches kept
postponing its refresh. The hub's clock is set to 07:59:52 (HALL_CLOCK_OFFSET)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.support.halls import hall_toml
from tests.support.hubs import Hub, device_token

from .browse import open_live

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _hub_time(offset: float) -> datetime:
    return datetime.fromtimestamp(time.time() + offset, SHANGHAI)


@pytest.fixture
def opening() -> datetime:
    """Today's 08:00 in the hall, which the hub's clock reaches 8 s after the test starts."""
    return datetime.now(SHANGHAI).replace(hour=8, minute=0, second=0, microsecond=0)


@pytest.fixture
def hub_env(opening: datetime) -> dict[str, str]:
    offset = (opening - timedelta(seconds=8)).timestamp() - time.time()
    return {"HALL_CLOCK_OFFSET": f"{offset:.3f}"}


@pytest.fixture
def hall_file() -> str:
    """One session, 08:00:00 to 08:00:30; no tickets in its last 20 s."""
    return hall_toml(sessions=("08:00:00-08:00:30",), issue_cutoff="20s")


def test_the_kiosk_opens_and_stops_issuing_on_time_untouched(
    page: Page, hub: Hub, hub_env: dict[str, str], opening: datetime
) -> None:
    offset = float(hub_env["HALL_CLOCK_OFFSET"])
    open_live(page, f"{hub.url}/halls/t/kiosk?token={device_token(hub, 'kiosk')}")
    assert _hub_time(offset) < opening, "the page should load before opening"
    services = page.locator("#kiosk-services")
    expect(services).to_have_attribute("data-issuing", "false")
    expect(services.locator(".closed-screen")).to_be_visible()

    expect(services).to_have_attribute("data-issuing", "true", timeout=15_000)
    opened_late = (_hub_time(offset) - opening).total_seconds()
    expect(services.locator("button[data-service]")).to_have_count(2)
    expect(services.locator(".closed-screen")).to_be_hidden()

    cutoff = opening + timedelta(seconds=10)
    expect(services).to_have_attribute("data-issuing", "false", timeout=15_000)
    closed_late = (_hub_time(offset) - cutoff).total_seconds()
    expect(services.locator(".closed-screen")).to_be_visible()
    expect(services.locator(".kiosk-open")).to_be_hidden()
    print(f"opened {opened_late:.2f} s after 08:00:00, closed {closed_late:.2f} s after 08:00:10")
    assert 0 <= opened_late < 3.0
    assert 0 <= closed_late < 2.0
