"""The engine reads and writes one hall at once: a read that overlaps this hub's own append
must not look like Redis losing data."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
import redis.asyncio

from hall.config import load_hall
from hall.core import ADMIN
from hall.core.commands import TicketIssue
from hall.engine import Engine, system_clock
from hall.engine.engine import LogLost
from hall.store import keys
from hall.store.store import Store
from tests.support.halls import hall_toml


@pytest.mark.anyio
@pytest.mark.redis_kinds("single", "cluster")
async def test_reads_overlapping_own_appends_are_not_data_loss(
    redis_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "hall.toml"
    path.write_text(hall_toml())
    hall = load_hall(path)
    store = Store(redis_url)
    engine = Engine({"t": hall}, store, system_clock())
    try:

        async def writer() -> None:
            for _ in range(150):
                await engine.submit("t", TicketIssue(service="A"), ADMIN)

        async def reader() -> None:
            for _ in range(300):
                await engine.current("t")

        async with anyio.create_task_group() as tg:
            tg.start_soon(writer)
            tg.start_soon(reader)
            tg.start_soon(reader)
        assert engine.lost == {}
        state, _ = await engine.current("t")
        assert len(state.tickets) == 150
    finally:
        await store.close()


@pytest.mark.anyio
@pytest.mark.parametrize("ack", [0, 1])
async def test_a_log_gone_back_is_lost_unless_nobody_was_answered_for_what_went(
    redis_url: str, tmp_path: Path, ack: int
) -> None:
    """A failover can drop writes that no replica confirmed, and nobody was answered for
    those (replica acknowledgement): the hubs go on from what Redis holds. Anything else
    behind what a hub saw, or behind what it answered, is data lost: writes stop."""
    path = tmp_path / "hall.toml"
    path.write_text(hall_toml())
    hall = load_hall(path)
    stores = [Store(redis_url, replica_ack=ack, replica_ack_ms=50) for _ in range(2)]
    writer = Engine({"t": hall}, stores[0], system_clock())
    reader = Engine({"t": hall}, stores[1], system_clock())
    raw = redis.asyncio.Redis.from_url(redis_url)
    try:
        await writer.submit("t", TicketIssue(service="A"), ADMIN)
        before = await raw.hgetall(keys.state("t"))
        await writer.submit("t", TicketIssue(service="A"), ADMIN)
        _, seen = await reader.current("t")
        # As a replica without the last write would hold the hall after a failover:
        await raw.xdel(keys.events("t"), seen)
        await raw.hset(keys.state("t"), mapping=before)

        if ack:
            state, version = await reader.current("t")
            assert version == before[b"version"].decode() and len(state.tickets) == 1
            assert reader.lost == {}
        else:
            with pytest.raises(LogLost):
                await reader.current("t")
        with pytest.raises(LogLost):  # it answered the write that went
            await writer.current("t")
    finally:
        await raw.aclose()
        for store in stores:
            await store.close()
