"""Ticket calls on the wall: which calls are still current, what became of the others (the
marks of the recent calls), the sentence shown, the Mandarin spoken and the audio clips.

A call is *current* while its ticket is still called at that window and nothing newer
replaced it: a finish, a no-show, a transfer or a closing ends it; a recall of the same
ticket replaces it (the recall is the call now, with a new id, announced again); a newer
call at the same window supersedes it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from hall.config import HallConfig
from hall.core.events import CALL_TYPES
from hall.kiosk.labels import Labeller
from hall.kiosk.times import epoch_ms, parse_at

RECENT_CALLS = 6  # static/css/wall.css hides what follows them (tests/unit/test_wall.py)
# A current call this recent is still worth announcing: a wall that opens or reconnects
# later says nothing of it (the resident is at the counter by then). Only the newest few
# carry what to say: a page queues no more than that, and a call's item travels again
# whenever it changes (what to say dropped is a change).
ANNOUNCE_WITHIN = timedelta(seconds=30)
ANNOUNCED = 3
# The events the wall's calls are made of: the calls and what ended them.
ENDINGS = ("ticket.finished", "ticket.no_show", "ticket.transferred", "ticket.closed")
CALL_LOG_TYPES = (*CALL_TYPES, *ENDINGS)
# What became of a call: "current" (still called there), or how it ended.
FATES = {
    "ticket.finished": "finished",
    "ticket.no_show": "no_show",
    "ticket.transferred": "transferred",
    "ticket.closed": "closed",
}
_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True, slots=True)
class Call:
    id: str  # the stream id of its latest announcement: the page announces each id once
    ticket: str
    window: int
    at_ms: int  # of that announcement
    time: str  # "10:42"
    recalls: int  # 0 for a first call
    fate: str  # current | finished | no_show | transferred | closed | superseded
    to_window: int | None  # where a transferred ticket went
    announce: bool  # current, made within ANNOUNCE_WITHIN, one of the ANNOUNCED newest such
    window_label: str  # 3 号窗口 / Window 3
    mark: str  # 重呼 / 过号 / 转 4 号窗口, or ""
    sentence: str  # 请 A012 号到 3 号窗口办理 (what the band says in words)
    speech: str  # for speechSynthesis with a Mandarin voice
    clips: str  # space-separated names of static/audio/*.ogg, chime first

    @property
    def current(self) -> bool:
        return self.fate == "current"

    @property
    def element(self) -> str:
        """Its item's id in the list of recent calls: one per ticket and window."""
        return f"rc-{self.window}-{self.ticket}"


@dataclass(slots=True)
class _Entry:
    """One ticket called at one window, folded from its events."""

    event: Mapping[str, Any]  # its latest call or recall
    recalls: int = 0
    fate: str = "current"
    to_window: int | None = None


def call_log(
    hall: HallConfig,
    events: Iterable[Mapping[str, Any]],
    labels: Labeller,
    serving: Mapping[int, str] | None = None,
    now: datetime | None = None,
) -> tuple[Call, ...]:
    """The last RECENT_CALLS calls, newest announcement first, one per ticket and window.

    `events`: the day's call and ending events (CALL_LOG_TYPES; others are ignored), in
    any order, repeats allowed. `serving` (window -> ticket at its counter, from the state)
    confirms the current ones: a call the state no longer shows is not current. `now`:
    calls older than ANNOUNCE_WITHIN are not to be announced (without it, every current
    call may be)."""
    entries: dict[tuple[str, int], _Entry] = {}  # in announcement order
    latest: dict[int, tuple[str, int]] = {}  # window -> its latest call
    for event in _in_order(events):
        kind = event.get("type")
        key = (_number(event), int(event.get("window") or 0))
        entry = entries.get(key)
        if kind in CALL_TYPES:
            older = latest.get(key[1])
            if older is not None and older != key and entries[older].fate == "current":
                entries[older].fate = "superseded"
            recalls = int(event.get("recalls") or 0) if kind == "ticket.recalled" else 0
            entries.pop(key, None)  # moves to the newest place
            entries[key] = _Entry(event, recalls)
            latest[key[1]] = key
        elif entry is not None and kind in FATES:
            entry.fate = FATES[str(kind)]
            if kind == "ticket.transferred":
                entry.to_window = int(event.get("to_window") or 0) or None
    newest = list(entries.items())[-RECENT_CALLS:]
    calls = []
    announced = 0
    for (ticket, window), entry in reversed(newest):
        if entry.fate == "current" and serving is not None and serving.get(window) != ticket:
            entry.fate = "superseded"
        call = _call(hall, ticket, window, entry, labels, now, announced < ANNOUNCED)
        announced += call.announce
        calls.append(call)
    return tuple(calls)


