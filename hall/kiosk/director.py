"""The director's board: live alerts first, then occupancy, every window, today's figures,
the day's resolved alerts and lateness records, and events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hall.config import HallConfig
from hall.core.alertbook import Resolved
from hall.kiosk.counters import DayCounts, count_day
from hall.kiosk.hours import hours_today
from hall.kiosk.labels import Labeller, Text
from hall.kiosk.page import PageInfo, Part, page_info, plain
from hall.kiosk.sentences import (
    AlertItem,
    FeedItem,
    live_alerts,
    records,
    resolved_alerts,
    timeline,
)
from hall.kiosk.summary import Clock, Stat, clock, occupancy
from hall.kiosk.tiles import Tile, tile_part, window_tile
from hall.kiosk.times import whole_minutes

SystemAlert = tuple[str, Mapping[str, object]]  # (catalog key, its values)


@dataclass(frozen=True, slots=True)
class AlertPanel:
    hall: str  # the hall's id: each alert links to its window's page
    system: tuple[str, ...]  # about the service itself: the log lost, the calendar's end
    current: tuple[AlertItem, ...]
    resolved: tuple[AlertItem, ...]
    records: tuple[FeedItem, ...]  # today's lateness records


@dataclass(frozen=True, slots=True)
class DirectorContext:
    page: PageInfo
    labels: Labeller
    clock: Clock
    occupancy: tuple[Stat, ...]
    tiles: tuple[Tile, ...]
    alerts: AlertPanel
    counts: DayCounts
    counters: tuple[Stat, ...]
    timeline: tuple[FeedItem, ...]

    def parts(self) -> tuple[Part, ...]:
        return (
            Part("clock-hours", "partials/clock_hours.html", {"clock": self.clock}),
            Part("alerts", "partials/alerts.html", {"panel": self.alerts}),
            Part("occupancy", "partials/occupancy.html", {"stats": self.occupancy}),
            *(tile_part(tile, "small") for tile in self.tiles),
            Part("counters", "partials/counters.html", {"stats": self.counters}),
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
) -> DirectorContext:
    """`state`: the detail state (with `alerts`); `events_today`: the day's events in stream
    order (oldest first); `system`: alerts about the service itself (catalog key and
    values: the log lost, the national calendar ending), shown first; `resolved`: today's
    resolved alerts."""
    data = plain(state)
    events = [plain(e) for e in events_today]
    labels = Labeller(lang)
    hours = hours_today(hall, now)
    counts = count_day(events)
    return DirectorContext(
        page=page_info(
            hall,
            lang,
            now,
            title=labels("page.director.title", hall=hall.name),
            view="director",
            ws_view="director",
        ),
        labels=labels,
        clock=clock(hall, data, hours, labels, now),
        occupancy=occupancy(data, labels),
        tiles=tuple(window_tile(hall, w, hours, labels, now) for w in data.get("windows", [])),
        alerts=AlertPanel(
            hall=hall.id,
            system=tuple(labels(key, **params) for key, params in system),
            current=live_alerts(hall, data.get("alerts") or [], events, labels),
            resolved=resolved_alerts(hall, resolved, labels),
            records=records(hall, events, labels),
        ),
        counts=counts,
        counters=counter_stats(counts, labels),
        timeline=timeline(hall, events, labels),
    )


def counter_stats(counts: DayCounts, labels: Labeller) -> tuple[Stat, ...]:
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
