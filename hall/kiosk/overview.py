"""The district's overview (`/overview`): every hall a supervisor watches, one row each, the
halls that need someone first.

A hall's summary is made once per state version from what the director's page shows (the
detail state: windows, queue, alerts) and the state's discipline records; the page and
`GET /api/overview` show the same summaries in the same order.

**The order** (`attention`), most in need first: more uncovered windows (an A-post away
past `cover_after` with nobody covering, also in extended service); then more open alerts
(current issues nobody has acknowledged); then the longest wait (the oldest waiting
ticket's issue time, earlier first); then more residents waiting; then more lateness
records today; then the hall's id. It does not depend on the clock: a hall moves only when
its state does."""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from hall.config import HallConfig
from hall.core.model import State
from hall.i18n import EN, ZH, other_lang
from hall.kiosk.labels import Labeller
from hall.kiosk.page import PageInfo, Part, plain
from hall.kiosk.times import epoch_ms, minutes_between, parse_at

HallPhase = Literal["open", "extended", "closed"]
_NEVER_MS = 10**13 - 1  # no resident waiting: after every real issue time (ms, 13 digits)
_COUNT = 9999  # counts are clamped to four digits in the order token


@dataclass(frozen=True, slots=True)
class HallSummary:
    hall: str
    name: str
    name_en: str
    phase: HallPhase  # inside a session; past its end, still serving; or neither
    windows: int
    open_windows: int
    staffed: int  # windows someone serves (the A-post present, or the B-post covering)
    uncovered: int  # away past cover_after, nobody covering (also in extended service)
    waiting: int  # residents waiting (not yet called)
    oldest: datetime | None  # the oldest waiting ticket's issue time
    oldest_ticket: str
    alerts: int  # the director's current issues
    open_alerts: int  # of them, not acknowledged
    late_today: int  # lateness records today: late arrivals and late absences, not voided

    def label(self, lang: str) -> str:
        return self.name_en if lang == EN and self.name_en else self.name

    @property
    def needs_attention(self) -> bool:
        return self.uncovered > 0 or self.open_alerts > 0


def late_today(state: State) -> int:
    """Today's lateness records (Art. 17): `arrival.late` and late `absence.recorded`, less
    those voided on appeal."""
    return sum(1 for r in state.records if r.day == state.day and r.status != "voided")


def summarize(hall: HallConfig, public: Mapping[str, Any], late: int) -> HallSummary:
    """`public`: the hall's detail state (`hall.core.public`); `late`: `late_today`."""
    data = plain(public)
    windows: list[Mapping[str, Any]] = data.get("windows") or []
    occ: Mapping[str, Any] = data.get("occupancy") or {}
    waiting = [t for t in data.get("queue") or [] if t.get("status") == "waiting"]
    issued = [(at, t) for t in waiting if (at := parse_at(t.get("issued_at"))) is not None]
    oldest = min(issued, key=lambda pair: pair[0], default=None)
    alerts: list[Mapping[str, Any]] = data.get("alerts") or []
    extended = any(w.get("status") == "extended" for w in windows)
    phase: HallPhase = "open" if data.get("open") else "extended" if extended else "closed"
    return HallSummary(
        hall=hall.id,
        name=hall.name,
        name_en=hall.name_en,
        phase=phase,
        windows=len(windows),
        open_windows=int(occ.get("open_windows") or 0),
        staffed=int(occ.get("staffed_windows") or 0),
        uncovered=sum(
            1
            for w in windows
            if w.get("status") == "uncovered" or w.get("serving_status") == "uncovered"
        ),
        waiting=len(waiting),
        oldest=oldest[0] if oldest else None,
        oldest_ticket=str(oldest[1].get("number", "")) if oldest else "",
        alerts=len(alerts),
        open_alerts=sum(1 for a in alerts if not a.get("acked")),
        late_today=late,
    )


def attention(s: HallSummary) -> tuple[int, int, int, int, int, str]:
    """The sort key: the hall that needs someone most comes first (see the module's doc)."""
    oldest = epoch_ms(s.oldest)
    return (
        -s.uncovered,
        -s.open_alerts,
        _NEVER_MS if oldest is None else oldest,
        -s.waiting,
        -s.late_today,
        s.hall,
    )


def order_token(s: HallSummary) -> str:
    """`attention` as a string that sorts the same way (the page script keeps the rows in
    this order as they change): fixed-width fields, larger counts first."""

    def count(n: int) -> str:
        return f"{_COUNT - min(n, _COUNT):04d}"

    oldest = epoch_ms(s.oldest)
    since = f"{min(_NEVER_MS, oldest if oldest is not None else _NEVER_MS):013d}"
    return (
        ".".join(
            (count(s.uncovered), count(s.open_alerts), since, count(s.waiting), count(s.late_today))
        )
        + f".{s.hall}"
    )


def ranked(summaries: Iterable[HallSummary]) -> list[HallSummary]:
    return sorted(summaries, key=attention)


