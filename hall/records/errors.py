"""Records errors. Each adapter translates its driver's exceptions into these."""

from __future__ import annotations


class ArchiveError(Exception):
    """Base of every error the records database raises (a schema newer than this hall, a
    database that is not one of ours)."""


class ArchiveUnavailable(ArchiveError):
    """The database is down, unreachable, locked or did not answer in time: retry later.
    (Deliberately not an OSError or TimeoutError: those mean Redis to the archiver.)"""
