"""A new hall file put in force (`hall.configured`): what the running hall hands over, one row
per rule (hall.core.configure), and the reload's refusal of a window or service in use."""

from __future__ import annotations

import pytest
from msgspec.structs import replace

from hall.config import HallConfig, Staff, Window
from hall.core import SYSTEM, Refused, Tick, execute, fold, initial_state
from hall.core.configure import check_reconfigure
from hall.kiosk.labels import Labeller
from hall.kiosk.sentences import event_sentence
from hall.staffing.status import window_status

from .day import HALL, Day, plain


def edited(
    hall: HallConfig = HALL,
    *,
    posts: dict[int, tuple[str, str]] | None = None,
    drop: tuple[int, ...] = (),
    add: int | None = None,
    name: str | None = None,
    services: tuple[str, ...] | None = None,
) -> HallConfig:
    """The hall file edited: window n's posts given to (a, b) (new people join the staff),
    windows dropped or one added (A and B, posts x<n>/y<n>), the hall renamed; a new
    version either way."""
    windows = [w for w in hall.windows if w.number not in drop]
    staff = list(hall.staff)
    for n, (a, b) in (posts or {}).items():
        windows = [replace(w, a=a, b=b) if w.number == n else w for w in windows]
    if add is not None:
        windows.append(Window(add, f"窗口{add}", ("A", "B"), f"x{add}", f"y{add}"))
    known = {s.id for s in staff}
    for w in windows:
        staff += [Staff(p, p.upper()) for p in (w.a, w.b) if p not in known]
        known |= {w.a, w.b}
    kept = tuple(s for s in hall.services if services is None or s.code in services)
    windows = [
        replace(w, services=tuple(c for c in w.services if any(s.code == c for s in kept)))
        for w in windows
    ]
    return replace(
        hall,
        windows=tuple(windows),
        staff=tuple(staff),
        services=kept,
        name=name or hall.name,
        version=hall.version + "+",
    )


def opened(*present: str) -> Day:
    d = Day()
    for staff in present:
        d.do("07:59", staff, "presence.set", window=int(staff[1:]), post="A", state="present")
    d.tick("08:30")
    return d


def reload(d: Day, hall: HallConfig, when: str) -> list[str]:
    d.hall, before = hall, len(d.log)
    d.tick(when)
    return d.types(before)


def test_the_same_file_again_records_nothing() -> None:
    d = opened("a1")
    assert d.state.config == HALL.version != ""
    assert reload(d, HALL, "09:00") == []


@pytest.mark.parametrize(
    ("setup", "hall", "expected", "window", "status", "a", "b"),
    [
        # Names and rules alone: the version on record, nothing handed over.
        (
            [],
            edited(name="新名"),
            ["hall.configured"],
            1,
            "staffed",
            ("a1", "present"),
            ("b1", "off"),
        ),
        # A present A-post given to someone else: the window stands unattended from now and
        # the B-post is told at once.
        (
            [],
            edited(posts={1: ("n1", "b1")}),
            ["hall.configured", "cover.needed"],
            1,
            "unstaffed",
            ("n1", "off"),
            ("b1", "off"),
        ),
        # An A-post away: their absence is recorded as it stands (it was not late yet).
        (
            [("09:00", "a1", "away")],
            edited(posts={1: ("n1", "b1")}),
            ["absence.recorded", "hall.configured", "cover.needed"],
            1,
            "unstaffed",
            ("n1", "off"),
            ("b1", "off"),
        ),
        # A covering B-post replaced: the cover ends; the new B-post is off.
        (
            [("09:00", "a1", "away"), ("09:01", "b1", "cover")],
            edited(posts={1: ("a1", "n9")}),
            ["cover.ended", "hall.configured", "cover.needed"],
            1,
            "away",
            ("a1", "away"),
            ("n9", "off"),
        ),
        # A window added: closed until the next session.
        ([], edited(add=4), ["hall.configured"], 4, "closed", ("x4", "off"), ("y4", "off")),
    ],
)
def test_a_new_file_hands_the_hall_over(
    setup: list[tuple[str, str, str]],
    hall: HallConfig,
    expected: list[str],
    window: int,
    status: str,
    a: tuple[str, str],
    b: tuple[str, str],
) -> None:
    d = opened("a1")
    for when, who, what in setup:
        if what == "away":
            d.do(when, who, "presence.set", window=1, post="A", state="away", reason="break")
        else:
            d.do(when, who, "cover.start", window=1)
    assert reload(d, hall, "09:05") == expected
    w = d.window(window)
    assert (window_status(w), (w.a.staff, w.a.state), (w.b.staff, w.b.state)) == (status, a, b)
    assert d.state.config == hall.version
    (configured,) = d.of("hall.configured")
    assert configured["version"] == hall.version
    assert [p["number"] for p in configured["windows"]] == [w.number for w in hall.windows]
    # the log alone rebuilds the state: a hub starting from it sees the same hall
    assert fold(initial_state(HALL), d.log) == d.state


