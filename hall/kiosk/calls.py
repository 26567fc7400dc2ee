"""Ticket calls on the wall: the sentence shown, the Mandarin spoken and the audio clips."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hall.config import HallConfig
from hall.core.events import CALL_TYPES
from hall.kiosk.labels import Labeller, Text
from hall.kiosk.times import epoch_ms, hhmm, parse_at

RECENT_CALLS = 6
_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True, slots=True)
class Call:
    id: str  # the event id: the page script announces each id once
    ticket: str
    window: int
    at_ms: int
    time: str  # "10:42"
    recall: bool
    sentence: Text  # 请 A012 号到 3 号窗口办理
    window_label: Text  # 3 号窗口
    speech: str  # for speechSynthesis with a Mandarin voice
    clips: str  # space-separated names of static/audio/*.ogg, chime first


def recent_calls(
    hall: HallConfig, events: Iterable[Mapping[str, Any]], labels: Labeller
) -> tuple[Call, ...]:
    """The last RECENT_CALLS call and recall events, newest first."""
    unique = {_key(e): e for e in events if e.get("type") in CALL_TYPES}
    found = sorted(unique.values(), key=_order)
    return tuple(_call(hall, e, labels) for e in reversed(found[-RECENT_CALLS:]))


def _key(event: Mapping[str, Any]) -> str:
    """The stream id; an event not yet in the stream by what it says."""
    ticket = event.get("ticket")
    number = ticket.get("number") if isinstance(ticket, Mapping) else ""
    return str(event.get("id") or f"{event.get('type')}|{event.get('at')}|{number}")


def _order(event: Mapping[str, Any]) -> tuple[float, int, int]:
    at = parse_at(event.get("at"))
    ms, _, seq = str(event.get("id", "0-0")).partition("-")
    stamp = at.timestamp() if at else 0.0
    return (stamp, _int(ms), _int(seq))


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0


def _call(hall: HallConfig, event: Mapping[str, Any], labels: Labeller) -> Call:
    ticket_data = event.get("ticket")
    ticket = str(ticket_data.get("number", "")) if isinstance(ticket_data, Mapping) else ""
    window = int(event.get("window") or 0)
    at = parse_at(event.get("at"))
    return Call(
        id=_key(event),
        ticket=ticket,
        window=window,
        at_ms=epoch_ms(at) or 0,
        time=hhmm(hall, at),
        recall=event.get("type") == "ticket.recalled",
        sentence=labels.text("call.sentence", ticket=ticket, window=window),
        window_label=labels.text("call.to_window", window=window),
        speech=speech(ticket, window),
        clips=" ".join(call_clips(ticket, window)),
    )


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
