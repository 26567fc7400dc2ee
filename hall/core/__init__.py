"""The functional core: typed records, decide / evolve / next_deadline. No I/O, no clock."""

from hall.core.commands import AnyCommand, Command, Tick, decode_command, encode_command
from hall.core.decide import advance, decide, execute
from hall.core.errors import DomainError, Forbidden, Invalid, NotFound, Refused, Unauthorized
from hall.core.events import AnyEvent, Event, decode_event, encode_event, event_type
from hall.core.evolve import evolve, fold, initial_state
from hall.core.model import ADMIN, SYSTEM, Actor, State
from hall.core.timers import next_deadline

__all__ = [
    "ADMIN",
    "SYSTEM",
    "Actor",
    "AnyCommand",
    "AnyEvent",
    "Command",
    "DomainError",
    "Event",
    "Forbidden",
    "Invalid",
    "NotFound",
    "Refused",
    "State",
    "Tick",
    "Unauthorized",
    "advance",
    "decide",
    "decode_command",
    "decode_event",
    "encode_command",
    "encode_event",
    "event_type",
    "evolve",
    "execute",
    "fold",
    "initial_state",
    "next_deadline",
]
