"""Times as the screens show them: in the hall's time zone, as HH:MM, as whole minutes."""

from __future__ import annotations

from datetime import datetime, timedelta

from hall.config import HallConfig


def parse_at(value: object) -> datetime | None:
    """An ISO-8601 string (or a datetime) as an aware datetime; None for null/blank."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value)
    return None


def local(hall: HallConfig, moment: datetime) -> datetime:
    return moment.astimezone(hall.tz)


def hhmm(hall: HallConfig, moment: datetime | None) -> str:
    return local(hall, moment).strftime("%H:%M") if moment else ""


def hhmmss(hall: HallConfig, moment: datetime | None) -> str:
    return local(hall, moment).strftime("%H:%M:%S") if moment else ""


def epoch_ms(moment: datetime | None) -> int | None:
    return int(moment.timestamp() * 1000) if moment else None


def minutes_between(start: datetime | None, end: datetime) -> int | None:
    """Whole minutes from `start` to `end` (floored, never negative)."""
    if start is None:
        return None
    return max(0, int((end - start).total_seconds() // 60))


def whole_minutes(span: timedelta) -> int:
    """Minutes as the screens show them: a whole number, rounded half up (40 s is 1)."""
    return int((span.total_seconds() + 30) // 60)
