"""The director's board, in the order a director needs it: the live issues first (most
urgent first, each with what to do), the hall's figures now, every window (each a link to
its page), then today's figures, the day's resolved alerts and lateness records, and
events. Red means one thing here: an issue nobody has acknowledged yet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from hall.config import HallConfig
from hall.core.alertbook import Resolved
from hall.kiosk.counters import DayCounts, count_day
from hall.kiosk.hours import hours_today
from hall.kiosk.issues import Issue, live_issues
from hall.kiosk.labels import Labeller, Text
from hall.kiosk.page import PageInfo, Part, page_info, plain
from hall.kiosk.sentences import AlertItem, FeedItem, records, resolved_alerts, timeline
from hall.kiosk.summary import Clock, Stat, clock
from hall.kiosk.tiles import Tile, window_tile
from hall.kiosk.times import epoch_ms, minutes_between, parse_at, whole_minutes

SystemAlert = tuple[str, Mapping[str, object]]  # (catalog key, its values)
BOARD_TILE = "partials/director_tile.html"  # the director's own: the wall's tile is the wall's


@dataclass(frozen=True, slots=True)
class AlertPanel:
    system: tuple[str, ...]  # about the service itself: the log lost, the calendar's end
    current: tuple[Issue, ...]  # most urgent first
    open: int  # not acknowledged yet: something to act on
    readonly: bool = False  # a supervisor's view: no acknowledging


@dataclass(frozen=True, slots=True)
class History:
    resolved: tuple[AlertItem, ...]  # today's resolved alerts, newest first
    records: tuple[FeedItem, ...]  # today's lateness records


@dataclass(frozen=True, slots=True)
class Figure:
    """One of the hall's figures now: in the hall, waiting, being served, staffed of open
    windows, the longest wait."""

    key: str  # css hook
    label: Text
    value: str
    unit: str = ""
    since_ms: int | None = None  # the value counts whole minutes since then (page ticks it)
    note: str = ""  # the ticket that has waited longest


@dataclass(frozen=True, slots=True)
class BoardTile:
    tile: Tile
    name: str  # the window's name in the page's language
    services: str
    href: str | None  # the window's page (its tablet); None on the read-only page
    alarm: bool  # an issue about this window that nobody has acknowledged


@dataclass(frozen=True, slots=True)
class DirectorContext:
    page: PageInfo
    labels: Labeller
    hall_name: str  # in the page's language
    clock: Clock
    figures: tuple[Figure, ...]
    tiles: tuple[BoardTile, ...]
    alerts: AlertPanel
    history: History
    counts: DayCounts
    counters: tuple[Stat, ...]
    timeline: tuple[FeedItem, ...]
    # A supervisor's view (`/overview` drills down here): no buttons, no links to the
    # windows' tablets, a way back to the overview.
    readonly: bool = False

    def parts(self) -> tuple[Part, ...]:
        return (
            Part("clock-hours", "partials/clock_hours.html", {"clock": self.clock}),
            Part("alerts", "partials/alerts.html", {"panel": self.alerts}),
            Part("occupancy", "partials/director_figures.html", {"figures": self.figures}),
            *(Part(b.tile.id, BOARD_TILE, {"board": b}) for b in self.tiles),
            Part("counters", "partials/counters.html", {"stats": self.counters}),
            Part("alert-history", "partials/alert_history.html", {"history": self.history}),
            Part("timeline", "partials/timeline.html", {"items": self.timeline}),
        )


def director_context(
    hall: HallConfig,
    state: Mapping[str, Any],
    events_today: Sequence[Mapping[str, Any]],
    lang: str,
    now: datetime,
    *,
    system: Sequence[SystemAlert] = (),
    resolved: Sequence[Resolved] = (),
    readonly: bool = False,
) -> DirectorContext:
    """`state`: the detail state (with `alerts`); `events_today`: the day's events in stream
    order (oldest first); `system`: alerts about the service itself (catalog key and
    values: the log lost, the national calendar ending), shown first; `resolved`: today's
    resolved alerts; `readonly`: a supervisor's view of the page."""
    data = plain(state)
    events = [plain(e) for e in events_today]
    labels = Labeller(lang)
    hours = hours_today(hall, now)
    counts = count_day(events)
    issues = live_issues(hall, data.get("alerts") or [], events, labels)
    if readonly:
        issues = tuple(replace(i, href=None) for i in issues)
    alarmed = {i.alert.window for i in issues if not i.acked and i.alert.window}
    name = hall.label(labels.lang)
    return DirectorContext(
        page=page_info(
            hall,
            lang,
            now,
            title=labels("page.director.title", hall=name),
            view="director",
            ws_view="director-readonly" if readonly else "director",
        ),
        labels=labels,
        hall_name=name,
        clock=clock(hall, data, hours, labels, now),
        figures=figures(hall, data, labels, now),
        tiles=tuple(
            board_tile(hall, window_tile(hall, w, hours, labels, now), labels, alarmed, readonly)
            for w in data.get("windows", [])
        ),
        alerts=AlertPanel(
            system=tuple(labels(key, **params) for key, params in system),
            current=issues,
            open=sum(not i.acked for i in issues),
            readonly=readonly,
        ),
        history=History(
            resolved=resolved_alerts(hall, resolved, labels),
            records=records(hall, events, labels),
        ),
        counts=counts,
        counters=counter_stats(counts, labels),
        timeline=timeline(hall, events, labels),
        readonly=readonly,
    )


