"""`hall reload` in Redis: the generation counter, the message every hub follows, and each
hub's answer (`keys.RELOAD_*`). Functions over a client; callers translate the errors."""

from __future__ import annotations

import json
from typing import Any

from hall.store import keys
from hall.store.clients import Redis, text


async def generation(client: Redis) -> int:
    """The reloads asked for so far (0: none)."""
    value = await client.get(keys.RELOAD_GENERATION)
    return int(value) if value is not None else 0


async def announce(client: Redis) -> tuple[int, int]:
    """Ask every hub to reload: (the new generation, how many hubs got the message)."""
    number = int(await client.incr(keys.RELOAD_GENERATION))
    receivers = int(await client.publish(keys.RELOAD_CHANNEL, str(number)))
    return number, receivers


async def answer(client: Redis, number: int, hub: str, outcome: dict[str, Any]) -> None:
    """Say what this hub made of reload `number`."""
    key = keys.reload_results(number)
    async with client.pipeline(transaction=True) as pipe:
        pipe.hset(key, hub, json.dumps(outcome, ensure_ascii=False))
        pipe.expire(key, keys.RELOAD_RESULTS_TTL_SECONDS)
        await pipe.execute()


async def answers(client: Redis, number: int) -> dict[str, dict[str, Any]]:
    """Each hub's answer to reload `number` so far."""
    found: dict[Any, Any] = await client.hgetall(keys.reload_results(number))
    return {text(hub): json.loads(text(outcome)) for hub, outcome in found.items()}
