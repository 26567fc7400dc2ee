"""The day's history of the director's alerts: when each began and, once its cause ended,
when it resolved. The alerts themselves are derived from the state (`hall.core.alerts`);
this book only watches them come and go, so that a resolved one moves to the history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from hall.core.alerts import Alert

HISTORY = 200  # resolved alerts kept per day


@dataclass(frozen=True, slots=True)
class Resolved:
    alert: Alert
    until: datetime


@dataclass
class AlertBook:
    current: dict[str, Alert] = field(default_factory=dict)
    resolved: list[Resolved] = field(default_factory=list)  # oldest first

    def update(self, alerts: Iterable[Alert], at: datetime) -> None:
        now = {a.id: a for a in alerts}
        for gone in self.current.keys() - now.keys():
            self.resolved.append(Resolved(self.current[gone], at))
        del self.resolved[:-HISTORY]
        self.current = now

    def clear(self) -> None:
        self.current.clear()
        self.resolved.clear()
