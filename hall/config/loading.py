"""Hall files (TOML) -> a frozen, validated HallConfig: reading the files, and the hall-wide
fields; [hours] is checked in `hall.config.hours`, staff, services and windows in
`hall.config.people`."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from hall.config.fields import (
    Table,
    _bool,
    _check_unique,
    _dates,
    _duration,
    _ident,
    _int,
    _Invalid,
    _list,
    _name,
    _only,
    _required,
    _str,
    _table,
)
from hall.config.hours import _length, _seasons, _span
from hall.config.model import (
    RATING_WITHIN_MAX,
    ConfigError,
    HallConfig,
    Holidays,
    Rules,
    Season,
)
from hall.config.notify import notify_channels
from hall.config.people import _all_staff, _check_all_served, _services, _windows


def default_hall_path() -> Path:
    """The Kaiyuan hall file shipped inside the package."""
    return Path(__file__).parent.parent / "halls" / "kaiyuan.toml"


# In a folder of hall files, this one is the district's (`hall.config.district`), not a hall.
DISTRICT_FILE = "district.toml"


def load_halls(path: Path, known: Mapping[str, HallConfig] | None = None) -> dict[str, HallConfig]:
    """One hall file, or every *.toml directly in a folder (but the district file), keyed
    by hall id. A file whose bytes are those of a hall in `known` (same file, same version)
    is not parsed again."""
    if path.is_dir():
        files = sorted(f for f in path.glob("*.toml") if f.name != DISTRICT_FILE)
        if not files:
            raise ConfigError(str(path), "", "the folder holds no *.toml hall files")
    else:
        files = [path]
    unchanged = {(h.source, h.version): h for h in (known or {}).values()}
    halls: dict[str, HallConfig] = {}
    for file in files:
        data = _read(file)
        hall = unchanged.get((str(file), _version(data))) or _parse(file, data)
        if hall.id in halls:
            other = halls[hall.id].source
            raise ConfigError(str(file), "id", f"duplicate hall id {hall.id!r} (also in {other})")
        halls[hall.id] = hall
    return halls


def load_hall(path: Path) -> HallConfig:
    return _parse(path, _read(path))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise ConfigError(str(path), "", f"cannot read the file: {e.strerror or e}") from None


def _version(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _parse(path: Path, raw: bytes) -> HallConfig:
    source = str(path)
    data = _toml(source, raw)
    try:
        return msgspec.structs.replace(_hall(data, source), version=_version(raw))
    except _Invalid as e:
        raise ConfigError(source, e.field, e.problem) from None


def read_toml(path: Path) -> Table:
    """A TOML file's tables, or ConfigError naming the file and what is wrong with it."""
    return _toml(str(path), _read(path))


def _toml(source: str, raw: bytes) -> Table:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(source, "", f"invalid TOML: {e}") from None
    except UnicodeDecodeError:  # e.g. saved as GB18030 by an editor on Windows
        raise ConfigError(source, "", "not UTF-8 text: save the file as UTF-8") from None
    except RecursionError:  # tomllib has no depth limit
        raise ConfigError(source, "", "values nested too deeply") from None


# --- building and validating ---------------------------------------------------------------

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_HALL_KEYS: tuple[str, ...] = ("id", "name", "timezone", "days", "closed_dates", "rules")
_HALL_KEYS += ("hours", "services", "windows", "staff", "open_dates", "holidays")
_HALL_KEYS += ("public_detail", "name_en", "notify")
_RULE_KEYS: tuple[str, ...] = ("cover_after", "escalate_after", "issue_cutoff", "wait_sla")
_RULE_KEYS += ("arrival_grace",)
_RULE_KEYS += ("recall_limit", "rating_within")


