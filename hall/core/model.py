"""The hall's state as frozen records. Only `evolve` builds new states; nothing here reads a
clock or does I/O."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import msgspec

PostName = Literal["A", "B"]
PostState = Literal["present", "away", "off", "covering"]
AwayReason = Literal["break", "meeting", "field", "back_office", "other"]
Phase = Literal["closed", "open", "extended"]
WindowStatus = Literal["closed", "unstaffed", "staffed", "away", "uncovered", "covered", "extended"]
ActorKind = Literal[
    "admin", "director", "clerk", "kiosk", "display", "integration", "rating", "system"
]

AWAY_REASONS: tuple[AwayReason, ...] = ("break", "meeting", "field", "back_office", "other")


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
    """An A-post's away spell in progress."""

    started: datetime
    late: bool = False
    covered_by: str | None = None


class Finished(msgspec.Struct, frozen=True):
    """The ticket finished last at a window: the one a rating may be given for."""

    ticket: Ticket
    staff: str | None
    at: datetime
    rated: bool = False


class WindowState(msgspec.Struct, frozen=True, omit_defaults=True):
    number: int
    a: Post
    b: Post
    phase: Phase = "closed"
    # When the window began needing cover (A away, or A off while open); None when attended.
    unattended_since: datetime | None = None
    cover_requested_at: datetime | None = None
    escalated: bool = False
    absence: Absence | None = None
    extended_since: datetime | None = None
    last_finished: Finished | None = None

    @property
    def covered(self) -> bool:
        return self.b.state == "covering"

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

    def window(self, number: int) -> WindowState | None:
        for w in self.windows:
            if w.number == number:
                return w
        return None


class Actor(msgspec.Struct, frozen=True, omit_defaults=True):
    """Who acts: a person by staff id, a device, the admin token, or the system's clock."""

    kind: ActorKind
    staff: str | None = None
    window: int | None = None  # a rating pad's window

    @property
    def is_manager(self) -> bool:
        return self.kind in ("admin", "director", "system")


ADMIN = Actor("admin")
SYSTEM = Actor("system")
