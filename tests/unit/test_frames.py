"""Live frames: a page that got the whole view and then every frame (each applied as htmx's
ws extension applies it, then the page's trim of its live lists: tests/support/dom.py)
shows exactly what a page loaded afresh shows, whatever the changes, in any order within a
batch, and when a backlog of frames comes as one message. And the wall's frames are small:
a call adds one item to the list of recent calls, an ending replaces one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hall.config import HallConfig
from hall.i18n import EN, ZH
from hall.kiosk import Renderer, static_dir, wall_context
from hall.kiosk.calls import RECENT_CALLS
from hall.kiosk.frames import changes
from hall.kiosk.render import ITEMS, LiveList, Rendered
from tests.support.dom import Page, parse
from tests.support.halls import make_hall

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 27, 10, 0, tzinfo=TZ)
LIST = "recent-calls"
SHELL = f'<ol id="{LIST}" class="rc-list" data-keep="{{keep}}">{ITEMS}</ol>'


def normal(html: str) -> str:
    """HTML as the page model writes it back, without `hx-swap-oob="true"` (htmx drops it
    from what it swaps in; a page loaded afresh keeps it)."""
    written = "".join(n if isinstance(n, str) else n.html() for n in parse(html))
    return written.replace(' hx-swap-oob="true"', "")


# --- any list, any change ------------------------------------------------------------------


def live(items: list[tuple[str, int]], keep: int) -> Rendered:
    """A view of one live list: items (id, version), each version its own HTML."""
    shell = SHELL.format(keep=keep)
    rendered = tuple((i, f'<li id="{i}" data-v="{v}"><b>{i}</b> {v}</li>') for i, v in items)
    whole = shell.replace(ITEMS, "".join(html for _, html in rendered))
    return Rendered(
        {"head": "<h1 id=head>x</h1>", LIST: whole}, {LIST: LiveList(shell, rendered, keep)}
    )


@st.composite
def histories(draw: st.DrawFn) -> tuple[int, list[list[tuple[str, int]]], list[int]]:
    """A list's successive contents (unique ids, at most `keep`, newest first) and how the
    frames between them are grouped into messages."""
    keep = draw(st.integers(1, 6))
    ids = st.sampled_from("abcdefghij")
    lists = draw(
        st.lists(
            st.lists(st.tuples(ids, st.integers(0, 2)), max_size=keep, unique_by=lambda x: x[0]),
            min_size=1,
            max_size=12,
        )
    )
    groups = draw(st.lists(st.integers(1, 3), min_size=len(lists), max_size=len(lists)))
    return keep, lists, groups


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_any_changes_of_a_live_list_leave_the_page_as_a_fresh_render(
    history: tuple[int, list[list[tuple[str, int]]], list[int]],
) -> None:
    keep, lists, groups = history
    views = [live([], keep)] + [live(items, keep) for items in lists]
    page = Page("".join(views[0].fragments.values()))
    frames = [changes(a, b) for a, b in pairwise(views)]
    at = 0
    for size in groups:  # a backlog of frames comes as one message
        message, at = frames[at : at + size], min(at + size, len(frames))
        page.apply("".join(message))
        assert normal(page.part(LIST)) == normal(views[at].fragments[LIST]), message


def test_a_new_item_comes_on_top_and_one_that_fell_off_a_full_list_is_left_to_the_page() -> None:
    old = live([("e", 0), ("d", 0), ("c", 0)], keep=3)
    new = live([("f", 0), ("e", 0), ("d", 0)], keep=3)
    assert changes(old, new) == (
        f'<ol hx-swap-oob="afterbegin:#{LIST}">{new.lists[LIST].items[0][1]}</ol>'
    )
    recalled = live([("d", 1), ("f", 0), ("e", 0)], keep=3)  # d moves to the top, changed
    assert changes(new, recalled) == (
        '<li id="d" hx-swap-oob="delete"></li>'
        f'<ol hx-swap-oob="afterbegin:#{LIST}">{recalled.lists[LIST].items[0][1]}</ol>'
    )
    ended = live([("d", 2), ("f", 0), ("e", 0)], keep=3)  # replaced where it is
    assert changes(recalled, ended) == ended.lists[LIST].items[0][1]
    assert changes(ended, ended) == ""
    # a list that is not full yet drops what left it; a shorter one is sent whole
    assert changes(live([("b", 0), ("a", 0)], 3), live([("c", 0), ("b", 0)], 3)).startswith(
        '<li id="a" hx-swap-oob="delete"></li>'
    )
    assert changes(ended, live([("a", 0)], 3)) == live([("a", 0)], 3).fragments[LIST]


# --- the wall, through a busy morning ------------------------------------------------------


@dataclass
class Hall:
    """Three windows' calls as the core makes them, and the wall's state of them."""

    hall: HallConfig
    now: datetime = T0
    events: list[dict[str, Any]] = field(default_factory=list)
    serving: dict[int, tuple[str, int]] = field(default_factory=dict)  # window -> (ticket, recalls)
    transferred: dict[int, str] = field(default_factory=dict)  # window -> ticket sent there
    issued: int = 0

    def add(self, kind: str, ticket: str, window: int, **fields: Any) -> None:
        self.now += timedelta(seconds=1)
        self.events.append(
            {
                "id": f"{int(self.now.timestamp() * 1000)}-{len(self.events)}",
                "type": kind,
                "at": self.now.isoformat(),
                "ticket": {"number": ticket, "service": ticket[0]},
                "window": window,
                **fields,
            }
        )

    def step(self, action: str, window: int, other: int) -> None:
        held = self.serving.get(window)
        if action == "call":
            if held:
                self.add("ticket.finished", held[0], window)
            ticket = self.transferred.pop(window, None)
            if ticket is None:
                self.issued += 1
                ticket = f"A{self.issued:03}"
            self.add("ticket.called", ticket, window, staff="a")
            self.serving[window] = (ticket, 0)
        elif action == "wait":
            self.now += timedelta(seconds=20)  # calls grow too old to announce
        elif held and action == "recall":
            self.add("ticket.recalled", held[0], window, recalls=held[1] + 1)
            self.serving[window] = (held[0], held[1] + 1)
        elif held and action == "transfer" and other != window:
            self.add("ticket.transferred", held[0], window, to_window=other)
            self.transferred[other] = held[0]
            del self.serving[window]
        elif held and action in ("finish", "no_show"):
            self.add(f"ticket.{'finished' if action == 'finish' else 'no_show'}", held[0], window)
            del self.serving[window]

    def state(self) -> dict[str, Any]:
        windows = [
            {
                "number": w.number,
                "name": w.name,
                "status": "staffed",
                "services": list(w.services),
                "a": {"staff": w.a, "name": w.a.upper(), "state": "present", "since": None},
                "b": {"staff": w.b, "name": w.b.upper(), "state": "off", "since": None},
                "serving": {"number": self.serving[w.number][0], "service": "A"}
                if w.number in self.serving
                else None,
                "waiting": 0,
                "arrived": True,
            }
            for w in self.hall.windows
        ]
        return {"hall": self.hall.id, "open": True, "windows": windows, "queue": []}


ACTIONS = st.sampled_from(["call", "call", "recall", "finish", "no_show", "transfer", "wait"])
STEP = st.tuples(ACTIONS, st.integers(1, 3), st.integers(1, 3))


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(STEP, min_size=1, max_size=4), min_size=1, max_size=25), st.booleans())
def test_the_wall_after_its_frames_is_the_wall_loaded_afresh(
    batches: list[list[tuple[str, int, int]]], english: bool
) -> None:
    hall = Hall(make_hall())
    lang = EN if english else ZH
    renderer, memo = Renderer(), dict[str, Any]()

    def view() -> Rendered:
        ctx = wall_context(hall.hall, hall.state(), hall.events, lang, hall.now)
        return renderer.render("wall", ctx, memo)

    last = view()
    page = Page("".join(last.fragments.values()))
    for batch in batches:  # the changes of one batch of events are rendered together
        for step in batch:
            hall.step(*step)
        now = view()
        page.apply(changes(last, now))
        fresh = renderer.fragments(
            "wall", wall_context(hall.hall, hall.state(), hall.events, lang, hall.now)
        )
        assert {k: normal(v) for k, v in page.parts().items()} == {
            k: normal(v) for k, v in fresh.items()
        }
        last = now


def test_a_call_adds_one_item_and_its_end_replaces_it(renderer: Renderer) -> None:
    hall = Hall(make_hall())
    memo: dict[str, Any] = {}

    def view() -> Rendered:
        ctx = wall_context(hall.hall, hall.state(), hall.events, ZH, hall.now)
        return renderer.render("wall", ctx, memo)

    for window in (1, 2, 3, 1, 2, 3, 1):  # A001 to A007; the list holds A007 to A002
        hall.step("call", window, 0)
    full = view()
    hall.step("call", 2, 0)  # ends A005 there, calls A008; A002 falls off the list
    called = view()
    hall.step("no_show", 2, 0)
    ended = view()
    frame = changes(full, called)
    assert re.findall(r'<li id="([\w-]+)"', frame) == ["rc-2-A005", "rc-2-A008"]
    assert '<ol hx-swap-oob="afterbegin:#recent-calls"><li id="rc-2-A008"' in frame
    assert 'data-fate="finished"' in frame and "A002" not in frame  # the page drops it
    frame = changes(called, ended)
    assert re.findall(r'<li id="([\w-]+)"[^>]*>', frame) == ["rc-2-A008"]
    assert '<li id="rc-2-A008" data-fate="no_show"' in frame and "<mark>过号</mark>" in frame
    assert 'id="recent-calls"' not in frame


def test_the_sheet_hides_what_follows_the_recent_calls() -> None:
    sheet = (static_dir() / "css" / "wall.css").read_text(encoding="utf-8")
    assert f".rc-list > li:nth-child(n + {RECENT_CALLS + 1}) {{ display: none; }}" in sheet
