"""The tablet knows who holds it: the primary action per role and situation (one table), the
transfer picker's contents, the duty page (`/me`) and where each person lands after
signing in; who may see whose duty page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hall.config import HallConfig, default_hall_path, load_hall
from hall.core.access import may_view
from hall.core.model import Actor
from hall.i18n import EN, ZH
from hall.kiosk import Renderer, home_path, me_context, tablet_context
from hall.kiosk.hours import hours_today
from hall.kiosk.labels import Labeller
from hall.kiosk.primary import primary_for
from hall.kiosk.targets import transfer_targets
from hall.live.channels import Screen
from tests.support.halls import make_hall

TZ = ZoneInfo("Asia/Shanghai")
OPEN = datetime(2026, 11, 27, 10, 0, tzinfo=TZ)  # a Friday, in the morning session
BEFORE = datetime(2026, 11, 27, 7, 30, tzinfo=TZ)
AFTER = datetime(2026, 11, 27, 18, 0, tzinfo=TZ)
SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=TZ)
HALL = make_hall()  # windows 1 (a1/b1), 2 (a2/b2), 3 (a3/b3); boss the director
SHARED = make_hall(shared_b=True)  # b1 is the B-post of windows 1 and 2
CROSS = make_hall(b_posts={2: "a1"})  # a1: A at window 1, B at window 2


def post(staff: str, state: str) -> dict[str, Any]:
    return {"staff": staff, "name": staff.upper(), "state": state, "since": None}


def ticket(number: str, window: int | None = None, status: str = "waiting") -> dict[str, Any]:
    issued = (OPEN - timedelta(minutes=5)).isoformat()
    return {"number": number, "service": number[0], "priority": False, "status": status,
            "issued_at": issued, "window": window, "recalls": 0}  # fmt: skip


def window(
    number: int = 1,
    status: str = "staffed",
    a: str = "present",
    b: str = "off",
    *,
    serving: str | None = None,
    waiting: int = 0,
    needed: bool = False,
    requested: bool = False,
    b_staff: str | None = None,
) -> dict[str, Any]:
    deadline = (OPEN + timedelta(minutes=4)).isoformat() if needed else None
    return {
        "number": number,
        "name": f"窗口{number}",
        "status": status,
        "serving_status": status,
        "services": ["A"],
        "a": post(f"a{number}", a),
        "b": post(b_staff or f"b{number}", b),
        "serving": ticket(serving, number, "called") if serving else None,
        "waiting": waiting,
        "arrived": a != "off",
        "cover": {"needed": needed, "deadline": deadline, "requested": requested,
                  "escalated": False, "since": None},
    }  # fmt: skip


def state_of(*windows: dict[str, Any]) -> dict[str, Any]:
    return {"windows": list(windows), "queue": []}


AWAY_NEEDED = {"status": "away", "a": "away", "needed": True}
UNCOVERED = {"status": "uncovered", "a": "away", "needed": True, "requested": True}
COVERING = {"status": "covered", "a": "away", "b": "covering"}

# role, the window (keyword arguments of `window`), the moment: kind, label, disabled, the
# commands' types in order, and a word the hint or reason must hold
PRIMARY: list[tuple[str, dict[str, Any], datetime, str, str, bool, tuple[str, ...], str]] = [
    ("A", {"serving": "A001", "waiting": 2}, OPEN,
     "finish_call", "办结并叫下一位", False, ("ticket.finish", "ticket.call"), "正在办理 A001"),
    ("A", {"serving": "A001"}, OPEN, "finish", "办结", False, ("ticket.finish",), "暂无等候"),
    ("A", {"waiting": 3}, OPEN, "call", "叫下一位", False, ("ticket.call",), "还有 3 人等候"),
    ("A", {}, OPEN, "call", "叫下一位", True, ("ticket.call",), "暂无等候"),
    ("A", {"status": "away", "a": "away", "waiting": 3}, OPEN,
     "present", "在岗", False, ("presence.set",), "您现在：暂离"),
    ("A", {"status": "unstaffed", "a": "off"}, OPEN,
     "present", "在岗", False, ("presence.set",), "未在岗"),
    ("A", AWAY_NEEDED, OPEN, "present", "在岗", False, ("presence.set",), "暂离"),
    ("A", COVERING, OPEN, "present", "在岗", False, ("presence.set",), "B岗 B1 正在顶岗"),
    ("A", {"status": "closed", "a": "off"}, BEFORE,
     "present", "在岗", False, ("presence.set",), "08:00 开放"),
    ("A", {"status": "closed", "a": "off"}, AFTER, "none", "", False, (), "今日已下班"),
    ("A", {"status": "closed", "a": "off"}, SATURDAY, "none", "", False, (), "今日休息"),
    ("B", AWAY_NEEDED, OPEN, "cover", "开始顶岗", False, ("cover.start",), "请您顶岗"),
    ("B", UNCOVERED, OPEN, "cover", "开始顶岗", False, ("cover.start",), "请您顶岗"),
    ("B", {"status": "unstaffed", "a": "off", "needed": True}, OPEN,
     "cover", "开始顶岗", False, ("cover.start",), "不在岗：请您顶岗"),
    ("B", {**COVERING, "serving": "A001", "waiting": 1}, OPEN,
     "finish_call", "办结并叫下一位", False, ("ticket.finish", "ticket.call"), "A001"),
    ("B", {**COVERING, "waiting": 2}, OPEN, "call", "叫下一位", False, ("ticket.call",), "2 人"),
    ("B", COVERING, OPEN, "call", "叫下一位", True, ("ticket.call",), "暂无等候"),
    ("B", {"b": "present", "waiting": 4}, OPEN, "none", "", False, (), "A岗在岗，无需顶岗"),
    ("B", {"b": "off", "serving": "A001", "waiting": 4}, OPEN,
     "present", "在岗", False, ("presence.set",), "未在岗"),
    ("B", {"status": "closed", "a": "off", "b": "off"}, AFTER, "none", "", False, (), "已下班"),
    ("director", {"serving": "A001", "waiting": 2}, OPEN,
     "finish_call", "办结并叫下一位", False, ("ticket.finish", "ticket.call"), "A001"),
    ("director", UNCOVERED, OPEN, "call", "叫下一位", True, ("ticket.call",), "暂无等候"),
    ("director", {"status": "closed", "a": "off"}, BEFORE,
     "call", "叫下一位", True, ("ticket.call",), "窗口未开放"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("role", "setup", "now", "kind", "label", "disabled", "types", "says"), PRIMARY
)
def test_primary_action(
    role: str,
    setup: dict[str, Any],
    now: datetime,
    kind: str,
    label: str,
    disabled: bool,
    types: tuple[str, ...],
    says: str,
) -> None:
    w = window(**setup)
    got = primary_for(role, HALL, state_of(w), w, hours_today(HALL, now), Labeller(ZH))
    assert (got.kind, got.label, got.disabled) == (kind, label, disabled)
    assert tuple(step["type"] for step in got.steps) == types
    assert all(step["window"] == 1 for step in got.steps)
    assert says in got.hint + got.reason, (got.hint, got.reason)
    if kind == "present":
        assert got.steps[0]["post"] == role and got.steps[0]["state"] == "present"
    if kind == "cover":
        assert got.until_ms == int((OPEN + timedelta(minutes=4)).timestamp() * 1000)
        assert got.late == bool(setup.get("requested"))


@pytest.mark.parametrize("setup", [row[1] for row in PRIMARY])
def test_the_a_post_never_gets_the_cover_button(setup: dict[str, Any]) -> None:
    w = window(**setup)
    for now in (OPEN, BEFORE, AFTER):
        got = primary_for("A", HALL, state_of(w), w, hours_today(HALL, now), Labeller(ZH))
        assert got.kind != "cover" and "cover.start" not in [s["type"] for s in got.steps]


def test_a_b_post_covering_elsewhere_cannot_cover_here() -> None:
    """One person covers one window: b1, covering window 2, sees window 1's need disabled."""
    one = window(1, **AWAY_NEEDED)
    two = window(2, **COVERING, b_staff="b1")
    got = primary_for("B", SHARED, state_of(one, two), one, hours_today(SHARED, OPEN), Labeller(ZH))
    assert (got.kind, got.disabled) == ("cover", True)
    assert got.reason == "您正在为 2 号窗口顶岗，不能同时顶两个窗口"


