"""Credentials against a real redis-server: PINs, tokens, the login rate limit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio

from hall.store import keys
from hall.store.credentials import Credentials
from tests.support.wait import eventually

pytestmark = pytest.mark.anyio

HALL = "kaiyuan"


@pytest.fixture
async def credentials(redis_url: str) -> AsyncIterator[Credentials]:
    credentials = Credentials(redis_url)
    yield credentials
    await credentials.close()


async def test_pins(credentials: Credentials, raw: redis.asyncio.Redis) -> None:
    await credentials.set_pin(HALL, "s01", "2468")

    assert await credentials.check_pin(HALL, "s01", "2468")
    assert not await credentials.check_pin(HALL, "s01", "1357")
    assert not await credentials.check_pin(HALL, "nobody", "2468")
    stored = await raw.hget(keys.pins(HALL), "s01")
    assert stored is not None and stored.startswith(b"scrypt$16384$8$1$")
    assert b"2468" not in stored


async def test_tokens(credentials: Credentials, raw: redis.asyncio.Redis) -> None:
    token = await credentials.issue_token(HALL, {"role": "clerk", "staff": "s01"}, None)

    assert token.startswith(HALL + ".") and len(token) > len(HALL) + 40
    assert await credentials.token_claims(token) == {"role": "clerk", "staff": "s01"}
    assert [k async for k in raw.scan_iter(match=f"*{token.partition('.')[2]}*")] == []
    assert await credentials.token_claims(token + "x") is None
    assert await credentials.token_claims("no-dot") is None
    assert await credentials.revoke_token(token)
    assert await credentials.token_claims(token) is None
    assert not await credentials.revoke_token(token)


async def test_token_expires_with_its_ttl(credentials: Credentials) -> None:
    token = await credentials.issue_token(HALL, {"role": "kiosk"}, 1)
    assert await credentials.token_claims(token) == {"role": "kiosk"}

    async def expired() -> bool:
        return await credentials.token_claims(token) is None

    await eventually(expired, timeout=5, interval=0.1, message="token expired")


async def test_login_failures_are_counted_in_a_window(
    credentials: Credentials, raw: redis.asyncio.Redis
) -> None:
    assert await credentials.login_failures(HALL, "s01") == 0

    counts = [await credentials.login_failed(HALL, "s01") for _ in range(3)]

    assert counts == [1, 2, 3]
    assert await credentials.login_failures(HALL, "s01") == 3
    assert 0 < await raw.ttl(keys.login_fail(HALL, "s01")) <= keys.LOGIN_FAIL_WINDOW_SECONDS
    await credentials.login_reset(HALL, "s01")
    assert await credentials.login_failures(HALL, "s01") == 0
