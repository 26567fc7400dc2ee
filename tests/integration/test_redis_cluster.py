"""The store on a real Redis Cluster (three masters, three replicas), beyond what the store
tests already run on both kinds: each hall on one slot, halls on every master read by one
reader, woken by the doorbells (and by the sweep when a ring is lost), a backlog read to
its end, revocations across nodes, and the acknowledgement that waits for a replica."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from hall.live.revocations import Revocations
from hall.store import Idem, Store, keys
from hall.store.credentials import Credentials
from hall.store.errors import NotReplicated
from hall.store.reader import InboxConsumer, Reconnecting, StreamTail
from hall.store.shards import ShardedCluster
from tests.support.cluster import Cluster, cluster, raw_client
from tests.support.wait import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(90)]

SLOW_SWEEP = 120.0  # longer than any wait here: only a doorbell can wake the readers


def sweep_every(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Every reader here reads all its halls every `seconds`, bell or not."""
    for reader in (ShardedCluster, Reconnecting, InboxConsumer):
        monkeypatch.setattr(reader, "sweep_s", seconds)


def event(n: int) -> tuple[str, bytes]:
    return "ticket.issued", json.dumps({"n": n}).encode()


@pytest.fixture
def url(redis_cluster: Cluster) -> str:
    redis_cluster.flush()
    return redis_cluster.url


@pytest.fixture
async def store(url: str) -> AsyncIterator[Store]:
    store = Store(url)
    yield store
    await store.close()


@pytest.fixture
async def background() -> AsyncIterator[Callable[[Callable[[], Awaitable[None]]], None]]:
    async with anyio.create_task_group() as tg:

        def start(run: Callable[[], Awaitable[None]]) -> None:
            tg.start_soon(run)

        yield start
        tg.cancel_scope.cancel()


def one_hall_per_master(c: Cluster) -> list[str]:
    """Three hall ids whose slots are served by three different masters."""
    halls: dict[int, str] = {}
    for n in range(200):
        hall = f"h{n}"
        halls.setdefault(c.master_of(keys.events(hall)).port, hall)
        if len(halls) == 3:
            return list(halls.values())
    raise AssertionError("no three halls on three masters")


async def append(store: Store, hall: str, events: list[tuple[str, bytes]]) -> list[str]:
    version = await store.version(hall)
    result = await store.append(hall, version, events, b"{}", None)
    return [event_id for event_id, _ in result.events]


async def test_every_key_of_a_hall_is_on_one_slot(url: str) -> None:
    hall = "kaiyuan"
    every = [
        keys.events(hall),
        keys.state(hall),
        keys.archived(hall),
        keys.next_deadline(hall),
        keys.idem(hall, "c-1"),
        keys.inbox(hall),
        keys.rejected(hall),
        keys.pins(hall),
        keys.token(hall, "ab" * 32),
        keys.ticket_secret(hall),
        keys.login_fail(hall, "s01"),
        keys.login_client(hall, "10.0.0.1"),
        keys.login_client(hall, "10.0.0.1", "s01"),
    ]
    client: Any = raw_client(url)
    try:
        slots = {await client.cluster_keyslot(key) for key in every}
    finally:
        await client.aclose()
    assert len(slots) == 1
    assert {keys.hall_of(key) for key in every} == {hall}


