"""What every page context is made of: its live parts (fragment id, partial, values) and
the page-level information `base.html` needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import msgspec

from hall.config import HallConfig
from hall.i18n import EN, ZH, normalize_lang, other_lang, t
from hall.kiosk.times import epoch_ms


@dataclass(frozen=True, slots=True)
class Part:
    """One live fragment: the element `id`, its partial template and the template's values.

    A live list (`items` given) is a container whose template places `items` (their HTML,
    in page order); each item is a part of its own, with an `id` unique in the page. After
    the whole view, frames change such a list item by item (`hall.kiosk.frames`): the page
    then keeps its first `keep` items and drops the rest after each frame."""

    id: str
    template: str
    values: Mapping[str, Any] = field(default_factory=dict)
    items: tuple[Part, ...] | None = None
    keep: int = 0


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
        hall_name=hall.label(lang),  # in the page's language
        timezone=hall.timezone,
        now_ms=epoch_ms(now) or 0,
        view=view,
        ws_url=f"/ws/halls/{_quote(hall.id)}/view/{_quote(ws_view)}?lang={lang}"
        if ws_view
        else None,
        commands_url=f"/api/halls/{_quote(hall.id)}/commands",
        lang_href=href,
        lang_label=t(lang, "lang.switch"),
        strings={**_base_strings(lang), **(strings or {})},
    )


# Words the page script of every page may show (taps kept during an outage).
BASE_STRINGS = ("pending.count", "pending.kept", "toast.done", "error.network", "error.unknown")


def _base_strings(lang: str) -> dict[str, str]:
    return {key: t(lang, key) for key in BASE_STRINGS}


def _quote(value: str) -> str:
    return quote(value, safe="-_.~")


def plain(state: Mapping[str, Any] | Any) -> dict[str, Any]:
    """The public state as JSON-like builtins (it may come encoded or as live objects)."""
    data = msgspec.to_builtins(state)
    if not isinstance(data, dict):
        raise TypeError("the public state must be a mapping")
    return data
