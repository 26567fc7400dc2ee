"""Commands per second through decide + evolve on the Kaiyuan hall with 200 waiting tickets.

    python bench/core.py [--seconds 3]

A mix of what a busy morning sends: calls, finishes, recalls, presence taps, cover, tickets.
Prints the figure; it is not a test.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hall.config import default_hall_path, load_hall
from hall.core import ADMIN, SYSTEM, Actor, Tick, execute, initial_state
from hall.core.commands import (
    CoverEnd,
    CoverStart,
    PresenceSet,
    TicketCall,
    TicketFinish,
    TicketIssue,
    TicketRecall,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()

    hall = load_hall(default_hall_path())
    tz = ZoneInfo(hall.timezone)
    now = datetime(2026, 11, 30, 8, 0, 1, tzinfo=tz)  # a Monday, just after opening
    state, _ = execute(hall, initial_state(hall), Tick(), SYSTEM, now)
    kiosk = Actor("kiosk")
    for w in hall.windows:
        cmd = PresenceSet(window=w.number, post="A", state="present")
        state, _ = execute(hall, state, cmd, ADMIN, now)
    services = [s.code for s in hall.services]
    for i in range(200):
        cmd = TicketIssue(service=services[i % len(services)], priority=i % 17 == 0)
        state, _ = execute(hall, state, cmd, kiosk, now)
    waiting = sum(1 for t in state.tickets if t.status == "waiting")

    windows = [w.number for w in hall.windows]
    mix = []
    for n in windows:
        mix += [TicketCall(window=n), TicketRecall(window=n), TicketFinish(window=n)]
        mix += [TicketIssue(service=services[n % len(services)])]
    mix += [
        PresenceSet(window=3, post="A", state="away", reason="break"),
        CoverStart(window=3),
        CoverEnd(window=3),
        PresenceSet(window=3, post="A", state="present"),
    ]

    done = errors = 0
    step = timedelta(milliseconds=50)
    start = time.perf_counter()
    deadline = start + args.seconds
    while time.perf_counter() < deadline:
        for cmd in mix:
            now += step
            try:
                state, _ = execute(hall, state, cmd, ADMIN, now)
            except Exception:  # refusals (e.g. no_ticket) are part of a real mix
                errors += 1
            done += 1
    elapsed = time.perf_counter() - start
    print(f"hall: {hall.id}, {len(hall.windows)} windows, {waiting} waiting tickets at start")
    print(f"commands: {done} in {elapsed:.2f} s -> {done / elapsed:,.0f} commands/s on one core")
    print(
        f"refused by a rule: {errors} ({errors / done:.1%}); waiting at end: {len(state.tickets)}"
    )
    print(f"per command: {elapsed / done * 1e6:.1f} µs (decide + evolve, time rules included)")


if __name__ == "__main__":
    main()
