"""What the archiver keeps in Redis (`keys.archived`, `keys.archiver`): each hall's lease
and its archived id, and the oldest event not archived yet (the archive's lag). Calls on
the caller's client, one pipelined round trip for all halls; redis errors propagate (the
archiver's connection reconnects on them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hall.store import keys, scripts
from hall.store.clients import Redis, text


async def _each(client: Redis, script: str, calls: Sequence[tuple[list[str], list[Any]]]) -> Any:
    """Run `script` once per (keys, args) in one pipeline; the replies in order. EVALSHA
    first (the script cached by the server), EVAL again when the server lost it."""
    if not calls:
        return []
    sha = await client.script_load(script)
    async with client.pipeline(transaction=False) as pipe:
        for key_list, args in calls:
            pipe.evalsha(sha, len(key_list), *key_list, *args)
        return await pipe.execute()


async def claim(client: Redis, halls: Sequence[str], owner: str, lease_ms: int) -> list[int]:
    """Renew or take each hall's lease: 1 renewed, 2 taken, 0 held by another hub."""
    calls = [([keys.archiver(hall)], [owner, lease_ms]) for hall in halls]
    return [int(reply) for reply in await _each(client, scripts.LEASE, calls)]


async def release(client: Redis, halls: Sequence[str], owner: str) -> None:
    """Give back those of the halls' leases `owner` holds (another hub takes over at once)."""
    await _each(client, scripts.RELEASE, [([keys.archiver(hall)], [owner]) for hall in halls])


async def mark(client: Redis, marks: Mapping[str, str]) -> None:
    """Move each hall's archived id forward to the given id (never back)."""
    calls = [([keys.archived(hall)], [event_id, ""]) for hall, event_id in marks.items()]
    await _each(client, scripts.MARK, calls)


async def reset(client: Redis, hall: str, event_id: str | None) -> None:
    """State the archived id as the database holds it (None: nothing), back or forward."""
    await _each(client, scripts.MARK, [([keys.archived(hall)], [event_id or "", "reset"])])


async def held(client: Redis, hall: str) -> str | None:
    """The hall's archived id, or None."""
    value = await client.get(keys.archived(hall))
    return text(value) if value is not None else None


async def first_unarchived(client: Redis, halls: Sequence[str]) -> list[str | None]:
    """Per hall, the id of its oldest event not archived yet (None: all archived)."""
    calls: list[tuple[list[str], list[Any]]] = [
        ([keys.archived(hall), keys.events(hall)], []) for hall in halls
    ]
    replies = await _each(client, scripts.FIRST_UNARCHIVED, calls)
    return [text(reply) if reply else None for reply in replies]
