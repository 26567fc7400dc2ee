"""The lobby wall's contexts: which calls are current (what the page announces), the marks of
the recent calls, one entry per ticket and window, one language throughout, and status
colours that read (4.5:1 or more)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hall.config import HallConfig, default_hall_path, load_hall
from hall.i18n import EN, ZH
from hall.kiosk import Renderer, static_dir, wall_context
from hall.kiosk.calls import RECENT_CALLS, call_log
from hall.kiosk.labels import Labeller
from tests.support.halls import make_hall

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 27, 10, 0, tzinfo=TZ)
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def hall() -> HallConfig:
    return make_hall()


@pytest.fixture(scope="module")
def kaiyuan() -> HallConfig:
    return load_hall(default_hall_path())


class Log:
    """A day's call events as the feed keeps them: stream ids in order, a second apart."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add(self, kind: str, ticket: str, window: int, **fields: Any) -> str:
        n = len(self.events) + 1
        moment = T0 + timedelta(seconds=n)
        event_id = f"{int(moment.timestamp() * 1000)}-0"
        self.events.append(
            {
                "id": event_id,
                "type": kind,
                "at": moment.isoformat(),
                "ticket": {"number": ticket, "service": ticket[0]},
                "window": window,
                **fields,
            }
        )
        return event_id

    def call(self, ticket: str, window: int) -> str:
        return self.add("ticket.called", ticket, window, staff="a")

    def recall(self, ticket: str, window: int, recalls: int = 1) -> str:
        return self.add("ticket.recalled", ticket, window, recalls=recalls)


def fates(hall: HallConfig, log: Log, serving: dict[int, str] | None = None) -> list[tuple]:
    return [
        (c.ticket, c.window, c.fate, c.mark)
        for c in call_log(hall, log.events, Labeller(ZH), serving)
    ]


# (what happens after A001 is called at window 1) -> its entry: fate and mark
ENDINGS = [
    ("ticket.finished", {}, ("A001", 1, "finished", "")),
    ("ticket.no_show", {}, ("A001", 1, "no_show", "过号")),
    ("ticket.transferred", {"to_window": 2}, ("A001", 1, "transferred", "转 2 号窗口")),
    ("ticket.closed", {"reason": "window_closed"}, ("A001", 1, "closed", "窗口关闭")),
]


@pytest.mark.parametrize(("ending", "fields", "entry"), ENDINGS, ids=[e[0] for e in ENDINGS])
def test_an_ended_call_is_not_current_and_says_how_it_ended(
    hall: HallConfig, ending: str, fields: dict[str, Any], entry: tuple
) -> None:
    log = Log()
    log.call("A001", 1)
    assert fates(hall, log) == [("A001", 1, "current", "")]
    log.add(ending, "A001", 1, **fields)
    assert fates(hall, log) == [entry]


def test_a_recall_replaces_its_call_with_a_new_id_and_a_mark(hall: HallConfig) -> None:
    log = Log()
    first = log.call("A001", 1)
    log.call("B001", 3)
    again = log.recall("A001", 1)
    (newest, older) = call_log(hall, log.events, Labeller(ZH))
    # one entry for A001 at window 1, now the newest, announced again under the recall's id
    assert (newest.ticket, newest.id, newest.recalls, newest.mark) == ("A001", again, 1, "重呼")
    assert newest.current and newest.id != first
    assert (older.ticket, older.fate) == ("B001", "current")
    log.add("ticket.no_show", "A001", 1)
    assert fates(hall, log)[0] == ("A001", 1, "no_show", "过号")  # the ending wins the mark


def test_a_newer_call_at_the_window_supersedes_the_last(hall: HallConfig) -> None:
    log = Log()
    log.call("A001", 1)
    log.call("A002", 1)  # (the core ends A001 first; a lost ending must not leave two)
    assert fates(hall, log) == [("A002", 1, "current", ""), ("A001", 1, "superseded", "")]


def test_a_transferred_ticket_called_at_its_new_window_is_a_new_entry(hall: HallConfig) -> None:
    log = Log()
    log.call("A001", 1)
    log.add("ticket.transferred", "A001", 1, to_window=2)
    log.call("A001", 2)
    assert fates(hall, log) == [
        ("A001", 2, "current", ""),
        ("A001", 1, "transferred", "转 2 号窗口"),
    ]


def test_the_state_confirms_what_is_current(hall: HallConfig) -> None:
    log = Log()
    log.call("A001", 1)
    log.call("B001", 3)
    # the state no longer shows B001 at window 3 (its ending is not in the kept events)
    assert fates(hall, log, serving={1: "A001"}) == [
        ("B001", 3, "superseded", ""),
        ("A001", 1, "current", ""),
    ]