def director_href(hall: str) -> str:
    return f"/halls/{quote(hall)}/director"


def summary_json(s: HallSummary, now: datetime) -> dict[str, Any]:
    """One hall of `GET /api/overview`."""
    longest = None
    if s.oldest is not None:
        longest = {
            "since": s.oldest,
            "minutes": minutes_between(s.oldest, now),
            "ticket": s.oldest_ticket,
        }
    return {
        "hall": s.hall,
        "name": s.name,
        "name_en": s.name_en,
        "phase": s.phase,
        "windows": s.windows,
        "open_windows": s.open_windows,
        "staffed_windows": s.staffed,
        "uncovered_windows": s.uncovered,
        "waiting": s.waiting,
        "longest_wait": longest,
        "alerts": s.alerts,
        "open_alerts": s.open_alerts,
        "late_today": s.late_today,
        "attention": s.needs_attention,
        "href": director_href(s.hall),
    }


# --- the page ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    id: str  # the row's element id: ov-<hall>
    name: str  # in the page's language
    href: str  # the hall's director page (read-only for a supervisor)
    order: str  # `order_token`
    attention: bool
    phase: HallPhase
    phase_label: str
    staffed: str  # "5 / 7": staffed of open windows
    uncovered: int
    waiting: int
    minutes: int | None  # the longest wait so far (the page script keeps it ticking)
    since_ms: int | None
    ticket: str  # who has waited longest
    open_alerts: int
    acked_alerts: int  # current, but someone has acknowledged them
    late: int


@dataclass(frozen=True, slots=True)
class Totals:
    halls: int
    attention: int  # halls with an uncovered window or an open alert
    uncovered: int
    waiting: int
    open_alerts: int
    late: int


@dataclass(frozen=True, slots=True)
class OverviewContext:
    page: PageInfo
    labels: Labeller
    title: str  # the district's name in the page's language
    clock: str  # HH:MM at render time; the page script keeps it ticking
    readonly_note: str
    order_note: str
    totals: Totals
    rows: tuple[Row, ...]  # in attention order

    def parts(self) -> tuple[Part, ...]:
        return (
            Part("ov-totals", "partials/overview_totals.html", {"totals": self.totals}),
            *(Part(r.id, "partials/overview_row.html", {"row": r}) for r in self.rows),
        )


def overview_context(
    summaries: Sequence[HallSummary],
    lang: str,
    now: datetime,
    *,
    district: str,
    timezone: str = "Asia/Shanghai",
    only: Container[str] | None = None,
) -> OverviewContext:
    """`district`: the district's name in `lang` ("" for every hall, the admin's view);
    `timezone`: the page clock's; `only`: the halls whose rows to make (the live page's
    update after a hall's events: that row and the totals, which count every hall)."""
    labels = Labeller(lang)
    shown = summaries if only is None else [s for s in summaries if s.hall in only]
    rows = tuple(_row(s, labels, now) for s in ranked(shown))
    title = district or labels("overview.all_halls")
    other = other_lang(labels.lang)
    return OverviewContext(
        page=PageInfo(
            lang=labels.lang,
            html_lang="zh-CN" if labels.lang == ZH else "en",
            title=labels("page.overview.title", district=title),
            hall_id="",
            hall_name=title,
            timezone=timezone,
            now_ms=epoch_ms(now) or 0,
            view="overview",
            ws_url=f"/ws/overview?lang={labels.lang}",
            commands_url="",
            lang_href=f"?lang={'en' if other == EN else ZH}",
            lang_label=labels("lang.switch"),
            strings={},
        ),
        labels=labels,
        title=title,
        clock=now.astimezone(ZoneInfo(timezone)).strftime("%H:%M"),
        readonly_note=labels("overview.readonly"),
        order_note=labels("overview.order"),
        totals=Totals(
            halls=len(summaries),
            attention=sum(s.needs_attention for s in summaries),
            uncovered=sum(s.uncovered for s in summaries),
            waiting=sum(s.waiting for s in summaries),
            open_alerts=sum(s.open_alerts for s in summaries),
            late=sum(s.late_today for s in summaries),
        ),
        rows=rows,
    )


def _row(s: HallSummary, labels: Labeller, now: datetime) -> Row:
    return Row(
        id=f"ov-{s.hall}",
        name=s.label(labels.lang),
        href=director_href(s.hall),
        order=order_token(s),
        attention=s.needs_attention,
        phase=s.phase,
        phase_label=labels(f"overview.phase.{s.phase}"),
        staffed=labels("occupancy.of", count=s.staffed, total=s.open_windows),
        uncovered=s.uncovered,
        waiting=s.waiting,
        minutes=minutes_between(s.oldest, now),
        since_ms=epoch_ms(s.oldest),
        ticket=s.oldest_ticket,
        open_alerts=s.open_alerts,
        acked_alerts=s.alerts - s.open_alerts,
        late=s.late_today,
    )