def test_the_old_a_posts_absence_is_theirs_and_the_new_one_is_never_late() -> None:
    d = opened("a1")
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason="break")
    d.hall = edited(posts={1: ("n1", "b1")})
    d.tick("09:20")  # time catches up first: a1's absence was late by then, and is a1's
    (absence,) = d.of("absence.recorded")
    assert (absence["staff"], absence["late"], absence["minutes"]) == ("a1", True, 20.0)
    d.tick("10:39")
    events = d.do("10:40", "n1", "presence.set", window=1, post="A", state="present")
    assert [(plain(e)["type"], plain(e)["staff"]) for e in events] == [("presence.changed", "n1")]
    assert d.of("arrival.late") == []
    assert window_status(d.window(1)) == "staffed"


def test_a_window_added_opens_with_the_next_session() -> None:
    d = opened("a1")
    reload(d, edited(add=4), "09:00")
    assert window_status(d.window(4)) == "closed"
    d.tick("14:30")
    assert any(e["window"] == 4 for e in d.of("window.opened"))
    assert window_status(d.window(4)) != "closed"


def test_a_window_removed_after_hours_goes_and_one_in_use_is_refused() -> None:
    d = opened("a1")
    smaller = edited(drop=(3,))
    with pytest.raises(Refused) as refused:
        check_reconfigure(smaller, d.state)
    assert refused.value.code == "in_use" and "window 3" in refused.value.message
    d.tick("12:00:01")  # the morning session is over: every window closed
    check_reconfigure(smaller, d.state)
    assert reload(d, smaller, "12:30") == ["hall.configured"]
    assert [w.number for w in d.state.windows] == [1, 2]


def test_a_window_removed_in_the_race_closes_like_the_directors_close() -> None:
    d = opened("a1", "a3")
    d.do("08:40", "kiosk", "ticket.issue", service="B")
    d.do("08:41", "a3", "ticket.call", window=3)
    assert reload(d, edited(drop=(3,)), "08:45") == [
        "ticket.closed",
        "window.closed",
        "hall.configured",
    ]
    assert d.state.tickets == () and d.state.window(3) is None


def test_a_service_removed_while_residents_wait_for_it_is_refused() -> None:
    d = opened("a1")
    d.do("08:40", "kiosk", "ticket.issue", service="B")
    with pytest.raises(Refused) as refused:
        check_reconfigure(edited(services=("A",)), d.state)
    assert "service(s) B" in refused.value.message


def test_without_configure_nothing_is_put_on_record() -> None:
    d = opened("a1")
    state, events = execute(
        edited(name="x"), d.state, Tick(), SYSTEM, d.now("09:00"), configure=False
    )
    assert events == [] and state.config == HALL.version


def test_a_fresh_halls_first_write_records_its_file() -> None:
    state = replace(initial_state(HALL), config="")  # as the engine sees a hall never written
    _, events = execute(HALL, state, Tick(), SYSTEM, Day().now("07:00"))
    kinds = [plain(e)["type"] for e in events]
    assert kinds[0] == "day.started" and kinds.count("hall.configured") == 1


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "A new hall file is in force (version 3f2a9c1e)"),
        ("zh", "大厅配置文件已更新生效（版本 3f2a9c1e）"),
    ],
)
def test_the_director_reads_which_file_went_in_force(lang: str, said: str) -> None:
    event = {"type": "hall.configured", "version": "3f2a9c1e" + "0" * 56, "windows": []}
    event["at"] = "2026-11-30T09:00:00+08:00"
    assert event_sentence(HALL, event, Labeller(lang)) == said
