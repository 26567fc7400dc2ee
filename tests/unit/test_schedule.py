from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec
import pytest

from hall.config import HallConfig, Season, Session, default_hall_path, load_hall
from hall.schedule import (
    boundaries_on,
    calendar_gap,
    day_off_reason,
    day_start,
    hall_day,
    is_working_day,
    next_opening,
    season_for,
    session_at,
    sessions_on,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
KAIYUAN = load_hall(default_hall_path())
# The same hall without China's national calendar: for tests of sessions alone.
PLAIN = msgspec.structs.replace(KAIYUAN, holidays="none")


def at(day: str, clock: str, tz: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=tz)


def spans(*pairs: tuple[str, str], day: str) -> list[tuple[datetime, datetime]]:
    return [(at(day, start), at(day, end)) for start, end in pairs]


def with_zone(hall: HallConfig, name: str) -> HallConfig:
    return msgspec.structs.replace(hall, timezone=name, tz=ZoneInfo(name))


# --- seasons and sessions ---------------------------------------------------------------------

SUMMER = (("08:00", "12:00"), ("15:00", "18:00"))
WINTER = (("08:00", "12:00"), ("14:30", "17:30"))


@pytest.mark.parametrize(
    ("day", "season", "expected"),
    [
        ("2026-04-30", "winter", WINTER),
        ("2026-05-29", "winter", WINTER),  # Fujian's summer hours start in June
        ("2026-06-01", "summer", SUMMER),  # first day of summer
        ("2026-07-15", "summer", SUMMER),
        ("2026-09-30", "summer", SUMMER),  # last day of summer
        ("2026-10-08", "winter", WINTER),  # the first working day after National Day
        ("2026-12-01", "winter", WINTER),
        ("2027-01-04", "winter", WINTER),  # past the calendar's data: a Monday by `days`
    ],
)
def test_kaiyuan_sessions_by_season(
    day: str, season: str, expected: tuple[tuple[str, str], ...]
) -> None:
    the_day = date.fromisoformat(day)
    assert season_for(KAIYUAN, the_day).name == season
    assert sessions_on(KAIYUAN, the_day) == spans(*expected, day=day)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-05-01", False),  # Friday, Labour Day
        ("2026-05-08", True),  # Friday
        ("2026-05-09", True),  # Saturday, a make-up working day (调休) for Labour Day
        ("2026-05-16", False),  # Saturday
        ("2026-05-17", False),  # Sunday
        ("2026-10-01", False),  # Thursday, National Day
        ("2026-10-10", True),  # Saturday, made up for National Day
        ("2026-11-30", True),  # Monday
        ("2027-10-01", True),  # Friday, past the calendar's data: by `days` alone
    ],
)
def test_working_days(day: str, working: bool) -> None:
    the_day = date.fromisoformat(day)
    assert is_working_day(KAIYUAN, the_day) is working
    assert bool(sessions_on(KAIYUAN, the_day)) is working


def test_closed_date_has_no_sessions() -> None:
    national_day = date(2026, 10, 1)  # a Thursday
    hall = msgspec.structs.replace(PLAIN, closed_dates=frozenset({national_day}))
    assert not is_working_day(hall, national_day)
    assert sessions_on(hall, national_day) == []
    assert boundaries_on(hall, national_day) == []
    assert session_at(hall, at("2026-10-01", "09:00")) is None
    assert sessions_on(hall, date(2026, 10, 2)) == spans(*WINTER, day="2026-10-02")


def test_sessions_are_aware_in_the_hall_zone() -> None:
    (start, end), _ = sessions_on(PLAIN, date(2026, 5, 1))
    assert start.tzinfo is KAIYUAN.tz
    assert start.astimezone(UTC) == datetime(2026, 5, 1, 0, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=4)


# --- national holidays and make-up working days -----------------------------------------------


