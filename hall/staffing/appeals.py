"""Discipline records and their appeals (申诉; seed Art. 17): a late arrival or a late
absence gets a record id (R<n>) when it happens; the clerk it concerns may appeal it once,
with a reason; the director upholds it or voids it, with a reason. A voided record leaves
the totals and stays visible as voided, with its whole trail (the events).

The core keeps the records of the last `APPEAL_DAYS` days (the month and the next, while
the director signs the month's attendance); older ones can no longer be appealed."""

from __future__ import annotations

from datetime import datetime

from msgspec.structs import replace

from hall.config import HallConfig
from hall.core import events as ev
from hall.core.commands import AppealDecide, AppealFile
from hall.core.errors import Forbidden, NotFound, Refused
from hall.core.model import APPEAL_DAYS, Actor, Record, State


def numbered(state: State, event: ev.Event) -> ev.Event:
    """The event with its record id when it is a discipline record (the next R<n> of the
    state it applies to): a late arrival, a late absence."""
    if isinstance(event, ev.ArrivalLate | ev.AbsenceRecorded) and not event.record:
        if isinstance(event, ev.AbsenceRecorded) and not event.late:
            return event
        return replace(event, record=f"R{state.record_serial + 1}")
    return event


def file_appeal(
    hall: HallConfig, state: State, cmd: AppealFile, actor: Actor, now: datetime
) -> list[ev.Event]:
    record = _record(state, cmd.record)
    if actor.kind != "admin" and actor.staff != record.staff:
        raise Forbidden(f"record {record.id} is not yours to appeal")
    if record.status != "standing":
        raise Refused(
            "already_appealed",
            f"record {record.id} was appealed already ({record.appeal}, {record.status})",
            appeal=record.appeal,
        )
    return [
        ev.AppealFiled(
            hall=hall.id,
            at=now,
            appeal=f"P{state.appeal_serial + 1}",
            record=record.id,
            staff=record.staff,
            window=record.window,
            kind=record.kind,
            day=record.day,
            reason=cmd.reason,
            by=actor.staff,
        )
    ]


def decide_appeal(
    hall: HallConfig, state: State, cmd: AppealDecide, actor: Actor, now: datetime
) -> list[ev.Event]:
    record = next((r for r in state.records if r.appeal == cmd.appeal), None)
    if record is None:
        raise NotFound("unknown_appeal", f"there is no appeal {cmd.appeal!r} to decide")
    if record.status != "appealed":
        raise Refused("already_decided", f"appeal {cmd.appeal} was decided ({record.status})")
    return [
        ev.AppealDecided(
            hall=hall.id,
            at=now,
            appeal=cmd.appeal,
            record=record.id,
            staff=record.staff,
            day=record.day,
            upheld=cmd.upheld,
            reason=cmd.reason,
            by=actor.staff,
        )
    ]


def _record(state: State, record_id: str) -> Record:
    record = state.record(record_id)
    if record is None:
        raise NotFound(
            "unknown_record",
            f"there is no record {record_id!r} to appeal (records can be appealed for "
            f"{APPEAL_DAYS} days)",
        )
    return record
