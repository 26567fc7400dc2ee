"""A reader never goes silent: a stray CancelledError (one that no cancel of the reader's
task caused, as escaped redis-py's cluster tasks once and ended the live tail unnoticed) or
any other error ends the run, is logged, turns `healthy` False, and the reader starts again
from its own positions. A real cancel still ends it."""

from __future__ import annotations

import asyncio
import json
import logging

import anyio
import pytest

from hall.store import Store
from hall.store.reader import InboxConsumer, StreamTail
from tests.support.wait import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.redis_kinds("single", "cluster")]

HALL = "kaiyuan"


async def append(store: Store, n: int) -> str:
    _, version = await store.load(HALL)
    data = json.dumps({"hall": HALL, "type": "ticket.issued", "n": n}).encode()
    result = await store.append(HALL, version, [("ticket.issued", data)], b"{}", None)
    return result.version


class Faulty:
    """Collects events; the first calls raise what `faults` holds, one each."""

    def __init__(self, *faults: BaseException) -> None:
        self.faults = list(faults)
        self.seen: list[str] = []

    async def __call__(self, hall: str, batch: list[tuple[str, bytes]]) -> None:
        if self.faults:
            raise self.faults.pop(0)
        self.seen.extend(event_id for event_id, _ in batch)


async def test_a_stray_cancel_or_an_error_restarts_the_tail_and_says_so(
    store: Store, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="hall.store.reader")
    faulty = Faulty(asyncio.CancelledError(), RuntimeError("a bug in a callback"))
    tail = StreamTail(redis_url, faulty, block_ms=200)
    tail.add(HALL, "0-0")
    health: list[tuple[int, bool]] = []  # (crashes, healthy), sampled

    async def watch() -> None:
        while True:
            health.append((tail.crashes, tail.healthy))
            await anyio.sleep(0.02)

    async with anyio.create_task_group() as tg:
        tg.start_soon(tail.run)
        tg.start_soon(watch)
        ids = [await append(store, n) for n in range(3)]
        await eventually(lambda: faulty.seen == ids, 10, "delivered after two restarts")
        ids.append(await append(store, 3))  # and it goes on tailing
        await eventually(lambda: faulty.seen == ids, 5, "the next event")
        assert tail.crashes == 2 and tail.healthy
        tg.cancel_scope.cancel()

    assert (1, False) in health and (2, False) in health  # unhealthy while paused
    said = [r for r in caplog.records if "stream tail stopped" in r.getMessage()]
    assert [r.exc_info[0] for r in said if r.exc_info] == [asyncio.CancelledError, RuntimeError]


async def test_a_real_cancel_still_ends_a_reader(redis_url: str) -> None:
    async def never(hall: str, entry: str, fields: dict[str, bytes]) -> None:
        raise AssertionError("no command was sent")

    consumer = InboxConsumer(redis_url, [HALL], "hub-a", never, block_ms=5000)
    with anyio.fail_after(5):  # ended by the cancel below, not left running
        async with anyio.create_task_group() as tg:
            tg.start_soon(consumer.run)
            await eventually(lambda: consumer.healthy, 5, "reading")
            tg.cancel_scope.cancel()
    assert consumer.crashes == 0 and not consumer.healthy