@pytest.mark.parametrize(
    ("closed", "opened", "day", "working"),
    [
        ((), (), "2026-10-01", False),
        (("2026-10-09",), (), "2026-10-09", False),  # the hall's own closure wins
        ((), ("2026-10-02",), "2026-10-02", True),  # so does its special opening
        ((), ("2026-10-11",), "2026-10-11", True),  # even on a Sunday
        ((), (), "2026-12-31", True),
    ],
)
def test_local_dates_win_over_the_national_calendar(
    closed: tuple[str, ...], opened: tuple[str, ...], day: str, working: bool
) -> None:
    hall = msgspec.structs.replace(
        KAIYUAN,
        closed_dates=frozenset(date.fromisoformat(d) for d in closed),
        open_dates=frozenset(date.fromisoformat(d) for d in opened),
    )
    assert is_working_day(hall, date.fromisoformat(day)) is working


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        ("2026-10-01", "National Day"),
        ("2026-02-17", "Spring Festival"),
        ("2026-11-28", "weekend"),
        ("2026-11-30", None),
    ],
)
def test_day_off_reason(day: str, reason: str | None) -> None:
    assert day_off_reason(KAIYUAN, date.fromisoformat(day)) == reason


def test_calendar_gap_is_said_ahead_of_time() -> None:
    from hall.schedule import calendar

    last = calendar.last_year()
    assert calendar_gap(KAIYUAN, date(last, 11, 15)) is None
    assert calendar_gap(KAIYUAN, date(last, 12, 7)) == date(last + 1, 1, 1)
    assert calendar_gap(PLAIN, date(last, 12, 7)) is None  # not using the calendar
    # past the data the hall keeps its `days`
    assert is_working_day(KAIYUAN, date(last + 1, 1, 4)) is (date(last + 1, 1, 4).weekday() < 5)


def test_next_opening_skips_the_national_holidays() -> None:
    assert next_opening(KAIYUAN, at("2026-09-30", "18:30")) == at("2026-10-08", "08:00")
    assert next_opening(KAIYUAN, at("2026-10-08", "12:30")) == at("2026-10-08", "14:30")


# --- session_at -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at("2026-10-01", "07:59:59"), None),
        (at("2026-10-01", "08:00"), ("08:00", "12:00")),  # start is inside
        (at("2026-10-01", "11:59:59.999999"), ("08:00", "12:00")),
        (at("2026-10-01", "12:00"), None),  # end is outside
        (at("2026-10-01", "13:00"), None),  # lunch break
        (at("2026-10-01", "14:29:59"), None),
        (at("2026-10-01", "14:30"), ("14:30", "17:30")),
        (at("2026-10-01", "17:30"), None),
        (at("2026-10-01", "15:00"), ("14:30", "17:30")),  # winter: open at 15:00
        (at("2026-09-30", "14:30"), None),  # summer: still lunch at 14:30
        (at("2026-09-30", "17:59"), ("15:00", "18:00")),
        (at("2026-10-03", "09:00"), None),  # Saturday
        # the same instants given in UTC
        (datetime(2026, 10, 1, 0, 0, tzinfo=UTC), ("08:00", "12:00")),
        (datetime(2026, 10, 1, 4, 0, tzinfo=UTC), None),
    ],
)
def test_session_at(now: datetime, expected: tuple[str, str] | None) -> None:
    day = hall_day(KAIYUAN, now).isoformat()
    assert session_at(PLAIN, now) == (spans(expected, day=day)[0] if expected else None)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        session_at(KAIYUAN, datetime(2026, 10, 1, 9, 0))
    with pytest.raises(ValueError, match="no time zone"):
        hall_day(KAIYUAN, datetime(2026, 10, 1, 9, 0))


def test_boundaries() -> None:
    assert boundaries_on(PLAIN, date(2026, 10, 1)) == [
        at("2026-10-01", clock) for clock in ("08:00", "12:00", "14:30", "17:30")
    ]


def test_touching_sessions_share_one_boundary() -> None:
    hours = Season("all", (Session(time(8), time(12)), Session(time(12), time(13))))
    hall = msgspec.structs.replace(PLAIN, seasons=(hours,))
    assert boundaries_on(hall, date(2026, 10, 1)) == [
        at("2026-10-01", clock) for clock in ("08:00", "12:00", "13:00")
    ]
    assert session_at(hall, at("2026-10-01", "12:00")) == (
        at("2026-10-01", "12:00"),
        at("2026-10-01", "13:00"),
    )


# --- a season that wraps the new year ---------------------------------------------------------

WRAPPING = msgspec.structs.replace(
    KAIYUAN,
    days=frozenset(range(7)),
    seasons=(
        Season("winter", (Session(time(9), time(16)),), start=(11, 15), until=(2, 15)),
        Season("rest", (Session(time(8), time(17)),)),
    ),
)


