"""China's national public holidays and make-up working days (调休), from the maintained
`chinesecalendar` package (its data is updated each year once the State Council publishes
the next year's calendar, usually in November).

Pure lookups over the package's static tables; a date past the end of its data is
`None` ("unknown"), and the caller falls back to the hall's own `days`.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from chinese_calendar import constants


@cache
def last_year() -> int:
    """The last year the installed calendar data covers."""
    return max(_years())


def first_year() -> int:
    return min(_years())


def _years() -> set[int]:
    return {day.year for day in constants.holidays}


def covers(day: date) -> bool:
    return first_year() <= day.year <= last_year()


def holiday_name(day: date) -> str | None:
    """The festival a national public holiday belongs to ("National Day"), else None."""
    name = constants.holidays.get(day)
    return str(name) if name is not None else None


def national_day_kind(day: date) -> str | None:
    """ "holiday" (a public holiday), "workday" (a make-up working day, usually a weekend
    day), None (an ordinary day, or one past the data: see `covers`)."""
    if day in constants.holidays:
        return "holiday"
    if day in constants.workdays:
        return "workday"
    return None
