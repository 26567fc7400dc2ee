"""Events: what happened, as frozen tagged records. The `type` tag is the stream field, the
API name and the websocket name alike. Events carry no id: Redis assigns it on append."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import msgspec

from hall.core.model import (
    AbsenceReason,
    AwayReason,
    LeaveKind,
    PostName,
    PostState,
    RecordKind,
    Ticket,
)


class Event(msgspec.Struct, frozen=True, tag_field="type", kw_only=True, omit_defaults=True):
    hall: str
    at: datetime


class PresenceChanged(Event, frozen=True, tag="presence.changed"):
    window: int
    post: PostName
    staff: str
    state: PostState
    reason: AwayReason | None = None


class CoverNeeded(Event, frozen=True, tag="cover.needed"):
    """The window stands unattended (the A-post away, off or on leave, the B-post not
    covering): the B-post is told at once, with the moment the rule takes hold."""

    window: int
    staff: str  # the B-post
    deadline: datetime
    a_state: PostState  # away, or off (not arrived yet, or gone)
    a_leave: bool = False  # the A-post is on registered leave
    # The B-post cannot come (covering another window, or on leave): the director's call.
    b_busy: Literal["covering", "leave"] | None = None


class CoverRequested(Event, frozen=True, tag="cover.requested"):
    window: int
    staff: str  # the B-post being called
    a_state: PostState  # why: the A-post is away, or off (not arrived yet, gone)


class CoverEscalated(Event, frozen=True, tag="cover.escalated"):
    window: int


class CoverStarted(Event, frozen=True, tag="cover.started"):
    window: int
    staff: str


class CoverEnded(Event, frozen=True, tag="cover.ended"):
    window: int


class AbsenceRecorded(Event, frozen=True, tag="absence.recorded", omit_defaults=False):
    window: int
    staff: str
    started: datetime
    ended: datetime
    seconds: float
    minutes: float
    covered_by: str | None
    late: bool
    # Defaults only so that logs written before these fields existed still decode.
    reason: AbsenceReason = "other"
    cover_started: datetime | None = None
    record: str = ""  # a late absence is a discipline record: R<n>, which it may be appealed by


class ArrivalLate(Event, frozen=True, tag="arrival.late"):
    """The A-post's first `present` of a session came more than `arrival_grace` after the
    moment they were expected (the opening, or the end of their leave)."""

    window: int
    staff: str
    opened: datetime  # when they were expected
    arrived: datetime
    minutes: float
    record: str = ""  # the discipline record's id (R<n>), which an appeal names


class LeaveRegistered(Event, frozen=True, tag="leave.registered"):
    leave: str
    staff: str
    kind: LeaveKind
    start: datetime = msgspec.field(name="from")
    until: datetime
    note: str = ""
    by: str | None = None


class LeaveCancelled(Event, frozen=True, tag="leave.cancelled"):
    leave: str
    staff: str
    by: str | None = None


class LeaveStarted(Event, frozen=True, tag="leave.started"):
    """A registered leave takes effect (its `from`, or its registration if later)."""

    leave: str
    staff: str


class LeaveEnded(Event, frozen=True, tag="leave.ended"):
    """A leave is over (its `until`, or cancelled while it ran)."""

    leave: str
    staff: str


class AlertAcked(Event, frozen=True, tag="alert.acked"):
    alert: str
    by: str


class TicketIssued(Event, frozen=True, tag="ticket.issued"):
    ticket: Ticket


class TicketCalled(Event, frozen=True, tag="ticket.called"):
    ticket: Ticket
    window: int
    staff: str | None


class TicketRecalled(Event, frozen=True, tag="ticket.recalled"):
    ticket: Ticket
    window: int
    recalls: int


class TicketFinished(Event, frozen=True, tag="ticket.finished"):
    ticket: Ticket
    window: int
    staff: str | None


class TicketNoShow(Event, frozen=True, tag="ticket.no_show"):
    ticket: Ticket
    window: int


class TicketTransferred(Event, frozen=True, tag="ticket.transferred"):
    ticket: Ticket  # as it now stands: waiting, window = to_window
    window: int
    to_window: int


class TicketClosed(Event, frozen=True, tag="ticket.closed"):
    """A waiting (or called) ticket ended without service: its window was closed by the
    director with nowhere to send it (`reason`: window_closed)."""

    ticket: Ticket
    window: int
    reason: Literal["window_closed"]


class TicketOverdue(Event, frozen=True, tag="ticket.overdue"):
    """A resident has waited longer than the hall's `wait_sla` (director alert)."""

    ticket: Ticket


