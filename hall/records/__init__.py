"""The records database: each hall's log kept for good (SQLite by default, PostgreSQL in
production), the archiver that copies it there, and the ledger read from it (seed Art. 17).
The port is `hall.records.archive`; `hall.records.databases.archive_for` picks an adapter.

The ledger's reports (`hall.records.reports`), for the API, the exports and the pages:
`attendance(archive, hall, month, now)`, `services(archive, hall, first, last, now)`,
`staff_month(archive, hall, staff, month, now)`, `tickets(archive, hall, first, last, now)`;
their rows are documented field by field in `hall.records.rows` and `docs/api.md`."""

from hall.records.archive import Archive, ArchivedEvent, DayRow, archived_event, pages
from hall.records.errors import ArchiveError, ArchiveUnavailable
from hall.records.reports import (
    MAX_DAYS,
    Attendance,
    RecordTrail,
    ServiceReport,
    StaffMonth,
    TicketReport,
    attendance,
    month_days,
    services,
    staff_month,
    tickets,
)
from hall.records.rows import RecordEntry, ServiceDay, ServiceTotals, StaffDay, StaffTotals
from hall.records.tickets import TicketRow
from hall.records.trails import Appeal

__all__ = [
    "MAX_DAYS",
    "Appeal",
    "Archive",
    "ArchiveError",
    "ArchiveUnavailable",
    "ArchivedEvent",
    "Attendance",
    "DayRow",
    "RecordEntry",
    "RecordTrail",
    "ServiceDay",
    "ServiceReport",
    "ServiceTotals",
    "StaffDay",
    "StaffMonth",
    "StaffTotals",
    "TicketReport",
    "TicketRow",
    "archived_event",
    "attendance",
    "month_days",
    "pages",
    "services",
    "staff_month",
    "tickets",
]
