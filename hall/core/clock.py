"""Small time helpers shared by the rules (no clock reads: time is always passed in)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TENTH = Decimal("0.1")


def minutes(span: timedelta) -> float:
    """Minutes to one decimal, rounded half-up (2 min 3 s -> 2.1)."""
    seconds = Decimal(span.days * 86400 + span.seconds) + Decimal(span.microseconds) / 10**6
    return float((seconds / 60).quantize(_TENTH, rounding=ROUND_HALF_UP))


def seconds(span: timedelta) -> float:
    return round(span.total_seconds(), 3)
