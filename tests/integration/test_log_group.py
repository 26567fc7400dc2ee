"""`LogGroup` (hall.store.group) against a real redis-server: the halls' logs shared by a
consumer group whose entries are acknowledged by their owner, later. Each entry goes to one
consumer; one that is still being worked on is never taken by another (its hold is
renewed); one left by a consumer that stopped is taken over; an entry trimmed while pending
is acknowledged; history before the group existed is not handed over."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import pytest
import redis.asyncio

from hall.store import keys
from hall.store.group import LogGroup
from hall.store.store import StoredEvent
from tests.support.cluster import raw_client
from tests.support.wait import eventually

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.timeout(60),
    pytest.mark.redis_kinds("single", "cluster"),
]

HALL = "kaiyuan"
GROUP = "test-group"


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    client: Any = raw_client(redis_url)
    yield client
    await client.aclose()


async def add(raw: redis.asyncio.Redis, n: int) -> str:
    data = json.dumps({"hall": HALL, "n": n})
    entry = await raw.xadd(keys.events(HALL), {"type": "x", "data": data})
    return str(entry.decode())


class Taker:
    """A consumer that records what it is handed and acknowledges it when told."""

    def __init__(self, redis_url: str, name: str, *, auto: bool, idle_ms: int = 600) -> None:
        self.got: list[str] = []
        self.auto = auto
        self.group = LogGroup(
            redis_url,
            [HALL],
            GROUP,
            name,
            self.on_entries,
            block_ms=100,
            claim_idle_ms=idle_ms,
            claim_every_s=idle_ms / 3000,
        )

    async def on_entries(self, hall: str, entries: list[StoredEvent]) -> None:
        ids = [entry_id for entry_id, _ in entries]
        self.got += ids
        if self.auto:
            await self.group.done(hall, ids)


async def pending(raw: redis.asyncio.Redis) -> int:
    summary: Any = await raw.xpending(keys.events(HALL), GROUP)
    return int(summary["pending"])


@pytest.fixture
async def start() -> AsyncIterator[Callable[[Taker], anyio.CancelScope]]:
    async with anyio.create_task_group() as tg:
        scopes: list[anyio.CancelScope] = []

        def run(taker: Taker) -> anyio.CancelScope:
            scope = anyio.CancelScope()

            async def serve() -> None:
                with scope:
                    await taker.group.run()

            tg.start_soon(serve)
            scopes.append(scope)
            return scope

        yield run
        tg.cancel_scope.cancel()


async def test_each_entry_goes_to_one_consumer_and_is_acknowledged(
    redis_url: str, raw: redis.asyncio.Redis, start: Callable[[Taker], anyio.CancelScope]
) -> None:
    await add(raw, -1)  # before the group: history is not handed over
    a, b = Taker(redis_url, "a", auto=True), Taker(redis_url, "b", auto=True)
    start(a)
    start(b)
    await eventually(lambda: a.group.healthy and b.group.healthy, 10, "both connected")
    ids = [await add(raw, n) for n in range(200)]
    await eventually(lambda: len(a.got) + len(b.got) >= 200, 10, "all handed over")
    assert sorted(a.got + b.got) == sorted(ids)  # each once, none from before the group
    assert await _settled(raw)


async def _settled(raw: redis.asyncio.Redis) -> bool:
    await eventually(lambda: _zero(raw), 5, "nothing pending")
    return True


async def _zero(raw: redis.asyncio.Redis) -> bool:
    return await pending(raw) == 0


async def test_an_entry_being_worked_on_stays_with_its_consumer(
    redis_url: str, raw: redis.asyncio.Redis, start: Callable[[Taker], anyio.CancelScope]
) -> None:
    slow = Taker(redis_url, "slow", auto=False)  # works on its entry for a long time
    start(slow)
    await eventually(lambda: slow.group.healthy, 10)
    entry = await add(raw, 1)
    await eventually(lambda: slow.got == [entry], 5)
    other = Taker(redis_url, "other", auto=True)
    start(other)
    await eventually(lambda: other.group.healthy, 10)
    # A negative check needs time to pass: > 3 idle periods of 600 ms, in which `other`
    # claims idle entries every 200 ms; only the renewed hold keeps the entry from it.
    await anyio.sleep(2.0)
    assert other.got == [] and slow.group.in_flight == 1
    await slow.group.done(HALL, [entry])
    assert await _settled(raw) and slow.group.in_flight == 0


async def test_an_entry_left_by_a_stopped_consumer_is_taken_over(
    redis_url: str, raw: redis.asyncio.Redis, start: Callable[[Taker], anyio.CancelScope]
) -> None:
    gone = Taker(redis_url, "gone", auto=False)
    scope = start(gone)
    await eventually(lambda: gone.group.healthy, 10)
    entry = await add(raw, 1)
    await eventually(lambda: gone.got == [entry], 5)
    scope.cancel()  # stopped without acknowledging (a hub killed, or shutting down)
    heir = Taker(redis_url, "heir", auto=True)
    start(heir)
    await eventually(lambda: heir.got == [entry], 10, "taken over")
    assert await _settled(raw)


async def test_an_entry_trimmed_while_pending_is_acknowledged(
    redis_url: str, raw: redis.asyncio.Redis, start: Callable[[Taker], anyio.CancelScope]
) -> None:
    gone = Taker(redis_url, "gone", auto=False)
    scope = start(gone)
    await eventually(lambda: gone.group.healthy, 10)
    entry = await add(raw, 1)
    await eventually(lambda: gone.got == [entry], 5)
    scope.cancel()
    await raw.xdel(keys.events(HALL), entry)  # trimmed by retention meanwhile
    heir = Taker(redis_url, "heir", auto=True)
    start(heir)
    assert await _settled(raw)
    assert heir.got == []  # nothing to hand over: it was only acknowledged
