"""The screens: every page and fragment renders from a realistic Kaiyuan state, fragments
carry their ids for htmx's out-of-band swaps, text is escaped and comes from the catalog."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import msgspec
import pytest

from hall.config import HallConfig, default_hall_path, load_hall
from hall.i18n import CATALOG, EN, ERROR_CODES, ZH, error_catalog, error_message, t
from hall.kiosk import (
    Renderer,
    call_clips,
    count_day,
    device_setup_context,
    director_context,
    display_context,
    kiosk_context,
    kiosk_setup_context,
    login_context,
    me_context,
    qr_svg,
    rating_context,
    speech,
    static_dir,
    tablet_context,
    templates_dir,
    ticket_context,
    ticket_slip,
    wall_context,
)
from hall.kiosk.contexts import PageContext
from hall.kiosk.render import Memo
from hall.queue.fates import Fate
from hall.queue.order import Place

TZ = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 27, 10, 42, tzinfo=TZ)  # a Friday, winter hours
EVENING = datetime(2026, 11, 27, 17, 41, tzinfo=TZ)  # after closing: extended service


# --- a realistic public state ------------------------------------------------------------


def at(moment: datetime, minutes_ago: float) -> str:
    return (moment - timedelta(minutes=minutes_ago)).isoformat()


def post(hall: HallConfig, staff: str, state: str, since: str | None, reason: str = "") -> dict:
    person = hall.person(staff)
    out: dict[str, Any] = {
        "staff": staff,
        "name": person.name if person else staff,
        "state": state,
        "since": since,
    }
    if reason:
        out["reason"] = reason
    return out


def ticket(
    number: str,
    issued: str,
    *,
    status: str = "waiting",
    window: int | None = None,
    priority: bool = False,
    recalls: int = 0,
    called_at: str | None = None,
) -> dict:
    out: dict[str, Any] = {
        "number": number,
        "service": number[0],
        "priority": priority,
        "status": status,
        "issued_at": issued,
        "window": window,
        "recalls": recalls,
    }
    if called_at:
        out["called_at"] = called_at
    return out


def build_state(hall: HallConfig, now: datetime, plan: dict[int, dict[str, Any]]) -> dict:
    """`plan[n]`: status, a/b (state, minutes ago, reason), serving ticket; tickets in
    `queue` are made from each window's `waiting` list."""
    windows, called, waiting, alerts = [], [], [], []
    for w in hall.windows:
        p = plan[w.number]
        a_state, a_ago, reason = p.get("a", ("off", 120, ""))
        b_state, b_ago, _ = p.get("b", ("present", 120, ""))
        serving = p.get("serving")
        if serving is not None:
            called.append(serving)
        mine = p.get("queue", [])
        waiting.extend(mine)
        # the cover rule as the core keeps it: the B-post told at once, the deadline after
        unattended = p["status"] in ("away", "uncovered", "unstaffed") and a_state != "present"
        deadline = datetime.fromisoformat(at(now, a_ago)) + hall.rules.cover_after
        windows.append(
            {
                "number": w.number,
                "name": w.name,
                "status": p["status"],
                "services": list(w.services),
                "a": post(hall, w.a, a_state, at(now, a_ago), reason),
                "b": post(hall, w.b, b_state, at(now, b_ago)),
                "serving": serving,
                "waiting": len(mine),
                "arrived": a_state != "off",
                "cover": {
                    "needed": unattended,
                    "deadline": deadline.isoformat() if unattended else None,
                    "requested": p["status"] == "uncovered",
                    "escalated": False,
                    "since": at(now, a_ago) if unattended else None,
                },
            }
        )
        if p["status"] == "uncovered":
            alerts.append(
                {
                    "id": f"uncovered-{w.number}-1",
                    "kind": "uncovered",
                    "since": deadline.isoformat(),
                    "window": w.number,
                    "staff": w.b,
                    "a_staff": w.a,
                    "escalated": True,
                }
            )
    queue = called + waiting
    staffed = sum(1 for w in windows if w["status"] in ("staffed", "covered"))
    return {
        "hall": hall.id,
        "name": hall.name,
        "at": now.isoformat(),
        "last_event_id": "1764211320000-0",
        "open": now.hour < 17 or (now.hour == 17 and now.minute < 30),
        "windows": windows,
        "queue": queue,
        "alerts": alerts,
        "occupancy": {
            "in_hall": len(queue),
            "waiting": len(waiting),
            "being_served": len(called),
            "staffed_windows": staffed,
            "open_windows": sum(1 for w in windows if w["status"] != "closed"),
            "windows": len(windows),
        },
    }


