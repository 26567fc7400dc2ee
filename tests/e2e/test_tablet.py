"""The window tablet in a real browser: the A-post logs in and steps away, the B-post (on a
second tablet, another browser context) is asked to cover and does, the A-post returns,
and a refused tap says why in Chinese."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.hubs import Hub

from .browse import give_pin, log_in, now, shoot
from .conftest import BrowserLog

pytestmark = pytest.mark.e2e

TABLET = "/halls/t/windows/1"


def test_tablet_away_cover_return_and_refusal(
    new_page: Callable[..., Page],
    hub: Hub,
    api: Callable[..., dict[str, Any]],
    browser_log: BrowserLog,
    screenshots: Path,
) -> None:
    # The refused command is a fetch answered 409; Chromium logs every 4xx/5xx response
    # of a page as a console error. The page shows the refusal in a toast (checked below).
    browser_log.allow(
        r"/api/halls/t/commands:\d+: Failed to load resource: "
        r"the server responded with a status of 409 \(Conflict\)$",
        "the tablet's refused off-duty tap is answered 409 queue_not_empty on purpose",
    )
    give_pin(hub, "a1")
    give_pin(hub, "b1", "97531")

    a = new_page()
    log_in(a, hub, TABLET, "a1")
    expect(a.locator("body")).to_have_attribute("data-post", "A")
    expect(a.locator(".bar-viewer")).to_have_text("您是本窗口A岗")
    tile = a.locator("#window-1")
    a_post = a.locator("#posts .post-a")
    expect(a_post.locator(".post-state")).to_have_text("未在岗")

    a_post.locator("button.btn-present").click()
    expect(tile).to_have_attribute("data-status", "staffed", timeout=2_000)
    expect(tile.locator(".status-word")).to_have_text("在岗")
    expect(a_post.locator("button.btn-present")).to_have_attribute("aria-pressed", "true")
    expect(a.locator("#toast")).to_have_text("已完成")

    b = new_page()
    log_in(b, hub, TABLET, "b1", "97531")
    expect(b.locator("body")).to_have_attribute("data-post", "B")
    need = b.locator('#cover-needs .need[data-staff="b1"]')
    expect(need).to_have_count(0)
    expect(b.locator("#window-1")).to_have_attribute("data-status", "staffed")

    # A steps away: the button asks for a reason first. The B-post's tablet alerts at
    # once (cover.needed) with a countdown to the deadline; A's own tablet does not.
    a_post.locator("button.btn-away").click()
    dialog = a.locator("#reason-dialog")
    expect(dialog).to_be_visible()
    dialog.locator('button[data-value="meeting"]').click()
    tapped = now()
    expect(need).to_be_visible(timeout=1_000)
    seen = now() - tapped
    assert seen < 1.0, f"B's alert came {seen:.3f} s after A's tap"
    expect(need.locator(".need-text")).to_have_text("1 号窗口A岗 员工a1 暂离：请您顶岗")
    expect(need.locator(".countdown")).to_have_text(re.compile(r"^0:0[0-3]$"))
    shoot(b, screenshots, "tablet-b-cover-needed")
    expect(a.locator('#cover-needs .need[data-staff="b1"]')).to_be_hidden()
    expect(dialog).to_be_hidden()
    expect(tile).to_have_attribute("data-status", "away", timeout=2_000)
    expect(tile.locator(".status-word")).to_have_text("暂离")
    expect(tile.locator(".reason")).to_have_text("会议")
    expect(a_post.locator(".post-state")).to_have_text("暂离 · 会议")
    expect(b.locator("#window-1 .status-word")).to_have_text("暂离", timeout=2_000)

    # 3 s later (cover_after) nobody has come: the window is uncovered, the countdown late.
    expect(b.locator("#window-1")).to_have_attribute("data-status", "uncovered", timeout=6_000)
    expect(b.locator("#window-1 .status-note")).to_contain_text("请B岗顶岗")
    expect(need).to_have_class(re.compile(r"\bneed-late\b"))
    expect(need.locator(".countdown")).to_have_text(re.compile(r"^\+0:0\d$"))

    need.locator("button.need-go").click()
    expect(b.locator("#window-1")).to_have_attribute("data-status", "covered", timeout=2_000)
    expect(b.locator("#window-1 .status-word")).to_have_text("B岗顶岗")
    expect(b.locator("#posts .post-b .post-state")).to_have_text("顶岗中")
    expect(b.locator("#posts .post-b button.btn-cover-end")).to_be_visible()
    expect(need).to_have_count(0)
    expect(tile).to_have_attribute("data-status", "covered", timeout=2_000)
    expect(tile.locator(".fact-clerk dd")).to_have_text("员工b1")

    # A returns: cover ends by itself, B goes back to where it was (off duty).
    a_post.locator("button.btn-present").click()
    expect(tile).to_have_attribute("data-status", "staffed", timeout=2_000)
    expect(b.locator("#window-1")).to_have_attribute("data-status", "staffed", timeout=2_000)
    expect(b.locator("#posts .post-b .post-state")).to_have_text("未在岗")
    expect(b.locator("#posts .post-b button.btn-cover")).to_be_disabled()

    # A refusal: going off duty while a resident waits for the window.
    api(type="ticket.issue", service="A")
    expect(a.locator("#queue-1 .wq-number")).to_have_text(["A001"], timeout=2_000)
    a_post.locator("button.btn-off").click()
    toast = a.locator("#toast")
    expect(toast).to_be_visible()
    expect(toast).to_have_text("还有 1 人在等候本窗口，暂不能下班")
    expect(toast).to_have_class("toast toast-error")
    expect(tile).to_have_attribute("data-status", "staffed")
    expect(a_post.locator(".post-state")).to_have_text("在岗")
