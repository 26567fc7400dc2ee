"""The write path: a command (HTTP, the Redis inbox, or time passing) is decided by the core
on the hall's state and appended with a compare-and-set. Imports nothing of the live edge
or the web: both sit on top."""

from hall.engine.applier import InboxApplier
from hall.engine.engine import Busy, Clock, Engine, LogLost, Outcome, fingerprint, system_clock
from hall.engine.ticker import run_ticker

__all__ = [
    "Busy",
    "Clock",
    "Engine",
    "InboxApplier",
    "LogLost",
    "Outcome",
    "fingerprint",
    "run_ticker",
    "system_clock",
]
