"""Display labels: catalog text in the page's language (and the other one beneath, on the
wall), and the names the hall file gives staff and services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hall.config import HallConfig
from hall.i18n import normalize_lang, other_lang, t


@dataclass(frozen=True, slots=True)
class Text:
    """A display label: `main` in the page language, `sub` (may be empty) in the other one."""

    main: str
    sub: str = ""


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


def join_list(lang: str, items: list[str]) -> str:
    return t(lang, "list.sep").join(items)


def staff_name(hall: HallConfig, staff_id: object) -> str:
    if not isinstance(staff_id, str) or not staff_id:
        return ""
    person = hall.person(staff_id)
    return person.name if person else staff_id


def service_name(hall: HallConfig, code: object, lang: str = "zh") -> str:
    """In the page's language (the hall file's `name_en` on English pages)."""
    if not isinstance(code, str):
        return ""
    service = hall.service(code)
    return service.label(lang) if service else code