def morning_state(hall: HallConfig, now: datetime = MORNING) -> dict:
    def q(n: str, ago: float, **kw: Any) -> dict:
        return ticket(n, at(now, ago), **kw)

    def serving(n: str, issued: float, called: float, window: int, **kw: Any) -> dict:
        return ticket(
            n, at(now, issued), status="called", window=window, called_at=at(now, called), **kw
        )

    return build_state(
        hall,
        now,
        {
            1: {
                "status": "staffed",
                "a": ("present", 160, ""),
                "serving": serving("A012", 25, 3, 1),
                "queue": [q("A013", 18, priority=True), q("A014", 12), q("A015", 4)],
            },
            2: {
                "status": "away",
                "a": ("away", 6, "break"),
                "queue": [q("D007", 15), q("D008", 9)],
            },
            3: {
                "status": "uncovered",
                "a": ("away", 17, "meeting"),
                "queue": [q("C004", 31), q("C005", 20), q("C006", 11), q("C007", 2)],
            },
            4: {
                "status": "covered",
                "a": ("away", 14, "field"),
                "b": ("covering", 3, ""),
                "serving": serving("E005", 22, 2, 4, recalls=1),
                "queue": [q("E006", 10), q("A016", 1, window=4)],
            },
            5: {"status": "unstaffed", "a": ("off", 160, "")},
            6: {
                "status": "staffed",
                "a": ("present", 150, ""),
                "serving": serving("G003", 12, 6, 6),
            },
            7: {"status": "staffed", "a": ("present", 155, ""), "queue": [q("B009", 7)]},
        },
    )


def evening_state(hall: HallConfig, now: datetime = EVENING) -> dict:
    plan: dict[int, dict[str, Any]] = {
        n: {"status": "closed", "a": ("off", 11, "")} for n in range(1, 8)
    }
    plan[1] = {
        "status": "extended",
        "a": ("present", 200, ""),
        "serving": ticket("A041", at(now, 40), status="called", window=1, called_at=at(now, 6)),
        "queue": [ticket("A042", at(now, 30)), ticket("A043", at(now, 26))],
    }
    plan[3] = {
        "status": "extended",
        "a": ("away", 20, "back_office"),
        "b": ("covering", 15, ""),
        "queue": [ticket("C019", at(now, 35))],
    }
    return build_state(hall, now, plan)


def all_status_state(hall: HallConfig) -> dict:
    """One window in each of the seven statuses (not a moment that occurs, but every tile)."""
    state = morning_state(hall)
    state["windows"][5]["status"] = "extended"
    state["windows"][6]["status"] = "closed"
    return state


def events_today(hall: HallConfig, now: datetime = MORNING) -> list[dict]:
    seq = 0

    def ev(kind: str, ago: float, **fields: Any) -> dict:
        nonlocal seq
        seq += 1
        moment = now - timedelta(minutes=ago)
        stamp = int(moment.timestamp() * 1000)
        return {
            "id": f"{stamp}-{seq}",
            "hall": hall.id,
            "type": kind,
            "at": moment.isoformat(),
            **fields,
        }

    def tk(n: str, issued_ago: float) -> dict:
        return ticket(n, at(now, issued_ago))

    return [
        ev("window.opened", 162, window=1),
        ev("presence.changed", 160, window=1, post="A", staff="chen-shaoli", state="present"),
        ev("ticket.issued", 60, ticket=tk("A010", 60)),
        ev("ticket.called", 55, ticket=tk("A010", 60), window=1, staff="chen-shaoli"),
        ev("ticket.finished", 45, ticket=tk("A010", 60), window=1, staff="chen-shaoli"),
        ev("rating.given", 44, window=1, ticket="A010", staff="chen-shaoli", score=5),
        ev("ticket.issued", 40, ticket=tk("C003", 40)),
        ev("ticket.called", 35, ticket=tk("C003", 40), window=3, staff="su-weiyu"),
        ev("ticket.no_show", 33, ticket=tk("C003", 40), window=3),
        ev(
            "absence.recorded",
            30,
            window=2,
            staff="wei-xiaojing",
            started=at(now, 45),
            ended=at(now, 30),
            seconds=900,
            minutes=15.0,
            covered_by=None,
            late=True,
        ),
        ev(
            "presence.changed",
            17,
            window=3,
            post="A",
            staff="su-weiyu",
            state="away",
            reason="meeting",
        ),
        ev("ticket.called", 8, ticket=tk("E005", 22), window=4, staff="cai-wenkeng"),
        ev("cover.requested", 7, window=3, staff="liu-wenzhi"),
        ev("cover.escalated", 5, window=3),
        ev("ticket.overdue", 4, ticket=tk("C004", 31)),
        ev("ticket.called", 3, ticket=tk("A012", 25), window=1, staff="chen-shaoli"),
        ev("ticket.recalled", 2, ticket=tk("E005", 22), window=4, recalls=1),
        ev("ticket.transferred", 1, ticket=tk("A016", 1), window=1, to_window=4),
        ev("ticket.finished", 0.5, ticket=tk("G002", 30), window=6, staff="xie-shanhong"),
    ]