def test_repeats_and_other_events_change_nothing_and_the_list_is_bounded(
    hall: HallConfig,
) -> None:
    log = Log()
    for n in range(1, 10):
        log.call(f"A{n:03}", 1 + n % 3)
        log.add("ticket.finished", f"A{n:03}", 1 + n % 3)
    noise = [{"id": "1-0", "type": "presence.changed", "window": 1, "at": T0.isoformat()}]
    calls = call_log(hall, log.events + log.events[::-1] + noise, Labeller(ZH))
    assert [c.ticket for c in calls] == [f"A{n:03}" for n in range(9, 9 - RECENT_CALLS, -1)]
    assert all(c.fate == "finished" for c in calls)


def test_only_the_newest_recent_current_calls_carry_what_to_say(hall: HallConfig) -> None:
    log = Log()
    for n, window in enumerate((1, 2, 3, 1, 2), start=1):
        if n > 3:
            log.add("ticket.finished", f"A{n - 3:03}", window)
        log.call(f"A{n:03}", window)
    now = T0 + timedelta(seconds=20)
    calls = call_log(hall, log.events, Labeller(ZH), now=now)
    assert [(c.ticket, c.current, c.announce) for c in calls] == [
        ("A005", True, True),
        ("A004", True, True),
        ("A003", True, True),
        ("A002", False, False),
        ("A001", False, False),
    ]
    log = Log()
    for n in range(1, 5):
        log.call(f"B{n:03}", n)
    calls = call_log(hall, log.events, Labeller(ZH), now=now)
    assert [c.announce for c in calls] == [True, True, True, False]  # the newest three
    later = call_log(hall, log.events, Labeller(ZH), now=T0 + timedelta(seconds=33))
    assert [c.announce for c in later] == [True, True, False, False]  # B001, B002: too old


def wall_state(hall: HallConfig, serving: dict[int, str], waiting: int = 0) -> dict[str, Any]:
    windows = []
    for w in hall.windows:
        ticket = serving.get(w.number)
        windows.append(
            {
                "number": w.number,
                "name": w.name,
                "status": "staffed",
                "services": list(w.services),
                "a": {"staff": w.a, "name": w.a.upper(), "state": "present", "since": None},
                "b": {"staff": w.b, "name": w.b.upper(), "state": "off", "since": None},
                "serving": {"number": ticket, "service": ticket[0], "status": "called"}
                if ticket
                else None,
                "waiting": waiting,
                "arrived": True,
            }
        )
    return {
        "hall": hall.id,
        "at": T0.isoformat(),
        "open": True,
        "windows": windows,
        "queue": [],
        "occupancy": {"waiting": waiting, "staffed_windows": 3, "windows": 3},
    }


def test_now_calling_is_the_newest_current_call(hall: HallConfig) -> None:
    log = Log()
    log.call("A001", 1)
    log.call("B001", 3)
    ctx = wall_context(hall, wall_state(hall, {1: "A001", 3: "B001"}), log.events, ZH, T0)
    assert ctx.calling is not None and ctx.calling.ticket == "B001"
    log.add("ticket.finished", "B001", 3)
    ctx = wall_context(hall, wall_state(hall, {1: "A001"}), log.events, ZH, T0)
    assert ctx.calling is not None and ctx.calling.ticket == "A001"  # B001 left it
    log.add("ticket.no_show", "A001", 1)
    assert wall_context(hall, wall_state(hall, {}), log.events, ZH, T0).calling is None


