"""Events as sentences: the director's timeline and alerts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hall.config import HallConfig
from hall.kiosk.common import Labeller, hhmm, hhmmss, parse_at, service_name, staff_name

TIMELINE_LIMIT = 50
ALERT_LIMIT = 20
_ALERT_TYPES = ("cover.requested", "cover.escalated", "ticket.overdue", "absence.recorded")


@dataclass(frozen=True, slots=True)
class FeedItem:
    id: str
    time: str  # 10:42:05
    kind: str  # the event type, css hook: "ev-ticket-called"
    text: str
    late: bool = False


def timeline(
    hall: HallConfig, events: Iterable[Mapping[str, Any]], labels: Labeller
) -> tuple[FeedItem, ...]:
    """Newest first, at most TIMELINE_LIMIT."""
    recent = list(events)[-TIMELINE_LIMIT:]
    return tuple(_item(hall, e, labels, event_sentence(hall, e, labels)) for e in reversed(recent))


def alerts(
    hall: HallConfig, events: Iterable[Mapping[str, Any]], labels: Labeller
) -> tuple[FeedItem, ...]:
    """Cover requests and escalations, overdue residents and late absences, newest first."""
    found = [
        e
        for e in events
        if e.get("type") in _ALERT_TYPES
        and (e.get("type") != "absence.recorded" or bool(e.get("late")))
    ]
    return tuple(
        _item(hall, e, labels, alert_sentence(hall, e, labels))
        for e in reversed(found[-ALERT_LIMIT:])
    )


def _item(hall: HallConfig, event: Mapping[str, Any], labels: Labeller, text: str) -> FeedItem:
    kind = str(event.get("type", ""))
    return FeedItem(
        id=str(event.get("id", "")),
        time=hhmmss(hall, parse_at(event.get("at"))),
        kind="ev-" + kind.replace(".", "-").replace("_", "-"),
        text=text,
        late=kind == "absence.recorded" and bool(event.get("late")),
    )


def alert_sentence(hall: HallConfig, event: Mapping[str, Any], labels: Labeller) -> str:
    p = _params(hall, event, labels)
    kind = event.get("type")
    if kind == "cover.requested":
        key = (
            "alert.cover_requested_off"
            if event.get("a_state") == "off"
            else "alert.cover_requested"
        )
        return labels(key, **{**p, "minutes": _minutes(hall.rules.cover_after)})
    if kind == "cover.escalated":
        return labels("alert.cover_escalated", **p)
    if kind == "ticket.overdue":
        return labels("alert.overdue", **{**p, "minutes": _minutes(hall.rules.wait_sla)})
    return labels("alert.late", **p)


def event_sentence(hall: HallConfig, event: Mapping[str, Any], labels: Labeller) -> str:
    kind = str(event.get("type", ""))
    key = f"event.{kind}"
    try:
        return labels(key, **_params(hall, event, labels))
    except KeyError:
        return labels("event.other", type=kind)


def _params(hall: HallConfig, event: Mapping[str, Any], labels: Labeller) -> dict[str, Any]:
    ticket = event.get("ticket")
    state = str(event.get("state", ""))
    reason = event.get("reason")
    state_label = labels(f"post_state.{state}") if state else ""
    if reason:
        state_label += f" · {labels(f'reason.{reason}')}"
    post = event.get("post")
    return {
        "window": event.get("window", ""),
        "to_window": event.get("to_window", ""),
        "staff": staff_name(hall, event.get("staff")),
        "post": labels(f"post.{post}") if post in ("A", "B") else "",
        "state": state_label,
        "ticket": ticket.get("number", "") if isinstance(ticket, Mapping) else "",
        "service": service_name(hall, ticket.get("service")) if isinstance(ticket, Mapping) else "",
        "minutes": event.get("minutes", event.get("extended_minutes", "")),
        "waiting": event.get("waiting", ""),
        "score": event.get("score", ""),
        "at": hhmm(hall, parse_at(event.get("at"))),
    }


def _minutes(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 60:g}"
