"""How a ticket left the queue (finished, a no-show, closed with its window): what the
resident's page says once the ticket is no longer waiting or called."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FATE_TYPES = ("ticket.finished", "ticket.no_show", "ticket.closed")


@dataclass(frozen=True, slots=True)
class Fate:
    kind: str  # ticket.finished | ticket.no_show | ticket.closed
    window: int
    at: str  # ISO time


def fate_of(event: Mapping[str, Any]) -> tuple[str, Fate] | None:
    """(ticket number, its fate) for an event that ends a ticket, else None."""
    kind = event.get("type")
    if kind not in FATE_TYPES:
        return None
    return str(event["ticket"]["number"]), Fate(str(kind), int(event["window"]), str(event["at"]))
