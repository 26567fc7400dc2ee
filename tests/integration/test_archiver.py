"""The archiver against a real Redis and real databases (both adapters): the log copied once,
resumed from the database, shared by hubs through a lease, keeping up with a busy hall, and
letting Redis trim only what is archived. Then a real hub doing it by itself."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import pytest
import redis.asyncio

from hall.records.archive import Archive
from hall.records.archiver import Archiver
from hall.records.databases import archive_for
from hall.store import Store, archived, keys
from hall.store.embedded import free_tcp_port
from tests.faults.clients import sample
from tests.support.hubs import ADMIN, hubs
from tests.support.records import (
    archived_entries,
    log_and_archive,
    log_entries,
    set_schema_version,
)
from tests.support.wait import eventually, wait_for

HALL = "kaiyuan"
OTHER = "xinhe"


def event(n: int) -> tuple[str, bytes]:
    data = {
        "type": "ticket.issued",
        "n": n,
        "名": "陈",
        "hall": HALL,
        "at": "2026-03-02T09:00:00+08:00",
    }
    return "ticket.issued", json.dumps(data, ensure_ascii=False).encode()


async def append(store: Store, hall: str, count: int, per_call: int = 1, start: int = 0) -> None:
    for first in range(start, start + count, per_call):
        _, version = await store.load(hall)
        batch = [event(n) for n in range(first, min(first + per_call, start + count))]
        await store.append(hall, version, batch, b"{}", None)


@asynccontextmanager
async def running(*archivers: Archiver) -> AsyncIterator[list[anyio.CancelScope]]:
    """The archivers in the background, each in a scope the test may cancel (a hub dying)."""
    scopes = [anyio.CancelScope() for _ in archivers]

    async def run(archiver: Archiver, scope: anyio.CancelScope) -> None:
        with scope:
            await archiver.run()

    async with anyio.create_task_group() as tg:
        for archiver, scope in zip(archivers, scopes, strict=True):
            tg.start_soon(run, archiver, scope)
        yield scopes
        tg.cancel_scope.cancel()


def archiver(archive: Archive, redis_url: str, owner: str = "hub-a", **options: object) -> Archiver:
    fast: dict[str, object] = {
        "lease_ms": 1000,
        "renew_every": 0.2,
        "block_ms": 200,
        "lag_sweep": 1.0,
    }
    return Archiver(archive, redis_url, [HALL, OTHER], owner, **{**fast, **options})  # type: ignore[arg-type]


async def caught_up(archive: Archive, redis_url: str, hall: str = HALL) -> bool:
    log = await log_entries(redis_url, hall)
    return bool(log) and await archive.last_id(hall) == log[-1][0]


# -- one archiver --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_log_is_copied_entry_for_entry_and_marked(
    archive: Archive, store: Store, redis_url: str, raw: redis.asyncio.Redis
) -> None:
    await append(store, HALL, 300, per_call=7)
    await append(store, OTHER, 20)
    worker = archiver(archive, redis_url)
    async with running(worker):
        await eventually(lambda: caught_up(archive, redis_url), 10, "kaiyuan archived")
        await eventually(lambda: caught_up(archive, redis_url, OTHER), 10, "xinhe archived")
        await eventually(lambda: worker.lag_seconds == 0.0, 5, "no lag")

        log = await log_entries(redis_url, HALL)
        assert await archived_entries(archive, HALL) == log  # ids, types, data: byte for byte
        assert await archive.count(HALL) == 300
        assert await raw.get(keys.archived(HALL)) == log[-1][0].encode()
        assert await archived.holder(raw, HALL) == "hub-a"
        assert worker.database_up and worker.archiving[HALL] == log[-1][0]

        await append(store, HALL, 5)  # the tail goes on
        await eventually(lambda: caught_up(archive, redis_url), 10, "the new events archived")
    assert await archive.count(HALL) == 305


@pytest.mark.anyio
async def test_it_resumes_from_the_database_never_from_the_end(
    archive: Archive, store: Store, redis_url: str, raw: redis.asyncio.Redis
) -> None:
    await append(store, HALL, 100, per_call=10)
    async with running(archiver(archive, redis_url)):
        await eventually(lambda: caught_up(archive, redis_url), 10, "first 100 archived")

    await append(store, HALL, 100, per_call=10, start=100)  # while no hub archives
    await raw.delete(keys.archived(HALL))  # Redis's notes are not the truth
    await raw.hdel(keys.archiver(HALL), HALL)
    async with running(archiver(archive, redis_url, owner="hub-b")):
        await eventually(lambda: caught_up(archive, redis_url), 10, "all 200 archived")

    log = await log_entries(redis_url, HALL)
    assert len(log) == 200
    assert await archived_entries(archive, HALL) == log
    assert await raw.get(keys.archived(HALL)) == log[-1][0].encode()


@pytest.mark.anyio
async def test_two_archivers_give_each_event_once_and_one_takes_over(
    archive: Archive, database_url: str, tmp_path: Path, store: Store, redis_url: str,
    raw: redis.asyncio.Redis,
) -> None:  # fmt: skip
    second = archive_for(database_url, tmp_path)  # another hub's connection to the database
    a, b = archiver(archive, redis_url, "hub-a"), archiver(second, redis_url, "hub-b")
    try:
        async with running(a, b) as (scope_a, scope_b):
            await append(store, HALL, 400, per_call=4)
            await eventually(lambda: caught_up(archive, redis_url), 15, "archived")
            holders = [w for w in (a, b) if HALL in w.archiving]
            assert len(holders) == 1, "normally one hub archives a hall"
            holder, scope = (a, scope_a) if holders[0] is a else (b, scope_b)
            other = b if holder is a else a

            scope.cancel()  # the holder's hub dies: its lease runs out, the other takes over
            died = anyio.current_time()
            await eventually(lambda: HALL in other.archiving, 5, "taken over")
            took = anyio.current_time() - died
            await append(store, HALL, 100, per_call=5, start=400)
            await eventually(lambda: caught_up(archive, redis_url), 10, "archived after")
            assert await archived.holder(raw, HALL) == other.owner
    finally:
        await second.close()

    assert took < 3  # the lease is 1 s here (5 s by default)
    log = await log_entries(redis_url, HALL)
    assert len(log) == 500
    assert await archived_entries(archive, HALL) == log  # each once, none missing
    assert await archived.holder(raw, HALL) is None  # a hub stopped gives its halls back


@pytest.mark.anyio
async def test_the_archive_keeps_up_with_200_events_a_second(
    archive: Archive, store: Store, redis_url: str
) -> None:
    """2,000 events at ~200/s, one append each, as a busy hall's commands come: the
    archive holds every one of them shortly after the last (the lag's figures: bench)."""
    worker = archiver(archive, redis_url)
    lags: list[float] = []
    async with running(worker):
        await eventually(lambda: worker.database_up and HALL in worker.archiving, 10, "started")
        started = anyio.current_time()
        for n in range(2000):
            await anyio.sleep(max(0.0, started + n / 200 - anyio.current_time()))  # the pace
            _, version = await store.load(HALL)
            await store.append(HALL, version, [event(n)], b"{}", None)
            if n % 100 == 0 and worker.lag_seconds is not None:
                lags.append(worker.lag_seconds)
        took = await eventually(lambda: caught_up(archive, redis_url), 2, "caught up")
    print(
        f"\n200 events/s: caught up {took:.3f} s after the last; lag samples max {max(lags):.2f} s"
    )
    assert await archive.count(HALL) == 2000


@pytest.mark.anyio
async def test_redis_trims_only_what_is_archived(
    archive: Archive, redis_url: str, raw: redis.asyncio.Redis
) -> None:
    short = Store(redis_url, retention_ms=1)  # every event is past the retention at once
    appended = 300
    try:
        await append(short, HALL, 250, per_call=50)
        oldest = await short.first_id(HALL)
        await append(short, HALL, 50, per_call=5, start=250)
        assert await short.first_id(HALL) == oldest, "nothing archived: nothing trimmed"
        assert await raw.xlen(keys.events(HALL)) == 300

        async with running(archiver(archive, redis_url)):
            await eventually(lambda: caught_up(archive, redis_url), 10, "archived")

            async def trimmed() -> bool:
                nonlocal appended
                await append(short, HALL, 1, start=appended)
                appended += 1
                return await short.first_id(HALL) != oldest

            await eventually(trimmed, 10, "the archived entries trimmed")
    finally:
        await short.close()

    log = [e[0] for e in await log_entries(redis_url, HALL)]
    archived = [e[0] for e in await archived_entries(archive, HALL)]
    assert len(log) < appended  # some went
    assert archived[0] == oldest and log[0] in archived  # no gap between the two
    assert len(set(archived) | set(log)) == appended  # together: every event


@pytest.mark.anyio
async def test_a_newer_schema_stops_the_archive_not_the_archiver(
    archive: Archive, database_url: str, tmp_path: Path, store: Store, redis_url: str
) -> None:
    await set_schema_version(database_url, 99)  # a newer hall migrated this database
    await archive.close()
    fresh = archive_for(database_url, tmp_path)
    worker = archiver(fresh, redis_url)
    try:
        async with running(worker):
            await append(store, HALL, 10)
            await eventually(lambda: worker.lag_seconds and worker.lag_seconds > 0, 5, "lag")
            assert not worker.database_up and not worker.archiving  # said, and waiting
            await set_schema_version(database_url, 1)  # the operator acted
            await eventually(lambda: worker.database_up, 5, "the database taken")
            await eventually(lambda: caught_up(fresh, redis_url), 10, "archived after all")
    finally:
        await fresh.close()


# -- a real hub ----------------------------------------------------------------------------------


def test_a_hub_archives_its_hall_and_reports_the_lag(
    redis_url: str, database_url: str, tmp_path: Path
) -> None:
    with hubs(redis_url, tmp_path, 1, database=database_url) as (hub,), hub.client() as client:
        for n in range(20):
            body = {"id": f"c{n}", "type": "ticket.issue", "service": "AB"[n % 2]}
            assert client.post("/api/halls/t/commands", json=body).status_code == 200

        def same() -> bool:
            log, archived = log_and_archive(redis_url, database_url, tmp_path, "t")
            return len(log) >= 20 and archived == log

        wait_for(same, 10, "the log archived")
        health = wait_for(
            lambda: (h := client.get("/healthz").json())["archive"]["lag_seconds"] == 0.0 and h,
            10,
            "no lag on /healthz",
        )
        assert health["status"] == "ok" and health["archive"]["database"] == "up"
        text = client.get("/metrics").text
    assert sample(text, "hall_archive_lag_seconds", 'hall="t"') == 0.0
    assert sample(text, "hall_archived_events_total") >= 20
    assert sample(text, "hall_archive_database_up") == 1.0


def test_hall_serve_with_no_options_keeps_records_in_var() -> None:
    """No --redis, --data or --database: the embedded Redis and the records file in ./var."""
    work = Path(tempfile.mkdtemp(prefix="hall-serve-"))  # short: the Redis socket lives here
    port = free_tcp_port()
    env = {"HALL_ADMIN_TOKEN": ADMIN, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    log = (work / "hub.log").open("wb")
    hub = subprocess.Popen(
        [sys.executable, "-m", "hall", "serve", "--port", str(port)],
        cwd=work, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: httpx.get(url + "/healthz", timeout=1).status_code == 200, 30, "up")
        records = work / "var" / "records.sqlite3"
        redis_socket = f"unix://{work / 'var' / 'redis.sock'}"

        def archived() -> bool:
            log_, archive_ = log_and_archive(redis_socket, None, work / "var", "kaiyuan")
            return bool(log_) and archive_ == log_  # the day's first events, at least

        wait_for(archived, 15, "the Kaiyuan hall's log in var/records.sqlite3")
        assert records.exists()
    finally:
        hub.terminate()
        hub.wait(15)
        log.close()
        shutil.rmtree(work, ignore_errors=True)
