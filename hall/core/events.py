"""Events: what happened, as frozen tagged records. The `type` tag is the stream field, the
API name and the websocket name alike. Events carry no id: Redis assigns it on append."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from hall.core.model import AwayReason, PostName, PostState, Ticket


class Event(msgspec.Struct, frozen=True, tag_field="type", kw_only=True, omit_defaults=True):
    hall: str
    at: datetime


class PresenceChanged(Event, frozen=True, tag="presence.changed"):
    window: int
    post: PostName
    staff: str
    state: PostState
    reason: AwayReason | None = None


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


class AbsenceRecorded(Event, frozen=True, tag="absence.recorded"):
    window: int
    staff: str
    started: datetime
    ended: datetime
    seconds: float
    minutes: float
    covered_by: str | None
    late: bool


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


class TicketOverdue(Event, frozen=True, tag="ticket.overdue"):
    """A resident has waited longer than the hall's `wait_sla` (director alert)."""

    ticket: Ticket


class WindowOpened(Event, frozen=True, tag="window.opened"):
    window: int


class WindowExtended(Event, frozen=True, tag="window.extended"):
    window: int
    waiting: int


class WindowClosed(Event, frozen=True, tag="window.closed"):
    window: int
    extended_minutes: float


class RatingGiven(Event, frozen=True, tag="rating.given"):
    window: int
    ticket: Ticket
    staff: str | None
    score: int


class HallOpened(Event, frozen=True, tag="hall.opened"):
    """A session starts (before its windows' `window.opened`)."""

    closes_at: datetime


class HallClosed(Event, frozen=True, tag="hall.closed"):
    """A session ends (before its windows' `window.extended` / `window.closed`)."""


class DayStarted(Event, frozen=True, tag="day.started"):
    """Midnight in the hall's time zone: every post off, numbering restarts, tickets left
    from the day before are dropped (listed in `expired`)."""

    date: date
    expired: tuple[str, ...]


AnyEvent = (
    PresenceChanged
    | CoverRequested
    | CoverEscalated
    | CoverStarted
    | CoverEnded
    | AbsenceRecorded
    | TicketIssued
    | TicketCalled
    | TicketRecalled
    | TicketFinished
    | TicketNoShow
    | TicketTransferred
    | TicketOverdue
    | WindowOpened
    | WindowExtended
    | WindowClosed
    | RatingGiven
    | HallOpened
    | HallClosed
    | DayStarted
)
EVENT_TYPES: tuple[str, ...] = tuple(e.__struct_config__.tag for e in AnyEvent.__args__)

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(AnyEvent)


def encode_event(event: Event) -> bytes:
    return _encoder.encode(event)


def decode_event(data: bytes | str) -> AnyEvent:
    event: AnyEvent = _decoder.decode(data)
    return event


def event_type(event: Event) -> str:
    return event.__struct_config__.tag  # type: ignore[return-value]
