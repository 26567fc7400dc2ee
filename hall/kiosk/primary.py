"""The tablet's primary action: the one thing the person holding it should do now, chosen
by their post (A, B or the director) and the window's state. Pure and table-tested
(tests/unit/test_tablet.py).

The tablet's live fragments are rendered once per window for every viewer, so the primary
fragment holds one block per role and the page shows the block of the person holding it.

- B not covering, cover needed here: 开始顶岗, with the countdown (disabled while B covers
  another window: one person covers one window).
- Whoever serves (A present, B covering, the director): a ticket at the counter: 办结并叫下一位
  (办结 when nobody waits); none: 叫下一位 (disabled, saying why: nobody waits, closed).
- A away or off: 在岗 (before the opening too: the tap counts). B away or off with no
  need: 在岗 (ready to cover). B present with no need: nothing to do, and why.
- Closed for the day: nothing to do, and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hall.config import HallConfig
from hall.kiosk.hours import Hours
from hall.kiosk.labels import Labeller
from hall.kiosk.times import epoch_ms, hhmm, parse_at

ROLES = ("A", "B", "director")
Step = Mapping[str, Any]  # one command (type and fields, no id): sent in order


@dataclass(frozen=True, slots=True)
class Primary:
    role: str  # A | B | director: whose block this is
    kind: str  # cover | finish_call | finish | call | present | none
    label: str  # the button's words, "" when there is nothing to do
    hint: str  # the situation in one line: 正在办理 A012 · 还有 3 人等候
    steps: tuple[Step, ...]  # the commands, each sent once the one before was accepted
    disabled: bool = False
    reason: str = ""  # why the button is disabled (or why there is nothing to do)
    until_ms: int | None = None  # the cover deadline, for the countdown
    deadline: str = ""  # 10:42
    late: bool = False  # the deadline has passed (the window is uncovered)

    @property
    def css(self) -> str:
        return f"primary-{self.kind.replace('_', '-')}"


def primaries(
    hall: HallConfig,
    state: Mapping[str, Any],
    w: Mapping[str, Any],
    hours: Hours,
    labels: Labeller,
) -> tuple[Primary, ...]:
    """The primary action of each role at window `w` (a window of the public state with
    the staff's detail)."""
    return tuple(primary_for(role, hall, state, w, hours, labels) for role in ROLES)


def primary_for(
    role: str,
    hall: HallConfig,
    state: Mapping[str, Any],
    w: Mapping[str, Any],
    hours: Hours,
    labels: Labeller,
) -> Primary:
    a: Mapping[str, Any] = w.get("a") or {}
    b: Mapping[str, Any] = w.get("b") or {}
    if role == "A":
        if a.get("state") == "present":
            return _serve(role, w, labels)
        return _present(role, "A", w, hours, labels, a)
    if role == "B":
        if b.get("state") == "covering":
            return _serve(role, w, labels)
        cover: Mapping[str, Any] = w.get("cover") or {}
        if w.get("status") != "closed" and a.get("state") != "present" and cover.get("needed"):
            return _cover(hall, state, w, labels, cover)
        if b.get("state") == "present":
            why = "primary.a_present" if a.get("state") == "present" else "primary.b_ready"
            return Primary(role, "none", "", labels(why), ())
        return _present(role, "B", w, hours, labels, b)
    return _serve(role, w, labels)


def _serve(role: str, w: Mapping[str, Any], labels: Labeller) -> Primary:
    number = int(w["number"])
    waiting = int(w.get("waiting") or 0)
    ticket = w.get("serving")
    call: Step = {"type": "ticket.call", "window": number}
    if isinstance(ticket, Mapping):
        finish: Step = {"type": "ticket.finish", "window": number}
        at_counter = labels("primary.serving", number=ticket.get("number", ""))
        if waiting:
            hint = f"{at_counter} · {labels('primary.waiting', count=waiting)}"
            return Primary(role, "finish_call", labels("btn.finish_call"), hint, (finish, call))
        hint = f"{at_counter} · {labels('primary.nobody_waiting')}"
        return Primary(role, "finish", labels("btn.finish"), hint, (finish,))
    if w.get("status") == "closed":
        why = labels("primary.closed")
        return Primary(role, "call", labels("btn.call"), why, (call,), disabled=True, reason=why)
    if not waiting:
        why = labels("primary.nobody_waiting")
        return Primary(role, "call", labels("btn.call"), why, (call,), disabled=True, reason=why)
    hint = labels("primary.waiting", count=waiting)
    return Primary(role, "call", labels("btn.call"), hint, (call,))


def _present(
    role: str,
    post: str,
    w: Mapping[str, Any],
    hours: Hours,
    labels: Labeller,
    mine: Mapping[str, Any],
) -> Primary:
    if w.get("status") == "closed" and hours.phase not in ("before", "between"):
        why = labels("primary.day_over" if hours.phase == "after" else "primary.day_off")
        return Primary(role, "none", "", why, (), reason=why)
    state = str(mine.get("state", "off"))
    hint = labels("primary.you_are", state=labels(f"post_state.{state}"))
    if w.get("status") == "closed" and hours.next_open:
        hint = f"{hint} · {labels('tile.opens_at', time=hours.next_open)}"
    elif post == "A" and (w.get("b") or {}).get("state") == "covering":
        hint = f"{hint} · {labels('primary.b_covering', name=(w.get('b') or {}).get('name', ''))}"
    step: Step = {"type": "presence.set", "window": int(w["number"]), "post": post}
    return Primary(role, "present", labels("btn.present"), hint, ({**step, "state": "present"},))


def _cover(
    hall: HallConfig,
    state: Mapping[str, Any],
    w: Mapping[str, Any],
    labels: Labeller,
    cover: Mapping[str, Any],
) -> Primary:
    number = int(w["number"])
    a: Mapping[str, Any] = w.get("a") or {}
    key = "needs.away" if a.get("state") == "away" else "needs.off"
    deadline = parse_at(cover.get("deadline"))
    elsewhere = _covering_elsewhere(state, w)
    reason = labels("primary.busy_elsewhere", window=elsewhere) if elsewhere else ""
    return Primary(
        "B",
        "cover",
        labels("btn.cover_start"),
        labels(key, window=number, name=a.get("name", "")),
        ({"type": "cover.start", "window": number},),
        disabled=bool(elsewhere),
        reason=reason,
        until_ms=epoch_ms(deadline),
        deadline=hhmm(hall, deadline),
        late=bool(cover.get("requested")),
    )


def _covering_elsewhere(state: Mapping[str, Any], w: Mapping[str, Any]) -> int | None:
    """The other window this window's B-post covers now (one person covers one window)."""
    staff = (w.get("b") or {}).get("staff")
    for other in state.get("windows", []):
        b: Mapping[str, Any] = other.get("b") or {}
        if other is not w and b.get("staff") == staff and b.get("state") == "covering":
            return int(other["number"])
    return None
