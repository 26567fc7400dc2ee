"""The district's overview in Chromium, with 50 halls on one hub: a supervisor signs in at
the district and sees all 50; a clerk stepping away past cover in one hall brings that
hall to the top, live, without a reload; the page and a hall's read-only director page
pass axe-core in Chinese and English; screenshots `overview-1440x900-<lang>.png`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.halls import hall_toml
from tests.support.hubs import Hub

from .axe import axe_version, report, violations
from .browse import shoot, wait_live

pytestmark = pytest.mark.e2e

DESK = {"width": 1440, "height": 900}
PIN = "13579"
STREETS = (
    ("开元", "Kaiyuan"),
    ("海滨", "Haibin"),
    ("临江", "Linjiang"),
    ("鲤中", "Lizhong"),
    ("浮桥", "Fuqiao"),
    ("江南", "Jiangnan"),
    ("金龙", "Jinlong"),
    ("常泰", "Changtai"),
    ("东湖", "Donghu"),
    ("丰泽", "Fengze"),
)
COMMUNITIES = (
    ("象峰", "Xiangfeng"),
    ("新华", "Xinhua"),
    ("中山", "Zhongshan"),
    ("文山", "Wenshan"),
)
HALLS = 50
MOVER = "h42"  # the hall whose clerk steps away during the test
OVERDUE = "h12"  # residents wait past a 2 s wait_sla there: an open alert from the start
LATE = "h15"  # no arrival grace there: its clerks arrive late


def hall_names(n: int) -> tuple[str, str]:
    """Ten street centres, then four community stations under each street."""
    street, street_en = STREETS[n % len(STREETS)]
    if n < len(STREETS):
        return f"{street}街道便民服务中心", f"{street_en} Street Service Centre"
    community, community_en = COMMUNITIES[(n // len(STREETS) - 1) % len(COMMUNITIES)]
    return f"{street}街道{community}社区服务站", f"{community_en} Community, {street_en} Street"


def hall_ids() -> list[str]:
    return [f"h{n:02d}" for n in range(1, HALLS + 1)]


def district_toml() -> str:
    halls = ", ".join(f'"{h}"' for h in hall_ids())
    return (
        'id = "licheng"\nname = "鲤城区"\nname_en = "Licheng District"\n\n'
        f'[[supervisors]]\nid = "lin"\nname = "林检"\ntitle = "区效能办"\nhalls = [{halls}]\n'
    )


@pytest.fixture
def hub(redis_url: str, tmp_path: Path) -> Iterator[Hub]:
    """One hub serving 50 halls and their district (replaces the one-hall `hub` fixture,
    also for `new_page`)."""
    folder = tmp_path / "halls"
    folder.mkdir()
    for n, hall in enumerate(hall_ids()):
        name, name_en = hall_names(n)
        rules: dict[str, Any] = {"cover_after": "3s", "escalate_after": "60s"}
        rules["arrival_grace"] = "0s" if hall == LATE else "23h59m"  # else: no one late
        if hall == OVERDUE:
            rules["wait_sla"] = "2s"
        text = hall_toml(hall_id=hall, name=name, name_en=name_en, **rules)
        (folder / f"{hall}.toml").write_text(text, encoding="utf-8")
    (folder / "district.toml").write_text(district_toml(), encoding="utf-8")
    started = Hub(redis_url, folder, tmp_path / "hub.log").start(wait=False)
    try:
        started.wait_healthy(timeout=60)
        yield started
    finally:
        started.stop()


def lived_in(hub: Hub) -> None:
    """A district at mid-morning: clerks at work in the first twenty halls, residents
    waiting in a few, an overdue wait in one, late arrivals in another."""
    with hub.client() as admin:

        def do(hall: str, **command: object) -> None:
            r = admin.post(f"/api/halls/{hall}/commands", json=command)
            assert r.status_code == 200, r.text

        for hall in [*hall_ids()[:20], MOVER]:
            for window in (1, 2, 3):
                do(hall, type="presence.set", window=window, post="A", state="present")
        for hall, tickets in (("h03", 4), ("h08", 2), (OVERDUE, 3), ("h19", 6), ("h27", 1)):
            for i in range(tickets):
                do(hall, type="ticket.issue", service="AB"[i % 2])


def supervisor_pin(hub: Hub) -> None:
    """`hall pin lin --hall licheng`: a supervisor's PIN, set at the district."""
    argv = [sys.executable, "-m", "hall", "pin", "lin", "--hall", "licheng"]
    argv += ["--redis", hub.redis_url, "--config", str(hub.config)]
    done = subprocess.run(argv, input=f"{PIN}\n", capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def sign_in(page: Page, hub: Hub) -> None:
    page.goto(hub.url + "/overview")
    expect(page).to_have_url(hub.url + "/login?next=%2Foverview")
    form = page.locator("form.login-form")
    form.locator("select[name=hall]").select_option("licheng")
    form.locator("select[name=staff]").select_option("lin")
    form.locator("input[name=pin]").fill(PIN)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(hub.url + "/overview")
    wait_live(page)


def axe_clean(page: Page, screenshots: Path, name: str) -> None:
    found = violations(page)
    shoot(page, screenshots, name)
    assert not found, f"{name}, axe {axe_version()}:\n{report(found)}"


def test_fifty_halls_live_in_the_order_of_attention(
    new_page: Callable[..., Page], hub: Hub, screenshots: Path
) -> None:
    supervisor_pin(hub)
    lived_in(hub)
    page = new_page(viewport=DESK, bypass_csp=True)  # axe is injected as a script
    sign_in(page, hub)
    rows = page.locator("#ov-rows > [role=row]")
    expect(rows).to_have_count(HALLS)
    expect(rows.first).to_have_id(f"ov-{OVERDUE}", timeout=10_000)  # an open alert: first
    expect(page.locator(f"#ov-{LATE} .ov-late")).to_have_text("3")
    expect(page.locator("#ov-h19 .ov-waiting")).to_have_text("6")
    mover = page.locator(f"#ov-{MOVER}")
    assert rows.nth(0).get_attribute("id") != f"ov-{MOVER}"
    page.evaluate("document.body.dataset.mark = 'same page'")

    with hub.client() as admin:
        away = {"type": "presence.set", "window": 2, "post": "A", "state": "away"}
        assert admin.post(f"/api/halls/{MOVER}/commands", json=away).status_code == 200

    expect(rows.first).to_have_id(f"ov-{MOVER}", timeout=15_000)  # uncovered 3 s later
    expect(mover).to_have_attribute("data-uncovered", "1")
    expect(mover.locator(".ov-flag")).to_be_visible()
    expect(rows.nth(1)).to_have_id(f"ov-{OVERDUE}")
    expect(rows).to_have_count(HALLS)
    expect(page.locator(".stat-attention .stat-value")).to_have_text("2")
    assert page.evaluate("document.body.dataset.mark") == "same page"  # no reload
    axe_clean(page, screenshots, "overview-1440x900-zh")

    page.goto(hub.url + "/overview?lang=en")
    wait_live(page)
    expect(rows.first).to_have_id(f"ov-{MOVER}")
    expect(page.locator(f"#ov-{MOVER} .ov-link")).to_have_text(hall_names(41)[1])
    axe_clean(page, screenshots, "overview-1440x900-en")

    page.locator(f"#ov-{MOVER} .ov-link").click()
    expect(page).to_have_url(f"{hub.url}/halls/{MOVER}/director")
    wait_live(page)
    expect(page.locator("#window-2")).to_have_attribute("data-status", "uncovered")
    expect(page.locator("button[data-command]")).to_have_count(0)  # read-only
    expect(page.locator("a.bar-back")).to_have_attribute("href", "/overview")
    axe_clean(page, screenshots, "director-readonly-1440x900-en")
