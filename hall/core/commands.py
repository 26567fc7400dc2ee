"""Commands as frozen, tagged records. `decode_command` turns untrusted bytes into one or
raises `Invalid` with a stable code and a message naming the field."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from hall.core.errors import Invalid
from hall.core.model import LOW_SCORES, RATING_REASONS, AwayReason, LeaveKind, RatingReason

WindowNo = Annotated[int, msgspec.Meta(ge=1, le=999)]
ClientId = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
StaffId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern="^[a-z0-9-]+$")]
TicketNo = Annotated[str, msgspec.Meta(pattern="^[A-Z][0-9]{3,6}$")]
Ref = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Moment = Annotated[datetime, msgspec.Meta(tz=True)]  # with its offset: never a local guess
Reasons = Annotated[tuple[RatingReason, ...], msgspec.Meta(max_length=len(RATING_REASONS))]


def check_reasons(score: int, reasons: tuple[str, ...]) -> None:
    """Reasons explain a low rating (1 or 2), each once. Raised as ValueError so msgspec's
    decoding turns it into a 400 `invalid_field` naming the field."""
    if reasons and score not in LOW_SCORES:
        raise ValueError("reasons: only with a score of 1 or 2")
    if len(set(reasons)) != len(reasons):
        raise ValueError("reasons: each reason at most once")


class Command(
    msgspec.Struct, frozen=True, tag_field="type", kw_only=True, forbid_unknown_fields=True
):
    id: ClientId | None = None


class PresenceSet(Command, frozen=True, tag="presence.set"):
    window: WindowNo
    post: Literal["A", "B"]
    state: Literal["present", "away", "off"]
    reason: AwayReason | None = None


class CoverStart(Command, frozen=True, tag="cover.start"):
    window: WindowNo


class CoverEnd(Command, frozen=True, tag="cover.end"):
    window: WindowNo


class TicketIssue(Command, frozen=True, tag="ticket.issue"):
    service: Annotated[str, msgspec.Meta(pattern="^[A-Z]$")]
    priority: bool = False


class TicketCall(Command, frozen=True, tag="ticket.call"):
    window: WindowNo


class TicketRecall(Command, frozen=True, tag="ticket.recall"):
    window: WindowNo


class TicketFinish(Command, frozen=True, tag="ticket.finish"):
    window: WindowNo


class TicketNoShow(Command, frozen=True, tag="ticket.no_show"):
    window: WindowNo


class TicketTransfer(Command, frozen=True, tag="ticket.transfer"):
    window: WindowNo
    to_window: WindowNo


class RatingGive(Command, frozen=True, tag="rating.give"):
    window: WindowNo
    score: Annotated[int, msgspec.Meta(ge=1, le=5)]
    ticket: TicketNo | None = None  # the ticket rated (a resident's own; a pad: its last)
    reasons: Reasons = ()  # why, for a score of 1 or 2 only; each reason once

    def __post_init__(self) -> None:
        check_reasons(self.score, self.reasons)


class LeaveRegister(Command, frozen=True, tag="leave.register"):
    staff: StaffId
    kind: LeaveKind
    start: Moment = msgspec.field(name="from")
    until: Moment
    note: Annotated[str, msgspec.Meta(max_length=200)] = ""


class LeaveCancel(Command, frozen=True, tag="leave.cancel"):
    leave: Ref


class AlertAck(Command, frozen=True, tag="alert.ack"):
    alert: Ref


class AppealFile(Command, frozen=True, tag="appeal.file"):
    """A clerk appeals a record of theirs (an `arrival.late`, or a late `absence.recorded`)."""

    record: Ref
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class AppealDecide(Command, frozen=True, tag="appeal.decide"):
    """The director decides: `upheld` true keeps the record, false voids it."""

    appeal: Ref
    upheld: bool
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class WindowClose(Command, frozen=True, tag="window.close"):
    window: WindowNo
    transfer_to: WindowNo | None = None


class Tick(msgspec.Struct, frozen=True):
    """Time passing: the system's own command. Not decodable from outside."""


AnyCommand = (
    PresenceSet
    | CoverStart
    | CoverEnd
    | TicketIssue
    | TicketCall
    | TicketRecall
    | TicketFinish
    | TicketNoShow
    | TicketTransfer
    | RatingGive
    | LeaveRegister
    | LeaveCancel
    | AlertAck
    | WindowClose
    | AppealFile
    | AppealDecide
)
COMMAND_TYPES: dict[str, type[Command]] = {c.__struct_config__.tag: c for c in AnyCommand.__args__}

_decoder = msgspec.json.Decoder(AnyCommand)
_encoder = msgspec.json.Encoder()
_PATH = re.compile(r" - at `\$\.?([^`]*)`$")
_FIELD = re.compile(r"field `([^`]+)`")


def decode_command(raw: bytes | str) -> AnyCommand:
    try:
        command: AnyCommand = _decoder.decode(raw)
        return command
    except (msgspec.DecodeError, msgspec.ValidationError):
        pass
    except RecursionError:  # msgspec recurses per nesting level: `[[[[...` is hostile
        raise Invalid("malformed", "body is nested too deeply") from None
    return _diagnose(raw)  # (which also refuses what is nested too deeply)


def _diagnose(raw: bytes | str) -> AnyCommand:
    """The slow path: say precisely what is wrong."""
    try:
        obj: Any = msgspec.json.decode(raw)
    except msgspec.DecodeError as e:
        raise Invalid("malformed", f"body is not valid JSON: {e}") from None
    except RecursionError:
        raise Invalid("malformed", "body is nested too deeply") from None
    if not isinstance(obj, dict):
        raise Invalid("malformed", "body must be a JSON object")
    kind = obj.get("type")
    if kind is None:
        raise Invalid("malformed", "body has no `type`")
    if not isinstance(kind, str) or kind not in COMMAND_TYPES:
        known = ", ".join(sorted(COMMAND_TYPES))
        raise Invalid("unknown_type", f"unknown command type {kind!r}; known: {known}")
    try:
        command: AnyCommand = msgspec.convert(obj, AnyCommand)
        return command
    except msgspec.ValidationError as e:
        raise Invalid("invalid_field", _field_message(str(e))) from None


def _field_message(text: str) -> str:
    """msgspec says 'Expected `int`, got `str` - at `$.window`'; lead with the field name."""
    at = _PATH.search(text)
    if at:
        field = at.group(1) or "body"
        return f"{field}: {text[: at.start()]}"
    named = _FIELD.search(text)
    if named:
        return f"{named.group(1)}: {text}"
    return text


def encode_command(command: Command) -> bytes:
    return _encoder.encode(command)