def test_the_fragments_hold_one_primary_per_role_and_the_page_shows_its_own() -> None:
    w = window(1, **AWAY_NEEDED)
    renderer = Renderer()
    pages = {}
    for viewer, post in (("a1", "A"), ("b1", "B"), ("boss", "director")):
        ctx = tablet_context(HALL, state_of(w, window(2), window(3)), 1, viewer, ZH, OPEN)
        assert [p.role for p in ctx.primary] == ["A", "B", "director"]
        assert [p.kind for p in ctx.primary] == ["present", "cover", "call"]
        pages[post] = renderer.page("tablet", ctx, viewer=viewer)
        assert f'data-post="{post}"' in pages[post]
    frag = renderer.fragments("tablet", ctx)["primary"]
    assert frag.count('class="primary-for') == 3
    assert 'data-for="B" data-kind="cover"' in frag and "data-until-ms=" in frag
    assert 'data-steps=\'[{"type":"cover.start","window":1}]\'' in frag
    # who holds it, and switching user on a shared tablet: the next person signs in here
    assert "A1 · 您是本窗口A岗" in pages["A"]
    assert 'href="/logout?next=%2Fhalls%2Ftest%2Fwindows%2F1"' in pages["A"]
    assert 'href="/logout"' in pages["A"]


def test_covering_shows_pressed_and_b_keeps_its_serving_buttons() -> None:
    w = window(1, **COVERING, serving="A001")
    ctx = tablet_context(HALL, state_of(w, window(2), window(3)), 1, "b1", ZH, OPEN)
    b = ctx.posts[1]
    assert b.state_label == "顶岗中" and b.css == "ps-covering"
    end = b.buttons[-1]
    assert (end.command, end.pressed, end.label) == ("cover.end", True, "结束顶岗")
    assert ctx.serving.b_serves
    assert [btn.disabled for btn in ctx.serving.buttons] == [True, False, False, False, False]
    assert ctx.serving.buttons[0].reason == "本窗口还有正在办理的号，请先办结或过号"
    staffed = window(1, serving="A001", b="present")
    ctx = tablet_context(HALL, state_of(staffed, window(2), window(3)), 1, "b1", ZH, OPEN)
    assert not ctx.serving.b_serves  # the A-post serves: B's page hides the serving buttons
    assert 'data-b-serves="false"' in Renderer().fragments("tablet", ctx)["serving"]