async def test_one_tail_follows_halls_on_every_master_woken_by_the_doorbell(
    redis_cluster: Cluster, store: Store, background: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sweep_every(monkeypatch, SLOW_SWEEP)
    halls = one_hall_per_master(redis_cluster)
    seen: dict[str, list[str]] = {hall: [] for hall in halls}

    async def collect(hall: str, batch: list[tuple[str, bytes]]) -> None:
        seen[hall].extend(event_id for event_id, _ in batch)

    tail = StreamTail(store.url, collect, block_ms=60_000)
    for hall in halls:
        tail.add(hall, "0-0")
    background(tail.run)
    expected: dict[str, list[str]] = {hall: [] for hall in halls}
    expected[halls[0]] += await append(store, halls[0], [event(0)])
    await eventually(lambda: seen == expected, 10, "reading (subscribed before it read)")

    for n in range(1, 6):
        for hall in halls:
            expected[hall] += await append(store, hall, [event(n)])

    await eventually(lambda: seen == expected, 5, "every append delivered, in order")


async def test_a_lost_ring_is_made_up_by_the_sweep(
    url: str, background: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sweep_every(monkeypatch, 0.3)
    seen: list[str] = []

    async def collect(hall: str, batch: list[tuple[str, bytes]]) -> None:
        seen.extend(event_id for event_id, _ in batch)

    tail = StreamTail(url, collect, block_ms=60_000)
    tail.add("kaiyuan", "0-0")
    background(tail.run)
    await eventually(lambda: tail.healthy, 10)
    client: Any = raw_client(url)
    try:  # written past the append script: no doorbell rings
        entry = await client.xadd(keys.events("kaiyuan"), {"type": "x", "data": "{}"})
    finally:
        await client.aclose()

    await eventually(lambda: seen == [entry.decode()], 5, "read by the sweep")


async def test_a_backlog_past_one_batch_is_read_to_its_end_at_once(
    store: Store, background: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sweep_every(monkeypatch, SLOW_SWEEP)
    seen: list[str] = []

    async def collect(hall: str, batch: list[tuple[str, bytes]]) -> None:
        assert len(batch) <= 10
        seen.extend(event_id for event_id, _ in batch)

    tail = StreamTail(store.url, collect, block_ms=60_000, count=10)
    tail.add("kaiyuan", "0-0")
    background(tail.run)
    ids = await append(store, "kaiyuan", [event(0)])
    await eventually(lambda: seen == ids, 10, "reading (subscribed before it read)")

    ids += await append(store, "kaiyuan", [event(n) for n in range(1, 36)])  # one ring

    await eventually(lambda: seen == ids, 5, "four batches after one ring")


async def test_the_inbox_rings_and_is_applied_at_once(
    store: Store, background: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sweep_every(monkeypatch, SLOW_SWEEP)
    got: list[bytes] = []

    async def apply(hall: str, entry_id: str, fields: dict[str, bytes]) -> None:
        got.append(fields["command"])

    consumer = InboxConsumer(store.url, ["kaiyuan", "xinhe"], "hub-1", apply, block_ms=60_000)
    background(consumer.run)
    await store.inbox_add("xinhe", b"0", "tok")
    await eventually(lambda: got == [b"0"], 10, "reading (subscribed before it read)")

    await store.inbox_add("xinhe", b"1", "tok")
    await store.inbox_add("kaiyuan", b"2", "tok")

    await eventually(lambda: sorted(got) == [b"0", b"1", b"2"], 5, "both applied")


async def test_a_revoked_token_closes_its_sockets_on_a_cluster(url: str, background: Any) -> None:
    credentials = Credentials(url)
    try:
        first = await credentials.issue_token("kaiyuan", {"kind": "display"}, None)
        second = await credentials.issue_token("xinhe", {"kind": "display"}, None)
        closed: list[str] = []
        revocations = Revocations(url, credentials)  # its periodic sweep: every 30 s
        revocations.register(first, lambda: closed.append(first))
        background(revocations.run)
        await credentials.revoke_token(first)  # heard, or found gone by its first sweep
        await eventually(lambda: closed == [first], 5, "following revocations")
        revocations.register(second, lambda: closed.append(second))

        await credentials.revoke_token(second)  # only the message can close it now

        await eventually(lambda: closed == [first, second], 5, "closed by the message")
    finally:
        await credentials.close()


# -- acknowledgement: WAIT for a replica -----------------------------------------------------


async def test_a_command_is_answered_once_its_replica_holds_it(
    redis_cluster: Cluster, store: Store
) -> None:
    assert store.replica_ack == 1  # on by default on a cluster
    master = redis_cluster.master_of(keys.events("kaiyuan"))
    replica = redis_cluster.replica_of(master)
    for n in range(20):
        ids = await append(store, "kaiyuan", [event(n)])
        with redis_cluster.client(replica) as c:
            c.execute_command("READONLY")
            assert c.xrange(keys.events("kaiyuan"), ids[0], ids[0]), n


@pytest.fixture
def own_cluster(tmp_path: Path) -> Any:
    with cluster(tmp_path / "own") as started:
        yield started


async def test_no_confirmation_in_time_refuses_and_the_repeat_answers_once_replicated(
    own_cluster: Cluster,
) -> None:
    master = own_cluster.master_of(keys.events("kaiyuan"))
    replica = own_cluster.replica_of(master)
    store = Store(own_cluster.url, replica_ack_ms=200)
    idem = Idem("tablet-1/c-1", "f1")
    try:
        replica.pause()  # attached, but it answers nothing
        try:
            with pytest.raises(NotReplicated, match="same client id"):
                await store.append("kaiyuan", "0-0", [event(1)], b"{}", None, idem)
            written = await store.read("kaiyuan", None, 10)  # on the master, not confirmed
            assert len(written) == 1
        finally:
            replica.resume()

        again = await store.append("kaiyuan", "0-0", [event(1)], b"{}", None, idem)

        assert again.repeated and again.version == written[0][0]
        assert await store.read("kaiyuan", None, 10) == written  # applied once
    finally:
        await store.close()


async def test_a_master_without_any_replica_acknowledges_with_a_warning(
    own_cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    master = own_cluster.master_of(keys.events("kaiyuan"))
    own_cluster.replica_of(master).kill()

    def alone() -> bool:
        return int(own_cluster.info(master, "replication")["connected_slaves"]) == 0

    await eventually(alone, 10, "the master has no replica")
    store = Store(own_cluster.url, replica_ack_ms=100)
    try:
        with caplog.at_level(logging.WARNING, logger="hall.store.replicas"):
            result = await store.append("kaiyuan", "0-0", [event(1)], b"{}", None)
        assert result.events and "no replica attached" in caplog.text
    finally:
        await store.close()


async def test_a_read_cancelled_by_new_halls_ends_its_pipeline_first(
    redis_cluster: Cluster, url: str, background: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tail cancels its read whenever its halls change. A cancel that reached redis-py's
    per-node tasks could escape as a bare CancelledError and end the tail (bench/scale.py: 0
    messages to screens); the pipeline now runs to its end, on the same connection."""
    sweep_every(monkeypatch, SLOW_SWEEP)
    hall, other = one_hall_per_master(redis_cluster)[:2]
    seen: list[str] = []

    async def collect(_: str, batch: list[tuple[str, bytes]]) -> None:
        seen.extend(event_id for event_id, _ in batch)

    tail = StreamTail(url, collect, block_ms=60_000)
    tail.add(hall, "0-0")
    background(tail.run)
    await eventually(lambda: tail.healthy, 10)
    await anyio.sleep(0.2)  # past the first sweep: the tail waits for a bell
    master = redis_cluster.master_of(keys.events(hall))
    with (
        redis_cluster.client(master) as node,
        redis_cluster.client(redis_cluster.master_of(keys.events(other))) as elsewhere,
    ):
        entry = node.xadd(keys.events(hall), {"data": "{}"}).decode()  # no bell yet
        before = node.info("stats")["total_connections_received"]
        node.execute_command("CLIENT", "PAUSE", 500, "ALL")
        elsewhere.publish(keys.APPENDED_CHANNEL, hall)  # heard over the cluster's bus
        await anyio.sleep(0.2)  # its read of `hall` waits on the paused master
        tail.add(other, "0-0")  # cancels that read
        await eventually(lambda: seen == [entry], 5, "the entry read")
        after = node.info("stats")["total_connections_received"]
    assert tail.healthy
    assert after == before, "the read's connection was dropped: its pipeline was cancelled"


async def test_a_tail_of_many_halls_added_one_by_one_delivers_every_event(
    url: str, store: Store, background: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many halls in pipelines of a few reads each (as 2,000 in pipelines of 200), halls
    added while others are appended to: every event arrives, once, in order."""
    sweep_every(monkeypatch, 0.5)
    monkeypatch.setattr(ShardedCluster, "pipeline_keys", 16)
    halls = [f"m{n:03d}" for n in range(120)]
    seen: dict[str, list[str]] = {hall: [] for hall in halls}
    expected: dict[str, list[str]] = {hall: [] for hall in halls}

    async def collect(hall: str, batch: list[tuple[str, bytes]]) -> None:
        seen[hall].extend(event_id for event_id, _ in batch)

    tail = StreamTail(url, collect, block_ms=60_000)
    background(tail.run)
    for n, hall in enumerate(halls):
        expected[hall] += await append(store, hall, [event(n)])
        tail.add(hall, "0-0")
        for earlier in halls[:n:7]:
            expected[earlier] += await append(store, earlier, [event(n)])

    await eventually(lambda: seen == expected, 20, "every event delivered, in order")
    assert tail.healthy
