"""Fixtures of the integration tests (real Redis, real hubs): a raw Redis client to look at
what the store wrote."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(redis_url)
    yield client
    await client.aclose()
