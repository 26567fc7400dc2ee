"""The director's live issues: the state's current alerts, most urgent first, each with what
to do about it and where to do it (its window's page). Acknowledged ones follow the others:
they are still true, but someone has seen them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hall.config import HallConfig
from hall.kiosk.labels import Labeller, staff_name
from hall.kiosk.sentences import AlertItem, live_alerts
from hall.kiosk.times import parse_at

# Lower is more urgent. Residents left with nobody to serve them come first; then a window
# only the director can staff now (its B-post cannot come, or did not within
# escalate_after); then a B-post still on the way; then a resident waiting long.
URGENCY = {"stranded": 0, "b_unavailable": 1, "uncovered": 2, "overdue": 3}


@dataclass(frozen=True, slots=True)
class Issue:
    alert: AlertItem
    todo: str  # what to do, in a sentence
    href: str | None  # the page of its window (the tablet), if it concerns one
    acked: bool  # someone has acknowledged it (it stays until its cause ends)


def urgency(alert: Mapping[str, Any]) -> tuple[bool, int, float]:
    """The sort key of a state alert: unacknowledged first, then by kind (an escalated
    uncovered window as urgent as one whose B-post cannot come), then the oldest first."""
    kind = str(alert.get("kind"))
    rank = URGENCY.get(kind, len(URGENCY))
    if kind == "uncovered" and alert.get("escalated"):
        rank = URGENCY["b_unavailable"]
    since = parse_at(alert.get("since"))
    return bool(alert.get("acked")), rank, since.timestamp() if since else 0.0


def live_issues(
    hall: HallConfig,
    alerts: Sequence[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]],
    labels: Labeller,
) -> tuple[Issue, ...]:
    """`alerts`: the detail state's current alerts; `events`: today's (for who acknowledged)."""
    ordered = sorted(alerts, key=urgency)
    items = live_alerts(hall, ordered, events, labels)
    return tuple(
        Issue(
            alert=item,
            todo=todo(hall, raw, labels),
            href=f"/halls/{hall.id}/windows/{item.window}" if item.window else None,
            acked=bool(raw.get("acked")) or bool(item.acked),
        )
        for raw, item in zip(ordered, items, strict=True)
    )


def todo(hall: HallConfig, alert: Mapping[str, Any], labels: Labeller) -> str:
    kind = str(alert.get("kind"))
    key = f"todo.{kind}"
    if kind == "b_unavailable":
        key += f".{alert.get('reason')}"
    elif kind == "uncovered" and alert.get("escalated"):
        key += ".escalated"
    return labels(
        key,
        window=alert.get("window") or "",
        staff=staff_name(hall, alert.get("staff")),
        waiting=alert.get("waiting", 0),
        elsewhere=alert.get("elsewhere") or "",
        ticket=alert.get("ticket") or "",
    )
