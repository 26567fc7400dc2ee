"""The records port: what hall asks of its records database, whichever it is (SQLite,
`hall.records.sqlite`; PostgreSQL, `hall.records.postgres`; one test body runs against
both). Two tables matter to its users:

- the **events**, each hall's log copied from Redis once per (hall, stream id), with the
  event JSON exactly as the stream held it (`data`), its type and its time (`at`);
- the **day rows**, (hall, kind, day, key) -> JSON, for what reports seal per day (a
  clerk's attendance, a service's figures), upserted, a day recomputed as a whole.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

import msgspec

from hall.store import ids

MAX_PART = 2**63 - 1  # a stream id part is stored as a signed 64-bit integer
PAGE = 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def split_id(stream_id: str) -> tuple[int, int]:
    """ "<ms>-<seq>" as (ms, seq), each a signed 64-bit integer; else ValueError."""
    ms, seq = ids.key(stream_id)
    if ms > MAX_PART or seq > MAX_PART:
        raise ValueError(f"stream id beyond what the records database stores: {stream_id!r}")
    return ms, seq


def join_id(ms: int, seq: int) -> str:
    return f"{ms}-{seq}"


def epoch_ms(moment: datetime) -> int:
    """An aware datetime as integer epoch milliseconds (exact: no float rounding)."""
    if moment.tzinfo is None:
        raise ValueError("a time without its UTC offset")
    return (moment - _EPOCH) // _MS


class _At(msgspec.Struct):
    at: datetime | None = None


_decode_at = msgspec.json.Decoder(_At)


@dataclass(frozen=True, slots=True)
class ArchivedEvent:
    id: str
    """The stream id, "<ms>-<seq>": it orders a hall's events."""
    type: str
    """The stream entry's `type` field."""
    at_ms: int
    """The event's `at` (when it happened; a time rule's due time) in epoch ms; the stream
    id's time when the data has no readable `at`."""
    data: bytes
    """The stream entry's `data` field, byte for byte (the event JSON without its id)."""


def archived_event(stream_id: str, event_type: bytes | str, data: bytes) -> ArchivedEvent:
    """A stream entry as the archive keeps it."""
    ms, _ = split_id(stream_id)
    kind = event_type.decode("utf-8", "replace") if isinstance(event_type, bytes) else event_type
    try:
        at = _decode_at.decode(data).at
    except (msgspec.DecodeError, msgspec.ValidationError):
        at = None
    at_ms = epoch_ms(at) if at is not None and at.tzinfo is not None else ms
    return ArchivedEvent(stream_id, kind.replace("\x00", ""), at_ms, bytes(data))


@dataclass(frozen=True, slots=True)
class DayRow:
    day: date
    key: str
    data: bytes


class Archive(Protocol):
    """A records database. Every method but `close` and `ping` raises ArchiveUnavailable
    when the database does not answer (in time); nothing is half-written then."""

    description: str
    """Which database, for logs and messages: never a password."""

    async def open(self) -> None:
        """Connect, and create or migrate the schema (recorded in `schema_version`).
        Idempotent; call again after a failure. ArchiveError for a schema newer than this
        hall knows."""

    async def close(self) -> None: ...

    async def ping(self) -> bool:
        """Whether the database answers now."""

    async def halls(self) -> list[str]:
        """The halls with archived events, sorted."""

    async def last_id(self, hall: str) -> str | None:
        """The id of the hall's newest archived event (the archiver resumes after it)."""

    async def append(self, hall: str, events: Sequence[ArchivedEvent]) -> int:
        """Store the events in one transaction; an event already held (same hall and id)
        is left as it is, and is not an error. Returns how many were new."""

    async def events(
        self,
        hall: str,
        after: str | None = None,
        until: str | None = None,
        *,
        since: datetime | None = None,
        before: datetime | None = None,
        limit: int = PAGE,
        types: Sequence[str] | None = None,
    ) -> list[ArchivedEvent]:
        """Up to `limit` of the hall's events in stream order: ids after `after` and up to
        `until` (inclusive); `at` from `since` (inclusive) to `before` (exclusive); of the
        `types` only, when given (an index on (hall, type, at) makes the few events of a
        type over a long span cheap to find: appeals, leave)."""

    async def count(self, hall: str) -> int:
        """How many events of the hall are archived."""

    async def put_rows(
        self, hall: str, kind: str, day: date, rows: Mapping[str, bytes], *, replace: bool = False
    ) -> None:
        """Upsert the day's rows of `kind` (key -> JSON) in one transaction. `replace`:
        the day's other rows of that kind go (a day recomputed as a whole)."""

    async def rows(self, hall: str, kind: str, first: date, last: date) -> list[DayRow]:
        """The hall's rows of `kind` from `first` to `last` (inclusive), by day and key."""


async def pages(
    archive: Archive,
    hall: str,
    after: str | None = None,
    until: str | None = None,
    *,
    since: datetime | None = None,
    before: datetime | None = None,
    size: int = PAGE,
    types: Sequence[str] | None = None,
) -> AsyncIterator[list[ArchivedEvent]]:
    """Every matching event, a page at a time (for folds over a day, a month, a year)."""
    while True:
        page = await archive.events(
            hall, after, until, since=since, before=before, limit=size, types=types
        )
        if page:
            yield page
        if len(page) < size:
            return
        after = page[-1].id
