"""When a hall is open: working days, seasons and sessions, in the hall's time zone.

Pure functions: the current time is always passed in, never read from a clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from hall.config import HallConfig, Season

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
    return day.weekday() in hall.days and day not in hall.closed_dates


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
