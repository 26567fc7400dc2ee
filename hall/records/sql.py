"""SQL shared by the adapters: the events filter and the rows they read back. Placeholders
are the driver's (`?` for sqlite3, `%s` for psycopg)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hall.records.archive import PAGE, ArchivedEvent, epoch_ms, join_id, split_id

EVENT_COLUMNS = "ms, seq, type, at_ms, data"
MAX_LIMIT = 100_000


def events_query(
    mark: str,
    hall: str,
    after: str | None,
    until: str | None,
    since: datetime | None,
    before: datetime | None,
    limit: int = PAGE,
    types: Sequence[str] | None = None,
) -> tuple[str, list[object]]:
    """SELECT of the hall's events in stream order with the filters of `Archive.events`."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be from 1 to {MAX_LIMIT}")
    where: list[str] = [f"hall = {mark}"]
    params: list[object] = [hall]
    if after is not None:
        where.append(f"(ms, seq) > ({mark}, {mark})")
        params += split_id(after)
    if until is not None:
        where.append(f"(ms, seq) <= ({mark}, {mark})")
        params += split_id(until)
    if since is not None:
        where.append(f"at_ms >= {mark}")
        params.append(epoch_ms(since))
    if before is not None:
        where.append(f"at_ms < {mark}")
        params.append(epoch_ms(before))
    if types is not None:
        kinds = sorted(set(types))
        # No types: nothing matches (`IN ()` is not SQL).
        where.append(f"type IN ({', '.join([mark] * len(kinds))})" if kinds else "1 = 0")
        params += kinds
    sql = (
        f"SELECT {EVENT_COLUMNS} FROM events WHERE {' AND '.join(where)} "
        f"ORDER BY ms, seq LIMIT {mark}"
    )
    return sql, [*params, limit]


def event_rows(hall: str, events: Sequence[ArchivedEvent]) -> list[tuple[object, ...]]:
    """(hall, ms, seq, type, at_ms, data) per event."""
    out: list[tuple[object, ...]] = []
    for event in events:
        ms, seq = split_id(event.id)
        out.append((hall, ms, seq, event.type, event.at_ms, event.data))
    return out


def to_event(row: Sequence[object]) -> ArchivedEvent:
    ms, seq, kind, at_ms, data = row
    assert isinstance(ms, int) and isinstance(seq, int) and isinstance(at_ms, int)
    assert isinstance(kind, str) and isinstance(data, bytes | memoryview)
    return ArchivedEvent(join_id(ms, seq), kind, at_ms, bytes(data))
