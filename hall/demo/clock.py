"""The simulated clock of `hall demo`, and the working day it plays."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from hall.config import HallConfig
from hall.schedule import sessions_on

LEAD_IN = timedelta(minutes=5)  # the day starts this long before the first session


class SimClock:
    """`start + (monotonic() - t0) * speed`, as an aware UTC datetime: the hub's clock."""

    def __init__(
        self, start: datetime, speed: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        if start.utcoffset() is None:
            raise ValueError("the simulated clock needs an aware start time")
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.start = start.astimezone(UTC)
        self.speed = speed
        self._monotonic = monotonic
        self._t0 = monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=(self._monotonic() - self._t0) * self.speed)

    def real(self, simulated_seconds: float) -> float:
        """Real seconds that `simulated_seconds` take at this speed."""
        return simulated_seconds / self.speed


def demo_day(hall: HallConfig, today: date) -> date:
    """`today` if the hall works today, else its next working day."""
    for offset in range(400):
        day = today + timedelta(days=offset)
        if sessions_on(hall, day):
            return day
    raise ValueError(f"hall {hall.id} has no working day within a year of {today}")


def demo_start(hall: HallConfig, day: date) -> datetime:
    """07:55 in the hall's time zone for Kaiyuan: five minutes before the first session."""
    first, _ = sessions_on(hall, day)[0]
    return (first - LEAD_IN).astimezone(UTC)
