"""The Redis store against a real redis-server (the embedded one, AOF on)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
import redis.asyncio

from hall.store import (
    Conflict,
    Idem,
    IdReused,
    Store,
    StoreBusy,
    StoreUnavailable,
    archived,
    clients,
    ids,
    keys,
    with_id,
)
from hall.store.embedded import EmbeddedRedis, EmbeddedRedisError
from hall.store.reader import InboxConsumer, StreamTail
from tests.support.wait import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.redis_kinds("single", "cluster")]

HALL = "kaiyuan"
OTHER = "xinhe"


def event(n: int, kind: str = "ticket.issued") -> tuple[str, bytes]:
    return kind, json.dumps({"hall": HALL, "type": kind, "n": n}).encode()


async def append_n(store: Store, hall: str, count: int, start: int = 0) -> list[str]:
    """Append `count` events one per call, as a hub does; returns their ids."""
    ids = []
    for n in range(start, start + count):
        _, version = await store.load(hall)
        result = await store.append(hall, version, [event(n)], b'{"n":%d}' % n, None)
        ids.append(result.version)
    return ids


@pytest.fixture
async def run_in_background() -> AsyncIterator[Callable[[Callable[[], Awaitable[None]]], None]]:
    """Start readers in a task group that is cancelled when the test ends."""
    async with anyio.create_task_group() as tg:

        def start(run: Callable[[], Awaitable[None]]) -> None:
            tg.start_soon(run)

        yield start
        tg.cancel_scope.cancel()


# -- append: compare-and-set, idempotency, deadlines, trimming ---------------------------------


async def test_append_then_load(store: Store) -> None:
    assert await store.load(HALL) == (None, "0-0")

    result = await store.append(HALL, "0-0", [event(1), event(2)], b'{"s":1}', None)

    ids = [event_id for event_id, _ in result.events]
    assert len(ids) == 2 and result.version == ids[1] and not result.repeated
    assert await store.load(HALL) == (b'{"s":1}', ids[1])
    expected = [with_id(event_id, data) for event_id, data in result.events]
    assert result.body == b'{"events":[' + b",".join(expected) + b"]}"
    assert json.loads(result.body)["events"][0] == {
        "id": ids[0],
        "hall": HALL,
        "type": "ticket.issued",
        "n": 1,
    }


def test_with_id_splices_the_id_first() -> None:
    assert with_id("5-1", b'{"a":1}') == b'{"id":"5-1","a":1}'
    assert with_id("5-1", b"{ }") == b'{"id":"5-1"}'
    with pytest.raises(ValueError):
        with_id("5-1", b"[1]")


async def test_append_with_a_stale_version_conflicts(store: Store) -> None:
    first = await store.append(HALL, "0-0", [event(1)], b"{}", None)

    with pytest.raises(Conflict) as caught:
        await store.append(HALL, "0-0", [event(2)], b"{}", None)

    assert caught.value.actual == first.version
    assert len(await store.read(HALL, None, 10)) == 1


async def test_concurrent_appends_exactly_one_wins(redis_url: str) -> None:
    hub_a, hub_b = Store(redis_url), Store(redis_url)  # two hubs, two connection pools
    outcomes: list[str] = []

    async def attempt(hub: Store, version: str, n: int) -> None:
        try:
            await hub.append(HALL, version, [event(n)], b"{}", None)
        except Conflict:
            outcomes.append("conflict")
        else:
            outcomes.append("ok")

    try:
        for n in range(50):
            _, version = await hub_a.load(HALL)
            outcomes.clear()
            async with anyio.create_task_group() as tg:
                tg.start_soon(attempt, hub_a, version, n)
                tg.start_soon(attempt, hub_b, version, n)
            assert sorted(outcomes) == ["conflict", "ok"]
        assert len(await hub_a.read(HALL, None, 1000)) == 50
    finally:
        await hub_a.close()
        await hub_b.close()


async def test_repeated_client_id_returns_the_first_body_and_appends_nothing(
    store: Store,
) -> None:
    idem = Idem("c-1", "fp-1")
    first = await store.append(HALL, "0-0", [event(1)], b'{"s":1}', None, idem)

    again = await store.append(HALL, first.version, [event(2)], b'{"s":2}', None, idem)

    assert again.repeated and again.events == ()
    assert again.body == first.body
    assert await store.load(HALL) == (b'{"s":1}', first.version)
    assert len(await store.read(HALL, None, 10)) == 1
    assert await store.idem_lookup(HALL, "c-1") == ("fp-1", first.body)
    assert await store.idem_lookup(HALL, "c-2") is None


async def test_client_id_with_another_body_is_refused(store: Store) -> None:
    await store.append(HALL, "0-0", [event(1)], b"{}", None, Idem("c-1", "fp-1"))
    _, version = await store.load(HALL)

    with pytest.raises(IdReused):
        await store.append(HALL, version, [event(2)], b"{}", None, Idem("c-1", "fp-2"))

    assert len(await store.read(HALL, None, 10)) == 1


async def test_repeat_succeeds_after_the_state_moved_on(store: Store) -> None:
    idem = Idem("c-1", "fp-1")
    first = await store.append(HALL, "0-0", [event(1)], b"{}", None, idem)
    later = await store.append(HALL, first.version, [event(2)], b"{}", None)

    again = await store.append(HALL, "0-0", [event(1)], b"{}", None, idem)

    assert again.repeated and again.body == first.body and again.version == later.version


async def test_idem_with_no_events_is_recorded_and_still_checked(store: Store) -> None:
    with pytest.raises(Conflict):
        await store.append(HALL, "9-9", [], b"{}", None, Idem("c-0", "fp"))
    assert await store.idem_lookup(HALL, "c-0") is None

    result = await store.append(HALL, "0-0", [], b"{}", None, Idem("c-0", "fp"))

    assert result.body == b'{"events":[]}' and result.version == "0-0"
    assert await store.idem_lookup(HALL, "c-0") == ("fp", b'{"events":[]}')


async def test_idem_record_expires_after_a_day(store: Store, raw: redis.asyncio.Redis) -> None:
    await store.append(HALL, "0-0", [event(1)], b"{}", None, Idem("c-1", "fp"))

    ttl = await raw.ttl(keys.idem(HALL, "c-1"))

    assert keys.IDEM_TTL_SECONDS - 5 < ttl <= keys.IDEM_TTL_SECONDS


async def test_next_deadline_is_set_and_cleared(store: Store) -> None:
    first = await store.append(HALL, "0-0", [event(1)], b"{}", 1_000)
    await store.append(OTHER, "0-0", [event(1)], b"{}", 5_000)

    assert await store.due_halls([HALL, OTHER, "empty"], 999) == []
    assert await store.due_halls([HALL, OTHER, "empty"], 1_000) == [HALL]
    assert await store.due_halls([HALL, OTHER], 6_000) == [HALL, OTHER]

    await store.append(HALL, first.version, [], b"{}", None)

    assert await store.due_halls([HALL, OTHER], 6_000) == [OTHER]
    assert await store.due_halls([], 6_000) == []


async def test_default_retention_keeps_everything_recent(
    store: Store, raw: redis.asyncio.Redis
) -> None:
    first = await store.append(HALL, "0-0", [event(n) for n in range(250)], b"{}", None)
    await archived.mark(raw, {HALL: first.version})  # all archived: only the age counts
    await append_n(store, HALL, 5)

    assert await store.first_id(HALL) == first.events[0][0]


async def test_minid_trimming_never_passes_the_archived_id(
    redis_url: str, raw: redis.asyncio.Redis
) -> None:
    store = Store(redis_url, retention_ms=1)  # every entry is past the retention at once
    try:
        first = await store.append(HALL, "0-0", [event(n) for n in range(250)], b"{}", None)
        oldest = first.events[0][0]
        await append_n(store, HALL, 5)
        # Nothing archived yet: however old, nothing goes.
        assert await store.first_id(HALL) == oldest
        assert await raw.xlen(keys.events(HALL)) == 255

        # Archived up to the 150th: what is before it may go, never it nor what follows.
        mark = first.events[149][0]
        await archived.mark(raw, {HALL: mark})

        polls = 0

        async def trimmed() -> bool:
            nonlocal polls
            await append_n(store, HALL, 1)
            polls += 1
            return await store.first_id(HALL) != oldest

        await eventually(trimmed, message="archived entries trimmed")

        held = [event_id for event_id, _ in await store.read(HALL, None, 1000)]
        assert len(held) < 255 + polls
        from_mark = [e for e in held if ids.key(e) >= ids.key(mark)]
        assert from_mark[0] == mark and len(from_mark) == 101 + 5 + polls
    finally:
        await store.close()


async def test_the_archived_id_only_moves_forward_unless_reset(raw: redis.asyncio.Redis) -> None:
    await archived.mark(raw, {HALL: "10-5"})
    await archived.mark(raw, {HALL: "10-4"})  # a stale archiver
    await archived.mark(raw, {HALL: "9-99"})
    assert await archived.held(raw, HALL) == "10-5"
    await archived.mark(raw, {HALL: "11-0", OTHER: "3-0"})
    assert (await archived.held(raw, HALL), await archived.held(raw, OTHER)) == ("11-0", "3-0")
    await archived.reset(raw, HALL, "7-0")  # an archiver taking over states its database's
    assert await archived.held(raw, HALL) == "7-0"
    await archived.reset(raw, HALL, None)
    assert await archived.held(raw, HALL) is None


async def test_an_archiver_lease_is_held_by_one_and_given_back(raw: redis.asyncio.Redis) -> None:
    assert await archived.claim(raw, [HALL, OTHER], "hub-a", 10_000) == [2, 2]  # taken
    assert await archived.claim(raw, [HALL, OTHER], "hub-b", 10_000) == [0, 0]  # held by a
    assert await archived.claim(raw, [HALL], "hub-a", 10_000) == [1]  # renewed
    await archived.release(raw, [HALL], "hub-b")  # not b's to give
    assert await archived.holder(raw, HALL) == "hub-a"
    await archived.release(raw, [HALL], "hub-a")
    assert await archived.claim(raw, [HALL], "hub-b", 50) == [2]

    async def taken_by_a() -> bool:
        return await archived.claim(raw, [HALL], "hub-a", 10_000) == [2]

    await eventually(taken_by_a, message="b's lease ran out, a took it")


# -- reading -----------------------------------------------------------------------------------


async def test_read_after_and_limit(store: Store) -> None:
    assert await store.first_id(HALL) is None
    assert await store.read(HALL, None, 10) == []
    ids = await append_n(store, HALL, 5)

    everything = await store.read(HALL, None, 100)

    assert [event_id for event_id, _ in everything] == ids
    assert everything[0][1] == event(0)[1]
    assert [i for i, _ in await store.read(HALL, ids[1], 2)] == ids[2:4]
    assert await store.read(HALL, ids[-1], 10) == []
    assert [i for i, _ in await store.read(HALL, "0", 1)] == ids[:1]
    assert await store.read(HALL, None, 0) == []
    assert await store.first_id(HALL) == ids[0]
    with pytest.raises(ValueError):
        await store.read(HALL, "not-an-id", 10)


# -- inbox -------------------------------------------------------------------------------------


async def test_rejected_entries_have_their_fields_and_are_cut_at_4_kib(
    store: Store, raw: redis.asyncio.Redis
) -> None:
    long_command = '{"type":"ticket.issue","note":"' + "窗" * 2000 + '"}'

    await store.reject(HALL, "c-9", "unknown_service", "no service Z", long_command)
    await store.reject(HALL, "", "malformed", "not JSON", b"\xff{")

    entries = await raw.xrange(keys.rejected(HALL))
    first, second = (fields for _, fields in entries)
    assert first[b"id"] == b"c-9" and first[b"error"] == b"unknown_service"
    assert first[b"message"] == b"no service Z"
    cut = first[b"command"]
    assert 4093 <= len(cut) <= 4096
    assert long_command.encode().startswith(cut)
    cut.decode("utf-8")  # not cut inside a character
    assert second == {
        b"id": b"",
        b"error": b"malformed",
        b"message": b"not JSON",
        b"command": b"\xff{",
    }


async def test_inbox_consumer_applies_entries_written_before_the_group(
    store: Store, redis_url: str, raw: redis.asyncio.Redis, run_in_background: Any
) -> None:
    for n in range(3):
        await store.inbox_add(HALL, b'{"n":%d}' % n, "tok")
    await store.ensure_group(HALL)
    await store.ensure_group(HALL)  # idempotent
    seen: list[tuple[str, bytes]] = []

    async def apply(hall: str, entry_id: str, fields: dict[str, bytes]) -> None:
        seen.append((hall, fields["command"]))

    consumer = InboxConsumer(redis_url, [HALL, OTHER], "hub-1", apply)
    run_in_background(consumer.run)

    await eventually(lambda: len(seen) == 3)
    assert seen == [(HALL, b'{"n":0}'), (HALL, b'{"n":1}'), (HALL, b'{"n":2}')]
    assert consumer.healthy
    await store.inbox_add(OTHER, b'{"n":9}', "tok")
    await eventually(lambda: len(seen) == 4)
    assert seen[3] == (OTHER, b'{"n":9}')

    async def inbox_empty() -> bool:  # acknowledged entries are deleted
        return await raw.xlen(keys.inbox(HALL)) == 0 and await raw.xlen(keys.inbox(OTHER)) == 0

    await eventually(inbox_empty)


async def test_inbox_consumer_acks_only_after_the_callback_returns(
    store: Store, redis_url: str, raw: redis.asyncio.Redis, run_in_background: Any
) -> None:
    started, release = anyio.Event(), anyio.Event()
    done: list[str] = []

    async def apply(hall: str, entry_id: str, fields: dict[str, bytes]) -> None:
        started.set()
        await release.wait()
        done.append(entry_id)

    run_in_background(InboxConsumer(redis_url, [HALL], "hub-1", apply).run)
    entry_id = await store.inbox_add(HALL, b"{}", "tok")

    with anyio.fail_after(5):
        await started.wait()

    async def pending() -> int:
        summary = await raw.xpending(keys.inbox(HALL), keys.INBOX_GROUP)
        return int(summary["pending"])

    assert await pending() == 1
    release.set()
    await eventually(lambda: done == [entry_id])

    async def acked() -> bool:
        return await pending() == 0

    await eventually(acked)


async def test_stale_entries_of_a_dead_consumer_are_claimed(
    store: Store, redis_url: str, raw: redis.asyncio.Redis, run_in_background: Any
) -> None:
    await store.ensure_group(HALL)
    entry_id = await store.inbox_add(HALL, b'{"n":1}', "tok")
    taken = await raw.xreadgroup(keys.INBOX_GROUP, "dead-hub", {keys.inbox(HALL): ">"})
    assert taken[0][1][0][0].decode() == entry_id  # now pending for dead-hub, never acked
    assert await store.claim_stale(HALL, "probe", 60_000, 10) == []
    seen: list[str] = []

    async def apply(hall: str, entry_id: str, fields: dict[str, bytes]) -> None:
        seen.append(entry_id)

    consumer = InboxConsumer(
        redis_url, [HALL], "hub-2", apply, claim_idle_ms=200, claim_every_s=0.1, block_ms=100
    )
    run_in_background(consumer.run)

    await eventually(lambda: seen == [entry_id])

    async def nothing_pending() -> bool:
        summary = await raw.xpending(keys.inbox(HALL), keys.INBOX_GROUP)
        return int(summary["pending"]) == 0

    await eventually(nothing_pending)


# -- StreamTail --------------------------------------------------------------------------------


class Collector:
    def __init__(self) -> None:
        self.seen: dict[str, list[str]] = {}

    async def __call__(self, hall: str, batch: list[tuple[str, bytes]]) -> None:
        self.seen.setdefault(hall, []).extend(event_id for event_id, _ in batch)

    def ids(self, hall: str) -> list[str]:
        return self.seen.get(hall, [])


async def test_stream_tail_delivers_in_order_across_two_halls(
    store: Store, redis_url: str, run_in_background: Any
) -> None:
    early = await append_n(store, HALL, 3)
    collect = Collector()
    tail = StreamTail(redis_url, collect)
    tail.add(HALL, "0-0")
    tail.add(OTHER, "0-0")
    assert not tail.add(HALL, "0-0")
    run_in_background(tail.run)

    ids = {HALL: early, OTHER: []}
    for n in range(10):
        hall = HALL if n % 2 else OTHER
        ids[hall] += await append_n(store, hall, 1, n)

    await eventually(lambda: collect.seen == ids)
    assert tail.healthy and tail.position(HALL) == ids[HALL][-1]


async def test_stream_tail_picks_up_a_new_hall_without_waiting_for_the_block(
    store: Store, redis_url: str, run_in_background: Any
) -> None:
    collect = Collector()
    tail = StreamTail(redis_url, collect, block_ms=30_000)
    tail.add(HALL, "0-0")
    run_in_background(tail.run)
    await eventually(lambda: tail.healthy)
    ids = await append_n(store, OTHER, 2)

    tail.add(OTHER, "0-0")

    await eventually(lambda: collect.ids(OTHER) == ids, timeout=2)
    assert tail.remove(OTHER) and not tail.remove(OTHER)


async def test_stream_tail_resumes_after_a_restart_without_gap_or_duplicate(
    store: Store, redis_server: EmbeddedRedis, run_in_background: Any
) -> None:
    collect = Collector()
    tail = StreamTail(redis_server.url, collect)
    tail.add(HALL, "0-0")
    run_in_background(tail.run)
    ids = await append_n(store, HALL, 20)
    await eventually(lambda: collect.ids(HALL) == ids)

    redis_server.restart()
    ids += await append_n(store, HALL, 20, 20)

    await eventually(lambda: len(collect.ids(HALL)) >= 40)
    assert collect.ids(HALL) == ids
    assert [i for i, _ in await store.read(HALL, None, 100)] == ids


async def test_stream_tail_recovers_from_a_paused_server(
    store: Store, redis_server: EmbeddedRedis, run_in_background: Any
) -> None:
    collect = Collector()
    tail = StreamTail(redis_server.url, collect, block_ms=300, grace_s=0.5)
    tail.add(HALL, "0-0")
    run_in_background(tail.run)
    await eventually(lambda: tail.healthy)

    paused_at = anyio.current_time()
    redis_server.pause()
    try:
        await eventually(lambda: not tail.healthy, timeout=3, message="tail noticed the pause")
        await anyio.sleep(max(0.0, 3 - (anyio.current_time() - paused_at)))  # the fault lasts 3 s
    finally:
        redis_server.resume()
    ids = await append_n(store, HALL, 5)

    await eventually(lambda: collect.ids(HALL) == ids)
    assert tail.healthy


# -- failures ----------------------------------------------------------------------------------


async def test_redis_down_is_store_unavailable(redis_server: EmbeddedRedis) -> None:
    store = Store(redis_server.url)
    try:
        assert await store.ping()
        redis_server.stop()
        redis_server.stop()  # stopping twice is fine

        assert not await store.ping()
        with pytest.raises(StoreUnavailable):
            await store.load(HALL)
        with pytest.raises(StoreUnavailable):
            await store.append(HALL, "0-0", [event(1)], b"{}", None)

        redis_server.start()
        assert await store.ping()
    finally:
        await store.close()


async def test_a_burst_past_the_pool_waits_for_a_connection(store: Store) -> None:
    """Issue 12 row 4: redis-py's plain pool refused past 100 connections (503 "Too many
    connections" on a healthy Redis); the store's pool makes the burst wait its turn."""
    assert clients.POOL_CONNECTIONS < 300
    versions = await asyncio.gather(*(store.version(HALL) for _ in range(300)))
    assert set(versions) == {keys.NO_VERSION}