def _hall(data: Table, source: str) -> HallConfig:
    _only(data, _HALL_KEYS, "")
    hall_id = _ident(_required(data, "id"), "id")
    name = _name(_required(data, "name"), "name")
    timezone = _str(_required(data, "timezone"), "timezone")
    tz = _zone(timezone)
    days = _days(data.get("days", list(_WEEKDAYS[:5])))
    closed_dates = _dates(data.get("closed_dates", []), "closed_dates")
    open_dates = _dates(data.get("open_dates", []), "open_dates")
    if both := closed_dates & open_dates:
        raise _Invalid("open_dates", f"{min(both)} is also in closed_dates")
    holidays = _holidays(data.get("holidays", "cn" if timezone == "Asia/Shanghai" else "none"))
    public_detail = _bool(data.get("public_detail", False), "public_detail")
    seasons = _seasons(_required(data, "hours"))
    rules = _rules(data.get("rules", {}), seasons)
    staff = _all_staff(_required(data, "staff"))
    services = _services(_required(data, "services"))
    windows = _windows(_required(data, "windows"), services, staff)
    _check_all_served(services, windows)
    notify = notify_channels(data.get("notify", []), staff)
    return HallConfig(
        id=hall_id,
        name=name,
        timezone=timezone,
        tz=tz,
        days=days,
        closed_dates=closed_dates,
        rules=rules,
        seasons=seasons,
        services=services,
        windows=windows,
        staff=staff,
        source=source,
        open_dates=open_dates,
        holidays=holidays,
        public_detail=public_detail,
        name_en=_str(data.get("name_en", ""), "name_en"),
        notify=notify,
    )


# - hall-wide fields


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _Invalid("timezone", f"unknown time zone {name!r}") from None


def _days(value: object) -> frozenset[int]:
    items = _list(value, "days")
    if not items:
        raise _Invalid("days", "must name at least one day")
    days: list[int] = []
    for i, item in enumerate(items):
        field = f"days[{i}]"
        text = _str(item, field)
        if text not in _WEEKDAYS:
            raise _Invalid(field, f"{text!r} is not one of {', '.join(_WEEKDAYS)}")
        _check_unique(days, _WEEKDAYS.index(text), field, f"day {text!r}")
        days.append(_WEEKDAYS.index(text))
    return frozenset(days)


def _holidays(value: object) -> Holidays:
    text = _str(value, "holidays")
    if text not in ("cn", "none"):
        raise _Invalid("holidays", f"{text!r} is not one of cn, none")
    return "cn" if text == "cn" else "none"


def _rules(value: object, seasons: tuple[Season, ...]) -> Rules:
    table = _table(value, "rules")
    _only(table, _RULE_KEYS, "rules")
    default = Rules()

    def duration(key: str, fallback: timedelta) -> timedelta:
        return _duration(table[key], f"rules.{key}") if key in table else fallback

    recall_limit = default.recall_limit
    if "recall_limit" in table:
        recall_limit = _int(table["recall_limit"], "rules.recall_limit", minimum=0)
    rules = Rules(
        cover_after=duration("cover_after", default.cover_after),
        escalate_after=duration("escalate_after", default.escalate_after),
        arrival_grace=duration("arrival_grace", default.arrival_grace),
        issue_cutoff=duration("issue_cutoff", default.issue_cutoff),
        wait_sla=duration("wait_sla", default.wait_sla),
        recall_limit=recall_limit,
        rating_within=duration("rating_within", default.rating_within),
    )
    _check_cutoff(rules.issue_cutoff, seasons)
    if rules.rating_within > RATING_WITHIN_MAX:
        raise _Invalid("rules.rating_within", f"must be at most {RATING_WITHIN_MAX}")
    return rules


def _check_cutoff(cutoff: timedelta, seasons: tuple[Season, ...]) -> None:
    """The kiosk must be able to issue tickets during some part of every session."""
    for season in seasons:
        for session in season.sessions:
            if cutoff >= _length(session):
                raise _Invalid(
                    "rules.issue_cutoff",
                    f"{cutoff} is not shorter than session {_span(session)} of hours.{season.name},"
                    " so no ticket could be issued in it",
                )
