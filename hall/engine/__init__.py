"""The write path: a command (HTTP, the Redis inbox, or time passing) is decided by the core
on the hall's state and appended with a compare-and-set. Imports nothing of the live edge
or the web: both sit on top."""

from hall.engine.applier import InboxApplier
from hall.engine.engine import (
    Busy,
    Clock,
    ConfigChanged,
    Engine,
    LogLost,
    Outcome,
    fingerprint,
    system_clock,
)
from hall.engine.ticker import Ticker

__all__ = [
    "Busy",
    "Clock",
    "ConfigChanged",
    "Engine",
    "InboxApplier",
    "LogLost",
    "Outcome",
    "Ticker",
    "fingerprint",
    "system_clock",
]
