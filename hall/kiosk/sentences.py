"""Events and alerts as sentences: the director's timeline, live alerts, the day's resolved
ones and its lateness records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec

from hall.config import HallConfig
from hall.core.alertbook import Resolved
from hall.kiosk.labels import Labeller, service_name, staff_name
from hall.kiosk.times import hhmm, hhmmss, parse_at, whole_minutes

TIMELINE_LIMIT = 50
RECORD_TYPES = ("absence.recorded", "arrival.late")


@dataclass(frozen=True, slots=True)
class FeedItem:
    id: str
    time: str  # 10:42:05
    kind: str  # the event type, css hook: "ev-ticket-called"
    text: str
    late: bool = False


@dataclass(frozen=True, slots=True)
class AlertItem:
    """A live alert (or a resolved one): what, since when, which window, acknowledged by."""

    id: str
    kind: str  # uncovered | stranded | b_unavailable | overdue
    text: str
    since: str  # 10:42
    until: str  # resolved at ("" while current)
    window: int | None
    escalated: bool
    acked: str  # "王曼姝 10:44" once acknowledged, else ""


def timeline(
    hall: HallConfig, events: Iterable[Mapping[str, Any]], labels: Labeller
) -> tuple[FeedItem, ...]:
    """Newest first, at most TIMELINE_LIMIT."""
    recent = list(events)[-TIMELINE_LIMIT:]
    return tuple(_item(hall, e, labels, event_sentence(hall, e, labels)) for e in reversed(recent))


def live_alerts(
    hall: HallConfig,
    alerts: Sequence[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]],
    labels: Labeller,
) -> tuple[AlertItem, ...]:
    """The state's current alerts (`alerts` of the detail state), in its order."""
    acks = {e.get("alert"): e for e in events if e.get("type") == "alert.acked"}
    return tuple(_alert(hall, a, labels, acks.get(a.get("id")), "") for a in alerts)


def resolved_alerts(
    hall: HallConfig, resolved: Sequence[Resolved], labels: Labeller
) -> tuple[AlertItem, ...]:
    """Today's resolved alerts, newest first."""
    return tuple(
        _alert(hall, msgspec.to_builtins(r.alert), labels, None, hhmm(hall, r.until))
        for r in reversed(resolved)
    )


def records(
    hall: HallConfig, events: Iterable[Mapping[str, Any]], labels: Labeller
) -> tuple[FeedItem, ...]:
    """Today's lateness records (Art. 17): late absences and late arrivals, newest first."""
    found = [
        e
        for e in events
        if e.get("type") == "arrival.late"
        or (e.get("type") == "absence.recorded" and bool(e.get("late")))
    ]
    return tuple(_item(hall, e, labels, record_sentence(hall, e, labels)) for e in reversed(found))


def _item(hall: HallConfig, event: Mapping[str, Any], labels: Labeller, text: str) -> FeedItem:
    kind = str(event.get("type", ""))
    return FeedItem(
        id=str(event.get("id", "")),
        time=hhmmss(hall, parse_at(event.get("at"))),
        kind="ev-" + kind.replace(".", "-").replace("_", "-"),
        text=text,
        late=kind == "arrival.late" or (kind == "absence.recorded" and bool(event.get("late"))),
    )


def _alert(
    hall: HallConfig,
    alert: Mapping[str, Any],
    labels: Labeller,
    ack: Mapping[str, Any] | None,
    until: str,
) -> AlertItem:
    kind = str(alert.get("kind"))
    window = alert.get("window")
    params = {
        "window": window or "",
        "staff": staff_name(hall, alert.get("staff")),
        "a_staff": staff_name(hall, alert.get("a_staff")),
        "waiting": alert.get("waiting", 0),
        "ticket": alert.get("ticket") or "",
        "elsewhere": alert.get("elsewhere") or "",
        "minutes": whole_minutes(hall.rules.wait_sla),
    }
    key = f"alert.{kind}"
    if kind == "b_unavailable":
        key += f".{alert.get('reason')}"
    acked = ""
    if ack is not None:
        who = staff_name(hall, ack.get("by")) or str(ack.get("by", ""))
        acked = labels("alert.acked_by", who=who, time=hhmm(hall, parse_at(ack.get("at"))))
    return AlertItem(
        id=str(alert.get("id", "")),
        kind=kind,
        text=labels(key, **params),
        since=hhmm(hall, parse_at(alert.get("since"))),
        until=until,
        window=int(window) if window else None,
        escalated=bool(alert.get("escalated")),
        acked=acked,
    )


def record_sentence(hall: HallConfig, event: Mapping[str, Any], labels: Labeller) -> str:
    """A lateness record that says what happened: who covered and how late, or nobody."""
    p = _params(hall, event, labels)
    if event.get("type") == "arrival.late":
        opened = hhmm(hall, parse_at(event.get("opened")))
        arrived = hhmm(hall, parse_at(event.get("arrived")))
        return labels("record.arrival_late", **p, opened=opened, arrived=arrived)
    started, ended = parse_at(event.get("started")), parse_at(event.get("ended"))
    cover_started = parse_at(event.get("cover_started"))
    if event.get("covered_by") and cover_started is not None and started is not None:
        over = cover_started - started - hall.rules.cover_after
        cover = labels(
            "record.covered_late",
            b=staff_name(hall, event.get("covered_by")),
            time=hhmm(hall, cover_started),
            late=max(1, whole_minutes(over)),
        )
    else:
        cover = labels("record.uncovered")
    return labels(
        "record.absence_late",
        **p,
        start=hhmm(hall, started),
        end=hhmm(hall, ended),
        cover=cover,
    )


def event_sentence(hall: HallConfig, event: Mapping[str, Any], labels: Labeller) -> str:
    kind = str(event.get("type", ""))
    if kind in RECORD_TYPES and (kind == "arrival.late" or event.get("late")):
        return record_sentence(hall, event, labels)
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
    if reason and state:
        state_label += f" · {labels(f'reason.{reason}')}"
    post = event.get("post")
    minutes = event.get("minutes", event.get("extended_minutes"))
    return {
        "window": event.get("window", ""),
        "to_window": event.get("to_window", ""),
        "staff": staff_name(hall, event.get("staff")),
        "post": labels(f"post.{post}") if post in ("A", "B") else "",
        "state": state_label,
        "ticket": ticket.get("number", "") if isinstance(ticket, Mapping) else "",
        "service": service_name(hall, ticket.get("service"), labels.lang)
        if isinstance(ticket, Mapping)
        else "",
        "minutes": whole_minutes(timedelta(minutes=float(minutes))) if minutes is not None else "",
        "waiting": event.get("waiting", ""),
        "score": event.get("score", ""),
        "at": hhmm(hall, parse_at(event.get("at"))),
        "deadline": hhmm(hall, parse_at(event.get("deadline"))),
        "kind": labels(f"leave.{event['kind']}")
        if event.get("kind") and str(event.get("type", "")).startswith("leave.")
        else "",
        "leave": event.get("leave", ""),
        "record": event.get("record", ""),
        "appeal": event.get("appeal", ""),
        "version": str(event.get("version", ""))[:8],  # hall.configured: the file's SHA-256
        "outcome": labels("appeal.upheld" if event.get("upheld") else "appeal.voided")
        if "upheld" in event
        else "",
        "until": _day_time(hall, parse_at(event.get("until"))),
        "from": _day_time(hall, parse_at(event.get("from"))),
    }


def _day_time(hall: HallConfig, moment: datetime | None) -> str:
    return moment.astimezone(hall.tz).strftime("%m-%d %H:%M") if moment else ""