def _in_order(events: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    unique = {_key(e): e for e in events if e.get("type") in CALL_LOG_TYPES}
    return sorted(unique.values(), key=_order)


def _number(event: Mapping[str, Any]) -> str:
    ticket = event.get("ticket")
    return str(ticket.get("number", "")) if isinstance(ticket, Mapping) else ""


def _key(event: Mapping[str, Any]) -> str:
    """The stream id; an event not yet in the stream by what it says."""
    return str(event.get("id") or f"{event.get('type')}|{event.get('at')}|{_number(event)}")


def _order(event: Mapping[str, Any]) -> tuple[int, int, float]:
    """Stream order (the id); events without an id by their time, after those with one."""
    ms, _, seq = str(event.get("id", "")).partition("-")
    if ms.isdigit() and seq.isdigit():
        return (int(ms), int(seq), 0.0)
    at = parse_at(event.get("at"))
    stamp = at.timestamp() if at else 0.0
    return (int(stamp * 1000), 1 << 62, stamp)


def _call(
    hall: HallConfig,
    ticket: str,
    window: int,
    entry: _Entry,
    labels: Labeller,
    now: datetime | None,
    room: bool,
) -> Call:
    event = entry.event
    at = parse_at(event.get("at"))
    recent = room and (now is None or (at is not None and now - at <= ANNOUNCE_WITHIN))
    fields = (_key(event), ticket, window, at, entry.recalls, entry.fate, entry.to_window)
    return _made(hall.tz, *fields, recent, labels.lang)


@lru_cache(maxsize=1024)
def _made(
    zone: ZoneInfo,
    key: str,
    ticket: str,
    window: int,
    at: datetime | None,
    recalls: int,
    fate: str,
    to_window: int | None,
    recent: bool,
    lang: str,
) -> Call:
    """A call as the wall shows it: made once per what it shows (a wall renders the same six
    calls after every event of the hall; their words and speech are the costly part)."""
    labels = Labeller(lang)
    entry = _Entry({}, recalls, fate, to_window)
    return Call(
        id=key,
        ticket=ticket,
        window=window,
        at_ms=epoch_ms(at) or 0,
        time=at.astimezone(zone).strftime("%H:%M") if at else "",
        recalls=recalls,
        fate=fate,
        to_window=to_window,
        announce=fate == "current" and recent,
        window_label=labels("call.to_window", window=window),
        mark=_mark(entry, labels),
        sentence=labels("call.sentence", ticket=ticket, window=window),
        speech=speech(ticket, window),
        clips=" ".join(call_clips(ticket, window)),
    )


def _mark(entry: _Entry, labels: Labeller) -> str:
    """What the list of recent calls says beside a call: how it ended, else a recall."""
    if entry.fate == "transferred" and entry.to_window:
        return labels("wall.mark.transferred", window=entry.to_window)
    if entry.fate in ("no_show", "closed"):
        return labels(f"wall.mark.{entry.fate}")
    if entry.recalls:
        return labels("wall.mark.recall")
    return ""


def speech(ticket: str, window: int) -> str:
    """请 A 零一二 号，到 三 号窗口办理: digits of the ticket one by one, the window as a number."""
    spoken = "".join(_DIGITS[int(c)] if c.isdigit() else f" {c} " for c in ticket)
    return f"请 {spoken.strip()} 号，到 {zh_number(window)} 号窗口办理"


def zh_number(n: int) -> str:
    """1..99 the way a number is said (十二, 二十三); larger ones digit by digit."""
    if 0 <= n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        head = "" if tens == 1 else _DIGITS[tens]
        return head + "十" + (_DIGITS[ones] if ones else "")
    return "".join(_DIGITS[int(c)] for c in str(n))


def call_clips(ticket: str, window: int) -> list[str]:
    """The clip names that say the call, for browsers without a Mandarin voice."""
    clips = ["chime", "qing"]
    for c in ticket.upper():
        if c.isdigit():
            clips.append(f"d{c}")
        elif "A" <= c <= "Z":
            clips.append(f"l{c}")
    clips += ["hao", "dao"]
    clips += ["d10" if ch == "十" else f"d{_DIGITS.index(ch)}" for ch in zh_number(window)]
    clips.append("window")
    return clips