@pytest.mark.parametrize(
    ("day", "season"),
    [
        ("2026-11-14", "rest"),
        ("2026-11-15", "winter"),
        ("2026-12-31", "winter"),
        ("2027-01-01", "winter"),
        ("2027-02-15", "winter"),
        ("2027-02-16", "rest"),
        ("2028-02-29", "rest"),
        ("2026-07-01", "rest"),
    ],
)
def test_season_wrapping_the_new_year(day: str, season: str) -> None:
    assert season_for(WRAPPING, date.fromisoformat(day)).name == season


def test_no_season_at_all_is_an_error() -> None:
    hall = msgspec.structs.replace(KAIYUAN, seasons=KAIYUAN.seasons[:1])  # summer only
    with pytest.raises(ValueError, match="no season for 2026-10-01"):
        season_for(hall, date(2026, 10, 1))


# --- the hall's calendar day and time zone ----------------------------------------------------


@pytest.mark.parametrize(
    ("now", "day"),
    [
        (datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC), date(2026, 11, 30)),
        (datetime(2026, 11, 30, 16, 0, tzinfo=UTC), date(2026, 12, 1)),  # midnight in Shanghai
        (datetime(2026, 11, 30, 17, 0, tzinfo=UTC), date(2026, 12, 1)),
        (at("2026-12-01", "00:00"), date(2026, 12, 1)),
        (datetime(2026, 12, 1, 7, 0, tzinfo=ZoneInfo("America/New_York")), date(2026, 12, 1)),
        (datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("America/New_York")), date(2026, 12, 2)),
    ],
)
def test_hall_day(now: datetime, day: date) -> None:
    assert hall_day(KAIYUAN, now) == day


def test_session_at_with_utc_now_on_the_next_local_day() -> None:
    # 2026-12-01 00:30 UTC is 08:30 on Tuesday 1 December in Shanghai.
    now = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    assert session_at(KAIYUAN, now) == (at("2026-12-01", "08:00"), at("2026-12-01", "12:00"))


def test_day_start() -> None:
    start = day_start(KAIYUAN, date(2026, 12, 1))
    assert start == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert start.tzinfo is KAIYUAN.tz


@pytest.mark.parametrize(
    ("zone", "day", "first", "utc_offsets"),
    [
        # Europe spring forward (Sunday 29 March 2026) and fall back (Sunday 25 October)
        ("Europe/Berlin", "2026-03-29", "00:00", (1, 2)),
        ("Europe/Berlin", "2026-10-25", "00:00", (2, 1)),
        # Brazil skipped midnight on 4 November 2018: the day began at 01:00
        ("America/Sao_Paulo", "2018-11-04", "01:00", (-2, -2)),
    ],
)
def test_dst_days(zone: str, day: str, first: str, utc_offsets: tuple[int, int]) -> None:
    tz = ZoneInfo(zone)
    hall = msgspec.structs.replace(with_zone(KAIYUAN, zone), days=frozenset(range(7)))
    the_day = date.fromisoformat(day)
    start = day_start(hall, the_day)
    assert start.strftime("%H:%M") == first
    assert start.utcoffset() == timedelta(hours=utc_offsets[0])
    morning, afternoon = sessions_on(hall, the_day)
    assert morning[0] == at(day, "08:00", tz)
    assert afternoon[1].utcoffset() == timedelta(hours=utc_offsets[1])
    # a session is 4 real hours long even on the day the clocks change
    assert morning[1].astimezone(UTC) - morning[0].astimezone(UTC) == timedelta(hours=4)


def test_skipped_wall_time_becomes_the_real_instant() -> None:
    hall = msgspec.structs.replace(
        with_zone(KAIYUAN, "Europe/Berlin"),
        days=frozenset(range(7)),
        seasons=(Season("all", (Session(time(2, 30), time(4)),)),),
    )
    ((start, end),) = sessions_on(hall, date(2026, 3, 29))
    assert start.isoformat() == "2026-03-29T03:30:00+02:00"
    assert end.isoformat() == "2026-03-29T04:00:00+02:00"
    assert session_at(hall, datetime(2026, 3, 29, 1, 45, tzinfo=UTC)) == (start, end)