class WindowOpened(Event, frozen=True, tag="window.opened"):
    window: int


class WindowExtended(Event, frozen=True, tag="window.extended"):
    window: int
    waiting: int


class WindowClosed(Event, frozen=True, tag="window.closed", omit_defaults=False):
    """The window closes: every post goes off (the next session starts afresh).
    `extended_minutes` counts only the time someone served; `served_by` says who, in
    minutes each."""

    window: int
    extended_minutes: float
    served_by: dict[str, float] = msgspec.field(default_factory=dict)
    by: str | None = None  # the director who closed it (`window.close`), else None


class RatingGiven(Event, frozen=True, tag="rating.given", omit_defaults=False):
    window: int
    ticket: Ticket
    staff: str | None
    score: int
    source: Literal["pad", "ticket", "admin"] = "pad"
    reasons: tuple[str, ...] = ()  # RATING_REASONS codes; absent in logs written before them


class AppealFiled(Event, frozen=True, tag="appeal.filed"):
    """A clerk appeals a record of theirs (申诉), with a reason."""

    appeal: str  # P<n>
    record: str
    staff: str  # whose record
    window: int
    kind: RecordKind
    day: date  # the record's day
    reason: str
    by: str | None = None  # who filed it (the clerk; the admin for them)


class AppealDecided(Event, frozen=True, tag="appeal.decided"):
    """The director decides an appeal: `upheld` keeps the record (the appeal is turned
    down); otherwise the record is voided and leaves the totals."""

    appeal: str
    record: str
    staff: str
    day: date
    upheld: bool
    reason: str
    by: str | None = None


class HallOpened(Event, frozen=True, tag="hall.opened"):
    """A session starts (before its windows' `window.opened`)."""

    closes_at: datetime


class HallClosed(Event, frozen=True, tag="hall.closed"):
    """A session ends (before its windows' `window.extended` / `window.closed`)."""


class Posts(msgspec.Struct, frozen=True):
    """A window and who holds its posts, as a hall file puts them."""

    number: int
    a: str
    b: str


class HallConfigured(Event, frozen=True, tag="hall.configured"):
    """A version of the hall file is in force from here on (a hub started or reloaded with
    it): `version` is the SHA-256 of the file's bytes; `windows` its windows and posts, in
    its order (a window not listed is gone; a post whose person changed is handed over)."""

    version: str
    windows: tuple[Posts, ...]


class DayStarted(Event, frozen=True, tag="day.started"):
    """Midnight in the hall's time zone: every post off, numbering restarts, tickets left
    from the day before are dropped (listed in `expired`)."""

    date: date
    expired: tuple[str, ...]


AnyEvent = (
    PresenceChanged
    | CoverNeeded
    | CoverRequested
    | CoverEscalated
    | CoverStarted
    | CoverEnded
    | AbsenceRecorded
    | ArrivalLate
    | LeaveRegistered
    | LeaveCancelled
    | LeaveStarted
    | LeaveEnded
    | AlertAcked
    | TicketIssued
    | TicketCalled
    | TicketRecalled
    | TicketFinished
    | TicketNoShow
    | TicketTransferred
    | TicketClosed
    | TicketOverdue
    | WindowOpened
    | WindowExtended
    | WindowClosed
    | RatingGiven
    | AppealFiled
    | AppealDecided
    | HallOpened
    | HallClosed
    | HallConfigured
    | DayStarted
)
EVENT_TYPES: tuple[str, ...] = tuple(e.__struct_config__.tag for e in AnyEvent.__args__)
CALL_TYPES = ("ticket.called", "ticket.recalled")  # a ticket announced at a window

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(AnyEvent)


def encode_event(event: Event) -> bytes:
    return _encoder.encode(event)


def decode_event(data: bytes | str) -> AnyEvent:
    event: AnyEvent = _decoder.decode(data)
    return event


def event_type(event: Event) -> str:
    return event.__struct_config__.tag  # type: ignore[return-value]