def test_transfer_picker_lists_staffing_and_queues() -> None:
    state = state_of(
        window(1, serving="A001"),
        window(2, waiting=3),
        window(3, "unstaffed", a="off", waiting=1),
    )
    targets = transfer_targets(HALL, state, 1, hours_today(HALL, OPEN), Labeller(ZH), OPEN)
    assert [(t.value, t.label, t.status, t.waiting) for t in targets] == [
        ("2", "2 号窗口 · 窗口2", "在岗", "等候 3 人"),
        ("3", "3 号窗口 · 窗口3", "未到岗", "等候 1 人"),
    ]
    assert [(t.closed, t.director_only) for t in targets] == [(False, False), (False, True)]
    assert targets[1].note == "无人在岗，仅主任可转入"
    closed = state_of(window(1), window(2, "closed", a="off"), window(3, "uncovered", a="away"))
    targets = transfer_targets(HALL, closed, 1, hours_today(HALL, OPEN), Labeller(EN), OPEN)
    assert [(t.closed, t.director_only) for t in targets] == [(True, False), (False, True)]
    assert targets[0].note == "Closed: cannot take transfers"
    ctx = tablet_context(HALL, state, 1, "a1", ZH, OPEN)
    frag = Renderer().fragments("tablet", ctx)["transfer-targets"]
    assert frag.count('data-value="') == 2 and frag.count("data-director-only") == 1


def test_duty_page_shows_a_persons_posts_and_their_needs_only() -> None:
    # a1: A at window 1 (present), B at window 2, whose A-post is away: a1 must cover
    state = state_of(
        window(1, waiting=2),
        window(2, **AWAY_NEEDED, b_staff="a1"),
        window(3, **AWAY_NEEDED),
    )
    ctx = me_context(CROSS, state, "a1", ZH, OPEN)
    assert [(p.window, p.post, p.state_label) for p in ctx.posts] == [
        (1, "A", "在岗"),
        (2, "B", "未在岗"),
    ]
    assert [p.status_label for p in ctx.posts] == ["在岗", "暂离"]
    assert ctx.posts[0].partner == "B岗 B1" and ctx.posts[1].partner == "A岗 A2"
    assert [p.href for p in ctx.posts] == ["/halls/test/windows/1", "/halls/test/windows/2"]
    assert [n.window for n in ctx.needs] == [2] and [p.needed for p in ctx.posts] == [False, True]
    frags = Renderer().fragments("me", ctx)
    assert 'data-staff="a1"' in frags["cover-needs"] and "b3" not in frags["cover-needs"]
    assert ctx.page.ws_url == "/ws/halls/test/view/me-a1?lang=zh-CN"
    boss = me_context(CROSS, state, "boss", EN, OPEN)
    assert boss.posts == () and boss.director_href == "/halls/test/director"
    assert "You hold no window post" in Renderer().fragments("me", boss)["duty-posts"]
    with pytest.raises(KeyError):
        me_context(CROSS, state, "nobody", ZH, OPEN)


