"""The district's overview, pure: the district file, a hall's summary from a real day's
state, the order of attention, who may see what, and the pages' rendering."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hall.config import ConfigError, District, Supervisor, load_district, load_halls
from hall.core import initial_state
from hall.core.access import actor_of, may_oversee, may_view, overseen
from hall.core.model import Actor
from hall.core.public import public_state
from hall.i18n import EN, ZH
from hall.kiosk import Renderer, director_context, login_context
from hall.kiosk.overview import (
    HallSummary,
    attention,
    late_today,
    order_token,
    overview_context,
    ranked,
    summarize,
    summary_json,
)
from hall.live.channels import Screen
from hall.live.feed import HallFeed
from hall.live.gate import Principal
from hall.live.outbox import Outbox
from hall.live.overview import Heading, Overviews
from hall.live.wire import frame_payload
from tests.support.halls import hall_toml, make_hall

from .day import HALL, Day, at

# --- the district file ----------------------------------------------------------------------

DISTRICT = """id = "licheng"
name = "鲤城区"
name_en = "Licheng District"

[[supervisors]]
id = "lin-jian"
name = "林检"
title = "区效能办"
halls = ["kaiyuan", "haibin"]

[[supervisors]]
id = "wu-ji"
name = "吴纪"
halls = ["haibin"]
"""


def folder(tmp_path: Path, district: str | None = DISTRICT) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for hall in ("kaiyuan", "haibin", "jinlong"):
        (tmp_path / f"{hall}.toml").write_text(hall_toml(hall_id=hall), encoding="utf-8")
    if district is not None:
        (tmp_path / "district.toml").write_text(district, encoding="utf-8")
    return tmp_path


def test_the_district_file_sits_beside_the_hall_files_and_is_not_a_hall(tmp_path: Path) -> None:
    path = folder(tmp_path)
    halls = load_halls(path)
    assert sorted(halls) == ["haibin", "jinlong", "kaiyuan"]
    district = load_district(path, halls)
    assert district is not None
    assert (district.id, district.label(ZH), district.label(EN)) == (
        "licheng",
        "鲤城区",
        "Licheng District",
    )
    lin = district.supervisor("lin-jian")
    assert lin == Supervisor("lin-jian", "林检", ("kaiyuan", "haibin"), "区效能办")
    assert district.supervisor("nobody") is None
    assert load_district(path / "kaiyuan.toml", halls) is None  # a single hall file
    assert load_district(folder(tmp_path / "plain", None), halls) is None  # no district file


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('id = "licheng"', 'id = "kaiyuan"'), "district.toml: id: 'kaiyuan' is also the id of"),
        (('id = "licheng"', 'id = "Li Cheng"'), "id: 'Li Cheng' must be lowercase"),
        (('name = "鲤城区"', 'name = " "'), "district.toml: name: must not be empty"),
        (('name_en = "Licheng District"', 'nmae_en = "x"'), "nmae_en: unknown key (did you"),
        (
            ('halls = ["haibin"]', 'halls = ["haibin", "xiamen"]'),
            "supervisors[1].halls[1]: unknown hall id 'xiamen' (no hall file of this folder",
        ),
        (('halls = ["haibin"]', 'halls = ["haibin", "haibin"]'), "halls[1]: duplicate hall"),
        (('halls = ["haibin"]', "halls = []"), "supervisors[1].halls: must not be empty"),
        (('id = "wu-ji"', 'id = "lin-jian"'), "supervisors[1].id: duplicate supervisor id"),
        (('title = "区效能办"', "title = 3"), "supervisors[0].title: must be a string"),
        (('halls = ["haibin"]\n', 'halls = ["haibin"]\nrole = "director"\n'), "unknown key"),
        (("[[supervisors]]", "[[supervisor]]"), "supervisor: unknown key (did you mean"),
    ],
)
def test_a_bad_district_file_is_refused_with_a_precise_message(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = folder(tmp_path, DISTRICT.replace(*change, 1))
    with pytest.raises(ConfigError) as error:
        load_district(path, load_halls(path))
    assert message in str(error.value)
    assert str(error.value).startswith(str(path / "district.toml"))


def test_a_folder_with_only_a_district_file_has_no_halls(tmp_path: Path) -> None:
    (tmp_path / "district.toml").write_text(DISTRICT, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"holds no \*\.toml hall files"):
        load_halls(tmp_path)


# --- a hall's summary, from a real day --------------------------------------------------------


def summary(day: Day, when: str) -> HallSummary:
    now = day.now(when)
    day.tick(when)
    return summarize(HALL, public_state(HALL, day.state, now, "1-0"), late_today(day.state))


def staffed_day() -> Day:
    d = Day()
    for n in (1, 2, 3):
        d.do("07:59", f"a{n}", "presence.set", window=n, post="A", state="present")
    return d


def test_a_staffed_hall_needs_nobody() -> None:
    s = summary(staffed_day(), "08:30")
    assert (s.phase, s.windows, s.open_windows, s.staffed, s.uncovered) == ("open", 3, 3, 3, 0)
    assert (s.waiting, s.oldest, s.alerts, s.open_alerts, s.late_today) == (0, None, 0, 0, 0)
    assert not s.needs_attention


def test_an_uncovered_window_an_open_alert_residents_waiting_and_lateness() -> None:
    d = Day()
    d.do("07:59", "a1", "presence.set", window=1, post="A", state="present")
    d.do("08:05", "a2", "presence.set", window=2, post="A", state="present")  # late: R1
    d.do("08:07", "a3", "presence.set", window=3, post="A", state="present")  # late: R2
    d.do("08:15", "kiosk", "ticket.issue", service="A")  # not overdue (wait_sla 30m) by 08:45
    d.do("08:20", "kiosk", "ticket.issue", service="B")
    d.do("08:30", "a1", "presence.set", window=1, post="A", state="away", reason="break")
    s = summary(d, "08:41")  # more than cover_after (10 min): uncovered
    assert (s.staffed, s.uncovered, s.open_alerts, s.alerts) == (2, 1, 1, 1)
    assert (s.waiting, s.oldest, s.oldest_ticket, s.late_today) == (2, at("08:15"), "A001", 2)
    assert s.needs_attention
    alert = public_state(HALL, d.state, d.now("08:41"), "1-0")["alerts"][0]
    d.do("08:42", "boss", "alert.ack", alert=alert.id)
    acked = summary(d, "08:42")
    assert (acked.alerts, acked.open_alerts, acked.uncovered) == (1, 0, 1)
    d.do("08:43", "a2", "appeal.file", record="R1", reason="交通管制")
    d.do("08:44", "boss", "appeal.decide", appeal="P1", upheld=False, reason="属实")
    assert summary(d, "08:45").late_today == 1  # a voided record leaves the count
    body = summary_json(acked, d.now("08:44"))
    assert body["longest_wait"] == {"since": at("08:15"), "minutes": 29, "ticket": "A001"}
    assert (body["uncovered_windows"], body["open_alerts"], body["href"]) == (
        1,
        0,
        "/halls/test/director",
    )


def test_the_phase_follows_the_sessions() -> None:
    d = staffed_day()
    d.do("11:50", "kiosk", "ticket.issue", service="A")
    assert summary(d, "12:05").phase == "extended"  # window 1 still has a resident
    d.do("12:06", "a1", "ticket.call", window=1)
    d.do("12:07", "a1", "ticket.finish", window=1)
    assert summary(d, "12:10").phase == "closed"
    assert summary(d, "14:31").phase == "open"


# --- the order of attention ----------------------------------------------------------------


def hall_summary(hall: str, **values: Any) -> HallSummary:
    base = HallSummary(hall, hall, "", "open", 3, 3, 3, 0, 0, None, "", 0, 0, 0)
    return replace(base, **values)


NOON = datetime(2026, 11, 30, 12, 0, tzinfo=HALL.tz)


def test_halls_are_ranked_by_what_needs_someone_first() -> None:
    halls = [
        hall_summary("calm"),
        hall_summary("late", late_today=3),
        hall_summary("queue", waiting=9, oldest=NOON - timedelta(minutes=5)),
        hall_summary("long-wait", waiting=1, oldest=NOON - timedelta(minutes=40)),
        hall_summary("alert", open_alerts=1, alerts=2),
        hall_summary("acked", alerts=2),  # acknowledged alerts are not open
        hall_summary("uncovered", uncovered=1, open_alerts=1, alerts=1),
        hall_summary("two-uncovered", uncovered=2, open_alerts=0, alerts=2),
        hall_summary("a-calm"),
    ]
    assert [s.hall for s in ranked(halls)] == [
        "two-uncovered",
        "uncovered",
        "alert",
        "long-wait",
        "queue",
        "late",
        "a-calm",
        "acked",
        "calm",
    ]


summaries = st.builds(
    hall_summary,
    st.text("abcxyz0-9-", min_size=1, max_size=6),
    uncovered=st.integers(0, 12),
    open_alerts=st.integers(0, 12),
    waiting=st.integers(0, 20_000),
    late_today=st.integers(0, 30),
    oldest=st.none() | st.integers(0, 600).map(lambda m: NOON - timedelta(minutes=m)),
)


@given(st.lists(summaries, min_size=2, max_size=12))
def test_the_pages_order_token_sorts_as_the_server_does(halls: list[HallSummary]) -> None:
    by_key = [attention(s) for s in sorted(halls, key=attention)]
    by_token = [attention(s) for s in sorted(halls, key=order_token)]
    assert by_token == by_key


# --- who may see what -------------------------------------------------------------------------

LIN = Actor("supervisor", staff="lin-jian", halls=("test",))


def test_a_supervisor_sees_the_director_page_of_their_halls_read_only_and_nothing_else() -> None:
    other = Actor("supervisor", staff="wu-ji", halls=("haibin",))
    assert may_view(HALL, "director", None, LIN, readonly=True)
    assert not may_view(HALL, "director", None, LIN)  # the director's own, with buttons
    assert not may_view(HALL, "director", None, other, readonly=True)  # not their hall
    for page, window, staff in (("tablet", 1, None), ("kiosk", None, None), ("me", None, "a1")):
        assert not may_view(HALL, page, window, LIN, staff, readonly=True), page
    assert not may_view(HALL, "display", 1, LIN) and not may_view(HALL, "rating", 1, LIN)
    assert may_view(HALL, "wall", None, LIN)  # public, as for anyone
    assert may_view(HALL, "director", None, Actor("director", staff="boss"), readonly=True)
    assert not may_view(HALL, "director", None, Actor("clerk", staff="a1"), readonly=True)


def test_the_overview_is_for_supervisors_and_the_admin() -> None:
    halls = ["kaiyuan", "test", "haibin"]
    assert may_oversee(LIN) and may_oversee(Actor("admin"))
    assert overseen(LIN, halls) == ["test"]
    assert overseen(Actor("admin"), halls) == halls
    for kind in ("director", "clerk", "kiosk", "display", "integration"):
        assert not may_oversee(Actor(kind, staff="x"))  # type: ignore[arg-type]
        assert overseen(Actor(kind, staff="x"), halls) == []  # type: ignore[arg-type]


def test_a_supervisors_session_reaches_their_halls_only() -> None:
    claims = {"hall": "licheng", "kind": "supervisor", "staff": "lin-jian", "halls": ["test"]}
    actor = actor_of(claims)
    assert actor == LIN
    principal = Principal(actor, "licheng", "licheng.x")
    assert principal.reaches("test") and not principal.reaches("licheng")
    assert not principal.reaches("haibin")
    director = Principal(Actor("director", staff="boss"), "test", "test.x")
    assert director.reaches("test") and not director.reaches("haibin")


# --- the pages --------------------------------------------------------------------------------


def test_the_overview_page_and_its_fragments() -> None:
    renderer = Renderer()
    halls = [hall_summary("b-hall", waiting=2, oldest=NOON), hall_summary("a-hall", uncovered=1)]
    ctx = overview_context(halls, ZH, NOON + timedelta(minutes=7), district="鲤城区")
    assert [r.id for r in ctx.rows] == ["ov-a-hall", "ov-b-hall"]
    page = renderer.page("overview", ctx)
    assert 'ws-connect="/ws/overview?lang=zh-CN"' in page
    assert page.index('id="ov-a-hall"') < page.index('id="ov-b-hall"')
    frags = renderer.fragments("overview", ctx)
    assert list(frags) == ["ov-totals", "ov-a-hall", "ov-b-hall"]
    assert 'data-order="9998.' in frags["ov-a-hall"] and "attention" in frags["ov-a-hall"]
    assert 'href="/halls/b-hall/director"' in frags["ov-b-hall"]
    assert re.search(r'data-since-ms="\d+">7</span> 分钟', frags["ov-b-hall"])
    english = renderer.page("overview", overview_context(halls, EN, NOON, district=""))
    assert "All halls" in english and "Uncovered windows" in english


def test_the_read_only_director_page_has_no_buttons_nor_tablet_links() -> None:
    d = Day()
    d.do("07:59", "a1", "presence.set", window=1, post="A", state="present")
    d.tick("08:11")
    state = public_state(HALL, d.state, d.now("08:11"), "1-0")
    renderer = Renderer()
    own = renderer.page("director", director_context(HALL, state, [], ZH, d.now("08:11")))
    readonly = director_context(HALL, state, [], ZH, d.now("08:11"), readonly=True)
    page = renderer.page("director", readonly)
    assert "btn-ack" in own and "/halls/test/windows/2" in own
    assert "data-command=" not in page and "/halls/test/windows/" not in page
    assert 'ws-connect="/ws/halls/test/view/director-readonly?lang=zh-CN"' in page
    assert 'href="/overview"' in page and "只读查看" in page
    assert Screen.parse("director-readonly") == Screen(
        "director-readonly", "director", readonly=True
    )


def test_the_login_form_offers_the_district_to_its_supervisors() -> None:
    district = District("licheng", "鲤城区", (Supervisor("lin-jian", "林检", ("test",), "效能办"),))
    ctx = login_context([HALL], ZH, district=district)
    assert [h.id for h in ctx.halls] == ["test", "licheng"]
    assert ctx.halls[1].name == "鲤城区 · 督查"
    assert [s.label for s in ctx.halls[1].staff] == ["林检 · 效能办"]
    html = Renderer().page("login", ctx)
    assert '<option value="licheng">鲤城区 · 督查</option>' in html


# --- the live channel, on real feeds (no Redis: the feeds are given their events) ----------


def test_an_overview_channel_sends_only_the_changed_hall_and_watches_its_halls() -> None:
    halls = [make_hall(hall_id=h) for h in ("east", "west")]
    now = at("08:30")
    overviews = Overviews(Renderer(), lambda: now)
    feeds = [HallFeed(h, initial_state(h), "0-0") for h in halls]
    for feed in feeds:
        overviews.attach(feed)
    channel = overviews.channel(feeds, ZH, Heading("鲤城区"))
    assert overviews.channel(feeds, ZH, Heading("鲤城区")) is channel  # one per view
    box: Outbox[Any] = Outbox(16)
    channel.sockets.add(box)
    html = frame_payload(channel.whole(now)).decode()
    assert 'id="ov-east"' in html and 'id="ov-west"' in html and 'id="ov-totals"' in html
    assert overviews.watched() == {"east", "west"}

    day = Day(halls[1])  # west opens at 08:00 with nobody there: uncovered at 08:11
    day.tick("08:11")
    batch = [(f"{i + 1}-0", msgspec.json.encode(e)) for i, e in enumerate(day.log)]
    feeds[1].advance(batch)
    (sent,) = box.take_now()
    assert 'id="ov-west"' in sent[0] and 'id="ov-totals"' in sent[0]
    assert 'id="ov-east"' not in sent[0]  # east did not change: not sent
    assert 'data-uncovered="3"' in sent[0]
    feeds[1].advance(batch)  # already folded in: nothing new, nothing sent
    assert not box.take_now()

    overviews.leave(channel, box)
    assert overviews.watched() == set() and not overviews.channels
