"""The director's board in a real browser: live occupancy and the cover alerts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.integration.hubs import Hub

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

    # The hall opened with every A-post off, so each window already had its cover request
    # (the hub was started long after 00:00 + cover_after): count window 3's from here.
    requests = page.locator("#alerts li.ev-cover-requested", has_text="3 号窗口")
    escalated = page.locator("#alerts li.ev-cover-escalated", has_text="3 号窗口仍无人顶岗")
    before, escalated_before = requests.count(), escalated.count()
    api(type="presence.set", window=3, post="A", state="away", reason="field")
    expect(stat(page, "staffed")).to_have_text("2 / 3", timeout=1_000)
    expect(page.locator("#window-3")).to_have_attribute("data-status", "away")
    expect(requests).to_have_count(before + 1, timeout=6_000)  # cover_after is 3 s
    newest = page.locator("#alerts li.ev-cover-requested").first
    expect(newest.locator(".feed-text")).to_have_text(
        "3 号窗口A岗离岗已满 0.05 分钟，已通知B岗 员工b3 顶岗"
    )
    expect(page.locator("#window-3")).to_have_attribute("data-status", "uncovered")
    # Nobody covers: escalate_after (2 s) later the director is asked to act.
    expect(escalated).to_have_count(escalated_before + 1, timeout=5_000)
    expect(page.locator("#alerts li").first).to_have_class("feed-item ev-cover-escalated")
    expect(page.locator("#timeline li").first).to_contain_text("3 号窗口")

    api(type="ticket.finish", window=1)
    expect(stat(page, "in-hall")).to_have_text("2", timeout=1_000)
    expect(stat(page, "being-served")).to_have_text("0")
    expect(page.locator("#counters .counter-served dd")).to_have_text("1")
