"""When a hall is open: seasons, sessions, working days with China's national holidays and
make-up working days, in the hall's time zone. Pure: time is passed in."""

from hall.schedule.days import (
    Span,
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

__all__ = [
    "Span",
    "boundaries_on",
    "calendar_gap",
    "day_off_reason",
    "day_start",
    "hall_day",
    "is_working_day",
    "next_opening",
    "season_for",
    "session_at",
    "sessions_on",
]
