"""The records pages in Chromium, over a morning driven through a real hub (its clock set to
08:04 with HALL_CLOCK_OFFSET; one session 08:00-12:00): every A-post arrives late, a2 is
away past the cover time with nobody covering, b3 covers window 3, two residents are served.
Archived, the director's month sheet counts it; a2 appeals the late absence from their
month's page; the director voids it there; the sheet's count drops and the record stays,
struck through, with its trail; the sheet prints as one A4 page with the lines to sign;
/me lists a2's records; the services' figures draw their pictures. A second appeal of the
same record is refused in words."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.support.halls import hall_toml
from tests.support.hubs import Hub
from tests.support.records import log_and_archive
from tests.support.wait import wait_for

from .browse import give_pin, shoot, wait_live
from .conftest import BrowserLog
from .printing import page_sizes_mm, pdf_text, print_to_pdf, save_png

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
DESK = {"width": 1440, "height": 900}
SHEET = "/halls/t/records"
A2 = "/halls/t/records/staff/a2"
Api = Callable[..., dict[str, Any]]
# A sheet column's place among the row's cells (the 工号 column comes first).
LATE_ARRIVALS, LATE_ABSENCES, COVERS, SERVED = 2, 4, 8, 12


@pytest.fixture
def hub_env() -> dict[str, str]:
    """The hub's clock reads 08:04 as the test starts."""
    opening = datetime.now(SHANGHAI).replace(hour=8, minute=4, second=0, microsecond=0)
    return {"HALL_CLOCK_OFFSET": f"{opening.timestamp() - time.time():.3f}"}


@pytest.fixture
def hall_file() -> str:
    return hall_toml(
        sessions=("08:00:00-12:00:00",),
        staff_number=lambda staff: f"KY-{staff.upper()}",
        cover_after="3s",
        escalate_after="2s",
    )


def status_of(hub: Hub, window: int) -> str:
    with hub.client() as client:
        state = client.get("/api/halls/t/state").json()
    return str(next(w["status"] for w in state["windows"] if w["number"] == window))


def archived(hub: Hub) -> bool:
    """The archive holds the whole log (read in a thread of its own: Playwright's sync API
    keeps an event loop in this one)."""
    with ThreadPoolExecutor(1) as pool:
        log, archive = pool.submit(log_and_archive, hub.redis_url, None, hub.data, "t").result()
    return bool(log) and [e[0] for e in log] == [e[0] for e in archive]


def drive_morning(api: Api, hub: Hub) -> dict[str, str]:
    """The morning; returns a2's records: {"arrival": R…, "absence": R…}."""
    records: dict[str, str] = {}
    for window in (1, 2, 3):
        done = api(type="presence.set", window=window, post="A", state="present")
        (late,) = [e for e in done["events"] if e["type"] == "arrival.late"]
        if window == 2:
            records["arrival"] = late["record"]
    for service, window in (("A", 1), ("B", 2)):
        api(type="ticket.issue", service=service)
        api(type="ticket.call", window=window)
        api(type="ticket.finish", window=window)
    api(type="rating.give", window=1, score=5)
    api(type="presence.set", window=2, post="A", state="away", reason="meeting")
    wait_for(lambda: status_of(hub, 2) == "uncovered", 15, "window 2 uncovered")
    done = api(type="presence.set", window=2, post="A", state="present")
    (absence,) = [e for e in done["events"] if e["type"] == "absence.recorded"]
    assert absence["late"] is True
    records["absence"] = absence["record"]
    api(type="presence.set", window=3, post="A", state="away", reason="break")
    api(type="cover.start", window=3)
    api(type="presence.set", window=3, post="A", state="present")
    wait_for(lambda: archived(hub), 15, "the archive holds the morning")
    return records


def sign_in(page: Page, hub: Hub, path: str, staff: str) -> None:
    page.goto(hub.url + path)
    expect(page).to_have_url(hub.url + "/login?next=" + quote(path, safe=""))
    form = page.locator("form.login-form")
    form.locator("select[name=staff]").select_option(staff)
    form.locator("input[name=pin]").fill("2468")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(hub.url + path)


def cell(page: Page, staff: str, column: int) -> Locator:
    return page.locator(f"#sheet-{staff} td").nth(column)


