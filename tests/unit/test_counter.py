"""The counter devices, from states the core really reaches: the window display's plain
words for each state, the rating pad at rest, after a finish, rated and too late, the
resident's 扫码评价 on the ticket page, who may look at each device, and their set-up page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from hall.config import HallConfig
from hall.core.access import may_view
from hall.core.model import Actor
from hall.core.public import public_state
from hall.i18n import EN, ZH
from hall.kiosk import (
    Renderer,
    device_setup_context,
    display_context,
    rating_context,
    ticket_context,
)
from hall.kiosk.counter import Counter
from hall.kiosk.rating import finished_ticket
from hall.live.channels import Screen
from hall.queue.fates import fate_of
from tests.support.halls import make_hall

from .day import Day, plain

HALL = make_hall(staff_number=lambda staff: f"KY-{staff.upper()}")


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def opened(hall: HallConfig = HALL) -> Day:
    d = Day(hall)
    for n in (1, 2, 3):
        d.do("07:59", f"a{n}", "presence.set", window=n, post="A", state="present")
    d.tick("08:00")
    return d


def public(d: Day, when: str | datetime) -> dict[str, Any]:
    now = when if isinstance(when, datetime) else d.now(when)
    return public_state(d.hall, d.state, now, "1-0", detail=False)


def counter(d: Day, when: str | datetime, window: int = 1, lang: str = ZH) -> Counter:
    now = when if isinstance(when, datetime) else d.now(when)
    return display_context(d.hall, public(d, now), window, lang, now).counter


# --- the window display --------------------------------------------------------------------


def test_display_staffed_shows_who_serves_and_the_ticket() -> None:
    d = opened()
    d.do("09:00", "kiosk", "ticket.issue", service="A")
    d.do("09:00", "kiosk", "ticket.issue", service="A")
    d.do("09:01", "a1", "ticket.call", window=1)
    c = counter(d, "09:02")
    assert (c.state, c.notices, c.extended) == ("open", (), False)  # nothing extra
    assert c.server is not None
    assert (c.server.post, c.server.name, c.server.number) == ("A", "A1", "工号 KY-A1")
    assert (c.window_label, c.name, c.ticket, c.waiting) == (
        "1 号窗口",
        "窗口1",
        "A001",
        "等候 1 人",
    )


def test_display_away_says_back_shortly_without_the_reason() -> None:
    d = opened()
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason="meeting")
    c = counter(d, "09:01")
    assert (c.state, c.notices) == ("away", ("暂离，请稍候",))
    assert c.server is not None and c.server.post == "A"
    assert c.detail == ""  # a public screen: no away reason
    later = counter(d, "09:20")  # past cover_after, nobody covering: still "back shortly"
    assert (later.state, later.notices) == ("away", ("暂离，请稍候",))


def test_display_away_reason_only_with_public_detail() -> None:
    d = opened(make_hall(public_detail=True))
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason="meeting")
    assert counter(d, "09:01").detail == "会议"


def test_display_covered_shows_the_b_post() -> None:
    d = opened()
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason="break")
    d.do("09:01", "b1", "cover.start", window=1)
    c = counter(d, "09:02")
    assert (c.state, c.notices) == ("covered", ("B岗顶岗中",))
    assert c.server is not None
    assert (c.server.post, c.server.post_label, c.server.name) == ("B", "B岗", "B1")
    assert c.server.number == "工号 KY-B1"
    english = counter(d, "09:02", lang=EN)
    assert english.notices == ("B-post covering",) and english.window_label == "Window 1"


@pytest.mark.parametrize(
    ("steps", "when"),
    [
        ([], "07:30"),  # before the hall opens
        ([("09:00", "a1", "off")], "09:01"),  # the A-post gone, nobody covering
        ([("09:00", "a1", "off")], "09:30"),  # ... past the cover deadline
    ],
)
def test_display_closed_or_nobody_says_not_in_service(
    steps: list[tuple[str, str, str]], when: str
) -> None:
    d = Day(HALL) if not steps else opened()
    for at, who, state in steps:
        d.do(at, who, "presence.set", window=1, post="A", state=state)
    c = counter(d, when)
    assert (c.state, c.notices, c.server) == ("closed", ("暂停服务",), None)
    assert c.waiting == ""


def test_display_closed_before_opening_says_when_it_opens() -> None:
    assert counter(Day(HALL), "07:30").detail == "08:00 开放"


def test_display_extended_service() -> None:
    d = opened()
    for _ in range(2):
        d.do("11:50", "kiosk", "ticket.issue", service="A")
    d.do("11:55", "a1", "ticket.call", window=1)
    d.tick("12:00:01")
    c = counter(d, "12:01")
    assert (c.state, c.extended, c.notices, c.ticket) == ("open", True, ("延时服务",), "A001")
    d.do("12:02", "a1", "presence.set", window=1, post="A", state="away")
    d.do("12:03", "b1", "cover.start", window=1)
    covered = counter(d, "12:04")
    assert covered.notices == ("B岗顶岗中", "延时服务")
    assert covered.server is not None and covered.server.post == "B"


def test_display_renders_its_one_fragment(renderer: Renderer) -> None:
    d = opened()
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away")
    now = d.now("09:01")
    ctx = display_context(d.hall, public(d, now), 1, ZH, now)
    frags = renderer.fragments("display", ctx)
    assert list(frags) == ["counter-1"]
    assert 'data-state="away"' in frags["counter-1"] and "暂离，请稍候" in frags["counter-1"]
    page = renderer.page("display", ctx, ws_token="tok")
    assert 'ws-connect="/ws/halls/test/view/display-1?lang=zh-CN&amp;token=tok"' in page
    with pytest.raises(KeyError):
        display_context(d.hall, public(d, now), 9, ZH, now)


# --- the rating pad ------------------------------------------------------------------------


def pad(d: Day, when: str, lang: str = ZH) -> Any:
    now = d.now(when)
    return rating_context(d.hall, public(d, now), 1, lang, now, finished=d.state.finished)


def finished_at_window_1(d: Day, when: str = "09:05") -> None:
    d.do("09:00", "kiosk", "ticket.issue", service="A")
    d.do("09:01", "a1", "ticket.call", window=1)
    d.do(when, "a1", "ticket.finish", window=1)


def test_pad_at_rest_shows_who_serves() -> None:
    d = opened()
    ctx = pad(d, "09:00")
    assert not ctx.offer.open and ctx.offer.ticket == "" and ctx.offer.until_ms is None
    server = ctx.clerk.server
    assert server is not None
    assert (server.name, server.post_label, server.number) == ("A1", "A岗", "工号 KY-A1")
    assert (ctx.clerk.window_label, ctx.clerk.name, ctx.clerk.notice) == ("1 号窗口", "窗口1", "")
    d.do("09:01", "a1", "presence.set", window=1, post="A", state="away")
    d.do("09:02", "b1", "cover.start", window=1)
    covered = pad(d, "09:03")
    assert covered.clerk.server is not None and covered.clerk.server.post == "B"
    assert covered.clerk.notice == "B岗顶岗中"


def test_pad_offers_the_five_levels_after_a_finish_here() -> None:
    d = opened()
    finished_at_window_1(d)
    ctx = pad(d, "09:06")
    assert ctx.offer.open and ctx.offer.ticket == "A001" and ctx.offer.ticket_label == "A001 号"
    deadline = d.now("09:05") + d.hall.rules.rating_within
    assert ctx.offer.until_ms == int(deadline.timestamp() * 1000)
    assert [(lv.score, lv.label, lv.low) for lv in ctx.offer.levels] == [
        (5, "非常满意", False),
        (4, "满意", False),
        (3, "基本满意", False),
        (2, "不满意", True),
        (1, "非常不满意", True),
    ]
    assert [r.label for r in ctx.reasons] == [
        "等候时间长",
        "态度不好",
        "业务不熟",
        "一次没办成",
        "其他",
    ]
    assert pad(d, "09:06", EN).offer.levels[0].label == "Very satisfied"
    # The next resident called meanwhile: the last finish may still be rated.
    d.do("09:06", "kiosk", "ticket.issue", service="A")
    d.do("09:06:30", "a1", "ticket.call", window=1)
    assert pad(d, "09:07").offer.ticket == "A001"


def test_pad_of_another_window_offers_nothing() -> None:
    d = opened()
    finished_at_window_1(d)
    now = d.now("09:06")
    other = rating_context(d.hall, public(d, now), 2, ZH, now, finished=d.state.finished)
    assert not other.offer.open


def test_pad_after_the_rating_is_back_at_rest() -> None:
    d = opened()
    finished_at_window_1(d)
    d.do("09:06", "pad1", "rating.give", window=1, score=2, reasons=["long_wait"])
    assert not pad(d, "09:06:01").offer.open


def test_pad_after_rating_within_is_back_at_rest() -> None:
    d = opened()
    finished_at_window_1(d)
    assert pad(d, "09:15").offer.open  # exactly rating_within: still
    assert not pad(d, "09:15:01").offer.open


def test_pad_renders_its_fragments(renderer: Renderer) -> None:
    d = opened()
    finished_at_window_1(d)
    ctx = pad(d, "09:06")
    frags = renderer.fragments("rating", ctx)
    assert list(frags) == ["pad-clerk", "pad-offer"]
    assert 'data-open="true"' in frags["pad-offer"] and 'data-ticket="A001"' in frags["pad-offer"]
    assert frags["pad-offer"].count("data-score=") == 5
    assert frags["pad-offer"].count('data-low="true"') == 2
    page = renderer.page("rating", ctx, ws_token="padtok")
    assert 'data-token="padtok"' in page and 'data-window="1"' in page
    assert 'id="reasons-dialog"' in page and page.count("data-reason=") == 5
    assert "padtok" not in "".join(frags.values())  # the token is the page's, never a fragment's


# --- the resident's ticket page -------------------------------------------------------------


def resident(d: Day, when: str, number: str = "A001") -> Any:
    now = d.now(when)
    fates = dict(f for e in d.log if (f := fate_of(plain(e))) is not None)
    fate = fates.get(number)
    return ticket_context(
        d.hall,
        public(d, now),
        number,
        ZH,
        now,
        day=d.state.day,
        today=d.state.day,
        fate=fate,
        finished=finished_ticket(d.state.finished, number),
    )


def test_resident_may_rate_once_finished_within_rating_within() -> None:
    d = opened()
    d.do("09:00", "kiosk", "ticket.issue", service="A")
    assert resident(d, "09:00:30").rate is None  # waiting: nothing to rate
    d.do("09:01", "a1", "ticket.call", window=1)
    assert resident(d, "09:02").rate is None  # at the counter: not yet
    d.do("09:05", "a1", "ticket.finish", window=1)
    rate = resident(d, "09:06").rate
    assert rate is not None and (rate.state, rate.window) == ("open", 1)
    assert rate.url == f"/api/halls/test/tickets/{d.state.day}/A001/rating"
    assert rate.ask == "请对 1 号窗口的服务进行评价" and len(rate.levels) == 5
    late = resident(d, "09:15:01").rate
    assert late is not None and late.state == "late"
    hour = resident(d, "10:30").rate  # the core keeps finishes an hour: still "too late"
    assert hour is not None and hour.state == "late"


def test_resident_already_rated_says_so(renderer: Renderer) -> None:
    d = opened()
    finished_at_window_1(d)
    d.do("09:06", "resident:A001", "rating.give", window=1, score=5)
    ctx = resident(d, "09:07")
    assert ctx.rate is not None and ctx.rate.state == "rated"
    html = renderer.fragments("ticket", ctx)["ticket-rating"]
    assert 'data-state="rated"' in html and "您已评价" in html


def test_resident_no_show_offers_no_rating() -> None:
    d = opened()
    d.do("09:00", "kiosk", "ticket.issue", service="A")
    d.do("09:01", "a1", "ticket.call", window=1)
    d.do("09:03", "a1", "ticket.no_show", window=1)
    assert resident(d, "09:04").rate is None


# --- who may look, and the set-up page -------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "window", "actor", "allowed"),
    [
        ("rating", 1, Actor("rating", window=1), True),
        ("rating", 1, Actor("rating", window=2), False),  # another window's pad
        ("rating", 1, Actor("admin"), True),
        ("rating", 1, Actor("display"), False),
        ("rating", 1, Actor("director", staff="boss"), False),
        ("rating", 1, Actor("clerk", staff="a1"), False),
        ("rating", 1, None, False),
        ("display", 1, Actor("display"), True),  # a hall-wide display token
        ("display", 1, Actor("display", window=1), True),
        ("display", 1, Actor("display", window=2), False),  # names another window
        ("display", 1, Actor("admin"), True),
        ("display", 1, Actor("kiosk"), False),
        ("display", 1, Actor("rating", window=1), False),
        ("display", 1, None, False),
        ("wall", None, Actor("display", window=2), True),  # the wall stays public
    ],
)
def test_who_may_look_at_a_counter_device(
    page: str, window: int | None, actor: Actor | None, allowed: bool
) -> None:
    assert may_view(HALL, page, window, actor) is allowed


def test_counter_device_screen_names() -> None:
    assert Screen.parse("rating-3") == Screen("rating-3", "rating", window=3)
    assert Screen.parse("display-12") == Screen("display-12", "display", window=12)
    for bad in ("rating-", "rating-1000", "display-x", "ratings-1", "display-1-2"):
        assert Screen.parse(bad) is None, bad


@pytest.mark.parametrize("lang", [ZH, EN])
def test_device_setup_page_says_how(renderer: Renderer, lang: str) -> None:
    for device in ("rating", "display"):
        ctx = device_setup_context(HALL, device, 2, lang, base_url="https://hall.example/")
        assert ctx.token_command == f"hall token --hall test --role {device} --window 2"
        assert ctx.device_url == f"https://hall.example/halls/test/windows/2/{device}?token=TOKEN"
        html = renderer.page("device_setup", ctx)
        assert ctx.token_command in html and ctx.heading in html


def test_counter_pages_escape_names(renderer: Renderer) -> None:
    evil = "<script>alert(1)</script>"
    d = opened(make_hall(staff_name=lambda s: evil, staff_number=lambda s: evil))
    finished_at_window_1(d)
    now = d.now("09:06")
    for name, ctx in (
        ("display", display_context(d.hall, public(d, now), 1, ZH, now)),
        ("rating", rating_context(d.hall, public(d, now), 1, ZH, now, finished=d.state.finished)),
    ):
        html = renderer.page(name, ctx)
        assert "<script>alert" not in html and "&lt;script&gt;" in html, name


def test_a_day_later_the_pad_rests(renderer: Renderer) -> None:
    d = opened()
    finished_at_window_1(d)
    tomorrow = d.now("08:01") + timedelta(days=1)
    d.tick(tomorrow)
    ctx = rating_context(d.hall, public(d, tomorrow), 1, ZH, tomorrow, finished=d.state.finished)
    assert not ctx.offer.open
