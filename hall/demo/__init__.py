"""`hall demo`: the Kaiyuan hall on a simulated clock, with simulated residents and clerks.

The clock starts a working day at 07:55 (five minutes before the first session) and runs
`speed` times faster than real time. One background coroutine in the hub plays the day:

- a **day plan** drawn once from a seeded `random.Random` (`plan_day`): when each A- and
  B-post arrives, the residents' arrivals (a Poisson process, busier in mid-morning and in
  the quarter hour before the kiosk stops), and the A-posts' outings: a short break, a
  meeting that the B-post covers early, and field work that the B-post covers *late*
  (after `cover.requested` and `cover.escalated`), so the absence is recorded late;
- every few simulated seconds a **step** reads the hall's state, brings it up to the
  simulated now (the core's `advance`, without writing), and asks small pure functions what
  the people in the hall do next: `staff_moves` (arrive, go away, cover, return, go off
  after closing), `desk_move` (call the next resident, recall, finish, no-show, transfer),
  `due_residents` (take a ticket). Their commands go through the hub's `Engine`, exactly
  like a tablet's or a kiosk's; a refusal (`no_ticket`, `hall_closed`, ...) is part of a
  real hall and is skipped.

The demo plays a whole day, morning and afternoon; at its end (every window closed, every
post off) the hall rests overnight, and the next working day is played from its 07:55 with
the next seed, until Ctrl-C.

The package: `clock` (the simulated clock and the day it plays), `plan` (the day plan),
`moves` (what the people in the hall do), `loop` (the simulation driving them through the
engine), `run` (`hall demo` itself: the embedded Redis and the hub). The loop's module is
not called `simulation`: that name is the function re-exported here.
"""

from hall.demo.clock import LEAD_IN, SimClock, demo_day, demo_start
from hall.demo.loop import (
    MAX_PAUSE,
    MIN_PAUSE,
    STEP,
    HubEngine,
    Simulation,
    narrate,
    simulation,
)
from hall.demo.moves import (
    DIRECTOR,
    KIOSK,
    Desk,
    Move,
    Step,
    WindowFacts,
    desk_move,
    due_residents,
    plan_visit,
    staff_moves,
    transfer_target,
    window_facts,
)
from hall.demo.plan import (
    PRIORITY_SHARE,
    SERVICE_WEIGHTS,
    Arrive,
    CoverUp,
    DayPlan,
    Depart,
    Intent,
    Outing,
    RegisterLeave,
    Resident,
    Return,
    Span,
    arrival_rate,
    draw_residents,
    plan_day,
)
from hall.demo.run import DEMO_PIN, HALL, banner, prepare, run_demo

__all__ = [
    "DEMO_PIN",
    "DIRECTOR",
    "HALL",
    "KIOSK",
    "LEAD_IN",
    "MAX_PAUSE",
    "MIN_PAUSE",
    "PRIORITY_SHARE",
    "SERVICE_WEIGHTS",
    "STEP",
    "Arrive",
    "CoverUp",
    "DayPlan",
    "Depart",
    "Desk",
    "HubEngine",
    "Intent",
    "Move",
    "Outing",
    "RegisterLeave",
    "Resident",
    "Return",
    "SimClock",
    "Simulation",
    "Span",
    "Step",
    "WindowFacts",
    "arrival_rate",
    "banner",
    "demo_day",
    "demo_start",
    "desk_move",
    "draw_residents",
    "due_residents",
    "narrate",
    "plan_day",
    "plan_visit",
    "prepare",
    "run_demo",
    "simulation",
    "staff_moves",
    "transfer_target",
    "window_facts",
]