class Text(HTMLParser):
    """Text of a page, except inside <script>/<style> and elements with `class` `skip`."""

    def __init__(self, skip: str) -> None:
        super().__init__()
        self.skip = skip
        self.stack: list[bool] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("meta", "link", "br", "img", "input", "hr"):
            return
        classes = (dict(attrs).get("class") or "").split()
        hidden = tag in ("script", "style", "title") or self.skip in classes
        self.stack.append(hidden or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("meta", "link", "br", "img", "input", "hr") and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def test_the_fragments_carry_what_the_page_decides_with(hall: HallConfig) -> None:
    log = Log()
    called = log.call("A001", 1)
    log.call("B001", 3)
    log.add("ticket.no_show", "B001", 3)
    ctx = wall_context(hall, wall_state(hall, {1: "A001"}), log.events, ZH, T0)
    frags = Renderer().fragments("wall", ctx)
    rows = re.findall(r"<li [^>]*>", frags["recent-calls"])
    assert len(rows) == 2
    gone, current = rows  # newest first
    assert f'data-call-id="{called}"' in current and 'data-fate="current"' in current
    assert 'data-window="1"' in current and "data-say=" in current and "data-clips=" in current
    # an ended call carries its fate, but nothing to announce
    assert 'data-fate="no_show"' in gone and "data-say" not in gone and "data-call-id" not in gone
    assert "<mark>过号</mark>" in frags["recent-calls"]
    assert "A001" in frags["calling"] and "1 号窗口" in frags["calling"]
    # a minute later A001 is still at the counter, but no page that opens now announces it
    later = wall_context(
        hall, wall_state(hall, {1: "A001"}), log.events, ZH, T0 + timedelta(minutes=2)
    )
    (row,) = re.findall(
        r"<li [^>]*data-fate=.current[^>]*>", Renderer().fragments("wall", later)["recent-calls"]
    )
    assert f'data-call-id="{called}"' in row and "data-say" not in row


def test_the_english_wall_is_english_but_for_peoples_names(
    kaiyuan: HallConfig, renderer: Renderer
) -> None:
    log = Log()
    log.call("A001", 1)
    log.add("ticket.transferred", "A001", 1, to_window=4)
    log.call("E002", 4)
    log.recall("E002", 4)
    state = wall_state(kaiyuan, {4: "E002"}, waiting=2)
    state["windows"][2]["status"] = "uncovered"
    state["occupancy"]["windows"] = 7
    ctx = wall_context(kaiyuan, state, log.events, EN, T0)
    page = renderer.page("wall", ctx)
    reader = Text(skip="wt-clerk")  # the clerk on duty: a person's name
    reader.feed(page)
    text = " ".join(reader.parts)
    assert not CJK.findall(text), CJK.findall(text)
    for words in ("Kaiyuan Street Service Centre", "Party Office", "Window 4", "To window 4"):
        assert words in text, words
    assert "Recall" in text and "Uncovered" in text and "Waiting" in text
    reader = Text(skip="wt-clerk")
    reader.feed(renderer.page("wall", wall_context(kaiyuan, state, log.events, ZH, T0)))
    chinese = " ".join(reader.parts)
    assert "开元街道便民服务中心" in chinese and "4 号窗口" in chinese
    assert not re.search(r"\b(Window|Waiting|Recall|Staffed)\b", chinese)  # and no English


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


# --- contrast: every colour pair the wall's sheet declares, computed -----------------------


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


SHEET = (static_dir() / "css" / "wall.css").read_text(encoding="utf-8")
RULES = re.findall(r"([^{}]+)\{([^{}]*)\}", re.sub(r"/\*.*?\*/", "", SHEET, flags=re.S))
HEX = r"(#[0-9a-fA-F]{3,6})\b"


def declared(body: str, prop: str) -> str | None:
    found = re.search(rf"(?:^|;)\s*{re.escape(prop)}\s*:\s*{HEX}", body)
    return found.group(1) if found else None


def test_status_colours_and_their_words_contrast_enough() -> None:
    pairs = []
    for selector, body in RULES:
        st, ink = declared(body, "--st"), declared(body, "--st-ink")
        if st and ink:
            pairs.append((selector.strip(), st, ink))
    statuses = {p[0] for p in pairs}
    for status in ("staffed", "away", "uncovered", "covered", "extended", "unstaffed", "closed"):
        assert f".view-wall .st-{status}" in statuses, status
    for selector, st, ink in pairs:
        assert contrast(st, ink) >= 4.5, (selector, st, ink, round(contrast(st, ink), 2))
    # the band of an uncovered window flashes to a darker red: white on it too
    assert "#7f1d1d" in SHEET and contrast("#7f1d1d", "#fff") >= 4.5


def test_every_coloured_box_in_the_sheet_contrasts_enough() -> None:
    variables = dict(re.findall(r"(--[\w-]+)\s*:\s*" + HEX, SHEET))
    checked = 0
    for selector, body in RULES:
        background = declared(body, "background") or declared(body, "background-color")
        ink = re.search(r"(?:^|;)\s*color\s*:\s*(?:var\((--[\w-]+)\)|" + HEX + ")", body)
        if not (background and ink):
            continue
        colour = variables[ink.group(1)] if ink.group(1) else ink.group(2)
        assert contrast(background, colour) >= 4.5, (selector.strip(), background, colour)
        checked += 1
    assert checked >= 8
    # text on the wall's dark grounds (page, tiles, header and strip)
    for ground in ("#070b14", variables["--panel"], "#0b1324"):
        for ink_name in ("--dim", "--quiet", "--call"):
            assert contrast(ground, variables[ink_name]) >= 4.5, (ground, ink_name)
        assert contrast(ground, "#f8fafc") >= 4.5 and contrast(ground, "#fbbf24") >= 4.5


def test_a_board_of_one_row_lists_each_windows_services_in_its_language(
    renderer: Renderer,
) -> None:
    hall = make_hall(english=True)
    state = wall_state(hall, {})
    english = renderer.fragments("wall", wall_context(hall, state, [], EN, T0))
    assert "Labour and social security" in english["window-3"]
    assert "Civil affairs and veterans, Labour and social security" in english["window-2"]
    assert "Disabled Persons&#39; Federation" in english["window-2"]
    chinese = renderer.fragments("wall", wall_context(hall, state, [], ZH, T0))
    assert ">甲、乙<" in chinese["window-2"] and ">窗口2<" in chinese["window-2"]
    seven = make_hall(windows=7, english=True)
    tiles = renderer.fragments("wall", wall_context(seven, wall_state(seven, {}), [], EN, T0))
    assert "wt-svc" not in tiles["window-2"]  # two rows: no room for the services line
