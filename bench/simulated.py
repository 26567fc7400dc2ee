"""Simulated days of a hall for the records benchmark: `hall demo`'s people (its day plan
and moves, hall/demo) driven through the pure core on a simulated clock, no hub and no
Redis, with twice the demo's residents, most of whom rate at the window's pad; the clerks
appeal some of their records the next working day, the director decides them the day after.

    days = simulate(hall, first_day, 22)   # [(day, its events)], working days and the rest

Every event is the core's own (`hall.core.execute`), stamped with the simulated time; the
records benchmark gives them stream ids from those times (tests/support/records.py).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from hall.config import HallConfig
from hall.core import SYSTEM, Actor, Command, Event, State, Tick, execute, initial_state
from hall.core import commands as cmds
from hall.core.errors import DomainError
from hall.demo import STEP, Simulation, demo_start, draw_residents
from hall.schedule import day_start, sessions_on

RATED = 0.6  # the share of residents who rate at the window's pad
SCORES = (70, 20, 6, 3, 1)  # how they rate: 5, 4, 3, 2, 1


class CoreEngine:
    """What `Simulation` needs of a hub's engine, as the pure core: each command executed
    at the simulated now, its events kept in order."""

    def __init__(self, hall: HallConfig, seed: int = 1) -> None:
        self.hall = hall
        self.rng = random.Random(seed)
        self.state: State = initial_state(hall)
        self.now = datetime.min
        self.log: list[Event] = []
        self.refused = 0

    async def current(self, hall: str) -> tuple[State, str]:
        return self.state, str(len(self.log))

    def last_seen(self, hall: str) -> tuple[State, str] | None:
        return self.state, str(len(self.log))

    async def submit(self, hall: str, command: Command, actor: Actor) -> object:
        self.run(command, actor)
        if isinstance(command, cmds.TicketFinish) and self.rng.random() < RATED:
            score = self.rng.choices((5, 4, 3, 2, 1), SCORES)[0]
            rating = cmds.RatingGive(window=command.window, score=score)
            self.run(rating, Actor("rating", window=command.window))
        return None

    def run(self, command: Command | Tick, actor: Actor) -> None:
        self.state, events = execute(self.hall, self.state, command, actor, self.now)
        self.log += events

    def tick(self, now: datetime) -> None:
        self.now = now
        self.run(Tick(), SYSTEM)

    def take(self) -> list[Event]:
        out, self.log = self.log, []
        return out


def simulate(
    hall: HallConfig, first: date, working_days: int, *, seed: int = 1, residents: int = 2
) -> Iterator[tuple[date, list[Event]]]:
    """From `first`, every day until `working_days` working days were played (and the
    morning after the last, so that it is whole in the log): each day with its events."""
    engine = CoreEngine(hall, seed)
    director = next((p.id for p in hall.staff if p.role == "director"), "director")
    day, played = first, 0
    engine.tick(day_start(hall, day))
    while played < working_days:
        if sessions_on(hall, day):
            _appeals(engine, director, day, played)
            asyncio.run(_play(engine, hall, day, seed + played, residents))
            played += 1
        engine.tick(day_start(hall, day + timedelta(days=1)))
        events = engine.take()
        cut = next(
            (i for i, e in enumerate(events) if e.at >= day_start(hall, day + timedelta(days=1))),
            len(events),
        )
        yield day, events[:cut]
        engine.log = events[cut:]  # the next day's day.started
        day += timedelta(days=1)
    engine.tick(day_start(hall, day) + timedelta(hours=1))
    yield day, engine.take()


async def _play(engine: CoreEngine, hall: HallConfig, day: date, seed: int, extra: int) -> None:
    start = demo_start(hall, day)
    engine.tick(start)
    sim = Simulation(hall, lambda: engine.now, speed=1.0, seed=seed, sleep=_no_wait)
    rng = random.Random(seed * 7919)
    more = [
        r
        for _ in range(extra - 1)
        for opened, closes in sessions_on(hall, day)
        for r in draw_residents(hall, opened, closes, rng)
    ]
    sim.residents = sorted(sim.residents + more, key=lambda r: r.at)
    while not sim.done:
        engine.tick(engine.now + timedelta(seconds=STEP))
        await sim.step(engine)


async def _no_wait(seconds: float) -> None:
    return None


def _appeals(engine: CoreEngine, director: str, day: date, played: int) -> None:
    """Before the day opens: the clerks appeal every third record of the last working day;
    the director decides the appeals still open from before (voiding every other one)."""
    engine.tick(day_start(engine.hall, day) + timedelta(hours=7))
    records = engine.state.records
    open_ones = [r for r in records if r.status == "appealed"]
    for n, record in enumerate(open_ones):
        decide = cmds.AppealDecide(appeal=record.appeal or "", upheld=n % 2 == 1, reason="核实")
        _try(engine, decide, Actor("director", staff=director))
    last = max((r.day for r in records), default=None)
    for n, record in enumerate(r for r in records if r.day == last and r.status == "standing"):
        if n % 3 == 0:
            appeal = cmds.AppealFile(record=record.id, reason="情况说明")
            _try(engine, appeal, Actor("clerk", staff=record.staff))


def _try(engine: CoreEngine, command: Command, actor: Actor) -> None:
    try:
        engine.run(command, actor)
    except DomainError:
        engine.refused += 1
