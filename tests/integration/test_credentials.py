"""Credentials against a real redis-server: PINs, tokens, the login rate limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio

from hall.store import keys
from hall.store.credentials import Credentials
from tests.support.wait import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.redis_kinds("single", "cluster")]

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


async def test_pin_checks_are_counted_before_they_are_made(
    credentials: Credentials, raw: redis.asyncio.Redis
) -> None:
    """Per staff id 5 a minute (from anyone), per client and staff id 3, per client 10; a
    correct PIN gives its check back; the window is fixed at the first check."""
    assert await credentials.login_failures(HALL, "s01") == 0
    mine = [await credentials.reserve_check(HALL, "s01", "10.0.0.1") for _ in range(4)]
    assert mine[:3] == [None] * 3 and mine[3] is not None  # this client's 3 for s01
    assert 0 < mine[3] <= keys.LOGIN_FAIL_WINDOW_SECONDS
    assert await credentials.login_failures(HALL, "s01") == 3  # the refused one not counted
    assert 0 < await raw.ttl(keys.login_fail(HALL, "s01")) <= keys.LOGIN_FAIL_WINDOW_SECONDS
    others = [await credentials.reserve_check(HALL, "s01", f"10.0.1.{i}") for i in range(3)]
    assert others[:2] == [None, None] and others[2] is not None  # s01's 5 in all
    await credentials.release_check(HALL, "s01", "10.0.1.0")  # that one was right
    assert await credentials.login_failures(HALL, "s01") == 4
    assert await credentials.reserve_check(HALL, "s01", "10.0.1.9") is None
    # one client, many staff ids: 10 a minute
    sweep = [await credentials.reserve_check(HALL, f"x{i:02}", "10.0.2.1") for i in range(11)]
    assert sweep[:10] == [None] * 10 and sweep[10] is not None


async def test_concurrent_checks_are_held_to_the_limit(credentials: Credentials) -> None:
    """Counted atomically: 60 checks at once from 60 clients, exactly 5 go ahead."""
    replies = await asyncio.gather(
        *(credentials.reserve_check(HALL, "s02", f"10.1.0.{i}") for i in range(60))
    )
    assert replies.count(None) == keys.LOGIN_STAFF_CHECKS == 5
