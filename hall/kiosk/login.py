"""Pages without live data: the staff sign-in form and the kiosk's set-up (401) page."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from hall.config import District, HallConfig
from hall.i18n import EN, ZH, error_message, normalize_lang, other_lang, t
from hall.kiosk.labels import Labeller
from hall.kiosk.page import PageInfo, Part, page_info


@dataclass(frozen=True, slots=True)
class StaffChoice:
    id: str
    label: str  # 陈少丽 · 街道党政办办事员
    selected: bool


@dataclass(frozen=True, slots=True)
class HallChoice:
    id: str
    name: str
    selected: bool
    staff: tuple[StaffChoice, ...]


@dataclass(frozen=True, slots=True)
class LoginContext:
    page: PageInfo
    labels: Labeller
    halls: tuple[HallChoice, ...]
    next_url: str
    error: str  # the sentence to show, "" for none

    def parts(self) -> tuple[Part, ...]:
        return ()


def login_context(
    halls: Sequence[HallConfig],
    lang: str,
    *,
    next_url: str = "/",
    error: str | None = None,
    hall_id: str | None = None,
    staff_id: str | None = None,
    district: District | None = None,
) -> LoginContext:
    """`error`: a login refusal code (bad_credentials | rate_limited | session_expired)
    or a command error code; shown as a sentence. `district`: offered as one more place to
    sign in, with its supervisors."""
    labels = Labeller(lang)
    places = len(halls) + (district is not None)
    chosen = hall_id or (halls[0].id if places == 1 else None)
    other = other_lang(labels.lang)
    lang_param = "en" if other == EN else ZH
    return LoginContext(
        page=PageInfo(
            lang=labels.lang,
            html_lang="zh-CN" if labels.lang == ZH else "en",
            title=labels("page.login.title"),
            hall_id=chosen or "",
            hall_name="",
            timezone="",
            now_ms=0,
            view="login",
            ws_url=None,
            commands_url="",
            lang_href=f"?next={quote(next_url, safe='')}&lang={lang_param}",
            lang_label=labels("lang.switch"),
            strings={},
        ),
        labels=labels,
        halls=tuple(
            HallChoice(
                h.id,
                h.name,
                h.id == chosen,
                tuple(
                    StaffChoice(
                        s.id, f"{s.name} · {s.title}" if s.title else s.name, s.id == staff_id
                    )
                    for s in h.staff
                ),
            )
            for h in halls
        )
        + _district_choice(district, labels, chosen, staff_id),
        next_url=next_url if next_url.startswith("/") and not next_url.startswith("//") else "/",
        error=_error(labels.lang, error),
    )


def _district_choice(
    district: District | None, labels: Labeller, chosen: str | None, staff_id: str | None
) -> tuple[HallChoice, ...]:
    if district is None:
        return ()
    supervisors = tuple(
        StaffChoice(s.id, f"{s.name} · {s.title}" if s.title else s.name, s.id == staff_id)
        for s in district.supervisors
    )
    name = labels("login.district", district=district.label(labels.lang))
    return (HallChoice(district.id, name, district.id == chosen, supervisors),)


def _error(lang: str, code: str | None) -> str:
    if not code:
        return ""
    key = f"login.error.{code}"
    try:
        return t(lang, key)
    except KeyError:
        return error_message(lang, code)


@dataclass(frozen=True, slots=True)
class KioskSetupContext:
    page: PageInfo
    labels: Labeller
    token_command: str  # hall token --hall kaiyuan --role kiosk
    kiosk_url: str  # http://host/halls/kaiyuan/kiosk?token=TOKEN

    def parts(self) -> tuple[Part, ...]:
        return ()


def kiosk_setup_context(hall: HallConfig, lang: str, *, base_url: str = "") -> KioskSetupContext:
    """The body of the 401 answer to a kiosk page opened without a device token."""
    labels = Labeller(normalize_lang(lang))
    path = f"/halls/{quote(hall.id)}/kiosk?token=TOKEN"
    return KioskSetupContext(
        page=page_info(
            hall,
            lang,
            None,
            title=labels("page.kiosk_setup.title", hall=hall.name),
            view="kiosk-setup",
            ws_view=None,
        ),
        labels=labels,
        token_command=f"hall token --hall {shlex.quote(hall.id)} --role kiosk",
        kiosk_url=base_url.rstrip("/") + path,
    )
