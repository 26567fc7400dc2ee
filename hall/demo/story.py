"""What `hall demo` says before its day starts: who works at which window, and when the
day's moments come, in simulated and in real time. All of it is read off the hall file and
the day plan (hall/demo/plan.py), so another seed or hall tells its own story; and whether
a wall can announce every call at the chosen speed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hall.config import HallConfig
from hall.demo.plan import Arrive, DayPlan, Outing, RegisterLeave, Resident
from hall.kiosk.times import whole_minutes
from hall.schedule import sessions_on

# About how long a wall takes to announce one call (the spoken call and its band): at a
# higher rate of calls a wall cannot voice them all.
WALL_CALL_SECONDS = 6.0
BUSY_SPAN = timedelta(minutes=10)  # the span in which the busiest stretch of calls is counted
RUSH = timedelta(minutes=15)  # the quarter hour before closing (plan.arrival_rate's rush)


@dataclass(frozen=True)
class Moment:
    at: datetime  # simulated
    text: str
    about: bool = False  # planned, but waits for something (a resident at the window)


def roster(hall: HallConfig) -> list[str]:
    """One line per window: its number, name and services, its A-post and its B-post."""
    lines = []
    width = max(len(w.name) for w in hall.windows)
    for w in hall.windows:
        services = ",".join(w.services)
        name = w.name + "\u3000" * (width - len(w.name))  # names are CJK: pad full-width
        lines.append(
            f"window {w.number}  {name} ({services})  A {_who(hall, w.a)}  B {_who(hall, w.b)}"
        )
    for person in hall.staff:
        if person.role == "director":
            lines.append(f"director  {_who(hall, person.id)}")
    return lines


def moments(hall: HallConfig, plan: DayPlan, day: date) -> list[Moment]:
    """The day's moments worth watching, in time order: openings, the late arrival, the
    registered leave, every outing (and what the cover rule does with it), the rush before
    each closing, the closings."""
    rules = hall.rules
    cover_after = rules.cover_after
    out: list[Moment] = []
    sessions = sessions_on(hall, day)
    for index, (start, end) in enumerate(sessions):
        part = "morning" if index == 0 else "afternoon" if index == 1 else f"session {index + 1}"
        out.append(Moment(start, f"the hall opens ({part} session until {_hm(hall, end)})"))
        rush = [r for r in plan.residents if end - RUSH <= r.at < end]
        if rush:
            out.append(
                Moment(
                    end - RUSH,
                    f"the rush before closing: {len(rush)} residents in the last quarter hour",
                )
            )
        last = " (the day ends once everyone is served and off duty)" * (index == len(sessions) - 1)
        out.append(
            Moment(end, f"closing: the kiosk stops; windows with residents left extend{last}")
        )
        for intent in plan.intents:
            if isinstance(intent, Arrive) and intent.post == "A" and start < intent.at < end:
                # as the screens count it (kiosk/times.whole_minutes: half up)
                late = max(1, whole_minutes(intent.at - start))
                a = _post(hall, intent.window, "A")
                out.append(
                    Moment(
                        intent.at,
                        f"window {intent.window}: A-post {a} arrives {late} min late "
                        "(arrival.late: a lateness record)",
                    )
                )
    for intent in plan.intents:
        n = intent.window
        if isinstance(intent, RegisterLeave):
            minutes = round((intent.until - intent.start).total_seconds() / 60)
            out.append(
                Moment(
                    intent.start,
                    f"window {n}: A-post {_post(hall, n, 'A')} leaves for {intent.kind} "
                    f"({minutes} min, registered by the director at {_hm(hall, intent.at)}: "
                    f"not an absence); B-post {_post(hall, n, 'B')} covers",
                )
            )
        elif isinstance(intent, Outing):
            text = _outing(hall, intent, cover_after, rules.escalate_after)
            out.append(Moment(intent.at, text, about=True))
    out.sort(key=lambda m: m.at)
    return out


def _outing(
    hall: HallConfig, outing: Outing, cover_after: timedelta, escalate_after: timedelta
) -> str:
    n = outing.window
    head = (
        f"window {n}: A-post {_post(hall, n, 'A')} goes away ({outing.reason}, "
        f"~{outing.minutes:.0f} min)"
    )
    b = _post(hall, n, "B")
    limit = cover_after.total_seconds() / 60
    if outing.cover_after is None:
        if outing.minutes <= limit:
            return f"{head}: back within {limit:g} min, nobody needs to cover"
        return f"{head}: nobody covers"
    covers = outing.at + timedelta(minutes=outing.cover_after)
    if not outing.late:
        return f"{head}: B-post {b} covers after ~{outing.cover_after:.0f} min, in time"
    requested = outing.at + cover_after
    escalated = requested + escalate_after
    return (
        f"{head}: cover requested {_hm(hall, requested)}, escalated to the director "
        f"{_hm(hall, escalated)}, B-post {b} covers ~{_hm(hall, covers)} (late): "
        "the absence is recorded late"
    )


def timeline(
    hall: HallConfig,
    plan: DayPlan,
    day: date,
    start: datetime,
    speed: float,
    real_start: datetime,
) -> list[str]:
    """`moments` as lines: the simulated time (`~`: about, an outing waits for the resident
    at the window), what happens, and when it comes in real time (from `real_start`, the
    real moment the simulated clock shows `start`)."""
    lines = []
    for m in moments(hall, plan, day):
        ahead = (m.at - start).total_seconds() / speed
        if ahead < 0:
            continue
        real = real_start + timedelta(seconds=ahead)
        when = ("~" if m.about else " ") + _hm(hall, m.at)
        lines.append(f"{when}  {m.text}  [in {span(ahead)}, {real:%H:%M:%S}]")
    return lines


def busiest(residents: Sequence[Resident], within: timedelta = BUSY_SPAN) -> tuple[int, datetime]:
    """The most residents arriving within `within` of each other, and when that stretch
    starts: each takes a ticket and is called, so this is also the busiest run of calls."""
    times = [r.at for r in residents]
    best, when, j = 0, times[0] if times else datetime.min, 0
    for i, at in enumerate(times):
        while times[j] < at - within:
            j += 1
        if i - j + 1 > best:
            best, when = i - j + 1, times[j]
    return best, when


def pace_note(hall: HallConfig, plan: DayPlan, speed: float) -> str | None:
    """A warning when the busiest stretch brings calls faster than a wall can announce
    them at this speed, with the speed at which it could; None when a wall keeps up."""
    count, when = busiest(plan.residents)
    if count == 0:
        return None
    real = BUSY_SPAN.total_seconds() / speed
    if count * WALL_CALL_SECONDS <= real:
        return None
    keeps_up = BUSY_SPAN.total_seconds() / (count * WALL_CALL_SECONDS)
    advice = (
        f"run --speed {int(keeps_up)} or slower to hear every call"
        if keeps_up >= 1
        else "no speed of the demo lets a wall voice every call of that stretch"
    )
    minutes = BUSY_SPAN.total_seconds() / 60
    return (
        f"pace: the busiest {minutes:g} minutes (from {_hm(hall, when)}) bring about {count} "
        f"calls in {span(real)} real time at {speed:g}x; a wall takes about "
        f"{WALL_CALL_SECONDS:g} s to announce one, so it shows every call but cannot voice "
        f"them all: {advice}"
    )


def span(seconds: float) -> str:
    """Real seconds as `45s`, `1m17s`, `2h05m`."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _hm(hall: HallConfig, moment: datetime) -> str:
    return f"{moment.astimezone(hall.tz):%H:%M}"


def _who(hall: HallConfig, staff: str) -> str:
    person = hall.person(staff)
    return f"{person.name} ({staff})" if person else staff


def _post(hall: HallConfig, window: int, post: str) -> str:
    w = hall.window(window)
    if w is None:
        return "?"
    staff = w.a if post == "A" else w.b
    person = hall.person(staff)
    return person.name if person else staff
