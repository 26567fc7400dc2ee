"""A window's status in words, derived from its posts and phase."""

from __future__ import annotations

from datetime import datetime, timedelta

from hall.core.model import WindowState, WindowStatus


def window_status(w: WindowState) -> WindowStatus:
    if w.phase == "closed":
        return "closed"
    if w.phase == "extended":
        return "extended"
    if w.a.state == "present":
        return "staffed"
    if w.b.state == "covering":
        return "covered"
    if w.a.state == "away":
        return "uncovered" if w.cover_requested_at is not None else "away"
    return "unstaffed"


def cover_deadline(
    w: WindowState, cover_after: timedelta, escalate_after: timedelta
) -> datetime | None:
    """When time alone next changes this window: the cover request, then its escalation."""
    if w.phase == "closed" or w.a.state == "present" or w.b.state == "covering":
        return None
    if w.cover_requested_at is None:
        if w.unattended_since is None:
            return None
        # A cover that ended past the deadline is requested again at once, not back-dated.
        ended = w.b.since or w.unattended_since
        return max(w.unattended_since + cover_after, ended)
    if not w.escalated:
        return w.cover_requested_at + escalate_after
    return None