def calls_of(events: list[dict]) -> list[dict]:
    return [e for e in events if e["type"] in ("ticket.called", "ticket.recalled")]


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hall() -> HallConfig:
    return load_hall(default_hall_path())


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def every_page(hall: HallConfig, lang: str = ZH) -> list[tuple[str, PageContext]]:
    state = all_status_state(hall)
    events = events_today(hall)
    return [
        ("wall", wall_context(hall, state, calls_of(events), lang, MORNING)),
        ("wall", wall_context(hall, evening_state(hall), [], lang, EVENING)),
        ("tablet", tablet_context(hall, state, 3, "liu-wenzhi", lang, MORNING)),
        ("tablet", tablet_context(hall, state, 4, "yang-zhirong", lang, MORNING)),
        ("kiosk", kiosk_context(hall, state, lang, MORNING)),
        ("kiosk", kiosk_context(hall, evening_state(hall), lang, EVENING)),
        ("director", director_context(hall, state, events, lang, MORNING)),
        ("ticket", ticket_context(hall, state, "C006", lang, MORNING)),
        ("ticket", ticket_context(hall, state, "A012", lang, MORNING)),
        ("ticket", ticket_context(hall, state, "A001", lang, MORNING)),
        ("login", login_context([hall], lang, next_url="/halls/kaiyuan/director")),
        ("kiosk_setup", kiosk_setup_context(hall, lang, base_url="http://hall.local")),
        ("me", me_context(hall, state, "liu-wenzhi", lang, MORNING)),
        ("me", me_context(hall, state, "wang-manshu", lang, MORNING)),
        # --- counter devices ---
        ("rating", rating_context(hall, state, 1, lang, MORNING)),
        ("display", display_context(hall, state, 4, lang, MORNING)),
        ("display", display_context(hall, evening_state(hall), 1, lang, EVENING)),
        ("device_setup", device_setup_context(hall, "display", 1, lang, base_url="http://h")),
    ]


# --- a tiny HTML reader ------------------------------------------------------------------


