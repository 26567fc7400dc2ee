"""Every UI string of the screens, in Simplified Chinese (the default) and English.

`t(lang, key, **params)` formats one entry with `str.format`; `error_message` turns a
command refusal code (`{"error": CODE}` of the HTTP API) into a sentence. Templates and
`static/hall.js` never carry their own words: the server renders them from here, and a
page embeds what its script needs (`js_strings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from hall.i18n.en import STRINGS as _EN
from hall.i18n.zh import STRINGS as _ZH

__all__ = [
    "CATALOG",
    "DEFAULT_LANG",
    "EN",
    "ERROR_CODES",
    "LANGS",
    "MONTHS_EN",
    "ZH",
    "error_catalog",
    "error_message",
    "normalize_lang",
    "other_lang",
    "t",
]

ZH: Final = "zh-CN"
EN: Final = "en"
LANGS: Final = (ZH, EN)
DEFAULT_LANG: Final = ZH

ERROR_CODES: Final = (
    "malformed",
    "unknown_type",
    "invalid_field",
    "unauthorized",
    "forbidden",
    "unknown_hall",
    "unknown_window",
    "unknown_service",
    "no_ticket",
    "window_busy",
    "queue_not_empty",
    "hall_closed",
    "a_post_present",
    "not_covering",
    "already_covering",
    "already_rated",
    "recall_limit",
    "same_window",
    "window_closed",
    "rate_limited",
    "id_reused",
    "too_large",
    "unavailable",
)

CATALOG: Final[Mapping[str, Mapping[str, str]]] = {ZH: _ZH, EN: _EN}

MONTHS_EN: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def normalize_lang(value: str | None) -> str:
    """`?lang=` or cookie value -> a catalog language (anything unknown is Chinese)."""
    if value and value.lower().startswith("en"):
        return EN
    return DEFAULT_LANG


def other_lang(lang: str) -> str:
    return EN if normalize_lang(lang) == ZH else ZH


def t(lang: str, key: str, **params: object) -> str:
    """The `key` sentence in `lang`, formatted with `params`; KeyError for an unknown key."""
    text = CATALOG[normalize_lang(lang)][key]
    return text.format(**params) if params else text


def error_message(lang: str, code: str, **params: object) -> str:
    """A command refusal code as a sentence; `waiting` fills `queue_not_empty`."""
    key = f"error.{code}"
    if key not in CATALOG[normalize_lang(lang)]:
        return t(lang, "error.unknown", code=code)
    if code == "queue_not_empty" and "waiting" not in params:
        params = {**params, "waiting": "?"}
    return t(lang, key, **params)


def error_catalog(lang: str) -> dict[str, str]:
    """Unformatted refusal sentences by code, for the page script's toasts."""
    table = CATALOG[normalize_lang(lang)]
    return {
        key.removeprefix("error."): text for key, text in table.items() if key.startswith("error.")
    }