def test_the_month_from_sheet_to_appeal_to_print(
    new_page: Callable[..., Page],
    hub: Hub,
    api: Api,
    screenshots: Path,
    browser_log: BrowserLog,
) -> None:
    browser_log.allow(
        r"Failed to load resource: the server responded with a status of 409 \(Conflict\)$",
        "the second appeal of one record is refused on purpose",
    )
    records = drive_morning(api, hub)
    for staff in ("boss", "a2"):
        give_pin(hub, staff)

    # The director's sheet: a2 late on arrival and by an uncovered absence; b3 covered.
    boss = new_page(viewport=DESK)
    sign_in(boss, hub, SHEET, "boss")
    expect(cell(boss, "a2", LATE_ARRIVALS)).to_have_text("1")
    expect(cell(boss, "a2", LATE_ABSENCES)).to_have_text("1")
    expect(cell(boss, "a1", LATE_ARRIVALS)).to_have_text("1")
    expect(cell(boss, "b3", COVERS)).to_have_text("1")
    expect(cell(boss, "a1", SERVED)).to_have_text("1")
    expect(boss.locator(".records-live")).to_be_visible()  # today is in the month
    expect(boss.locator("#sheet-a2 th a")).to_have_attribute("href", f"{A2}?month=" + month(hub))

    # a2 appeals the late absence from their month's page (a second tab holds the form too)
    clerk = new_page(viewport=DESK)
    sign_in(clerk, hub, A2, "a2")
    again = clerk.context.new_page()
    again.goto(hub.url + A2)
    record = clerk.locator(f"#record-{records['absence']}")
    expect(record).to_have_attribute("data-status", "standing")
    record.locator("textarea[name=reason]").fill("去档案室调取材料，已报备")
    record.locator("button.btn-appeal").click()
    expect(record).to_have_attribute("data-status", "appealed")
    expect(record.locator(".trail")).to_contain_text("去档案室调取材料，已报备")
    expect(record.locator(".appeal-form")).to_have_count(0)
    stale = again.locator(f"#record-{records['absence']}")
    stale.locator("textarea[name=reason]").fill("再次申诉")
    stale.locator("button.btn-appeal").click()
    expect(stale.locator(".action-said")).to_have_text("这条记录已经申诉过")
    expect(stale).to_have_attribute("data-status", "standing")  # this page, not reloaded

    # the director voids it from a2's page, with a reason
    boss.goto(hub.url + A2)
    mine = boss.locator(f"#record-{records['absence']}")
    expect(mine.locator(".decide-form")).to_be_visible()
    mine.locator("textarea[name=reason]").fill("经核实，确为公务")
    mine.locator("button.btn-void").click()
    expect(mine).to_have_attribute("data-status", "voided")
    expect(mine.locator(".record-status")).to_have_text("已撤销，不计入")
    expect(mine.locator(".trail li")).to_have_count(2)
    expect(mine.locator(".trail li").nth(1)).to_contain_text("经核实，确为公务")
    struck = mine.locator(".record-title").evaluate("e => getComputedStyle(e).textDecorationLine")
    assert struck == "line-through"
    expect(mine.locator(".evidence li").first).to_be_visible()  # the rule's steps, with times
    boss.evaluate("window.scrollTo(0, 0)")
    shoot(boss, screenshots, "records-staff-1440x900-zh")

    # the sheet: the voided record is out of the count, and said
    boss.goto(hub.url + SHEET)
    expect(cell(boss, "a2", LATE_ABSENCES)).to_have_text("0")
    expect(cell(boss, "a2", LATE_ARRIVALS)).to_have_text("1")
    expect(boss.locator("#sheet-a2 .col-appeals")).to_contain_text("1 条已撤销")
    shoot(boss, screenshots, "records-month-1440x900-zh")

    # on paper: one A4 landscape page, every clerk, the lines the office signs
    pdf = print_to_pdf(boss)
    sizes = page_sizes_mm(pdf)
    assert len(sizes) == 1, sizes
    width, height = sizes[0]
    assert abs(width - 297) < 1 and abs(height - 210) < 1, sizes
    text = pdf_text(pdf)
    for words in ("测试大厅", "考勤表", "审核", "签字（主任）", "制表", "日期"):
        assert words in text, words
    for staff in ("a1", "b1", "a2", "b2", "a3", "b3"):
        assert f"员工{staff}" in text, staff
    assert "打印考勤表" not in text and "当日回放" not in text  # no controls, no navigation
    save_png(pdf, screenshots / "records-print-a4.png", dpi=110)

    boss.goto(hub.url + SHEET + "?lang=en")
    expect(boss.locator("#sheet-title")).to_contain_text("Attendance sheet")
    shoot(boss, screenshots, "records-month-1440x900-en")

    # a2's duty page: this month's records and their statuses, and the way to the month
    boss.goto(hub.url + "/halls/t/records/services?lang=zh-CN")
    expect(boss.locator("tr[data-service=A] td").first).to_have_text("1")
    expect(boss.locator("#records-hours")).to_be_visible()
    expect(boss.locator("#records-occupancy")).to_be_visible()
    shoot(boss, screenshots, "records-services-1440x900-zh")

    clerk.goto(hub.url + "/me")
    wait_live(clerk)
    items = clerk.locator(".me-record")
    expect(items).to_have_count(2)
    expect(clerk.locator(".me-record[data-status=voided]")).to_have_count(1)
    expect(clerk.locator(".me-record[data-status=standing]")).to_have_count(1)
    expect(clerk.locator(".me-records-link")).to_have_attribute("href", f"{A2}?month={month(hub)}")


def month(hub: Hub) -> str:
    with httpx.Client(base_url=hub.url) as client:
        at = client.get("/api/halls/t/state").json()["at"]
    return str(at[:7])
