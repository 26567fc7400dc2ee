"""The engine reads and writes one hall at once: a read that overlaps this hub's own append
must not look like Redis losing data."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from hall.config import load_hall
from hall.core import ADMIN
from hall.core.commands import TicketIssue
from hall.engine import Engine, system_clock
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
