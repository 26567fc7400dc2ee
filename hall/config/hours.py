"""[hours]: seasons and their sessions, checked to cover the year once, without overlaps."""

from __future__ import annotations

import functools
import itertools
import re
from datetime import date, datetime, time, timedelta

from hall.config.fields import _Invalid, _list, _only, _required, _str, _table, parse_time
from hall.config.model import Season, Session

_MONTH_DAY = re.compile(r"(\d\d)-(\d\d)")
# Season coverage is checked over a leap year, so that a hole at 02-29 is caught too.
_LEAP_YEAR = 2024
_SEASON_KEYS = ("sessions", "from", "until")


def _seasons(value: object) -> tuple[Season, ...]:
    table = _table(value, "hours")
    if not table:
        raise _Invalid("hours", "must define at least one season, e.g. [hours.all]")
    seasons = tuple(_season(name, body) for name, body in table.items())
    fallbacks = [s for s in seasons if s.start is None]
    if len(fallbacks) > 1:
        raise _Invalid(
            f"hours.{fallbacks[1].name}",
            f"only one season may lack from/until; hours.{fallbacks[0].name} already does",
        )
    _check_year_covered(seasons, has_fallback=bool(fallbacks))
    return seasons


def _season(name: str, value: object) -> Season:
    field = f"hours.{name}"
    table = _table(value, field)
    _only(table, _SEASON_KEYS, field)
    start = _month_day(table["from"], f"{field}.from") if "from" in table else None
    until = _month_day(table["until"], f"{field}.until") if "until" in table else None
    if (start is None) != (until is None):
        missing = "from" if start is None else "until"
        raise _Invalid(f"{field}.{missing}", "is required: give both from and until, or neither")
    sessions = _sessions(_required(table, "sessions", field), f"{field}.sessions")
    return Season(name=name, sessions=sessions, start=start, until=until)


def _month_day(value: object, field: str) -> tuple[int, int]:
    text = _str(value, field)
    match = _MONTH_DAY.fullmatch(text)
    try:
        if match is None:
            raise ValueError
        day = date(_LEAP_YEAR, int(match[1]), int(match[2]))
    except ValueError:
        raise _Invalid(field, f"{text!r} is not a day of the year like '05-01' (MM-DD)") from None
    return day.month, day.day


def _sessions(value: object, field: str) -> tuple[Session, ...]:
    items = _list(value, field)
    if not items:
        raise _Invalid(field, "must list at least one session")
    indexed = sorted(
        ((_session(item, f"{field}[{i}]"), i) for i, item in enumerate(items)),
        key=lambda pair: pair[0].start,
    )
    for (before, i), (after, j) in itertools.pairwise(indexed):
        if after.start < before.end:
            raise _Invalid(f"{field}[{j}]", f"{_span(after)} overlaps {field}[{i}] {_span(before)}")
    return tuple(session for session, _ in indexed)


def _session(value: object, field: str) -> Session:
    text = _str(value, field)
    parts = text.split("-")
    if len(parts) != 2:
        raise _Invalid(field, f"{text!r} is not a session like '08:00-12:00'")
    try:
        session = Session(parse_time(parts[0].strip()), parse_time(parts[1].strip()))
    except ValueError as e:
        raise _Invalid(field, f"in {text!r}: {e}") from None
    if session.start >= session.end:
        raise _Invalid(field, f"{text!r} must start before it ends")
    return session


@functools.lru_cache(maxsize=256)  # a city's halls share a few sets of hours: checked once each
def _check_year_covered(seasons: tuple[Season, ...], *, has_fallback: bool) -> None:
    ranged = [s for s in seasons if s.start is not None]
    day = date(_LEAP_YEAR, 1, 1)
    while day.year == _LEAP_YEAR:
        holders = [s for s in ranged if s.covers(day)]
        if len(holders) > 1:
            first, second = holders[:2]
            raise _Invalid(
                f"hours.{second.name}",
                f"{_range(second)} overlaps hours.{first.name} {_range(first)} on {day:%m-%d}",
            )
        if not holders and not has_fallback:
            raise _Invalid(
                "hours",
                f"{day:%m-%d} is in no season: widen a from/until range"
                " or add one season without them (e.g. [hours.all])",
            )
        day += timedelta(days=1)


# - time helpers, also used by the rules check in loading


def _length(session: Session) -> timedelta:
    day = date(_LEAP_YEAR, 1, 1)
    return datetime.combine(day, session.end) - datetime.combine(day, session.start)


def _span(session: Session) -> str:
    return f"{_clock(session.start)}-{_clock(session.end)}"


def _clock(moment: time) -> str:
    return moment.isoformat("seconds" if moment.second else "minutes")


def _range(season: Season) -> str:
    if season.start is None or season.until is None:
        return "(all year)"
    (m1, d1), (m2, d2) = season.start, season.until
    return f"{m1:02}-{d1:02}..{m2:02}-{d2:02}"
