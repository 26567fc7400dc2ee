"""The director's board: live occupancy, every window, alerts, today's figures, events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hall.config import HallConfig
from hall.kiosk.common import Labeller, PageInfo, Part, Text, page_info, plain
from hall.kiosk.counters import DayCounts, count_day
from hall.kiosk.feed import FeedItem, alerts, timeline
from hall.kiosk.hours import hours_today
from hall.kiosk.summary import Clock, Stat, clock, occupancy
from hall.kiosk.tiles import Tile, tile_part, window_tile


@dataclass(frozen=True, slots=True)
class DirectorContext:
    page: PageInfo
    labels: Labeller
    clock: Clock
    occupancy: tuple[Stat, ...]
    tiles: tuple[Tile, ...]
    alerts: tuple[FeedItem, ...]
    counts: DayCounts
    counters: tuple[Stat, ...]
    timeline: tuple[FeedItem, ...]

    def parts(self) -> tuple[Part, ...]:
        return (
            Part("clock-hours", "partials/clock_hours.html", {"clock": self.clock}),
            Part("occupancy", "partials/occupancy.html", {"stats": self.occupancy}),
            *(tile_part(tile, "small") for tile in self.tiles),
            Part("alerts", "partials/alerts.html", {"items": self.alerts}),
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
    system: Sequence[str] = (),
) -> DirectorContext:
    """`events_today`: the day's events in stream order (oldest first); `system`: catalog
    keys of alerts about the service itself (e.g. `director.log_lost`), shown first."""
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
        alerts=tuple(FeedItem("", "", "ev-system", labels(key)) for key in system)
        + alerts(hall, events, labels),
        counts=counts,
        counters=counter_stats(counts, labels),
        timeline=timeline(hall, events, labels),
    )


def counter_stats(counts: DayCounts, labels: Labeller) -> tuple[Stat, ...]:
    def minutes(value: float | None) -> str:
        return labels("counter.none") if value is None else labels("counter.minutes", value=value)

    def stat(key: str, value: str) -> Stat:
        return Stat(key, Text(labels(f"counter.{key.replace('-', '_')}")), value)

    none = labels("counter.none")
    rating = none if counts.avg_rating is None else f"{counts.avg_rating:g}"
    return (
        stat("issued", str(counts.issued)),
        stat("served", str(counts.served)),
        stat("no-shows", str(counts.no_shows)),
        stat("avg-wait", minutes(counts.avg_wait_minutes)),
        stat("avg-service", minutes(counts.avg_service_minutes)),
        stat("absences", str(counts.absences)),
        stat("late", str(counts.late)),
        stat("extended", minutes(counts.extended_minutes)),
        stat("rating", rating),
    )
