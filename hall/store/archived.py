"""What the archiver keeps in Redis (`keys.archived`, `keys.archiver`): each hall's lease
(one script per bucket of halls) and its archived id, and the oldest event not archived
yet (the archive's lag). Calls on the caller's client, pipelined (at most `CHUNK` calls a
round trip, so a hub's event loop is never held by one pipeline of 2,000); redis errors
propagate (the archiver's connection reconnects on them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hall.store import keys, scripts
from hall.store.clients import Redis, text

CHUNK = 200


async def _each(client: Redis, script: str, calls: Sequence[tuple[list[str], list[Any]]]) -> Any:
    """Run `script` once per (keys, args), pipelined; the replies in order. The script is
    loaded first (SCRIPT LOAD: on a cluster, on every master) and run by its SHA."""
    if not calls:
        return []
    sha = await client.script_load(script)
    replies: list[Any] = []
    for start in range(0, len(calls), CHUNK):
        async with client.pipeline(transaction=False) as pipe:
            for key_list, args in calls[start : start + CHUNK]:
                pipe.evalsha(sha, len(key_list), *key_list, *args)
            replies += await pipe.execute()
    return replies


def _buckets(halls: Sequence[str]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for hall in halls:
        out.setdefault(keys.archiver_bucket(hall), []).append(hall)
    return out


def _lease_keys(hall: str) -> list[str]:
    return [keys.archiver(hall), keys.archiver_until(hall)]


async def claim(client: Redis, halls: Sequence[str], owner: str, lease_ms: int) -> list[int]:
    """Renew or take each hall's lease: 1 renewed, 2 taken, 0 held by another hub. One
    script per bucket of halls (`keys.ARCHIVER_BUCKETS`), not one per hall."""
    buckets = list(_buckets(halls).values())
    calls = [(_lease_keys(group[0]), [owner, lease_ms, *group]) for group in buckets]
    got: dict[str, int] = {}
    for group, reply in zip(buckets, await _each(client, scripts.LEASE, calls), strict=True):
        got.update(zip(group, (int(outcome) for outcome in reply), strict=True))
    return [got[hall] for hall in halls]


async def release(client: Redis, halls: Sequence[str], owner: str) -> None:
    """Give back those of the halls' leases `owner` holds (another hub takes over at once)."""
    calls = [(_lease_keys(group[0]), [owner, *group]) for group in _buckets(halls).values()]
    await _each(client, scripts.RELEASE, calls)


async def holder(client: Redis, hall: str) -> str | None:
    """The hub holding the hall's lease (it may have run out), or None."""
    value = await client.hget(keys.archiver(hall), hall)
    return text(value) if value is not None else None


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
