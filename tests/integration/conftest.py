"""Fixtures of the integration tests (real Redis, real hubs): the store on the test's Redis,
and a raw Redis client to look at what the store wrote."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio

from hall.store import Store
from tests.support.cluster import raw_client


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    """A plain client of the test's Redis (a cluster client on a cluster)."""
    client: Any = raw_client(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[Store]:
    store = Store(redis_url)
    yield store
    await store.close()
