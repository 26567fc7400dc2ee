"""What the tests compare: a hall's log in Redis and its copy in the records database, entry
by entry (id, type, data)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import anyio
import psycopg

from hall.core.events import Event, encode_event, event_type
from hall.records.archive import Archive, ArchivedEvent, archived_event, epoch_ms, join_id, pages
from hall.records.databases import archive_for
from hall.store import keys
from tests.support.cluster import raw_client

Entry = tuple[str, str, bytes]  # (stream id, type, data)


async def log_entries(redis_url: str, hall: str) -> list[Entry]:
    """Every entry the hall's stream holds, in order."""
    client: Any = raw_client(redis_url)  # either kind of Redis
    out: list[Entry] = []
    start = "-"
    try:
        while True:
            page = await client.xrange(keys.events(hall), start, "+", count=1000)
            out += [(i.decode(), f[b"type"].decode(), f[b"data"]) for i, f in page]
            if len(page) < 1000:
                return out
            start = "(" + page[-1][0].decode()
    finally:
        await client.aclose()


async def archived_entries(archive: Archive, hall: str) -> list[Entry]:
    """Every event of the hall the records database holds, in stream order."""
    return [(e.id, e.type, e.data) async for page in pages(archive, hall) for e in page]


def log_and_archive(
    redis_url: str, database_url: str | None, data: Path, hall: str
) -> tuple[list[Entry], list[Entry]]:
    """(the log, the archive) of a hall, read now (from sync code: tests of real hubs)."""

    async def read() -> tuple[list[Entry], list[Entry]]:
        archive = archive_for(database_url, data)
        await archive.open()
        try:
            return await log_entries(redis_url, hall), await archived_entries(archive, hall)
        finally:
            await archive.close()

    return anyio.run(read)


async def set_schema_version(url: str, version: int) -> None:
    """Write the records database's schema version by hand (as a newer hall would)."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url[len("sqlite:///") :]) as conn:
            conn.execute("UPDATE schema_version SET version = ?", (version,))
        return
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute("UPDATE schema_version SET version = %s", (version,))


def as_archived(events: Iterable[Event], after: str | None = None) -> list[ArchivedEvent]:
    """Events made by the core (in log order) as the archive would hold them, with stream ids
    made from their times (as Redis makes them from its clock: increasing, after `after`)."""
    last_ms, last_seq = (int(p) for p in after.split("-")) if after else (0, -1)
    out: list[ArchivedEvent] = []
    for event in events:
        ms = epoch_ms(event.at)
        if ms > last_ms:
            last_ms, last_seq = ms, 0
        else:
            last_seq += 1
        out.append(
            archived_event(join_id(last_ms, last_seq), event_type(event), encode_event(event))
        )
    return out
