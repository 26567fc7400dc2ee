"""Generic checks and parsers for the values of a hall file.

`parse_duration` and `parse_time` raise ValueError and are public (the CLI parses durations
too); the `_`-checks raise `_Invalid(field, problem)`, and `load_hall` adds the file name.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime, time, timedelta
from typing import Any

_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_TIME = re.compile(r"([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_ID = re.compile(r"[a-z0-9-]+")

Table = dict[str, Any]


class _Invalid(Exception):
    """A problem found while building; load_hall adds the file name."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(field, problem)
        self.field = field
        self.problem = problem


def parse_duration(text: str) -> timedelta:
    """'10m', '2s', '1h', '1h30m', '90s', '0m' -> timedelta; ValueError on anything else."""
    match = _DURATION.fullmatch(text)
    if match is None or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration like '10m', '90s' or '1h30m'")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    try:
        return timedelta(hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:
        raise ValueError(f"{text!r} is too long a duration") from None


def parse_time(text: str) -> time:
    """'HH:MM' or 'HH:MM:SS' (24-hour clock, two digits each) -> time; ValueError otherwise."""
    match = _TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a time like '08:00' or '08:00:30'")
    hour, minute, second = (int(g or 0) for g in match.groups())
    return time(hour, minute, second)


def _field(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _only(table: Table, allowed: tuple[str, ...], prefix: str) -> None:
    """Reject unknown keys, so that a typo is an error rather than a silent default."""
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"expected {', '.join(allowed)}"
            raise _Invalid(_field(prefix, key), f"unknown key ({hint})")


def _required(table: Table, key: str, prefix: str = "") -> object:
    if key not in table:
        raise _Invalid(_field(prefix, key), "is missing")
    return table[key]


def _check_unique(seen: list[Any], key: object, field: str, label: str) -> None:
    if key in seen:
        raise _Invalid(field, f"duplicate {label}")


def _str(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(field, f"must be a string, not {_kind(value)}")
    return value


def _name(value: object, field: str) -> str:
    text = _str(value, field)
    if not text.strip():
        raise _Invalid(field, "must not be empty")
    return text


def _ident(value: object, field: str) -> str:
    text = _str(value, field)
    if not _ID.fullmatch(text):
        raise _Invalid(field, f"{text!r} must be lowercase letters, digits and '-' only")
    return text


def _int(value: object, field: str, *, minimum: int, maximum: int | None = None) -> int:
    # bool is an int subclass in Python; `number = true` is a mistake, not 1.
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Invalid(field, f"must be an integer, not {_kind(value)}")
    if value < minimum:
        raise _Invalid(field, f"must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise _Invalid(field, f"must be at most {maximum}, not {value}")
    return value


def _bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(field, f"must be true or false, not {_kind(value)}")
    return value


def _list(value: object, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Invalid(field, f"must be a list, not {_kind(value)}")
    return value


def _non_empty_list(value: object, field: str) -> list[Any]:
    items = _list(value, field)
    if not items:
        raise _Invalid(field, "must not be empty")
    return items


def _table(value: object, field: str) -> Table:
    if not isinstance(value, dict):
        raise _Invalid(field, f"must be a table, not {_kind(value)}")
    return value


def _date(value: object, field: str) -> date:
    # TOML has a native date type too: closed_dates = [2026-10-01] is as good as the string.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = _str(value, field)
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise _Invalid(field, f"{text!r} is not a date like '2026-10-01'")


def _dates(value: object, field: str) -> frozenset[date]:
    return frozenset(_date(item, f"{field}[{i}]") for i, item in enumerate(_list(value, field)))


def _duration(value: object, field: str) -> timedelta:
    try:
        return parse_duration(_str(value, field))
    except ValueError as e:
        raise _Invalid(field, str(e)) from None


def _kind(value: object) -> str:
    kinds = {bool: "a boolean", str: "a string", int: "an integer", float: "a number"}
    kinds |= {list: "a list", dict: "a table"}
    return kinds.get(type(value), f"a {type(value).__name__}")