def board_tile(
    hall: HallConfig, tile: Tile, labels: Labeller, alarmed: set[int], readonly: bool = False
) -> BoardTile:
    window = hall.window(tile.number)
    lang = labels.lang
    services = []
    for code in window.services if window else ():
        service = hall.service(code)
        services.append(service.label(lang) if service else code)
    return BoardTile(
        tile=tile,
        name=window.label(lang) if window else tile.name,
        services=labels("list.sep").join(services) if window else tile.services,
        href=None if readonly else f"/halls/{hall.id}/windows/{tile.number}",
        alarm=tile.number in alarmed,
    )


def figures(
    hall: HallConfig, state: Mapping[str, Any], labels: Labeller, now: datetime
) -> tuple[Figure, ...]:
    occ: Mapping[str, Any] = state.get("occupancy") or {}

    def num(key: str) -> int:
        return int(occ.get(key) or 0)

    waiting = [t for t in state.get("queue") or [] if t.get("status") == "waiting"]
    issued = [(at, t) for t in waiting if (at := parse_at(t.get("issued_at"))) is not None]
    oldest = min(issued, key=lambda pair: pair[0], default=None)
    if oldest is None:
        longest = Figure("longest-wait", labels.text("figure.longest_wait"), labels("counter.none"))
    else:
        since, ticket = oldest
        longest = Figure(
            "longest-wait",
            labels.text("figure.longest_wait"),
            str(minutes_between(since, now)),
            unit=labels("unit.minutes"),
            since_ms=epoch_ms(since),
            note=str(ticket.get("number", "")),
        )
    staffed = labels("occupancy.of", count=num("staffed_windows"), total=num("open_windows"))
    return (
        Figure("in-hall", labels.text("occupancy.in_hall"), str(num("in_hall"))),
        Figure("waiting", labels.text("occupancy.waiting"), str(num("waiting"))),
        Figure("being-served", labels.text("occupancy.being_served"), str(num("being_served"))),
        Figure("staffed", labels.text("figure.staffed_open"), staffed),
        longest,
    )


def counter_stats(counts: DayCounts, labels: Labeller) -> tuple[Stat, ...]:
    """Today's figures. `alarm` marks lateness (shown apart, not red: it is a record of
    the day, not something to act on now)."""

    def minutes(value: float | None) -> str:
        if not value:
            return labels("counter.none")
        return labels("counter.minutes", value=whole_minutes(timedelta(minutes=value)))

    def stat(key: str, value: str, alarm: bool = False) -> Stat:
        return Stat(key, Text(labels(f"counter.{key.replace('-', '_')}")), value, alarm)

    none = labels("counter.none")
    rating = none if counts.avg_rating is None else f"{counts.avg_rating:.1f}"
    return (
        stat("issued", str(counts.issued)),
        stat("served", str(counts.served)),
        stat("no-shows", str(counts.no_shows)),
        stat("avg-wait", minutes(counts.avg_wait_minutes)),
        stat("avg-service", minutes(counts.avg_service_minutes)),
        stat("absences", str(counts.absences)),
        stat("late", str(counts.late), alarm=counts.late > 0),
        stat("arrivals-late", str(counts.late_arrivals), alarm=counts.late_arrivals > 0),
        stat("extended", minutes(counts.extended_minutes)),
        stat("rating", rating),
    )
