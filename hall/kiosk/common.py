"""Small pieces shared by every page context: labels, fragments, times."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import msgspec

from hall.config import HallConfig
from hall.i18n import EN, ZH, normalize_lang, other_lang, t


@dataclass(frozen=True, slots=True)
class Text:
    """A display label: `main` in the page language, `sub` (may be empty) in the other one."""

    main: str
    sub: str = ""


@dataclass(frozen=True, slots=True)
class Part:
    """One live fragment: the element `id`, its partial template and the template's values."""

    id: str
    template: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PageInfo:
    """What base.html needs: language, title, the view socket, the script's words."""

    lang: str
    html_lang: str
    title: str
    hall_id: str
    hall_name: str
    timezone: str  # the hall's, for the page clock
    now_ms: int  # render time: the page script's clock and minute counters follow the server
    view: str  # css hook and script switch: wall | tablet | kiosk | director | ticket | login
    ws_url: str | None  # /ws/halls/{hall}/view/{view}; None on pages that are not live
    commands_url: str  # /api/halls/{hall}/commands: where the page script posts commands
    lang_href: str  # link to the page in the other language
    lang_label: str
    strings: Mapping[str, str]  # words the page script shows (toasts, sound switch, ...)


class Labeller:
    """Looks up catalog text in one language, with the other language as subtitle when
    `bilingual` (the wall: Chinese first, a small English line under it)."""

    def __init__(self, lang: str, *, bilingual: bool = False) -> None:
        self.lang = normalize_lang(lang)
        self.bilingual = bilingual

    def __call__(self, key: str, **params: object) -> str:
        return t(self.lang, key, **params)

    def pair(self, say: Callable[[str], str]) -> Text:
        """`say(lang)` in the page language, and in the other one when bilingual."""
        return Text(say(self.lang), say(other_lang(self.lang)) if self.bilingual else "")

    def text(self, key: str, **params: object) -> Text:
        sub = t(other_lang(self.lang), key, **params) if self.bilingual else ""
        return Text(t(self.lang, key, **params), sub)


def plain(state: Mapping[str, Any] | Any) -> dict[str, Any]:
    """The public state as JSON-like builtins (it may come encoded or as live objects)."""
    data = msgspec.to_builtins(state)
    if not isinstance(data, dict):
        raise TypeError("the public state must be a mapping")
    return data


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


def staff_name(hall: HallConfig, staff_id: object) -> str:
    if not isinstance(staff_id, str) or not staff_id:
        return ""
    person = hall.person(staff_id)
    return person.name if person else staff_id


def service_name(hall: HallConfig, code: object) -> str:
    if not isinstance(code, str):
        return ""
    service = hall.service(code)
    return service.name if service else code


def join_list(lang: str, items: list[str]) -> str:
    return t(lang, "list.sep").join(items)


def page_info(
    hall: HallConfig,
    lang: str,
    now: datetime | None,
    *,
    title: str,
    view: str,
    ws_view: str | None,
    strings: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
) -> PageInfo:
    """`query` holds the page's other query values, kept in the language link."""
    lang = normalize_lang(lang)
    other = other_lang(lang)
    params = {**(query or {}), "lang": "en" if other == EN else "zh-CN"}
    href = "?" + "&".join(f"{k}={_quote(v)}" for k, v in params.items())
    return PageInfo(
        lang=lang,
        html_lang="zh-CN" if lang == ZH else "en",
        title=title,
        hall_id=hall.id,
        hall_name=hall.name,
        timezone=hall.timezone,
        now_ms=epoch_ms(now) or 0,
        view=view,
        ws_url=f"/ws/halls/{_quote(hall.id)}/view/{_quote(ws_view)}?lang={lang}"
        if ws_view
        else None,
        commands_url=f"/api/halls/{_quote(hall.id)}/commands",
        lang_href=href,
        lang_label=t(lang, "lang.switch"),
        strings=dict(strings or {}),
    )


def _quote(value: str) -> str:
    return quote(value, safe="-_.~")
