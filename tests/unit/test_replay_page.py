"""The day replay page's context and templates (hall/kiosk/replay.py, templates/replay.html,
templates/replay_wall.html), from a day the core produces: the slider over the day's
hours, the frame's address, the charts, the errors; the still wall without any script."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import msgspec
import pytest

from hall.core import initial_state
from hall.core.public import public_state
from hall.kiosk import Renderer, wall_context
from hall.kiosk.replay import day_span, moment_at, replay_context
from hall.records.timeline import day_timeline
from tests.unit.day import HALL, MONDAY, Day, at


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def morning(extended: bool = False) -> Day:
    d = Day()
    for n in (1, 2):
        d.do("07:59", f"a{n}", "presence.set", window=n, post="A", state="present")
    d.do("09:00", "kiosk", "ticket.issue", service="A")
    d.do("09:10", "a1", "ticket.call", window=1)
    d.do("09:20", "a1", "ticket.finish", window=1)
    if extended:
        d.do("11:58", "kiosk", "ticket.issue", service="B")
        d.do("12:40", "a2", "ticket.call", window=2)
        d.do("12:50", "a2", "ticket.finish", window=2)
    d.tick("23:59")
    return d


def plain(d: Day, day: date = MONDAY, until: str | None = None) -> dict[str, Any]:
    timeline, _ = day_timeline(HALL, day, initial_state(HALL), d.log, at(until) if until else None)
    out: dict[str, Any] = msgspec.to_builtins(timeline)
    return out


@pytest.mark.parametrize(
    ("extended", "day", "span"),
    [
        (False, MONDAY, (8 * 60, 18 * 60)),  # 08:00-12:00, 14:30-17:30: whole hours around
        (True, MONDAY, (8 * 60, 18 * 60)),  # extended to 12:50: within the afternoon's span
        (False, date(2026, 12, 5), (0, 24 * 60)),  # a Saturday: nothing open, the whole day
    ],
)
def test_the_span_is_the_day_s_hours_and_what_was_open_beyond(
    extended: bool, day: date, span: tuple[int, int]
) -> None:
    d = morning(extended) if day == MONDAY else Day(day=day)
    assert day_span(HALL, day, plain(d, day)) == span


def test_a_window_open_past_the_sessions_widens_the_span() -> None:
    d = Day()
    d.do("07:59", "a1", "presence.set", window=1, post="A", state="present")
    d.do("17:20", "kiosk", "ticket.issue", service="A")
    d.do("18:20", "a1", "ticket.call", window=1)
    d.do("18:40", "a1", "ticket.finish", window=1)
    d.tick("19:00")
    assert day_span(HALL, MONDAY, plain(d)) == (8 * 60, 19 * 60)


def test_a_minute_shows_its_end_and_never_after_now() -> None:
    now = at("10:30:20")
    assert moment_at(HALL, MONDAY, 9 * 60, now) == at("09:00:59") + timedelta(microseconds=999999)
    assert moment_at(HALL, MONDAY, 10 * 60 + 30, now) == now
    assert moment_at(HALL, MONDAY, 11 * 60, now) == now


def test_the_page_has_the_slider_the_frame_and_the_charts(renderer: Renderer) -> None:
    d = morning()
    now = at("18:00", MONDAY + timedelta(days=1))
    timeline = plain(d)
    ctx = replay_context(HALL, "zh-CN", now, MONDAY, minute=545, timeline=timeline,
                         month=[timeline])  # fmt: skip
    assert ctx.slider is not None
    assert (ctx.slider.low, ctx.slider.high, ctx.slider.last) == (480, 1080, 1080)
    assert (ctx.slider.value, ctx.slider.text) == (545, "09:05")
    assert ctx.frame_src == "/halls/test/records/replay/wall?day=2026-11-30&minute=545&lang=zh-CN"
    page = renderer.page("replay", ctx)
    assert 'type="range" id="replay-minute" name="minute" min="480" max="1080"' in page
    assert 'value="545" aria-valuetext="09:05"' in page
    assert f'src="{ctx.frame_src.replace("&", "&amp;")}"' in page
    assert page.count('class="seg st-') >= 3 * 3  # closed, staffed/unstaffed, ... per window
    assert 'id="replay-bands"' in page and 'id="replay-hours"' in page
    assert 'id="replay-month"' in page
    for heading in ("每小时办事群众与等候", "各窗口全天状态", "2026年11月各窗口在岗率"):
        assert re.search(rf'<h2 class="chart-title" id="[\w-]+">{heading}</h2>', page)
    assert "2026年11月30日 星期一" in page and "当日回放" in page
    assert "ws-connect" not in page  # a still page: no socket
    english = replay_context(HALL, "en", now, MONDAY, timeline=timeline, month=[timeline])
    page = renderer.page("replay", english)
    assert "Monday 30 November 2026" in page and "Day replay" in page
    assert "Window occupancy, November 2026" in page


def test_today_s_slider_stops_at_now_and_the_minute_defaults_to_the_start() -> None:
    d = morning()
    now = at("10:15:30")
    ctx = replay_context(HALL, "en", now, MONDAY, timeline=plain(d, until="10:15:30"))
    assert ctx.slider is not None
    assert (ctx.slider.low, ctx.slider.last, ctx.slider.value) == (480, 615, 480)
    later = replay_context(HALL, "en", now, MONDAY, minute=700, timeline=plain(d))
    assert later.slider is not None and later.slider.value == 615  # not past now


def test_an_error_is_said_and_the_day_can_be_picked_again(renderer: Renderer) -> None:
    ctx = replay_context(HALL, "en", at("10:00"), None, error="A day is written YYYY-MM-DD")
    page = renderer.page("replay", ctx)
    assert 'role="alert">A day is written YYYY-MM-DD<' in page
    assert 'id="replay-day"' in page and "replay-frame" not in page


def test_the_still_wall_has_no_script_and_no_socket(renderer: Renderer) -> None:
    d = morning()
    when = at("09:30")
    state = public_state(HALL, d.state, when, "1-0", detail=False)
    ctx = wall_context(HALL, state, [], "zh-CN", when)
    still = replace(ctx, page=replace(ctx.page, ws_url=None))
    page = renderer.page("replay_wall", still)
    assert "<script src" not in page and "ws-connect" not in page
    assert re.search(r'id="clock">09:30<', page)
    assert 'id="window-1"' in page and "wall.css" in page