class Roots(HTMLParser):
    """The top-level elements of a fragment, and every id in a document."""

    VOID: ClassVar = frozenset({"meta", "link", "br", "img", "input", "hr", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.roots: list[dict[str, str | None]] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if self.depth == 0:
            self.roots.append(found)
        if tag not in self.VOID:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID:
            self.depth -= 1


def parse(html: str) -> Roots:
    reader = Roots()
    reader.feed(html)
    reader.close()
    return reader


# --- the tests ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", [ZH, EN])
def test_every_page_renders_with_its_fragments(
    hall: HallConfig, renderer: Renderer, lang: str
) -> None:
    for name, ctx in every_page(hall, lang):
        html = renderer.page(name, ctx, csrf="csrf-xyz")
        assert html.startswith("<!doctype html>")
        page_ids = parse(html).ids
        frags = renderer.fragments(name, ctx)
        for frag_id, frag in frags.items():
            roots = parse(frag).roots
            assert len(roots) == 1, (name, frag_id)
            assert roots[0]["id"] == frag_id
            # swapped by its id (on a websocket htmx's ws extension does so without it)
            assert roots[0].get("hx-swap-oob", "true") == "true"
            assert page_ids.count(frag_id) == 1, (name, frag_id)
            assert frag in html, f"{name}: the page holds fragment {frag_id} as sent"
        assert len(page_ids) == len(set(page_ids)), name


def test_fragment_ids_per_view(hall: HallConfig, renderer: Renderer) -> None:
    state = morning_state(hall)
    events = events_today(hall)
    windows = [f"window-{n}" for n in range(1, 8)]
    wall = renderer.fragments("wall", wall_context(hall, state, calls_of(events), ZH, MORNING))
    assert list(wall) == [
        "clock-hours",
        *windows,
        *(f"serving-{n}" for n in range(1, 8)),
        *(f"wait-{n}" for n in range(1, 8)),
        "calling",
        "recent-calls",
        "count-waiting",
        "count-staffed",
    ]
    tablet = renderer.fragments("tablet", tablet_context(hall, state, 3, None, ZH, MORNING))
    assert list(tablet) == [
        "window-3",
        "cover-needs",
        "primary",
        "posts",
        "serving",
        "queue-3",
        "transfer-targets",
    ]
    me = renderer.fragments("me", me_context(hall, state, "liu-wenzhi", ZH, MORNING))
    assert list(me) == ["cover-needs", "duty-posts"]
    director = renderer.fragments("director", director_context(hall, state, events, ZH, MORNING))
    assert list(director) == [
        "clock-hours",
        "alerts",
        "occupancy",
        *windows,
        "counters",
        "alert-history",
        "timeline",
    ]
    ticket = renderer.fragments("ticket", ticket_context(hall, state, "A013", ZH, MORNING))
    assert list(ticket) == ["ticket-status", "ticket-rating"]
    kiosk = renderer.fragments("kiosk", kiosk_context(hall, state, ZH, MORNING))
    assert list(kiosk) == ["kiosk-services"]


def test_live_pages_connect_their_view_socket(hall: HallConfig, renderer: Renderer) -> None:
    state = morning_state(hall)
    wall = renderer.page("wall", wall_context(hall, state, [], ZH, MORNING), ws_token="a b")
    assert 'hx-ext="ws" ws-connect="/ws/halls/kaiyuan/view/wall?lang=zh-CN&amp;token=a%20b"' in wall
    tablet = renderer.page("tablet", tablet_context(hall, state, 3, "su-weiyu", ZH, MORNING))
    assert 'ws-connect="/ws/halls/kaiyuan/view/window-3?lang=zh-CN"' in tablet
    ticket = renderer.page("ticket", ticket_context(hall, state, "A013", ZH, MORNING))
    assert 'ws-connect="/ws/halls/kaiyuan/view/ticket-A013?lang=zh-CN"' in ticket
    director = renderer.page("director", director_context(hall, state, [], ZH, MORNING))
    assert 'ws-connect="/ws/halls/kaiyuan/view/director?lang=zh-CN"' in director
    for html in (wall, tablet, ticket, director):
        assert 'id="conn-overlay"' in html
    kiosk = renderer.page("kiosk", kiosk_context(hall, state, ZH, MORNING), ws_token="tok")
    # live too (it opens and closes by itself); its device token in its own addresses only
    assert 'ws-connect="/ws/halls/kaiyuan/view/kiosk?lang=zh-CN&amp;token=tok"' in kiosk
    assert 'data-token="tok"' in kiosk and "?lang=en&amp;token=tok" in kiosk
    frags = renderer.fragments("kiosk", kiosk_context(hall, state, ZH, MORNING))
    assert "tok" not in "".join(frags.values())


def test_tablet_fragments_do_not_depend_on_the_viewer(hall: HallConfig, renderer: Renderer) -> None:
    state = morning_state(hall)
    views = [
        renderer.fragments("tablet", tablet_context(hall, state, 3, viewer, ZH, MORNING))
        for viewer in ("su-weiyu", "liu-wenzhi", "wang-manshu", None)
    ]
    assert all(v == views[0] for v in views)
    pages = {
        viewer: renderer.page("tablet", tablet_context(hall, state, 3, viewer, ZH, MORNING))
        for viewer in ("su-weiyu", "liu-wenzhi", "wang-manshu", None)
    }
    assert 'data-post="A"' in pages["su-weiyu"]
    assert 'data-post="B"' in pages["liu-wenzhi"]
    assert 'data-post="director"' in pages["wang-manshu"]
    assert 'data-post=""' in pages[None]


def test_wall_tiles_show_each_status(hall: HallConfig, renderer: Renderer) -> None:
    state = all_status_state(hall)
    frags = renderer.fragments("wall", wall_context(hall, state, [], ZH, MORNING))
    expect = {
        1: ("st-staffed", "在岗"),
        2: ("st-away", "暂离"),
        3: ("st-uncovered", "无人顶岗"),
        4: ("st-covered", "B岗顶岗"),
        5: ("st-unstaffed", "未到岗"),
        6: ("st-extended", "延时服务"),
        7: ("st-closed", "已下班"),
    }
    for number, (css, word) in expect.items():
        tile = frags[f"window-{number}"]
        assert css in tile and word in tile, number
    assert "休息" in frags["window-2"] and ">6<" in frags["window-2"]  # reason, minutes
    assert "flashing" in frags["window-3"] and "会议" in frags["window-3"]
    assert "蔡文铿" in frags["window-4"]  # the covering B-post
    assert "A012" in frags["serving-1"] and "A012" not in frags["window-1"]  # a part of its own
    lunch = datetime(2026, 11, 27, 12, 30, tzinfo=TZ)
    state = build_state(hall, lunch, {n: {"status": "closed"} for n in range(1, 8)})
    tile = renderer.fragments("wall", wall_context(hall, state, [], ZH, lunch))["window-7"]
    assert "午休" in tile and "14:30 开放" in tile  # a closed window says when it opens


def test_wall_calls_and_extended_service(hall: HallConfig, renderer: Renderer) -> None:
    events = events_today(hall)
    ctx = wall_context(hall, morning_state(hall), calls_of(events) + events, ZH, MORNING)
    assert ctx.calling is not None and ctx.calling.ticket == "E005" and ctx.calling.recalls == 1
    # one entry per ticket and window (E005's recall updated its call), newest first
    assert [(c.ticket, c.fate) for c in ctx.calls] == [
        ("E005", "current"),
        ("A012", "current"),
        ("C003", "no_show"),
        ("A010", "finished"),
    ]
    frags = renderer.fragments("wall", ctx)
    assert "E005" in frags["calling"] and "4 号窗口" in frags["calling"]
    assert frags["recent-calls"].count("data-call-id=") == 2  # the current ones
    marks = re.findall(r"<mark>(.*?)</mark>", frags["recent-calls"])
    assert marks == ["重呼", "过号"]
    assert "办公时间 08:00–12:00  14:30–17:30" in frags["clock-hours"]
    evening = renderer.fragments("wall", wall_context(hall, evening_state(hall), [], ZH, EVENING))
    assert "1、3 号窗口延时服务，请耐心等候" in evening["clock-hours"]
    assert "延时服务中" in evening["clock-hours"]
    assert "已下班" in evening["window-2"]


def test_spoken_call_and_clips() -> None:
    assert speech("A012", 3) == "请 A 零一二 号，到 三 号窗口办理"
    assert speech("B1000", 12).endswith("十二 号窗口办理")
    assert call_clips("A012", 3) == [
        "chime", "qing", "lA", "d0", "d1", "d2", "hao", "dao", "d3", "window",
    ]  # fmt: skip
    assert call_clips("C101", 23)[-4:] == ["d2", "d10", "d3", "window"]
    audio = static_dir() / "audio"
    for clip in {*call_clips("ABCDEFG0123456789", 99), "alert", *call_clips("X", 10)}:
        assert (audio / f"{clip}.ogg").is_file(), clip


def test_tablet_cover_needs_and_buttons(hall: HallConfig, renderer: Renderer) -> None:
    state = morning_state(hall)
    uncovered = tablet_context(hall, state, 3, "liu-wenzhi", ZH, MORNING)
    # every window needing its B-post is listed, each for its own B-post's eyes
    needs = {n.window: n for n in uncovered.needs}
    assert sorted(needs) == [2, 3, 5]
    assert (needs[3].staff, needs[3].requested) == ("liu-wenzhi", True)
    assert (needs[2].requested, needs[2].deadline) == (False, "10:46")
    frag = renderer.fragments("tablet", uncovered)["cover-needs"]
    assert 'data-staff="liu-wenzhi"' in frag and 'data-command="cover.start"' in frag
    assert [r.number for r in uncovered.queue] == ["C004", "C005", "C006", "C007"]
    covered = tablet_context(hall, state, 4, "cai-wenkeng", ZH, MORNING)
    assert 4 not in {n.window for n in covered.needs}  # covered: nothing needed
    assert covered.posts[1].buttons[-1].command == "cover.end"
    present = covered.posts[1].buttons[0]
    assert (present.command, present.disabled) == ("presence.set", True)  # end cover instead
    assert [r.number for r in covered.queue] == ["E006", "A016"]
    assert covered.queue[1].transferred
    call = covered.serving.buttons[0]
    assert call.command == "ticket.call" and call.disabled  # a ticket is at the window
    staffed = tablet_context(hall, state, 7, "wu-guohao", ZH, MORNING)
    assert not staffed.serving.buttons[0].disabled


def test_english_pages_name_the_hall_windows_and_services_in_english(
    hall: HallConfig, renderer: Renderer
) -> None:
    """The hall file's `name_en` on every English page's header and tiles (the tablet's,
    the duty page's and the director's tiles share them), Chinese on Chinese pages."""
    state = morning_state(hall)
    english = tablet_context(hall, state, 1, "chen-shaoli", EN, MORNING)
    assert english.page.hall_name == "Kaiyuan Street Service Centre"
    assert (english.tile.name, english.tile.services) == ("Party Office", "Party and community")
    chinese = tablet_context(hall, state, 1, "chen-shaoli", ZH, MORNING)
    assert (chinese.page.hall_name, chinese.tile.name) == ("开元街道便民服务中心", "党政办")
    assert "Party Office" in renderer.page("tablet", english)


def test_kiosk_issuing_and_closed(hall: HallConfig, renderer: Renderer) -> None:
    open_ctx = kiosk_context(hall, morning_state(hall), ZH, MORNING)
    assert open_ctx.issuing and len(open_ctx.services) == 7
    html = renderer.page("kiosk", open_ctx)
    assert 'data-service="A"' in html and "党群服务" in html and 'id="ticket-template"' in html
    lunch = datetime(2026, 11, 27, 12, 30, tzinfo=TZ)
    state = build_state(hall, lunch, {n: {"status": "closed"} for n in range(1, 8)})
    state["open"] = False
    closed = kiosk_context(hall, state, ZH, lunch)
    assert not closed.issuing and "14:30" in closed.closed_note
    frag = renderer.fragments("kiosk", closed)["kiosk-services"]
    assert "已停止取号" in frag and "data-service" not in frag


def test_ticket_slip_for_the_kiosk(hall: HallConfig) -> None:
    state = morning_state(hall)
    view = ticket_slip(
        hall, state, "C006", {3: 2}, MORNING, base_url="http://hall.local/", key="k1"
    )
    assert view["number"] == "C006" and view["service_name"] == "卫生计生"
    # the ticket's day is in its link, so yesterday's C006 never shows today's
    assert view["url"] == "http://hall.local/halls/kaiyuan/tickets/2026-11-27/C006?k=k1"
    assert view["qr_url"] == "/halls/kaiyuan/tickets/2026-11-27/C006/qr.svg?k=k1"
    assert view["issued_at"] == "10:31" and view["issued_on"] == "2026-11-27"
    # window 3 is uncovered: nobody calls it now, so no promise and no wait (test_kiosk.py)
    assert view["windows"] == [] and view["all_windows"] == [3] and view["ahead"] == 2
    assert view["wait_minutes"] is None
    msgspec.json.encode(view)  # goes into the JSON response as it is
    transferred = ticket_slip(hall, state, "A016", {4: 1}, MORNING, service_minutes=5)
    assert transferred["windows"] == [4] and transferred["ahead"] == 1  # 4 is covered
    assert transferred["wait_minutes"] == 5
    with pytest.raises(KeyError):
        ticket_slip(hall, state, "Z999", {3: 2}, MORNING)


def test_resident_ticket_page(hall: HallConfig, renderer: Renderer) -> None:
    state = morning_state(hall)

    today = MORNING.date()

    places = {  # window 1 staffed, 3 uncovered (calls nobody now), 4 covered
        "A015": Place(2, (1,), {1: 2}),
        "A013": Place(0, (1,), {1: 0}),
        "C006": Place(2, (3,), {3: 2}),
        "A016": Place(0, (4,), {4: 0}),
    }

    def status(number: str, lang: str = ZH, fate: Fate | None = None, day: date = today) -> str:
        where = places.get(number)
        ctx = ticket_context(
            hall, state, number, lang, MORNING, day=day, today=today, fate=fate, place=where
        )
        return renderer.fragments("ticket", ctx)["ticket-status"]

    assert "前面还有 2 人" in status("A015")
    assert "下一位就是您" in status("A013")
    nobody = status("C006")  # its only window is uncovered: nothing is promised
    assert "现在没有窗口办理此事项" in nobody and "请留意 3 号窗口" in nobody
    assert "前面还有" not in nobody and "下一位" not in nobody
    assert "请到 1 号窗口" in status("A012")
    assert "已转至 4 号窗口" in status("A016")
    assert "Please go to window 1" in status("A012", EN)
    at = "2026-11-27T09:00:00+08:00"
    assert "已办结" in status("A001", fate=Fate("ticket.finished", 1, at))
    gone = status("A002", fate=Fate("ticket.no_show", 1, at))
    assert "已过号" in gone and "请到 1 号窗口询问" in gone
    assert "窗口已关闭" in status("A003", fate=Fate("ticket.closed", 1, at))
    assert "无此号" in status("A099")  # never issued today: not "已办结"
    yesterday = status("C006", day=today - timedelta(days=1))
    assert "2026-11-26 的号票，今日无效" in yesterday and "前面还有" not in yesterday


def test_director_counters_alerts_and_timeline(hall: HallConfig, renderer: Renderer) -> None:
    events = events_today(hall)
    counts = count_day(events)
    assert (counts.issued, counts.served, counts.no_shows) == (2, 2, 1)
    assert counts.avg_wait_minutes == 11.5  # (5 + 5 + 14 + 22) / 4
    assert counts.avg_service_minutes == 10.0
    assert (counts.absences, counts.late, counts.avg_rating) == (1, 1, 5.0)
    ctx = director_context(hall, morning_state(hall), events, ZH, MORNING)
    (issue,) = ctx.alerts.current  # derived from the state: what is wrong now
    alert = issue.alert
    assert (alert.kind, alert.window, alert.escalated, alert.acked) == ("uncovered", 3, True, "")
    (record,) = ctx.history.records  # the day's lateness, with what happened
    assert "离岗 15 分钟" in record.text and "期间无人顶岗" in record.text
    assert ctx.timeline[0].kind == "ev-ticket-finished"
    assert len(ctx.timeline) == len(events)
    frags = renderer.fragments("director", ctx)
    assert "3 号窗口无人顶岗：已通知B岗 刘文智" in frags["alerts"]
    assert 'href="/halls/kaiyuan/windows/3"' in frags["alerts"]
    assert 'data-command="alert.ack"' in frags["alerts"]
    assert "按迟到处理" in frags["alert-history"]
    many = events * 10
    assert len(director_context(hall, morning_state(hall), many, ZH, MORNING).timeline) == 50


def test_names_are_escaped(hall: HallConfig, renderer: Renderer) -> None:
    evil = "<script>alert(1)</script>"
    state = morning_state(hall)
    for w in state["windows"]:
        w["name"] = evil
        w["a"]["name"] = evil
        w["b"]["name"] = evil
    events = events_today(hall)
    for name, ctx in [
        ("wall", wall_context(hall, state, calls_of(events), ZH, MORNING)),
        ("tablet", tablet_context(hall, state, 4, None, ZH, MORNING)),
        ("tablet", tablet_context(hall, state, 3, None, ZH, MORNING)),
        ("director", director_context(hall, state, events, ZH, MORNING)),
    ]:
        html = renderer.page(name, ctx, csrf='"><script>')
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert '"><script>' not in html
    odd = msgspec.structs.replace(
        hall,
        name=evil,
        staff=tuple(msgspec.structs.replace(s, name=evil) for s in hall.staff),
    )
    for name, ctx in every_page(odd):
        assert "<script>alert" not in renderer.page(name, ctx), name


def test_catalog_is_complete() -> None:
    # The two catalogs' keys and placeholders: tests/unit/test_i18n.py.
    for code in ERROR_CODES:
        assert f"error.{code}" in CATALOG[ZH], code
    assert error_message(ZH, "queue_not_empty", waiting=3) == "还有 3 人在等候本窗口，暂不能下班"
    assert error_message(EN, "queue_not_empty", waiting=3).startswith("3 residents")
    assert error_message(EN, "brand_new_code") == "Not done (brand_new_code)"
    assert error_catalog(EN)["window_busy"].startswith("This window")
    assert t("en-GB", "status.staffed") == "Staffed" and t("fr", "status.staffed") == "在岗"


def test_templates_use_every_key_they_name() -> None:
    keys = set(CATALOG[ZH])
    named = re.compile(r"""L(?:\.text)?\(\s*['"]([\w.]+)['"]""")
    for path in templates_dir().rglob("*.html"):
        for key in named.findall(path.read_text(encoding="utf-8")):
            assert key in keys, (path.name, key)


TAG = re.compile(r"<[^>]*>", re.S)
ATTR_BLOCK = re.compile(r"{% block body_attrs %}.*?{% endblock %}", re.S)
JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
WORDS = re.compile(r"[A-Za-z\u3400-\u9fff]")
TEXT_ATTRS = re.compile(r"""\b(?:title|alt|placeholder|aria-label|label)\s*=\s*["']([^"']*)["']""")


@pytest.mark.parametrize("path", sorted(templates_dir().rglob("*.html")), ids=lambda p: p.name)
def test_templates_hold_no_words_of_their_own(path: Path) -> None:
    """Every word on screen comes from hall.i18n: after removing Jinja expressions and
    tags, no letters or Chinese characters remain, nor in text attributes."""
    source = ATTR_BLOCK.sub("", path.read_text(encoding="utf-8"))
    without_jinja = JINJA.sub("", source)
    for value in TEXT_ATTRS.findall(without_jinja):
        assert not WORDS.search(value), (path.name, value)
    text = TAG.sub(" ", without_jinja)
    leftover = WORDS.findall(text)
    assert not leftover, (path.name, "".join(leftover)[:80])


def test_static_scripts_hold_no_chinese_ui_text() -> None:
    scripts = [static_dir() / "hall.js", *sorted((static_dir() / "js").glob("*.js"))]
    assert len(scripts) >= 6
    for path in scripts:
        script = path.read_text(encoding="utf-8")
        assert not re.search(r"[\u3400-\u9fff]", script), path.name
        assert "http://" not in script and "https://" not in script, path.name  # no CDN


def test_no_page_loads_anything_remote(hall: HallConfig, renderer: Renderer) -> None:
    for name, ctx in every_page(hall):
        html = renderer.page(name, ctx)
        assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", html), name


def test_vendored_htmx_matches_versions_md() -> None:
    vendor = static_dir() / "vendor"
    doc = (vendor / "VERSIONS.md").read_text(encoding="utf-8")
    htmx = (vendor / "htmx.min.js").read_text(encoding="utf-8")
    header = re.search(r'version:"(\d+\.\d+\.\d+)"', htmx)
    assert header is not None
    assert re.search(rf"`htmx\.org` \| {re.escape(header.group(1))} \|", doc)
    assert header.group(1).startswith("2.0.")
    assert re.search(r"`htmx-ext-ws` \| 2\.0\.\d+ \|", doc)
    for name in ("htmx.min.js", "ws.js"):
        digest = hashlib.sha256((vendor / name).read_bytes()).hexdigest()
        assert f"`{name}`" in doc and digest in doc, name
    for licence in ("LICENSE.htmx.txt", "LICENSE.htmx-ext-ws.txt"):
        assert (vendor / licence).is_file()
    assert "htmx:wsClose" in (vendor / "ws.js").read_text(encoding="utf-8")


def test_qr_svg_is_inline_svg() -> None:
    svg = qr_svg("http://hall.local/halls/kaiyuan/tickets/A001")
    assert svg.startswith("<svg") and svg.endswith("</svg>") and "<?xml" not in svg


def test_a_memo_renders_only_the_parts_that_changed(hall: HallConfig, renderer: Renderer) -> None:
    """Through one memo (a view channel's), every render equals a render from scratch,
    across changes of state, page and language; a part whose values did not change is the
    very string of the render before, not rendered again."""
    memo: Memo = {}
    for name, ctx in every_page(hall) + every_page(hall, EN) + every_page(hall):
        assert renderer.fragments(name, ctx, memo) == renderer.fragments(name, ctx), name
    morning = wall_context(hall, all_status_state(hall), [], ZH, MORNING)
    first = renderer.fragments("wall", morning, memo)
    same = renderer.fragments(
        "wall", wall_context(hall, all_status_state(hall), [], ZH, MORNING), memo
    )
    assert all(same[k] is first[k] for k in first)
    evening = renderer.fragments(
        "wall", wall_context(hall, evening_state(hall), [], ZH, EVENING), memo
    )
    changed = [k for k in first if evening[k] is not first[k]]
    assert changed == [k for k in first if evening[k] != first[k]] and changed
