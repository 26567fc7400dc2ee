"""The ledger's rows (seed Art. 17): a clerk's day, a service's day, and their totals over a
span (a month, a range of days). Frozen msgspec Structs: stored as day rows in the records
database and given as they are by the API (`docs/api.md`, "Records").

Minutes carry one decimal (rounded half up, as the events' own); a rate is a percentage
with one decimal, `None` when there is nothing to rate. A record voided by appeal stays
listed (`records`, status `voided`) and is left out of every count and every minute.
"""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from hall.core.model import LeaveKind, RecordKind, RecordStatus

Ratings = tuple[int, int, int, int, int]  # how many ratings of 1, 2, 3, 4 and 5
NO_RATINGS: Ratings = (0, 0, 0, 0, 0)


class Row(msgspec.Struct, frozen=True, kw_only=True):
    pass


class RecordEntry(Row, frozen=True):
    """A discipline record (Art. 17) as a clerk's day lists it."""

    record: str
    """Its id, `R1`, `R2`, … (`""` for a late absence logged before records had ids)."""
    kind: RecordKind
    """`arrival.late`, or `absence.recorded` (a late absence: 离岗未顶岗)."""
    event: str
    """The stream id of the `arrival.late` / `absence.recorded` event."""
    window: int
    start: datetime
    """When the clerk was expected (arrival), or when the absence began."""
    end: datetime
    """When the clerk arrived (arrival), or when the absence ended."""
    minutes: float
    """As the event says: late by (arrival), or the whole absence's length."""
    status: RecordStatus = "standing"
    """`standing`; `appealed` (an appeal is open: still counted, marked); `upheld` (the
    appeal was turned down: counted); `voided` (left out of every total)."""
    evidence: tuple[str, ...] = ()
    """Stream ids of the window's `cover.needed`, `cover.requested` and `cover.escalated`
    between `start` and `end` (inclusive): the rule's steps while nobody was there."""

    @property
    def counted(self) -> bool:
        return self.status != "voided"


class StaffDay(Row, frozen=True):
    """One clerk's day (stored as kind `staff-day`, key the staff id). Only a day with
    something in it has a row."""

    staff: str
    day: date
    sessions_due: int = 0
    """Sessions that opened at windows where the clerk was the A-post (the post named by
    the day's own events, else the hall file's)."""
    late_arrivals: int = 0
    """迟到（到岗）: `arrival.late` records, not voided."""
    late_arrival_minutes: float = 0.0
    absences: int = 0
    """离岗: every `absence.recorded` of theirs (late or not), but voided ones."""
    absence_minutes: float = 0.0
    late_absences: int = 0
    """迟到（离岗未顶岗）: absences uncovered past `cover_after` (`late`), not voided."""
    late_absence_minutes: float = 0.0
    records: tuple[RecordEntry, ...] = ()
    """Their discipline records of the day (arrivals, late absences), voided ones too."""
    leave_minutes: float = 0.0
    """请假/公出: registered leave (any kind) running while the hall was open that day."""
    leave: dict[LeaveKind, float] = msgspec.field(default_factory=dict)
    """`leave_minutes` by kind: `leave` 请假, `outing` 公务外出, `training` 培训, `other`."""
    covers: int = 0
    """顶岗: covers they started as a B-post."""
    cover_minutes: float = 0.0
    """From each `cover.started` to its `cover.ended` (or the window's closing)."""
    extended_minutes: float = 0.0
    """延时: their share of extended service (`window.closed` `served_by`)."""
    served: int = 0
    """办件数: tickets finished by them (`ticket.finished` `staff`)."""
    service_minutes: float = 0.0
    """From each of those tickets' call to its finish."""
    ratings: Ratings = NO_RATINGS
    """How many ratings of 1..5 were credited to them (`rating.given` `staff`)."""
    satisfaction: float | None = None
    """满意率: ratings of 4 and 5 over all, in percent; `None` without ratings."""


class StaffTotals(Row, frozen=True, kw_only=True):
    """A clerk's figures over `first`..`last` (the month's attendance sheet row): the sums
    of their days, rates recomputed from the sums."""

    staff: str
    name: str
    """As the hall file names them now (the id of someone no longer in it)."""
    number: str = ""
    """工号, when the hall file gives it."""
    first: date
    last: date
    days: int = 0
    """Days with a row (something happened)."""
    sessions_due: int = 0
    late_arrivals: int = 0
    late_arrival_minutes: float = 0.0
    absences: int = 0
    absence_minutes: float = 0.0
    late_absences: int = 0
    late_absence_minutes: float = 0.0
    appealed: int = 0
    """Records under appeal now (counted until decided)."""
    voided: int = 0
    """Records voided by appeal (not counted)."""
    leave_minutes: float = 0.0
    leave: dict[LeaveKind, float] = msgspec.field(default_factory=dict)
    covers: int = 0
    cover_minutes: float = 0.0
    extended_minutes: float = 0.0
    served: int = 0
    service_minutes: float = 0.0
    ratings: Ratings = NO_RATINGS
    satisfaction: float | None = None


class ServiceDay(Row, frozen=True):
    """One service's day (stored as kind `service-day`, key the service code). Waits and
    service times are kept one by one (seconds) so that a range's percentiles are exact."""

    service: str
    day: date
    issued: int = 0
    served: int = 0
    """Tickets finished."""
    no_shows: int = 0
    transfers: int = 0
    """`ticket.transferred` (a ticket handed on twice counts twice)."""
    closed: int = 0
    """Tickets ended by a window closed early (`ticket.closed`)."""
    sla_breaches: int = 0
    """Residents who waited longer than `wait_sla` (`ticket.overdue`)."""
    wait_p50: float | None = None
    """Minutes from issue to first call: median, 90th percentile, longest."""
    wait_p90: float | None = None
    wait_max: float | None = None
    service_p50: float | None = None
    """Minutes from the call to the finish."""
    service_p90: float | None = None
    service_max: float | None = None
    waits: tuple[int, ...] = ()
    """Seconds from issue to first call of each ticket called that day."""
    service_times: tuple[int, ...] = ()
    """Seconds from the (last) call to the finish of each ticket finished that day."""


class ServiceTotals(Row, frozen=True):
    """A service's figures over `first`..`last` (one day when they are equal): sums, and
    percentiles (nearest rank) and means over every ticket of the span."""

    service: str
    first: date
    last: date
    issued: int = 0
    served: int = 0
    no_shows: int = 0
    transfers: int = 0
    closed: int = 0
    sla_breaches: int = 0
    called: int = 0
    """Tickets with a measured wait (called at least once)."""
    wait_mean: float | None = None
    wait_p50: float | None = None
    wait_p90: float | None = None
    wait_max: float | None = None
    service_mean: float | None = None
    service_p50: float | None = None
    service_p90: float | None = None
    service_max: float | None = None
