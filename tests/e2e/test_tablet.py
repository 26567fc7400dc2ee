"""The window tablet in a real browser, knowing who holds it: the A-post steps away and sees
no cover button, the B-post (another browser context) gets 开始顶岗 with the countdown as
its biggest button and covers, pressed; 办结并叫下一位 in order, and a refusal of its second
step said plainly; the transfer picker's staffing and queues; one shared tablet used by A,
then B (switch user), then logged out."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, Route, expect

from tests.support.hubs import Hub

from .browse import give_pin, log_in, now, shoot, wait_live
from .conftest import BrowserLog

pytestmark = pytest.mark.e2e

TABLET = "/halls/t/windows/1"
SIZE = {"width": 1280, "height": 800}
REFUSED = (
    r"/api/halls/t/commands:\d+: Failed to load resource: "
    r"the server responded with a status of 409 \(Conflict\)$"
)
# The visible button with the largest area: "the primary action is the biggest".
LARGEST = """() => {
  let best = null, area = 0;
  for (const b of document.querySelectorAll("button")) {
    const r = b.getBoundingClientRect();
    if (r.width * r.height > area && b.checkVisibility()) { best = b; area = r.width * r.height; }
  }
  return best ? best.textContent.trim() : null;
}"""


def largest_button(page: Page) -> str | None:
    found: str | None = page.evaluate(LARGEST)
    return found


def test_cover_flow_big_button_for_b_none_for_a(
    new_page: Callable[..., Page],
    hub: Hub,
    api: Callable[..., dict[str, Any]],
    screenshots: Path,
) -> None:
    give_pin(hub, "a1")
    give_pin(hub, "b1", "97531")

    a = new_page(viewport=SIZE)
    log_in(a, hub, TABLET, "a1")
    expect(a.locator("body")).to_have_attribute("data-post", "A")
    expect(a.locator(".bar-viewer")).to_have_text("员工a1 · 您是本窗口A岗")
    tile = a.locator("#window-1")
    a_post = a.locator("#posts .post-a")
    a_do = a.locator('#primary [data-for="A"] .btn-do')
    expect(a_post.locator(".post-state")).to_have_text("未在岗")
    expect(a_do).to_have_text("在岗")  # off: the first thing to do is to be present
    assert largest_button(a) == "在岗"

    a_do.click()
    expect(tile).to_have_attribute("data-status", "staffed", timeout=2_000)
    expect(tile.locator(".status-word")).to_have_text("在岗")
    expect(a_post.locator("button.btn-present")).to_have_attribute("aria-pressed", "true")
    expect(a.locator("#toast")).to_have_text("已完成")
    expect(a_do).to_have_text("叫下一位")  # present, nobody waiting: disabled, saying why
    expect(a_do).to_be_disabled()
    expect(a.locator('#primary [data-for="A"] .primary-hint')).to_have_text("暂无等候")

    b = new_page(viewport=SIZE)
    log_in(b, hub, TABLET, "b1", "97531")
    expect(b.locator("body")).to_have_attribute("data-post", "B")
    b_primary = b.locator('#primary [data-for="B"]')
    b_do = b_primary.locator(".btn-do")
    expect(b_do).to_have_text("在岗")  # off: B says they are there, ready to cover
    b_do.click()
    expect(b_primary).to_have_attribute("data-kind", "none", timeout=2_000)
    expect(b_primary.locator(".primary-hint")).to_have_text("A岗在岗，无需顶岗")
    # a B-post not covering does not get 叫下一位 (nor any serving button) while A serves
    expect(b.locator("#serving .serving-actions")).to_be_hidden()
    expect(b.get_by_role("button", name="叫下一位")).to_have_count(0)

    # A steps away (a reason first). B's tablet turns at once (cover.needed): 开始顶岗 is
    # its biggest button, with the countdown; A's tablet shows no cover button at all.
    a_post.locator("button.btn-away").click()
    dialog = a.locator("#reason-dialog")
    expect(dialog).to_be_visible()
    dialog.locator('button[data-value="meeting"]').click()
    tapped = now()
    expect(b_do).to_have_text("开始顶岗", timeout=1_000)
    seen = now() - tapped
    assert seen < 1.0, f"B's primary action came {seen:.3f} s after A's tap"
    expect(b_primary.locator(".primary-hint")).to_have_text("1 号窗口A岗 员工a1 暂离：请您顶岗")
    expect(b_primary.locator(".countdown")).to_have_text(re.compile(r"^0:0[0-3]$"))
    assert largest_button(b) == "开始顶岗"
    expect(b.locator('#cover-needs .need[data-window="1"]')).to_be_hidden()  # the card says it
    expect(tile).to_have_attribute("data-status", "away", timeout=2_000)
    expect(a_post.locator(".post-state")).to_have_text("暂离 · 会议")
    expect(a.get_by_role("button", name="开始顶岗")).to_have_count(0)
    expect(a.locator('#cover-needs .need[data-staff="b1"]')).to_be_hidden()
    expect(a_do).to_have_text("在岗")
    assert largest_button(a) == "在岗"

    # 3 s later (cover_after) nobody has come: uncovered, the countdown runs late.
    expect(b.locator("#window-1")).to_have_attribute("data-status", "uncovered", timeout=6_000)
    expect(b_primary).to_have_class(re.compile(r"\bprimary-late\b"))
    expect(b_primary.locator(".countdown")).to_have_text(re.compile(r"^\+0:0\d$"))
    expect(a.get_by_role("button", name="开始顶岗")).to_have_count(0)

    b_do.click()
    expect(b.locator("#window-1")).to_have_attribute("data-status", "covered", timeout=2_000)
    b_post = b.locator("#posts .post-b")
    expect(b_post).to_have_class(re.compile(r"\bps-covering\b"))
    expect(b_post.locator(".post-state")).to_have_text("顶岗中")
    cover_toggle = b_post.locator("button.btn-cover-end")
    expect(cover_toggle).to_have_attribute("aria-pressed", "true")  # covering looks pressed
    expect(cover_toggle).to_have_text("结束顶岗")
    # covering, B serves: its serving buttons are there, and the primary is to call
    api(type="ticket.issue", service="A")
    expect(b_do).to_have_text("叫下一位", timeout=2_000)
    expect(b.locator("#serving .serving-actions")).to_be_visible()
    b_do.click()
    expect(b.locator("#serving .serving-ticket")).to_have_text("A001", timeout=2_000)
    expect(b_do).to_have_text("办结")
    expect(tile.locator(".fact-clerk dd")).to_have_text("员工b1", timeout=2_000)
    shoot(b, screenshots, "tablet-b-covering-1280x800-zh")

    # A returns: the cover ends by itself, B goes back to where it was (present).
    a_do.click()
    expect(tile).to_have_attribute("data-status", "staffed", timeout=2_000)
    expect(b.locator("#window-1")).to_have_attribute("data-status", "staffed", timeout=2_000)
    expect(b_post.locator(".post-state")).to_have_text("在岗")
    expect(b_post.locator("button.btn-cover")).to_be_disabled()
    expect(b_post.locator("button.btn-cover")).to_have_attribute("title", "A岗在岗，无需顶岗")
    expect(a_do).to_have_text("办结")  # the resident B called is now A's to finish

    # What the rules would refuse is disabled, saying why: off duty with a resident at the
    # counter (`serving`), then with residents waiting (`queue_not_empty`).
    off = a_post.locator("button.btn-off")
    expect(off).to_be_disabled()
    expect(a_post.locator(".post-note")).to_have_text("还有正在办理的号，请先办结、过号或转窗口")
    api(type="ticket.issue", service="A")
    expect(a_do).to_have_text("办结并叫下一位", timeout=2_000)
    a_do.click()
    expect(a.locator("#serving .serving-ticket")).to_have_text("A002", timeout=2_000)
    api(type="ticket.issue", service="A")
    a.locator("#serving button.btn-finish").click()
    expect(a.locator("#serving .serving-none")).to_be_visible(timeout=2_000)
    expect(a_post.locator(".post-note")).to_have_text("还有 1 人在等候本窗口，暂不能下班")
    expect(off).to_be_disabled()
    expect(a_post.locator(".post-state")).to_have_text("在岗")


def test_finish_and_call_next_in_order_and_a_refused_call_said(
    new_page: Callable[..., Page],
    hub: Hub,
    api: Callable[..., dict[str, Any]],
    browser_log: BrowserLog,
    screenshots: Path,
) -> None:
    browser_log.allow(REFUSED, "the call after the finish is refused on purpose: nobody waits")
    give_pin(hub, "a1")
    for _ in range(3):
        api(type="ticket.issue", service="A")
    a = new_page(viewport=SIZE)
    log_in(a, hub, TABLET, "a1")
    do = a.locator('#primary [data-for="A"] .btn-do')
    do.click()  # 在岗
    expect(do).to_have_text("叫下一位", timeout=2_000)
    expect(a.locator('#primary [data-for="A"] .primary-hint')).to_have_text("还有 3 人等候")
    do.click()
    expect(a.locator("#serving .serving-ticket")).to_have_text("A001", timeout=2_000)
    expect(do).to_have_text("办结并叫下一位")
    expect(a.locator('#primary [data-for="A"] .primary-hint')).to_have_text(
        "正在办理 A001 · 还有 2 人等候"
    )
    assert largest_button(a) == "办结并叫下一位"
    shoot(a, screenshots, "tablet-a-1280x800-zh")

    sent: list[str] = []
    a.on("request", lambda r: sent.append(json.loads(r.post_data or "{}").get("type", "")))
    do.click()
    expect(a.locator("#serving .serving-ticket")).to_have_text("A002", timeout=2_000)
    expect(a.locator("#toast")).to_have_text("已完成")
    assert [t for t in sent if t] == ["ticket.finish", "ticket.call"]
    with hub.client() as c:
        log = c.get("/api/halls/t/events").json()["events"]
    finished = [e["ticket"]["number"] for e in log if e["type"] == "ticket.finished"]
    assert finished == ["A001"]

    # The last waiting resident is called at window 2 while A's finish is on its way: the
    # finish is done, the call after it refused, and the tablet says both.
    def finish_then_race(route: Route) -> None:
        if (route.request.post_data_json or {}).get("type") == "ticket.finish":
            api(type="ticket.call", window=2)
        route.continue_()

    a.route("**/api/halls/t/commands", finish_then_race)
    do.click()
    toast = a.locator("#toast")
    expect(toast).to_have_text("已办结；叫下一位未成功：当前没有可办理的号")
    expect(toast).to_have_class("toast toast-error")
    expect(a.locator("#serving .serving-none")).to_be_visible()
    expect(do).to_have_text("叫下一位")
    expect(do).to_be_disabled()


def test_transfer_picker_shows_staffing_and_queues(
    new_page: Callable[..., Page], hub: Hub, api: Callable[..., dict[str, Any]]
) -> None:
    give_pin(hub, "a1")
    api(type="ticket.issue", service="A")
    api(type="ticket.issue", service="B")
    api(type="presence.set", window=2, post="A", state="present")
    a = new_page(viewport=SIZE)
    log_in(a, hub, TABLET, "a1")
    do = a.locator('#primary [data-for="A"] .btn-do')
    do.click()
    expect(do).to_have_text("叫下一位", timeout=2_000)
    do.click()
    expect(a.locator("#serving .serving-ticket")).to_have_text("A001", timeout=2_000)

    a.locator("#serving button.btn-transfer").click()
    dialog = a.locator("#transfer-dialog")
    expect(dialog).to_be_visible()
    two, three = dialog.locator('[data-value="2"]'), dialog.locator('[data-value="3"]')
    expect(dialog.locator("#transfer-targets .target")).to_have_count(2)  # not window 1
    expect(two.locator(".target-label")).to_have_text("2 号窗口 · 窗口2")
    expect(two.locator(".target-status")).to_have_text("在岗")
    expect(two.locator(".target-waiting")).to_have_text("等候 1 人")  # B001
    expect(two).to_be_enabled()
    # nobody there since the opening (cover_after 3 s): 未到岗, then 无人顶岗
    expect(three.locator(".target-status")).to_have_text(re.compile("^(未到岗|无人顶岗)$"))
    expect(three.locator(".target-waiting")).to_have_text("等候 1 人")
    expect(three.locator(".target-note")).to_have_text("无人在岗，仅主任可转入")
    expect(three).to_be_disabled()  # the server would refuse a clerk: target_unstaffed

    # window 3's A-post arrives while the picker is open: it turns pickable, live
    api(type="presence.set", window=3, post="A", state="present")
    expect(three.locator(".target-status")).to_have_text("在岗", timeout=2_000)
    expect(three).to_be_enabled()
    two.click()
    expect(dialog).to_be_hidden()
    expect(a.locator("#serving .serving-none")).to_be_visible(timeout=2_000)
    with hub.client() as c:
        queue = c.get("/api/halls/t/state").json()["queue"]
    assert [(t["number"], t["window"]) for t in queue if t["number"] == "A001"] == [("A001", 2)]


def test_one_shared_tablet_for_a_then_b_then_logged_out(
    new_page: Callable[..., Page], hub: Hub
) -> None:
    give_pin(hub, "a1")
    give_pin(hub, "b1", "97531")
    tablet = new_page(viewport=SIZE)
    log_in(tablet, hub, TABLET, "a1")
    tablet.locator('#primary [data-for="A"] .btn-do').click()
    expect(tablet.locator("#window-1")).to_have_attribute("data-status", "staffed", timeout=2_000)

    # switch user: A's session ends, the form asks for whoever comes next, for this window
    tablet.locator(".bar a.switch-user").click()
    expect(tablet).to_have_url(hub.url + "/login?next=" + quote(TABLET, safe=""))
    form = tablet.locator("form.login-form")
    expect(form.locator("input[name=next]")).to_have_value(TABLET)
    form.locator("select[name=staff]").select_option("b1")
    form.locator("input[name=pin]").fill("97531")
    form.locator("button[type=submit]").click()
    expect(tablet).to_have_url(hub.url + TABLET)
    wait_live(tablet)
    expect(tablet.locator("body")).to_have_attribute("data-post", "B")
    expect(tablet.locator(".bar-viewer")).to_have_text("员工b1 · 您是本窗口B岗")
    b_present = tablet.locator("#posts .post-b button.btn-present")
    b_present.click()
    expect(b_present).to_have_attribute("aria-pressed", "true", timeout=2_000)
    expect(tablet.locator("#toast")).to_have_text("已完成")

    # log out: the session is over on the server; the tablet page asks for a login again
    tablet.locator(".bar a.logout").click()
    expect(tablet).to_have_url(hub.url + "/login")
    tablet.goto(hub.url + TABLET)
    expect(tablet).to_have_url(hub.url + "/login?next=" + quote(TABLET, safe=""))
    with hub.client() as c:
        log = c.get("/api/halls/t/events").json()["events"]
    taps = [(e["staff"], e["state"]) for e in log if e["type"] == "presence.changed"]
    assert taps == [("a1", "present"), ("b1", "present")]


def test_tablet_in_english(new_page: Callable[..., Page], hub: Hub, screenshots: Path) -> None:
    give_pin(hub, "a1")
    a = new_page(viewport=SIZE, locale="en-GB")
    log_in(a, hub, TABLET, "a1")
    a.locator(".bar .lang-link").click()
    wait_live(a)
    expect(a.locator("html")).to_have_attribute("lang", "en")
    do = a.locator('#primary [data-for="A"] .btn-do')
    expect(do).to_have_text("Present")
    do.click()
    expect(do).to_have_text("Call next", timeout=2_000)
    expect(a.locator(".bar a.switch-user")).to_have_text("Switch user")
    expect(a.locator(".bar a.logout")).to_have_text("Log out")
    shoot(a, screenshots, "tablet-1280x800-en")
