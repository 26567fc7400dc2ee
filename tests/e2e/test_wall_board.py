"""The lobby wall of a seven-window hall (as Kaiyuan has) with long English names, in Chromium:
what a resident looks for is large (the ticket at each counter 60 px or more, every other
text 40 px or more on a 1080p wall but the colour legend), nothing is cut, the English wall
is English, every text contrasts 4.5:1 with its ground, the announcement is a band that
leaves the board in view with at most three calls waiting, and a call sends only what
changed, in frames of 2 KB or less."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from websockets.sync.client import connect

from tests.support import dom
from tests.support.halls import hall_toml
from tests.support.hubs import Hub

from .browse import open_live, shoot
from .wall_checks import box, measure, overlaps

pytestmark = pytest.mark.e2e

Api = Callable[..., dict[str, Any]]
FULL_HD = {"width": 1920, "height": 1080}
HD = {"width": 1280, "height": 720}
CJK = re.compile(r"[\u3400-\u9fff]")
HOLD = "window.HALL_WALL_TIMING = {alone: 60000, shortest: 60000, stale: 60000};"


@pytest.fixture
def hall_file() -> str:
    return hall_toml(windows=7, english=True, cover_after="3s", escalate_after="2s")


def busy_hall(api: Api) -> None:
    """Window 1 serving a ticket transferred to it, 2 covered by its B-post and recalling,
    3 serving, 4 after a no-show, 5 after a transfer, 6 away, 7 nobody: every mark of the
    recent calls, five entries, three of them current."""
    for window in (1, 2, 3, 4, 5, 6):
        api(type="presence.set", window=window, post="A", state="present")
    api(type="presence.set", window=2, post="A", state="away", reason="break")
    api(type="cover.start", window=2)
    api(type="presence.set", window=6, post="A", state="away", reason="meeting")
    for service in "ABBBAAB":
        api(type="ticket.issue", service=service)
    api(type="ticket.call", window=2)  # A001
    api(type="ticket.recall", window=2)
    api(type="ticket.call", window=4)  # A002
    api(type="ticket.no_show", window=4)
    api(type="ticket.call", window=5)  # B001
    api(type="ticket.transfer", window=5, to_window=1)
    api(type="ticket.call", window=1)  # B001 again, at window 1
    api(type="ticket.call", window=3)  # B002


def test_the_wall_reads_from_across_the_hall_in_both_languages(
    new_page: Callable[..., Page], hub: Hub, api: Api, screenshots: Path
) -> None:
    busy_hall(api)
    for viewport in (FULL_HD, HD):
        for lang in ("zh-CN", "en"):
            page = new_page(viewport=viewport)
            open_live(page, f"{hub.url}/halls/t/wall?lang={lang}")
            expect(page.locator("#recent-calls li")).to_have_count(5)
            expect(page.locator("#serving-3")).to_have_text("B002")
            layout = measure(page)
            where = f"{lang} {viewport['width']}x{viewport['height']}"
            tickets = [t for t in layout.texts if t["ticket"]]
            assert {t["text"] for t in tickets} == {"B001", "A001", "B002"}, where
            assert all(t["px"] >= 60 for t in tickets), (where, tickets)
            small = [t for t in layout.texts if t["px"] < 40 and not t["legend"]]
            assert not small, (where, small)
            dim = [t for t in layout.texts if t["contrast"] < 4.5]
            assert not dim, (where, dim)
            assert not layout.overflowing, (where, layout.overflowing)
            assert not layout.outside, (where, layout.outside)
            assert layout.rows == [True] * 5, (where, layout.rows)
            marks = page.locator("#recent-calls mark")
            if lang == "en":
                chinese = [t for t in layout.texts if CJK.search(t["text"]) and not t["name"]]
                assert not chinese, (where, chinese)
                expect(page.locator(".hall-name")).to_have_text("Test Street Public Service Centre")
                expect(page.locator("#window-2 .wt-name")).to_have_text(
                    "Disabled Persons' Federation"
                )
                expect(marks).to_have_text(["To window 1", "No-show", "Recall"])
                expect(page.locator("#calling > b + span")).to_have_text("Window 3")
            else:
                expect(marks).to_have_text(["转 1 号窗口", "过号", "重呼"])
                expect(page.locator("#calling > b + span")).to_have_text("3 号窗口")
            if viewport is FULL_HD:
                shoot(page, screenshots, f"wall-1920x1080-{'zh' if lang == 'zh-CN' else 'en'}")
            page.close()


def test_the_band_leaves_the_board_in_view_and_at_most_three_calls_wait(
    new_page: Callable[..., Page], hub: Hub, api: Api, screenshots: Path
) -> None:
    for window in range(1, 6):
        api(type="presence.set", window=window, post="A", state="present")
    for service in "AABAB":  # A001 A002 B001 A003 B002, called at windows 1 to 5 in turn
        api(type="ticket.issue", service=service)
    page = new_page(viewport=FULL_HD)
    page.add_init_script(HOLD)  # each announcement stays until its call ends
    open_live(page, hub.url + "/halls/t/wall")
    band = page.locator("#announce")
    expect(band).to_be_hidden()
    ids = []
    for window in range(1, 6):
        api(type="ticket.call", window=window)
        expect(page.locator(f'#recent-calls [data-window="{window}"]')).to_have_count(1)
        ids.append(
            page.locator(f'#recent-calls [data-window="{window}"]').get_attribute("data-call-id")
        )
    # the first is on show; of the four after it, the newest three wait
    expect(band).to_have_attribute("data-call-id", ids[0])
    expect(band).to_have_attribute("data-queue", " ".join(ids[2:]))
    expect(band.locator(".announce-queue li")).to_have_text(
        ["B001 → 3 号窗口", "A003 → 4 号窗口", "B002 → 5 号窗口"]
    )
    area = box(page, "#announce")
    assert area["width"] * area["height"] < 0.3 * 1920 * 1080, area
    for cell in page.locator(".wt-cell").all():
        found = cell.bounding_box()
        assert found is not None and not overlaps(area, found), (area, found)
    shoot(page, screenshots, "wall-calling-1920x1080-zh")


def test_a_call_sends_only_what_changed_in_small_frames(hub: Hub, api: Api) -> None:
    busy_hall(api)
    api(type="presence.set", window=6, post="A", state="present")  # no cover rule pending
    api(type="presence.set", window=7, post="A", state="present")
    with connect(f"{hub.ws}/ws/halls/t/view/wall?lang=zh-CN", open_timeout=5) as ws:
        whole = str(ws.recv(timeout=5))
        assert 'id="window-7"' in whole and 'id="recent-calls"' in whole
        page = dom.Page(whole)
        api(type="ticket.call", window=7)  # B003, for service B
        frames: list[str] = []
        while not any('id="calling"' in frame for frame in frames):
            frames.append(str(ws.recv(timeout=5)))
            page.apply(frames[-1])
    roots = [n for frame in frames for n in dom.parse(frame) if isinstance(n, dom.Element)]
    sent = [r.id or r.attrs.get("hx-swap-oob") for r in roots]
    sizes = [len(frame.encode()) for frame in frames]
    print(f"frames after one call: {sizes} bytes; {sent}")
    print(frames[-1])
    assert all(size <= 1024 for size in sizes), sizes
    swapped = {"serving-7", "calling", "count-waiting", "afterbegin:#recent-calls"}
    assert swapped <= set(sent), sent
    # nothing else: no tile (its staffing did not change), the counts of those who wait for
    # service B, and of the recent calls the new one on top and the one that no longer
    # carries what to say (four calls are current; the three newest are announced)
    waits = {f"wait-{n}" for n in (2, 3, 5, 7)}
    assert set(sent) <= swapped | waits | {"rc-2-A001"}, sent
    assert 'data-say="请 B 零零三 号，到 七 号窗口办理"' in frames[-1]
    calls = page.part("recent-calls")
    assert calls.index('id="rc-7-B003"') < calls.index('id="rc-3-B002"')  # on top
    assert calls.count("<li ") == 6
