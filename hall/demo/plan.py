"""The day plan of `hall demo`: everything decided in advance for one day, from a seeded
`random.Random` (when the posts arrive, go out and leave; when the residents come and for
what). The rest of the day reacts to the hall's state (hall/demo/moves.py)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hall.config import HallConfig
from hall.core.model import AwayReason, LeaveKind, PostName
from hall.demo.clock import LEAD_IN
from hall.schedule import sessions_on

# How many residents come for each service, relative to each other (Kaiyuan's seven areas).
SERVICE_WEIGHTS = {"A": 1.0, "B": 1.1, "C": 1.4, "D": 1.3, "E": 1.6, "F": 0.9, "G": 0.8}
PRIORITY_SHARE = 0.08  # elderly, disabled, pregnant


@dataclass(frozen=True)
class Arrive:
    """A post comes on duty."""

    at: datetime
    window: int
    post: PostName


@dataclass(frozen=True)
class Outing:
    """The A-post leaves (once the resident at the window is served) for `minutes`; the B-post
    covers `cover_after` minutes after they left (None: nobody covers)."""

    at: datetime
    window: int
    reason: AwayReason
    minutes: float
    cover_after: float | None
    late: bool = False  # the cover comes after the cover request and its escalation


@dataclass(frozen=True)
class CoverUp:
    at: datetime
    window: int


@dataclass(frozen=True)
class Return:
    at: datetime
    window: int


@dataclass(frozen=True)
class RegisterLeave:
    """The director registers an A-post's leave before the day starts; when it starts, the
    A-post leaves the window (an `Outing` the B-post covers), and nothing is held against
    them for it."""

    at: datetime
    window: int
    kind: LeaveKind
    start: datetime
    until: datetime


@dataclass(frozen=True)
class Depart:
    """Both posts go off once the window has closed (after its extended service, if any)."""

    at: datetime
    window: int


Intent = Arrive | Outing | CoverUp | Return | Depart | RegisterLeave


@dataclass(frozen=True)
class Resident:
    at: datetime
    service: str
    priority: bool


@dataclass(frozen=True)
class DayPlan:
    intents: tuple[Intent, ...]
    residents: tuple[Resident, ...]
    ends: datetime  # the last session's end


def arrival_rate(elapsed: float, remaining: float) -> float:
    """Residents a minute, hall-wide, `elapsed` minutes into a session with `remaining` left:
    a slow start, a mid-session peak, and a rush in the last quarter hour before the kiosk
    stops (so windows are still busy at closing and extend)."""
    if remaining <= 15:
        return 1.7
    if elapsed < 20:
        return 0.35
    if elapsed < 50:
        return 0.7
    if remaining > 75:
        return 0.85
    return 0.6


def draw_residents(
    hall: HallConfig, start: datetime, end: datetime, rng: random.Random
) -> list[Resident]:
    """Arrivals over one session: a Poisson process with `arrival_rate`, by thinning."""
    served = sorted({code for w in hall.windows for code in w.services})
    weights = [SERVICE_WEIGHTS.get(code, 1.0) for code in served]
    peak = 2.0  # the highest arrival_rate
    total = (end - start).total_seconds() / 60
    out: list[Resident] = []
    t = 0.0
    while True:
        t += rng.expovariate(peak)
        if t >= total:
            return out
        if rng.random() * peak <= arrival_rate(t, total - t):
            out.append(
                Resident(
                    at=start + timedelta(minutes=t),
                    service=rng.choices(served, weights)[0],
                    priority=rng.random() < PRIORITY_SHARE,
                )
            )


Span = tuple[float, float]  # minutes: low, high


def _minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(minutes=rng.uniform(low, high))


def plan_day(hall: HallConfig, day: date, rng: random.Random) -> DayPlan:
    """Everything decided in advance for one day (the rest reacts to the hall's state)."""
    sessions = sessions_on(hall, day)
    if not sessions:
        raise ValueError(f"hall {hall.id} does not open on {day.isoformat()}")
    intents: list[Intent] = []
    residents: list[Resident] = []
    numbers = [w.number for w in hall.windows]
    # The late cover comes a minute or so after the escalation (12 minutes at Kaiyuan).
    late = (hall.rules.cover_after + hall.rules.escalate_after).total_seconds() / 60
    # One A-post comes late in the morning (arrival.late); another has registered leave
    # mid-morning (training), which the B-post covers: neither shares the outings below.
    latecomer, on_leave, *others = rng.sample(numbers, len(numbers))
    first_start = sessions[0][0]
    leave_start = first_start + _minutes(rng, 75, 85)
    intents.append(
        RegisterLeave(
            first_start - LEAD_IN + timedelta(minutes=1),
            on_leave,
            "training",
            leave_start,
            leave_start + _minutes(rng, 35, 45),
        )
    )
    for index, (start, end) in enumerate(sessions):
        for n in numbers:
            arrive = (6.0, 9.0) if index == 0 and n == latecomer else (-4.5, -0.5)
            intents.append(Arrive(start + _minutes(rng, *arrive), n, "A"))
            intents.append(Arrive(start + _minutes(rng, -5.0, 2.0), n, "B"))
            intents.append(Depart(end, n))
        residents += draw_residents(hall, start, end, rng)
        intents += _outings(start, end, index == 0, others, late, rng)
    intents.sort(key=lambda i: i.at)
    residents.sort(key=lambda r: r.at)
    return DayPlan(tuple(intents), tuple(residents), sessions[-1][1])


def _outings(
    start: datetime,
    end: datetime,
    morning: bool,
    others: list[int],
    late: float,
    rng: random.Random,
) -> list[Outing]:
    """The A-posts' outings in one session (the morning's or the afternoon's), at windows
    drawn from `others`; `late`: the minutes from an A-post leaving to the escalation."""
    outings: list[tuple[AwayReason, Span, Span, Span | None]]
    if morning:  # the morning: a break, an early cover, a late cover
        outings = [
            ("break", (30, 40), (5, 7), None),
            ("meeting", (60, 70), (24, 30), (2, 4)),
            ("field", (95, 105), (late + 8, late + 12), (late + 1, late + 1.8)),
        ]
    else:  # the afternoon: a break and a covered stint in the back office
        outings = [
            ("break", (40, 50), (5, 8), None),
            ("back_office", (80, 90), (15, 20), (4, 7)),
        ]
    out: list[Outing] = []
    chosen = rng.sample(others, min(len(outings), len(others)))
    for n, (reason, leave, stay, cover) in zip(chosen, outings, strict=False):
        at = start + _minutes(rng, *leave)
        minutes = rng.uniform(*stay)
        if at + timedelta(minutes=minutes + 30) > end:
            continue  # a short session: no outing that could run into closing
        cover_after = rng.uniform(*cover) if cover else None
        is_late = cover_after is not None and cover_after > late
        out.append(Outing(at, n, reason, minutes, cover_after, is_late))
    return out