async def test_a_pool_busy_past_its_wait_is_store_busy(
    redis_url: str, raw: redis.asyncio.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every pooled connection held (Redis paused) past the wait, the store says busy
    (the web answers 429 `busy`), not unavailable, and does not wait a second time."""
    monkeypatch.setattr(clients, "POOL_CONNECTIONS", 2)
    monkeypatch.setattr(clients, "POOL_WAIT_SECONDS", 0.2)
    store = Store(redis_url)
    try:
        await raw.execute_command("CLIENT", "PAUSE", 1000, "ALL")
        started = time.monotonic()
        three = [store.version(HALL) for _ in range(3)]
        results = await asyncio.gather(*three, return_exceptions=True)
        busy = [r for r in results if isinstance(r, BaseException)]
        assert len(busy) == 1 and isinstance(busy[0], StoreBusy), results
        assert "within 0.2 s" in str(busy[0])
        assert results.count(keys.NO_VERSION) == 2
        assert time.monotonic() - started < 1.9  # the pause's 1 s, no second wait
    finally:
        await raw.execute_command("CLIENT", "UNPAUSE")
        await store.close()


def test_embedded_redis_reports_why_it_did_not_start(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = EmbeddedRedis(tmp_path / "r", port=port)

        with pytest.raises(EmbeddedRedisError, match=r"(?s)exited.*Address already in use"):
            server.start()
    server.stop()


def test_embedded_redis_on_tcp_keeps_data_across_a_crash(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with EmbeddedRedis(tmp_path / "r", port=port) as server:
        assert server.url == f"redis://127.0.0.1:{port}"
        client = redis.Redis.from_url(server.url)
        try:
            client.xadd("s", {"a": "1"})
            server.restart(hard=True)
            assert client.xlen("s") == 1
        finally:
            client.close()


async def test_inbox_consumer_recreates_a_deleted_group(
    store: Store, redis_url: str, raw: redis.asyncio.Redis, run_in_background: Any
) -> None:
    seen: list[bytes] = []

    async def apply(hall: str, entry_id: str, fields: dict[str, bytes]) -> None:
        seen.append(fields["command"])

    consumer = InboxConsumer(redis_url, [HALL], "hub-1", apply, block_ms=100)
    run_in_background(consumer.run)
    await store.inbox_add(HALL, b"1", "tok")
    await eventually(lambda: seen == [b"1"])

    await raw.delete(keys.inbox(HALL))
    await store.inbox_add(HALL, b"2", "tok")

    await eventually(lambda: seen == [b"1", b"2"])


async def test_stream_tail_redelivers_when_its_callback_finds_redis_unavailable(
    store: Store, redis_url: str, run_in_background: Any
) -> None:
    seen: list[str] = []
    failures = [StoreUnavailable("redis blinked")]

    async def deliver(hall: str, batch: list[tuple[str, bytes]]) -> None:
        if failures:
            raise failures.pop()
        seen.extend(event_id for event_id, _ in batch)

    tail = StreamTail(redis_url, deliver)
    tail.add(HALL, "0-0")
    ids = await append_n(store, HALL, 3)
    run_in_background(tail.run)

    await eventually(lambda: seen == ids)
