"""我的记录 on the duty page (`/me`): this month's discipline records of whoever is signed
in, read from the records database once when the page loads (never per live frame), within
a short time: the duty page must not wait on a slow database, it says so instead."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio
import msgspec

from hall.kiosk.records_staff import MyRecords, my_records
from hall.records.errors import ArchiveError
from hall.records.reports import staff_month
from hall.schedule import hall_day

if TYPE_CHECKING:
    from hall.runtime import Runtime

WITHIN = 2.0  # seconds the duty page gives the records database


def plain(report: msgspec.Struct) -> dict[str, Any]:
    """A report as JSON builtins (its evidence events, kept raw, become objects too)."""
    out: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(report))
    return out


async def duty_records(hub: Runtime, hall: str, staff: str, lang: str) -> MyRecords | None:
    """None for someone who is not a clerk of the hall (the director has the records
    pages); the records with a note saying they cannot be read now if the database does not
    answer in time."""
    cfg = hub.halls[hall]
    person = cfg.person(staff)
    if person is None or person.role != "clerk":
        return None
    now = hub.now()
    month = hall_day(cfg, now).replace(day=1)
    report = None
    with anyio.move_on_after(WITHIN):
        try:
            report = plain(await staff_month(hub.archive, cfg, staff, month, now))
        except ArchiveError:
            report = None
    return my_records(cfg, lang, staff, month, report)
