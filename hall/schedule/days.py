"""When a hall is open: working days, seasons and sessions, in the hall's time zone.

A day is a working day when it is one of the hall's `days`, minus China's public holidays
and plus its make-up working days (when `holidays = "cn"`), then minus the hall file's
`closed_dates` and plus its `open_dates`. Pure functions: the current time is always
passed in, never read from a clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hall.config import HallConfig, Season
from hall.schedule import calendar

Span = tuple[datetime, datetime]


def hall_day(hall: HallConfig, now: datetime) -> date:
    """The calendar date of `now` (which must be aware) in the hall's time zone."""
    _require_aware(now)
    return now.astimezone(hall.tz).date()


def day_start(hall: HallConfig, day: date) -> datetime:
    """The first instant of `day` in the hall's time zone (01:00 where DST skips midnight)."""
    return _at(hall, day, time(0))


def season_for(hall: HallConfig, day: date) -> Season:
    """The season whose from..until range holds `day`, else the season without a range."""
    for season in hall.seasons:
        if season.covers(day):
            return season
    for season in hall.seasons:
        if season.start is None:
            return season
    raise ValueError(f"hall {hall.id!r} has no season for {day.isoformat()}")


def is_working_day(hall: HallConfig, day: date) -> bool:
    if day in hall.closed_dates:
        return False
    if day in hall.open_dates:
        return True
    national = calendar.national_day_kind(day) if hall.holidays == "cn" else None
    if national is not None:
        return national == "workday"
    return day.weekday() in hall.days


def day_off_reason(hall: HallConfig, day: date) -> str | None:
    """Why `day` is not a working day: "closed" (the hall file's closed_dates), the name of
    a national holiday ("National Day"), "weekend" (not one of `days`); None on a working
    day."""
    if is_working_day(hall, day):
        return None
    if day in hall.closed_dates:
        return "closed"
    if hall.holidays == "cn" and (name := calendar.holiday_name(day)):
        return name
    return "weekend"


def calendar_gap(hall: HallConfig, today: date, ahead: int = 30) -> date | None:
    """The first day within `ahead` days from `today` that the national calendar data does
    not cover (its working days then fall back to `days`); None when covered or not used."""
    if hall.holidays != "cn":
        return None
    for offset in range(ahead + 1):
        day = today + timedelta(days=offset)
        if not calendar.covers(day):
            return day
    return None


def next_opening(hall: HallConfig, now: datetime, horizon: int = 60) -> datetime | None:
    """The start of the next session after `now` (within `horizon` days), or None."""
    _require_aware(now)
    day = hall_day(hall, now)
    for offset in range(horizon + 1):
        for start, _ in sessions_on(hall, day + timedelta(days=offset)):
            if start > now:
                return start
    return None


def sessions_on(hall: HallConfig, day: date) -> list[Span]:
    """The day's sessions as aware (start, end) in the hall's time zone; none on days off."""
    if not is_working_day(hall, day):
        return []
    sessions = season_for(hall, day).sessions
    return sorted((_at(hall, day, s.start), _at(hall, day, s.end)) for s in sessions)


def session_at(hall: HallConfig, now: datetime) -> Span | None:
    """The session holding `now` (start inclusive, end exclusive), or None."""
    _require_aware(now)
    instant = now.astimezone(UTC)
    for start, end in sessions_on(hall, hall_day(hall, now)):
        # Compared in UTC: aware datetimes sharing one tzinfo compare by wall clock alone.
        if start.astimezone(UTC) <= instant < end.astimezone(UTC):
            return start, end
    return None


def boundaries_on(hall: HallConfig, day: date) -> list[datetime]:
    """Every session start and end of the day, sorted, each once."""
    return sorted({moment for span in sessions_on(hall, day) for moment in span})


def _at(hall: HallConfig, day: date, clock: time) -> datetime:
    # The UTC round trip moves a wall time that DST skips (02:30 on a spring-forward day)
    # to the instant it names, shown in the offset then in force.
    return datetime.combine(day, clock, tzinfo=hall.tz).astimezone(UTC).astimezone(hall.tz)


def _require_aware(now: datetime) -> None:
    if now.utcoffset() is None:
        raise ValueError(f"{now.isoformat()} has no time zone; pass an aware datetime")
