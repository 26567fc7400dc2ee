"""Appeals as the records show them (申诉): each appeal's trail, from its `appeal.filed` to
its `appeal.decided`, read off the hall's appeal events. Pure. (The rules of appeals, who
may file and decide, are the core's: `hall.staffing.appeals`.)"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import msgspec

from hall.core import events as ev
from hall.core.events import AnyEvent
from hall.core.model import RecordStatus

APPEAL_TYPES = ("appeal.filed", "appeal.decided")


class Appeal(msgspec.Struct, frozen=True, kw_only=True):
    """An appeal's trail: filed by the clerk with a reason; decided by the director, with a
    reason (`upheld` true keeps the record, false voids it)."""

    appeal: str
    """Its id, `P1`, `P2`, …"""
    record: str
    """The record appealed (`R<n>`)."""
    staff: str
    """Whose record it is."""
    day: date
    """The record's day."""
    filed_at: datetime
    filed_by: str | None
    """Who filed it: the clerk (`None`: the admin token for them)."""
    reason: str
    """The clerk's reason."""
    decided_at: datetime | None = None
    decided_by: str | None = None
    upheld: bool | None = None
    """`None` while open; true: the record stands; false: voided."""
    decision: str = ""
    """The director's reason."""

    @property
    def status(self) -> RecordStatus:
        """What the appeal made of its record: `appealed` (open), `upheld` or `voided`."""
        if self.upheld is None:
            return "appealed"
        return "upheld" if self.upheld else "voided"


def trails(events: Iterable[tuple[str, AnyEvent]]) -> list[Appeal]:
    """The appeals of `events` (in log order), each with its decision when it has one, in
    the order they were filed. A decision whose filing is not among them is left out."""
    out: dict[str, Appeal] = {}
    for _, e in events:
        if isinstance(e, ev.AppealFiled):
            out[e.appeal] = Appeal(
                appeal=e.appeal,
                record=e.record,
                staff=e.staff,
                day=e.day,
                filed_at=e.at,
                filed_by=e.by,
                reason=e.reason,
            )
        elif isinstance(e, ev.AppealDecided) and e.appeal in out:
            out[e.appeal] = msgspec.structs.replace(
                out[e.appeal],
                decided_at=e.at,
                decided_by=e.by,
                upheld=e.upheld,
                decision=e.reason,
            )
    return list(out.values())
