"""A window's status in words, and when time alone next changes its cover (DESIGN 3)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from hall.config import Rules
from hall.core.model import ServingStatus, State, WindowState, WindowStatus

CoverStep = Literal["needed", "requested", "escalated"]


def serving_status(w: WindowState) -> ServingStatus:
    """Who serves the window, whatever its phase: the A-post, the covering B-post, or
    nobody (away under the deadline, uncovered past it, unstaffed: not arrived or gone)."""
    if w.a.state == "present":
        return "staffed"
    if w.b.state == "covering":
        return "covered"
    if w.cover_requested_at is not None:
        return "uncovered"
    if w.a.state == "away":
        return "away"
    return "unstaffed"


def window_status(w: WindowState) -> WindowStatus:
    if w.phase == "closed":
        return "closed"
    if w.phase == "extended":
        return "extended"
    return serving_status(w)


def cover_step(w: WindowState, rules: Rules) -> tuple[CoverStep, datetime] | None:
    """The next step of the cover rule for this window and when it is due: the B-post told
    (`cover.needed`, the moment the window stands unattended), the rule taking hold
    (`cover.requested`, more than `cover_after` later), the director told (`escalated`)."""
    if w.phase == "closed" or w.attended or w.unattended_since is None:
        return None
    # The B-post's cover may have ended after the moment below: the window stands
    # unattended only from then (the step could not have fired while B covered).
    b_moved = w.b.since
    if w.cover_deadline is None:
        due = w.unattended_since
        if w.expected is not None:  # the A-post not arrived yet: after the grace only
            due = max(due, w.expected + rules.arrival_grace)
        return "needed", max(due, b_moved) if b_moved else due
    if w.cover_requested_at is None:
        deadline = w.cover_deadline
        return "requested", max(deadline, b_moved) if b_moved else deadline
    if not w.escalated:
        return "escalated", w.cover_requested_at + rules.escalate_after
    return None


def covering_elsewhere(state: State, staff: str, window: int) -> int | None:
    """The window other than `window` that `staff` covers now, if any (one person covers
    one window at a time)."""
    for w in state.windows:
        if w.number != window and w.b.staff == staff and w.b.state == "covering":
            return w.number
    return None
