"""The director's board in a real browser, on the Kaiyuan hall (seven windows, its names)
open all day: live issues first, the hall's figures above the fold at 1440x900, every
window a link to its page, and red only while something waits to be acted on."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hall.config import default_hall_path
from tests.support.hubs import Hub

from .browse import give_pin, log_in, shoot

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1440, "height": 900}
DIRECTOR = "wang-manshu"  # 王曼姝
PIN = "80808080"


def kaiyuan_all_day(**rules: str) -> str:
    """The shipped Kaiyuan hall file as the test hall `t`: open every day, all day, with no
    national calendar, and `rules` (e.g. cover_after = "3s") in place of its own."""
    text = default_hall_path().read_text(encoding="utf-8")
    text = re.sub(r'(?m)^id = "kaiyuan"$', 'id = "t"', text)
    text = re.sub(r"(?m)^days = .*$", 'days = ["mon","tue","wed","thu","fri","sat","sun"]', text)
    text = re.sub(r'(?m)^holidays = "cn"$', 'holidays = "none"', text)
    hours = re.compile(r"(?ms)^\[hours\.summer\].*?(?=^# The seven service areas)")
    text, found = hours.subn('[hours.all]\nsessions = ["00:00:00-23:59:59"]\n\n', text)
    assert found == 1, "the Kaiyuan hall file changed its hours: adapt kaiyuan_all_day"
    text = re.sub(r"(?m)^\[hours\.winter\]\n.*\n", "", text)
    for key, value in rules.items():
        text, n = re.subn(rf'(?m)^{key} = "[^"]*"', f'{key} = "{value}"', text)
        assert n == 1, key
    return text


@pytest.fixture
def hall_file() -> str:
    return kaiyuan_all_day(cover_after="3s", escalate_after="2s")


def stat(page: Page, key: str) -> Any:
    return page.locator(f"#occupancy .stat-{key} .stat-value")


def staff_the_hall(api: Callable[..., dict[str, Any]], *, away: tuple[int, ...] = ()) -> None:
    """Every A-post present (an A-post not arrived leaves a window uncovered 3 s into the
    all-day session), then those of `away` step away."""
    for window in range(1, 8):
        api(type="presence.set", window=window, post="A", state="present")
    for window in away:
        api(type="presence.set", window=window, post="A", state="away", reason="field")


# Every visible element whose own background is a strong red (hue within 15 degrees of red,
# saturated, neither pale nor near black).
RED_BACKGROUNDS = """() => {
  const found = [];
  for (const el of document.querySelectorAll("body *")) {
    if (!el.checkVisibility()) continue;
    const m = getComputedStyle(el).backgroundColor.match(/[\\d.]+/g);
    if (!m || (m.length > 3 && Number(m[3]) < 0.5)) continue;
    const [r, g, b] = m.slice(0, 3).map((v) => Number(v) / 255);
    const max = Math.max(r, g, b), min = Math.min(r, g, b), l = (max + min) / 2;
    if (max === min) continue;
    const s = (max - min) / (1 - Math.abs(2 * l - 1));
    let h = max === r ? ((g - b) / (max - min)) % 6 : max === g ? (b - r) / (max - min) + 2
      : (r - g) / (max - min) + 4;
    h = (h * 60 + 360) % 360;
    if ((h <= 15 || h >= 345) && s >= 0.5 && l >= 0.2 && l <= 0.7) {
      const text = el.textContent.trim().slice(0, 30);
      found.push(el.tagName.toLowerCase() + "." + el.className + " " + text);
    }
  }
  return found;
}"""

# Each element's box in the viewport: [top, bottom, left, right], or null if absent.
BOX = """(sel) => { const el = document.querySelector(sel); if (!el) return null;
  const r = el.getBoundingClientRect(); return [r.top, r.bottom, r.left, r.right]; }"""


def fully_visible(page: Page, selector: str) -> list[float]:
    box = page.evaluate(BOX, selector)
    assert box is not None, selector
    top, bottom, left, right = box
    size = page.viewport_size
    assert size is not None
    assert top >= 0 and left >= 0, (selector, box)
    assert bottom <= size["height"] and right <= size["width"], (selector, box)
    return [float(v) for v in box]


def test_director_sees_occupancy_and_cover_alert(
    page: Page, hub: Hub, api: Callable[..., dict[str, Any]]
) -> None:
    staff_the_hall(api)
    for service in ("A", "A", "B"):
        api(type="ticket.issue", service=service)
    api(type="ticket.call", window=1)

    give_pin(hub, DIRECTOR, PIN)
    log_in(page, hub, "/halls/t/director", DIRECTOR, PIN)
    expect(stat(page, "in-hall")).to_have_text("3")
    expect(stat(page, "waiting")).to_have_text("2")
    expect(stat(page, "being-served")).to_have_text("1")
    expect(stat(page, "staffed")).to_have_text("7 / 7")  # staffed of open windows
    expect(page.locator("#occupancy .stat-longest-wait .stat-note")).to_have_text("A002")
    expect(stat(page, "longest-wait")).to_have_text("0")
    expect(page.locator("#counters .counter-issued dd")).to_have_text("3")
    expect(page.locator("#window-1 .fact-serving dd")).to_have_text("A001")

    # Live issues: A-post 3 steps away; 3 s later (cover_after) the window is uncovered,
    # an issue linked to its window saying what to do; 2 s later (escalate_after) escalated.
    alerts = page.locator("#alerts .alert-list li")
    expect(alerts).to_have_count(0)
    expect(page.locator("#alerts .empty")).to_have_text("暂无待处理事项")
    api(type="presence.set", window=3, post="A", state="away", reason="field")
    expect(stat(page, "staffed")).to_have_text("6 / 7", timeout=1_000)
    expect(page.locator("#window-3")).to_have_attribute("data-status", "away")
    alert = page.locator("#alerts .alert-list li.alert-uncovered")
    expect(alert).to_have_count(1, timeout=6_000)
    expect(alert.locator(".alert-text")).to_have_text("3 号窗口无人顶岗：已通知B岗 刘文智")
    expect(alert.locator(".alert-todo")).to_contain_text("请B岗 刘文智 立即到 3 号窗口顶岗")
    expect(alert.locator("a.alert-link")).to_have_attribute("href", "/halls/t/windows/3")
    expect(page.locator("#window-3")).to_have_attribute("data-status", "uncovered")
    expect(page.locator("#window-3 .dt-flag")).to_have_text("待处理")
    expect(alert.locator(".tag-escalated")).to_be_visible(timeout=5_000)
    expect(alert.locator(".alert-todo")).to_contain_text("刘文智 未按时顶岗")
    alert.locator("button.btn-ack").click()
    expect(alert.locator(".alert-acked")).to_contain_text("王曼姝", timeout=2_000)
    expect(alert).to_have_count(1)  # seen, but still current while nobody is there
    expect(page.locator("#window-3 .dt-flag")).to_have_count(0)

    # The B-post covers: the issue resolves by itself and moves to the day's history.
    api(type="cover.start", window=3)
    expect(alerts).to_have_count(0, timeout=1_000)
    expect(page.locator("#alert-history .resolved li").first).to_contain_text("3 号窗口无人顶岗")
    expect(page.locator("#alerts .count")).to_have_text("0")
    expect(page.locator("#timeline li").first).to_contain_text("3 号窗口")

    api(type="ticket.finish", window=1)
    expect(stat(page, "in-hall")).to_have_text("2", timeout=1_000)
    expect(stat(page, "being-served")).to_have_text("0")
    expect(page.locator("#counters .counter-served dd")).to_have_text("1")


def test_the_board_at_1440x900_puts_issues_first_and_red_only_on_them(
    new_page: Callable[..., Page],
    hub: Hub,
    api: Callable[..., dict[str, Any]],
    screenshots: Path,
) -> None:
    staff_the_hall(api, away=(4,))
    api(type="cover.start", window=4)  # window 4 covered by its B-post
    for service in "AABCCDEEEFGBC":
        api(type="ticket.issue", service=service)
    for window in (1, 2, 3, 4, 6):
        api(type="ticket.call", window=window)

    give_pin(hub, DIRECTOR, PIN)
    page = new_page(viewport=LAPTOP)
    log_in(page, hub, "/halls/t/director", DIRECTOR, PIN)
    expect(page.locator("#window-4")).to_have_attribute("data-status", "covered")
    # Nothing to act on: no red anywhere (not for the covered, staffed or idle windows).
    assert page.evaluate(RED_BACKGROUNDS) == []

    # An uncovered window: red, and the issue on top, above the figures, both in view.
    api(type="presence.set", window=3, post="A", state="away", reason="field")
    issue = page.locator("#alerts .alert-list li.alert-uncovered")
    expect(issue).to_have_count(1, timeout=6_000)
    expect(issue.locator(".tag-escalated")).to_be_visible(timeout=5_000)
    red = page.evaluate(RED_BACKGROUNDS)
    assert any("btn-ack" in r for r in red) and any("dt-status" in r for r in red), red
    alerts = fully_visible(page, "#alerts")
    figures = fully_visible(page, "#occupancy")
    fully_visible(page, "#alerts .alert-list")
    assert alerts[1] <= figures[0], "the issues come above the figures"
    for key in ("in-hall", "waiting", "being-served", "staffed", "longest-wait"):
        fully_visible(page, f"#occupancy .stat-{key}")
    fully_visible(page, "#counters")
    shoot(page, screenshots, "director-1440x900-zh")

    page.locator("header .lang-link").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    issue = page.locator("#alerts .alert-list li.alert-uncovered")
    expect(issue.locator(".alert-text")).to_have_text(
        "Window 3 is uncovered: B-post 刘文智 called", timeout=5_000
    )
    expect(page.locator("#window-3 .dt-name")).to_have_text("Health Office")
    assert page.evaluate(BOX, "#alerts")[1] <= page.evaluate(BOX, "#occupancy")[0]
    fully_visible(page, "#occupancy")
    shoot(page, screenshots, "director-1440x900-en")

    # Seen: still listed, no longer red.
    issue.locator("button.btn-ack").click()
    expect(issue.locator(".alert-acked")).to_be_visible(timeout=2_000)
    expect(page.locator("#alerts .count")).not_to_have_class(re.compile(r"\balarm\b"))
    assert page.evaluate(RED_BACKGROUNDS) == []

    # A tile opens its window's page.
    link = page.locator("#window-5 a.dt-link")
    expect(link).to_have_attribute("href", "/halls/t/windows/5")
    box = page.locator("#window-5 .fact-waiting").bounding_box()  # anywhere on the tile
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page).to_have_url(hub.url + "/halls/t/windows/5")
