"""The records port against real databases: each test body runs on a SQLite file and on a
PostgreSQL server (the `database_url` fixture's two parameters)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import anyio
import pytest

from hall.records.archive import Archive, ArchivedEvent, archived_event, epoch_ms, pages
from hall.records.databases import archive_for
from hall.records.errors import ArchiveError, ArchiveUnavailable
from hall.records.postgres import PostgresArchive
from tests.support.records import set_schema_version

pytestmark = pytest.mark.anyio

CST = timezone(timedelta(hours=8))
DAY = datetime(2026, 3, 2, tzinfo=CST)


def event(stream_id: str, n: int = 0, at: datetime | None = None, **extra: object) -> ArchivedEvent:
    moment = at or DAY + timedelta(hours=9, seconds=n)
    body = {"type": "ticket.issued", "n": n, **extra, "hall": "k", "at": moment.isoformat()}
    return archived_event(stream_id, b"ticket.issued", json.dumps(body).encode())


def ids(events: list[ArchivedEvent]) -> list[str]:
    return [e.id for e in events]


async def test_an_empty_database_has_the_schema_and_nothing_in_it(archive: Archive) -> None:
    assert await archive.ping()
    assert await archive.halls() == []
    assert await archive.last_id("k") is None
    assert await archive.events("k") == []
    assert await archive.count("k") == 0
    await archive.open()  # again: nothing to do


async def test_append_is_idempotent_on_hall_and_stream_id(archive: Archive) -> None:
    first = [event(f"1000-{n}", n) for n in range(5)]
    assert await archive.append("k", first) == 5
    assert await archive.append("k", first) == 0  # a repeat: nothing, and no error
    overlapping = [event(f"1000-{n}", n) for n in range(3, 8)]
    assert await archive.append("k", overlapping) == 3
    assert await archive.append("other", first[:2]) == 2  # the same ids in another hall

    assert await archive.count("k") == 8
    assert ids(await archive.events("k")) == [f"1000-{n}" for n in range(8)]
    assert await archive.halls() == ["k", "other"]
    assert await archive.append("k", []) == 0


async def test_a_repeat_keeps_what_was_archived_first(archive: Archive) -> None:
    await archive.append("k", [event("5-0", n=1)])
    await archive.append("k", [event("5-0", n=2)])
    (held,) = await archive.events("k")
    assert json.loads(held.data)["n"] == 1


async def test_events_come_back_byte_for_byte(archive: Archive) -> None:
    raw = [
        b'{"type":"ticket.issued","ticket":{"number":"A001"},"hall":"k",'
        b'"at":"2026-03-02T09:00:00.120000+08:00"}',
        '{"名字": "陈少丽", "reason":"开会 \\u2028 \\"x\\"",  '
        '"at":"2026-03-02T09:00:01+08:00"}'.encode(),
        b"{}",
        b'{ "spaces" : [ 1 , 2 ] , "nul": "\\u0000" }',
        b"\xff\xfe not even UTF-8",
    ]
    stored = [archived_event(f"7-{n}", b"x.y", data) for n, data in enumerate(raw)]
    await archive.append("k", stored)

    back = await archive.events("k")
    assert [e.data for e in back] == raw
    assert back == stored  # id, type and time too
    assert back[0].at_ms == epoch_ms(datetime(2026, 3, 2, 9, 0, 0, 120000, tzinfo=CST))
    assert back[2].at_ms == 7  # no `at`: the stream id's time


async def test_ids_sort_as_numbers_not_as_text(archive: Archive) -> None:
    # "10-0" < "9-0" as text; "5-10" < "5-9" as text
    await archive.append("k", [event(i) for i in ("10-0", "9-0", "5-10", "5-9", "5-0", "100-0")])
    assert ids(await archive.events("k")) == ["5-0", "5-9", "5-10", "9-0", "10-0", "100-0"]
    assert await archive.last_id("k") == "100-0"


async def test_events_after_until_and_limit(archive: Archive) -> None:
    await archive.append("k", [event(f"{ms}-{seq}") for ms in (1, 2, 3) for seq in (0, 1)])
    assert ids(await archive.events("k", after="1-1")) == ["2-0", "2-1", "3-0", "3-1"]
    assert ids(await archive.events("k", after="1-1", until="3-0")) == ["2-0", "2-1", "3-0"]
    assert ids(await archive.events("k", until="1-1")) == ["1-0", "1-1"]
    assert ids(await archive.events("k", after="2", limit=2)) == ["2-1", "3-0"]  # "2" is 2-0
    assert await archive.events("k", after="3-1") == []
    assert await archive.events("nobody") == []
    with pytest.raises(ValueError):
        await archive.events("k", after="x")
    with pytest.raises(ValueError):
        await archive.events("k", limit=0)


async def test_events_by_their_time_in_stream_order(archive: Archive) -> None:
    # A time rule's event carries its due time: appended later, it happened earlier.
    await archive.append(
        "k",
        [
            event("1-0", at=DAY - timedelta(minutes=1)),  # the day before
            event("2-0", at=DAY + timedelta(hours=8)),
            event("3-0", at=DAY + timedelta(hours=23, minutes=59)),
            event("4-0", at=DAY + timedelta(hours=7)),  # back-dated: appended after 3-0
            event("5-0", at=DAY + timedelta(days=1)),  # the next day, from 00:00
        ],
    )
    day = await archive.events("k", since=DAY, before=DAY + timedelta(days=1))
    assert ids(day) == ["2-0", "3-0", "4-0"]
    assert ids(
        await archive.events("k", since=DAY, before=DAY + timedelta(days=1), after="2-0")
    ) == [
        "3-0",
        "4-0",
    ]
    assert ids(await archive.events("k", since=DAY + timedelta(days=1))) == ["5-0"]


def typed(stream_id: str, kind: str, at: datetime) -> ArchivedEvent:
    body = {"type": kind, "hall": "k", "at": at.isoformat()}
    return archived_event(stream_id, kind.encode(), json.dumps(body).encode())


async def test_events_of_some_types_only(archive: Archive) -> None:
    """The ledger finds the few appeals and leave events of a long span by their type."""
    kinds = ["ticket.issued", "appeal.filed", "ticket.called", "leave.started", "appeal.decided"]
    await archive.append(
        "k",
        [typed(f"{n + 1}-0", kind, DAY + timedelta(days=n)) for n, kind in enumerate(kinds * 3)],
    )
    await archive.append("other", [typed("1-0", "appeal.filed", DAY)])
    appeals = ("appeal.filed", "appeal.decided")
    found = await archive.events("k", types=appeals)
    assert ids(found) == ["2-0", "5-0", "7-0", "10-0", "12-0", "15-0"]
    assert {e.type for e in found} == set(appeals)
    later = await archive.events("k", types=appeals, since=DAY + timedelta(days=5), limit=3)
    assert ids(later) == ["7-0", "10-0", "12-0"]
    early = await archive.events("k", types=["leave.started"], before=DAY + timedelta(days=5))
    assert ids(early) == ["4-0"]
    assert ids(await archive.events("k", types=["leave.started"], after="4-0")) == ["9-0", "14-0"]
    assert await archive.events("k", types=[]) == []
    assert await archive.events("k", types=["no.such"]) == []
    paged = [e.id async for page in pages(archive, "k", size=2, types=appeals) for e in page]
    assert paged == ids(found)


async def test_pages_give_every_event_once(archive: Archive) -> None:
    await archive.append("k", [event(f"{n}-0", n) for n in range(1, 26)])
    seen = [e.id for page in [p async for p in pages(archive, "k", size=10)] for e in page]
    assert seen == [f"{n}-0" for n in range(1, 26)]
    exact = [p async for p in pages(archive, "k", after="5-0", until="24-0", size=10)]
    assert [len(p) for p in exact] == [10, 9]


async def test_day_rows_upsert_and_replace(archive: Archive) -> None:
    day, next_day = date(2026, 3, 2), date(2026, 3, 3)
    await archive.put_rows("k", "staff", day, {"a1": b'{"late":1}', "b1": b'{"late":0}'})
    await archive.put_rows("k", "staff", next_day, {"a1": b'{"late":2}'})
    await archive.put_rows("k", "service", day, {"A": b'{"tickets":9}'})
    await archive.put_rows("k", "staff", day, {"a1": b'{"late":3}'})  # upsert one key

    rows = await archive.rows("k", "staff", day, next_day)
    assert [(r.day, r.key, r.data) for r in rows] == [
        (day, "a1", b'{"late":3}'),
        (day, "b1", b'{"late":0}'),
        (next_day, "a1", b'{"late":2}'),
    ]

    await archive.put_rows("k", "staff", day, {"a2": b"{}"}, replace=True)  # recomputed
    assert [(r.day, r.key) for r in await archive.rows("k", "staff", day, day)] == [(day, "a2")]
    assert len(await archive.rows("k", "service", day, day)) == 1  # other kinds untouched
    assert len(await archive.rows("k", "staff", next_day, next_day)) == 1  # other days too
    assert await archive.rows("other", "staff", day, next_day) == []
    await archive.put_rows("k", "staff", day, {}, replace=True)
    assert await archive.rows("k", "staff", day, day) == []


async def test_two_writers_on_one_database_store_each_event_once(
    archive: Archive, database_url: str, tmp_path: Path
) -> None:
    """Two hubs' archivers overlapping (a lease taken over from a slow holder): the primary
    key makes the second copy of every event a no-op, whatever the interleaving."""
    other = archive_for(database_url, tmp_path)
    await other.open()
    try:
        batches = [[event(f"{b}-{n}", n) for n in range(50)] for b in range(1, 21)]
        added = {"a": 0, "b": 0}

        async def write(name: str, target: Archive, order: list[list[ArchivedEvent]]) -> None:
            for batch in order:
                added[name] += await target.append("k", batch)

        async with anyio.create_task_group() as tg:
            tg.start_soon(write, "a", archive, batches)
            tg.start_soon(write, "b", other, batches[::-1])
    finally:
        await other.close()

    assert added["a"] + added["b"] == 1000
    assert await archive.count("k") == 1000
    assert len(set(ids(await archive.events("k", limit=2000)))) == 1000


async def test_the_schema_is_versioned_and_a_newer_one_is_refused(
    archive: Archive, database_url: str, tmp_path: Path
) -> None:
    await archive.close()
    await set_schema_version(database_url, 99)
    newer = archive_for(database_url, tmp_path)
    try:
        with pytest.raises(ArchiveError, match="version 99, newer than this hall's"):
            await newer.open()
    finally:
        await newer.close()
    await set_schema_version(database_url, 1)
    again = archive_for(database_url, tmp_path)
    await again.open()
    await again.close()


async def test_a_database_that_is_not_there_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "a-file"
    folder.write_text("not a folder")
    archives: list[Archive] = [
        archive_for(f"sqlite:///{folder}/records.sqlite3", tmp_path),
        PostgresArchive("postgresql://nobody@127.0.0.1:1/none", timeout=1),
    ]
    for archive in archives:
        with pytest.raises(ArchiveUnavailable):
            await archive.open()
        assert not await archive.ping()
        with pytest.raises(ArchiveUnavailable):
            await archive.append("k", [event("1-0")])
        await archive.close()
