"""A notice in words, short and actionable: who, which window, by when (a clock time in the
hall's time zone), and a link to act on it. The sentences are the i18n catalog's
(`notify.*`); the robots' messages are in Chinese."""

from __future__ import annotations

from datetime import datetime, timedelta

from hall.config import HallConfig
from hall.i18n import ZH, t
from hall.notify.notices import Notice


def message(hall: HallConfig, notice: Notice, url: str, lang: str = ZH) -> str:
    """The notice's sentence, then the link (`url`: the page to open)."""
    return f"{sentence(hall, notice, lang)}\n{t(lang, 'notify.link', url=url)}"


def sentence(hall: HallConfig, notice: Notice, lang: str = ZH) -> str:
    n = notice.window
    wcfg = hall.window(n) if n is not None else None
    a = _name(hall, wcfg.a) if wcfg is not None else ""
    b = _name(hall, notice.staff[0] if notice.staff else wcfg.b if wcfg else "")
    window = _window(hall, n, lang) if n is not None else ""
    if notice.kind == "cover.needed":
        deadline = _clock(hall, notice.deadline)
        a_state = _a_state(notice, lang)
        if notice.b_busy is not None:
            busy = t(lang, f"notify.b.{notice.b_busy}")
            return t(
                lang,
                "notify.cover.needed.busy",
                window=window,
                a=a,
                a_state=a_state,
                b=b,
                b_busy=busy,
                deadline=deadline,
            )
        return t(
            lang, "notify.cover.needed", window=window, a=a, a_state=a_state, b=b, deadline=deadline
        )
    if notice.kind == "cover.requested":
        after = _duration(lang, hall.rules.cover_after)
        return t(lang, "notify.cover.requested", window=window, b=b, after=after)
    if notice.kind == "cover.escalated":
        return t(lang, "notify.cover.escalated", window=window, b=b)
    if notice.kind == "stranded":
        b = _name(hall, wcfg.b) if wcfg is not None else ""
        return t(lang, "notify.stranded", window=window, waiting=notice.waiting, a=a, b=b)
    service = hall.service(notice.service or "")
    where = window or t(lang, "notify.overdue.anywhere")
    return t(
        lang,
        "notify.overdue",
        ticket=notice.ticket or "",
        service=service.label(lang) if service is not None else notice.service or "",
        sla=_duration(lang, hall.rules.wait_sla),
        where=where,
    )


def _name(hall: HallConfig, staff: str) -> str:
    person = hall.person(staff)
    return person.name if person is not None else staff


def _window(hall: HallConfig, number: int, lang: str) -> str:
    label = t(lang, "window.label", number=number)
    wcfg = hall.window(number)
    return t(lang, "notify.window", label=label, name=wcfg.label(lang)) if wcfg else label


def _a_state(notice: Notice, lang: str) -> str:
    if notice.a_leave:
        return t(lang, "notify.a.leave")
    return t(lang, "notify.a.away" if notice.a_state == "away" else "notify.a.off")


def _clock(hall: HallConfig, moment: datetime | None) -> str:
    """HH:MM in the hall's time zone, cut to the minute (never later than the moment)."""
    return moment.astimezone(hall.tz).strftime("%H:%M") if moment is not None else ""


def _duration(lang: str, span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds % 60:
        return t(lang, "notify.seconds", n=seconds)
    return t(lang, "notify.minutes", n=seconds // 60)
