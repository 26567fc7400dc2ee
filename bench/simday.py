"""A busy working day of the Kaiyuan hall, played offline by the demo's own simulator
(`hall.demo.loop.Simulation`: its plan, its clerks, its residents) through the core, with
twice the demo's residents: the log a real hub would have written, as stream entries.

    from simday import busy_day
    entries = busy_day(hall, date(2026, 3, 2))   # [(stream id, type, data)], in log order

No Redis, no hub: an in-memory engine runs `execute` and stamps each event with a stream id
from its own time (as Redis would, ms-seq)."""

from __future__ import annotations

import random
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import anyio

from hall.config import HallConfig
from hall.core import SYSTEM, Actor, Command, DomainError, State, Tick, encode_event, execute
from hall.core import initial_state as fresh
from hall.core.events import Event, event_type
from hall.demo.clock import demo_start
from hall.demo.loop import STEP, Simulation
from hall.demo.plan import plan_day

Entry = tuple[str, str, bytes]


class MemoryEngine:
    """What `Simulation.step` needs of the hub's engine, on a list instead of Redis."""

    def __init__(self, hall: HallConfig, state: State, clock: Any) -> None:
        self.hall = hall
        self.state = state
        self.clock = clock
        self.entries: list[Entry] = []
        self._last = (0, 0)

    async def current(self, hall: str) -> tuple[State, str]:
        return self.state, self.version

    def last_seen(self, hall: str) -> tuple[State, str] | None:
        return self.state, self.version

    @property
    def version(self) -> str:
        return f"{self._last[0]}-{self._last[1]}" if self.entries else "0-0"

    async def submit(self, hall: str, command: Command | Tick, actor: Actor) -> object:
        self.state, events = execute(self.hall, self.state, command, actor, self.clock())
        self._append(events)
        return events

    def _append(self, events: list[Event]) -> None:
        for event in events:
            ms = int(event.at.timestamp() * 1000)
            ms, seq = (ms, 0) if ms > self._last[0] else (self._last[0], self._last[1] + 1)
            self._last = (ms, seq)
            self.entries.append((f"{ms}-{seq}", event_type(event), encode_event(event)))


def busy_day(
    hall: HallConfig,
    day: date,
    *,
    state: State | None = None,
    seed: int = 1,
    residents: int = 2,
) -> tuple[list[Entry], State]:
    """The day's log (from midnight to the last window closing, and the rest of the day's
    ticks) and the state at its end. `residents`: how many demo days' residents come."""
    now = [datetime.combine(day, datetime.min.time(), tzinfo=hall.tz).astimezone(UTC)]
    engine = MemoryEngine(hall, state or fresh(hall), lambda: now[0])
    sim = Simulation(hall, lambda: now[0], speed=1.0, seed=seed)
    extra = [plan_day(hall, day, random.Random(seed * 7919 + n)) for n in range(1, residents)]
    crowd = [*sim.residents, *(r for plan in extra for r in plan.residents)]
    sim.residents = sorted(crowd, key=lambda r: r.at)

    async def play() -> None:
        now[0] = demo_start(hall, day)
        await engine.submit(hall.id, Tick(), SYSTEM)
        while not sim.done:
            await engine.submit(hall.id, Tick(), SYSTEM)
            for move in sim.moves(engine.state, now[0]):
                with suppress(DomainError):  # a refusal is part of a real hall's day
                    await engine.submit(hall.id, move.command, move.actor)
            now[0] += timedelta(seconds=STEP)
        now[0] = datetime.combine(day, datetime.max.time(), tzinfo=hall.tz).astimezone(UTC)
        await engine.submit(hall.id, Tick(), SYSTEM)

    anyio.run(play)
    return engine.entries, engine.state


def shifted(hall: HallConfig, hall_id: str) -> HallConfig:
    """The same hall under another id (a year of 20 halls)."""
    return replace(hall, id=hall_id)
