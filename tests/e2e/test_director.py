"""The director's board in a real browser: live occupancy and the cover alerts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.hubs import Hub

from .browse import give_pin, log_in

pytestmark = pytest.mark.e2e


def stat(page: Page, key: str) -> Any:
    return page.locator(f"#occupancy .stat-{key} .stat-value")


def test_director_sees_occupancy_and_cover_alert(
    page: Page, hub: Hub, api: Callable[..., dict[str, Any]]
) -> None:
    for window in (1, 2, 3):
        api(type="presence.set", window=window, post="A", state="present")
    for service in ("A", "A", "B"):
        api(type="ticket.issue", service=service)
    api(type="ticket.call", window=1)

    give_pin(hub, "boss", "80808080")
    log_in(page, hub, "/halls/t/director", "boss", "80808080")
    expect(stat(page, "in-hall")).to_have_text("3")
    expect(stat(page, "waiting")).to_have_text("2")
    expect(stat(page, "being-served")).to_have_text("1")
    expect(stat(page, "staffed")).to_have_text("3 / 3")
    expect(page.locator("#counters .counter-issued dd")).to_have_text("3")
    expect(page.locator("#window-1 .fact-serving dd")).to_have_text("A001")

    # Live issues: A-post 3 steps away; 3 s later (cover_after) the window is uncovered,
    # an alert linked to its window; 2 s later (escalate_after) it is escalated.
    alerts = page.locator("#alerts .alert-list li")
    expect(alerts).to_have_count(0)
    api(type="presence.set", window=3, post="A", state="away", reason="field")
    expect(stat(page, "staffed")).to_have_text("2 / 3", timeout=1_000)
    expect(page.locator("#window-3")).to_have_attribute("data-status", "away")
    alert = page.locator("#alerts .alert-list li.alert-uncovered")
    expect(alert).to_have_count(1, timeout=6_000)
    expect(alert.locator(".alert-text")).to_have_text("3 号窗口无人顶岗：已通知B岗 员工b3")
    expect(alert.locator("a.alert-link")).to_have_attribute("href", "/halls/t/windows/3")
    expect(page.locator("#window-3")).to_have_attribute("data-status", "uncovered")
    expect(alert.locator(".tag-escalated")).to_be_visible(timeout=5_000)
    alert.locator("button.btn-ack").click()
    expect(alert.locator(".alert-acked")).to_contain_text("主任", timeout=2_000)
    expect(alert).to_have_count(1)  # seen, but still current while nobody is there

    # The B-post covers: the issue resolves by itself and moves to the day's history.
    api(type="cover.start", window=3)
    expect(alerts).to_have_count(0, timeout=1_000)
    expect(page.locator("#alerts .resolved li").first).to_contain_text("3 号窗口无人顶岗")
    expect(page.locator("#alerts .count")).to_have_text("0")
    expect(page.locator("#timeline li").first).to_contain_text("3 号窗口")

    api(type="ticket.finish", window=1)
    expect(stat(page, "in-hall")).to_have_text("2", timeout=1_000)
    expect(stat(page, "being-served")).to_have_text("0")
    expect(page.locator("#counters .counter-served dd")).to_have_text("1")
