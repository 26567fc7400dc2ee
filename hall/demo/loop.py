"""The simulation loop of `hall demo`: every few simulated seconds, read the hall's state,
bring it up to the simulated now, ask what its people do (hall/demo/moves.py), submit their
commands through the hub's engine, and say on the console what changed."""

from __future__ import annotations

import itertools
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import anyio

from hall.config import HallConfig
from hall.core import Actor, Command, DomainError, State, advance
from hall.demo.clock import SimClock, demo_day, demo_start
from hall.demo.moves import (
    Desk,
    Move,
    WindowFacts,
    desk_move,
    due_residents,
    staff_moves,
    window_facts,
)
from hall.demo.plan import Intent, Outing, Resident, plan_day
from hall.schedule import hall_day
from hall.store.errors import StoreError

if TYPE_CHECKING:
    from hall.runtime import Runtime

log = logging.getLogger("hall.demo")  # one logger for the demo, as before the split

STEP = 10.0  # simulated seconds between two looks at the hall
MIN_PAUSE, MAX_PAUSE = 0.01, 0.25  # real seconds, whatever the speed


# -- narration ---------------------------------------------------------------------------


def narrate(
    hall: HallConfig, before: dict[int, WindowFacts] | None, after: dict[int, WindowFacts]
) -> list[str]:
    """One line per window whose status changed (or whose cover request was escalated)."""
    if before is None:
        return []
    lines: list[str] = []
    for n, v in after.items():
        old = before[n].status
        if v.escalated and not before[n].escalated:
            lines.append(f"window {n} {v.name}: still uncovered: escalated to the director")
        if old == v.status:
            continue
        detail = ""
        if v.status == "away" and v.reason:
            detail = f" ({v.reason})"
        elif v.status == "uncovered":
            detail = f": cover requested from the B-post {_name(hall, v.b)}"
        elif v.status == "covered":
            detail = f" by the B-post {_name(hall, v.b)}"
        elif v.status == "extended":
            detail = f": serving {v.serving or 'nobody'}, {v.waiting} waiting"
        lines.append(f"window {n} {v.name}: {old} -> {v.status}{detail}")
    return lines


def _name(hall: HallConfig, staff: str) -> str:
    person = hall.person(staff)
    return f"{person.name} ({staff})" if person else staff


# -- the simulation loop -----------------------------------------------------------------


class HubEngine(Protocol):
    """What the simulation needs of the hub's `Engine`."""

    async def current(self, hall: str) -> tuple[State, str]: ...

    def last_seen(self, hall: str) -> tuple[State, str] | None: ...

    async def submit(self, hall: str, command: Command, actor: Actor) -> object: ...


class Simulation:
    """One simulated day at one hall, driven against an engine (the hub's, or a test's)."""

    def __init__(
        self,
        hall: HallConfig,
        clock: Callable[[], datetime],
        *,
        speed: float,
        seed: int = 1,
        say: Callable[[str], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self.hall = hall
        self.clock = clock
        self.speed = speed
        self.rng = random.Random(seed)
        self.say = say
        self.sleep = sleep
        self.plan = plan_day(hall, hall_day(hall, clock()), self.rng)
        self.intents: list[Intent] = list(self.plan.intents)
        self.residents: list[Resident] = list(self.plan.residents)
        self.desks: dict[int, Desk] = {w.number: Desk() for w in hall.windows}
        self.views: dict[int, WindowFacts] | None = None
        self.open: bool | None = None  # a session is running
        self.refusals: dict[str, int] = {}
        self.done = False
        boss = next((p.id for p in hall.staff if p.role == "director"), "director")
        self.director = Actor("director", staff=boss)

    def _tell(self, now: datetime, text: str) -> None:
        if self.say is not None:
            self.say(f"{now.astimezone(self.hall.tz):%H:%M}  {text}")

    def moves(self, state: State, now: datetime) -> list[Move]:
        """Everything the hall's people do at `now`, given the hall's state at `now`."""
        views = window_facts(self.hall, state)
        self._hall_news(state, now)
        for line in narrate(self.hall, self.views, views):
            self._tell(now, line)
        self.views = views
        out, self.intents = staff_moves(views, self.intents, now, self.director)
        leaving = {i.window for i in self.intents if isinstance(i, Outing) and i.at <= now}
        for n, view in views.items():
            move, self.desks[n] = desk_move(
                view, self.desks[n], views, now, self.rng, holding=n in leaving
            )
            if move is not None:
                out.append(move)
        tickets, self.residents = due_residents(self.residents, now)
        out += tickets
        if not self.intents and all(v.phase == "closed" for v in views.values()):
            self.done = now >= self.plan.ends
        return out

    def _hall_news(self, state: State, now: datetime) -> None:
        is_open = state.closes_at is not None
        if is_open == self.open:
            return
        if self.open is None and not is_open:
            self._tell(now, "the hall is still closed; the posts arrive for the first session")
        elif is_open:
            assert state.closes_at is not None
            until = state.closes_at.astimezone(self.hall.tz)
            self._tell(now, f"the hall opens: the kiosk issues tickets until {until:%H:%M}")
        else:
            self._tell(now, "closing time: the kiosk stops; windows with residents left extend")
        self.open = is_open

    async def step(self, engine: HubEngine) -> None:
        now = self.clock()
        # The demo is the only hub of its Redis, so every write passes through this engine
        # and what it saw last is current: no round trip to Redis each step.
        current, _ = engine.last_seen(self.hall.id) or await engine.current(self.hall.id)
        state, _ = advance(self.hall, current, now.astimezone(self.hall.tz))
        for move in self.moves(state, now):
            if move.note:
                self._tell(now, f"window {getattr(move.command, 'window', '-')}: {move.note}")
            try:
                await engine.submit(self.hall.id, move.command, move.actor)
            except DomainError as e:  # a refusal is part of a real hall's day
                self.refusals[e.code] = self.refusals.get(e.code, 0) + 1
                log.debug("demo: %s refused: %s", move.command, e.message)

    async def run(self, engine: HubEngine) -> None:
        pause = min(MAX_PAUSE, max(MIN_PAUSE, STEP / self.speed))
        while not self.done:
            try:
                await self.step(engine)
            except StoreError as e:  # Redis hiccup: the next step re-reads the state
                log.warning("demo: store unavailable (%s); carrying on", e)
            except Exception:  # never let one bad step end the demo
                log.exception("demo: simulation step failed; carrying on")
            await self.sleep(pause)
        self._tell(self.clock(), "the demo day is over: every window closed, everyone off duty")


def simulation(
    hall: HallConfig,
    clock: SimClock,
    *,
    seed: int = 1,
    say: Callable[[str], None] | None = None,
) -> Callable[[Runtime], Coroutine[Any, Any, None]]:
    """The background coroutine for `create_app(..., background=[...])`: plays the day, then
    (if the demo is left running) the hall rests overnight and the next working day is played
    from its 07:55, with the next seed."""

    async def run(hub: Runtime) -> None:
        for n in itertools.count():
            sim = Simulation(hall, clock, speed=clock.speed, seed=seed + n, say=say)
            await sim.run(hub.engine)
            day = demo_day(hall, hall_day(hall, clock()) + timedelta(days=1))
            start = demo_start(hall, day)
            wait = max(0.0, clock.real((start - clock()).total_seconds()))
            if say is not None:
                after = (
                    f"{wait / 60:.0f} real minutes" if wait >= 90 else f"{wait:.0f} real seconds"
                )
                say(f"the next day, {day:%A %Y-%m-%d}, starts in {after}")
            await anyio.sleep(wait)

    return run
