"""The hall's state as frozen records. Only `evolve` builds new states; nothing here reads a
clock or does I/O."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import msgspec

PostName = Literal["A", "B"]
PostState = Literal["present", "away", "off", "covering"]
AwayReason = Literal["break", "meeting", "field", "back_office", "other"]
AbsenceReason = Literal["break", "meeting", "field", "back_office", "other", "off"]
LeaveKind = Literal["leave", "outing", "training", "other"]
# Why a resident rated a service 不满意 or 非常不满意 (好差评): 等候时间长, 态度不好, 业务不熟,
# 一次没办成, 其他.
RatingReason = Literal["long_wait", "attitude", "unfamiliar", "not_done", "other"]
# A discipline record (Art. 17) a clerk may appeal: a late arrival, or a late absence.
RecordKind = Literal["arrival.late", "absence.recorded"]
RecordStatus = Literal["standing", "appealed", "upheld", "voided"]
APPEAL_DAYS = 62  # how long a record may be appealed: the month, and the next one to sign it
Phase = Literal["closed", "open", "extended"]
WindowStatus = Literal["closed", "unstaffed", "staffed", "away", "uncovered", "covered", "extended"]
ServingStatus = Literal["staffed", "covered", "away", "uncovered", "unstaffed"]
ActorKind = Literal[
    "admin",
    "director",
    "clerk",
    "kiosk",
    "display",
    "integration",
    "rating",
    "resident",
    "supervisor",
    "system",
]

AWAY_REASONS: tuple[AwayReason, ...] = ("break", "meeting", "field", "back_office", "other")
LEAVE_KINDS: tuple[LeaveKind, ...] = ("leave", "outing", "training", "other")
RATING_REASONS: tuple[RatingReason, ...] = (
    "long_wait",
    "attitude",
    "unfamiliar",
    "not_done",
    "other",
)
LOW_SCORES = (1, 2)  # 不满意, 非常不满意: the scores that may say why
RATEABLE_MAX = 100  # finished tickets kept rateable (also bounded by RATING_WITHIN_MAX)


class Ticket(msgspec.Struct, frozen=True, omit_defaults=True):
    number: str
    service: str
    priority: bool
    status: Literal["waiting", "called"]
    issued_at: datetime
    window: int | None
    recalls: int
    called_at: datetime | None = None
    transferred_at: datetime | None = None
    overdue: bool = False


class Post(msgspec.Struct, frozen=True, omit_defaults=True):
    staff: str
    state: PostState = "off"
    since: datetime | None = None
    reason: AwayReason | None = None
    resume: PostState | None = None  # the B-post's own state to return to when cover ends


class Absence(msgspec.Struct, frozen=True, omit_defaults=True):
    """An A-post's absence in progress: arrived this session, now away or off, no leave."""

    started: datetime
    reason: AbsenceReason = "other"
    late: bool = False
    covered_by: str | None = None
    cover_started: datetime | None = None


class Finished(msgspec.Struct, frozen=True):
    """A ticket finished lately: it may be rated once, within `rating_within`."""

    ticket: Ticket
    window: int
    staff: str | None
    at: datetime
    rated: bool = False


class Leave(msgspec.Struct, frozen=True, omit_defaults=True):
    """Registered leave (请假、公出、培训): absence is never late and never recorded while it
    runs. `start` is the leave's `from`; it takes effect at `max(start, registered)`."""

    id: str
    staff: str
    kind: LeaveKind
    start: datetime
    until: datetime
    registered: datetime
    note: str = ""
    running: bool = False


class Record(msgspec.Struct, frozen=True, omit_defaults=True):
    """A discipline record the core keeps for appeals (申诉) for `APPEAL_DAYS` days: a late
    arrival (`arrival.late`) or an absence recorded late (`absence.recorded`, `late`).
    `status`: standing; appealed (an appeal is open); upheld (it stands, decided); voided
    (decided: it leaves the totals, and stays visible as voided)."""

    id: str  # R1, R2, ... (the event's `record`)
    staff: str
    window: int
    kind: RecordKind
    day: date
    minutes: float
    status: RecordStatus = "standing"
    appeal: str | None = None  # P1, P2, ...


class Served(msgspec.Struct, frozen=True):
    """Seconds one person served a window during extended service."""

    staff: str
    seconds: float


class WindowState(msgspec.Struct, frozen=True, omit_defaults=True):
    number: int
    a: Post
    b: Post
    phase: Phase = "closed"
    opened_at: datetime | None = None  # when the window opened this session
    # The A-post has been present since the window opened (their arrival is behind them).
    arrived: bool = False
    # When the A-post is expected to arrive (the opening, or the end of a leave); None once
    # arrived, or while on leave.
    expected: datetime | None = None
    # The spell without the A-post: since when it is not present while the window is open.
    unattended_since: datetime | None = None
    # The cover deadline announced by `cover.needed` for this spell (None: not yet needed).
    cover_deadline: datetime | None = None
    cover_requested_at: datetime | None = None
    escalated: bool = False
    absence: Absence | None = None
    extended_since: datetime | None = None
    served: tuple[Served, ...] = ()  # extended service so far, by who served
    serving_since: datetime | None = None  # start of the running extended-service segment

    @property
    def covered(self) -> bool:
        return self.b.state == "covering"

    @property
    def attended(self) -> bool:
        """Someone is at the window: the A-post present, or the B-post covering."""
        return self.a.state == "present" or self.b.state == "covering"

    def post(self, name: PostName) -> Post:
        return self.a if name == "A" else self.b


class State(msgspec.Struct, frozen=True, omit_defaults=True):
    hall: str
    windows: tuple[WindowState, ...]
    day: date | None = None
    # The last schedule boundary (midnight, session start or end) that has been processed.
    clock: datetime | None = None
    closes_at: datetime | None = None  # end of the session in progress; None when closed
    numbers: dict[str, int] = msgspec.field(default_factory=dict)
    tickets: tuple[Ticket, ...] = ()  # waiting and called, in issue order
    finished: tuple[Finished, ...] = ()  # lately finished, oldest first (for ratings)
    leaves: tuple[Leave, ...] = ()  # registered and not yet over, by start
    acked: tuple[str, ...] = ()  # alerts acknowledged today
    serial: int = 0  # the last leave number handed out (never restarts)
    records: tuple[Record, ...] = ()  # appealable records of the last APPEAL_DAYS days
    record_serial: int = 0  # the last record number handed out (never restarts)
    appeal_serial: int = 0  # the last appeal number handed out (never restarts)
    config: str = ""  # the hall file version in force: the last `hall.configured`

    def window(self, number: int) -> WindowState | None:
        for w in self.windows:
            if w.number == number:
                return w
        return None

    def record(self, record_id: str) -> Record | None:
        return next((r for r in self.records if r.id == record_id), None)

    def on_leave(self, staff: str) -> Leave | None:
        """The leave of `staff` in effect now, if any."""
        for leave in self.leaves:
            if leave.running and leave.staff == staff:
                return leave
        return None


class Actor(msgspec.Struct, frozen=True, omit_defaults=True):
    """Who acts: a person by staff id, a device, the admin token, a resident by their ticket
    key, or the system's clock."""

    kind: ActorKind
    staff: str | None = None
    window: int | None = None  # a rating pad's window
    ticket: str | None = None  # a resident's ticket number (today's)
    halls: tuple[str, ...] = ()  # a supervisor's: the halls they may watch (read-only)

    @property
    def is_manager(self) -> bool:
        return self.kind in ("admin", "director", "system")


ADMIN = Actor("admin")
SYSTEM = Actor("system")