@pytest.mark.parametrize(
    ("hall", "staff", "home"),
    [
        (HALL, "a1", "/halls/test/windows/1"),  # one window: its tablet
        (HALL, "b3", "/halls/test/windows/3"),
        (SHARED, "b1", "/me"),  # B at two windows
        (CROSS, "a1", "/me"),  # A at one, B at another
        (HALL, "boss", "/halls/test/director"),
        (HALL, "nobody", "/me"),
    ],
)
def test_each_person_lands_on_their_own_place(hall: HallConfig, staff: str, home: str) -> None:
    assert home_path(hall, staff) == home


def test_a_duty_page_is_its_persons_alone() -> None:
    assert Screen.parse("me-a1") == Screen("me-a1", "me", staff="a1")
    assert Screen.parse("me-") is None and Screen.parse("me-A1") is None
    clerk, other = Actor("clerk", staff="a1"), Actor("clerk", staff="a2")
    director = Actor("director", staff="boss")
    assert may_view(HALL, "me", None, clerk, "a1")
    assert not may_view(HALL, "me", None, other, "a1")
    assert not may_view(HALL, "me", None, director, "a1")
    assert may_view(HALL, "me", None, director, "boss")
    assert not may_view(HALL, "me", None, Actor("admin"), "a1")
    assert not may_view(HALL, "me", None, None, "a1")
    assert not may_view(HALL, "me", None, Actor("clerk", staff="ghost"), "ghost")


def test_the_english_tablet_uses_the_hall_files_english_names() -> None:
    kaiyuan = load_hall(default_hall_path())
    state = state_of(
        *(window(n, serving="A001" if n == 1 else None, waiting=1) for n in range(1, 8))
    )
    state["queue"] = [ticket("A002")]
    ctx = tablet_context(kaiyuan, state, 1, "chen-shaoli", EN, OPEN)
    assert ctx.window_label == "Window 1 · Party Office"
    assert ctx.hall_label == "Kaiyuan Street Service Centre"
    assert ctx.viewer_label == "陈少丽 · You are this window's A-post"
    assert ctx.serving.service == "Party and community"
    assert [r.service for r in ctx.queue] == ["Party and community"]
    assert ctx.targets[0].label == "Window 2 · " + kaiyuan.windows[1].label(EN)
    assert ctx.primary[0].label == "Finish, call next"


@pytest.mark.parametrize(
    ("setup", "post", "note"),
    [
        ({"serving": "A001", "waiting": 2}, "A", "还有正在办理的号，请先办结、过号或转窗口"),
        ({"waiting": 2}, "A", "还有 2 人在等候本窗口，暂不能下班"),
        ({}, "A", ""),
        ({"status": "closed", "a": "present", "waiting": 2}, "A", ""),  # closed: no refusal
        ({**COVERING, "waiting": 2}, "A", ""),  # B serves: A may go off
        ({**COVERING, "waiting": 2}, "B", "还有 2 人在等候本窗口，暂不能下班"),
        ({**COVERING, "serving": "A001"}, "B", "还有正在办理的号，请先办结、过号或转窗口"),
        ({"b": "present", "waiting": 2}, "B", ""),  # not covering: B's off is free
    ],
)
def test_off_duty_is_disabled_when_the_rules_would_refuse_it(
    setup: dict[str, Any], post: str, note: str
) -> None:
    w = window(**setup)
    ctx = tablet_context(HALL, state_of(w, window(2), window(3)), 1, "a1", ZH, OPEN)
    view = ctx.posts[0 if post == "A" else 1]
    off = next(b for b in view.buttons if b.args.get("state") == "off")
    assert (off.disabled, off.reason, view.note) == (bool(note), note, note)
