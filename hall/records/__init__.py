"""The records database: each hall's log kept for good (SQLite by default, PostgreSQL in
production), the archiver that copies it there, and what reports will read from it.
The port is `hall.records.archive`; `hall.records.databases.archive_for` picks an adapter."""

from hall.records.archive import Archive, ArchivedEvent, DayRow, archived_event, pages
from hall.records.errors import ArchiveError, ArchiveUnavailable

__all__ = [
    "Archive",
    "ArchiveError",
    "ArchiveUnavailable",
    "ArchivedEvent",
    "DayRow",
    "archived_event",
    "pages",
]
