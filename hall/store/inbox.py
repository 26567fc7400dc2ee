"""The inbox stream and its consumer group, as functions over a client.

Shared by `Store` (pooled client, errors translated there) and `InboxConsumer` (its own
blocking connection). These raise redis exceptions; callers translate.
"""

from __future__ import annotations

from typing import Any

import redis.exceptions

from hall.store import keys
from hall.store.clients import Redis

InboxEntry = tuple[str, dict[str, bytes]]
"""(stream entry id, fields): fields as XADDed by the device, e.g. `command`, `token`."""


def decode_entry(entry_id: bytes | str, fields: dict[Any, Any] | None) -> InboxEntry:
    entry = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    decoded = {
        (key.decode() if isinstance(key, bytes) else str(key)): (
            value if isinstance(value, bytes) else str(value).encode()
        )
        for key, value in (fields or {}).items()
    }
    return entry, decoded


async def ensure_group(client: Redis, hall: str) -> None:
    """Create the group at id 0 (so a backlog written before any hub ran is applied)."""
    try:
        await client.xgroup_create(keys.inbox(hall), keys.INBOX_GROUP, id="0", mkstream=True)
    except redis.exceptions.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def ack(client: Redis, hall: str, entry_id: str) -> None:
    """XACK, then XDEL: the inbox keeps only what is not yet applied."""
    async with client.pipeline(transaction=True) as pipe:
        pipe.xack(keys.inbox(hall), keys.INBOX_GROUP, entry_id)
        pipe.xdel(keys.inbox(hall), entry_id)
        await pipe.execute()


async def claim_stale(
    client: Redis, hall: str, consumer: str, min_idle_ms: int, count: int
) -> list[InboxEntry]:
    """XAUTOCLAIM up to `count` entries pending longer than `min_idle_ms` for `consumer`.

    Entries deleted from the stream while pending (Redis 6.2 reports them with no fields)
    are acknowledged and dropped: there is nothing left to apply.
    """
    key = keys.inbox(hall)
    claimed: list[InboxEntry] = []
    cursor: bytes | str = "0-0"
    while len(claimed) < count:
        reply = await client.xautoclaim(
            key, keys.INBOX_GROUP, consumer, min_idle_ms, cursor, count=count - len(claimed)
        )
        cursor = reply[0]
        for entry_id, fields in reply[1]:
            if entry_id is None:
                continue
            entry = decode_entry(entry_id, fields)
            if entry[1]:
                claimed.append(entry)
            else:
                await ack(client, hall, entry[0])
        if cursor in (b"0-0", "0-0"):
            break
    return claimed


async def read_own_pending(
    client: Redis, hall: str, consumer: str, after: str, count: int
) -> list[InboxEntry]:
    """Entries delivered to `consumer` but not acknowledged, after id `after`."""
    reply: Any = await client.xreadgroup(
        keys.INBOX_GROUP, consumer, {keys.inbox(hall): after}, count=count
    )
    entries: list[InboxEntry] = []
    for _stream, items in reply or []:
        entries.extend(decode_entry(entry_id, fields) for entry_id, fields in items)
    return entries


def cut_utf8(raw: bytes, limit: int) -> bytes:
    """At most `limit` bytes of `raw`, never ending inside a UTF-8 sequence."""
    if len(raw) <= limit:
        return raw
    cut = raw[:limit]
    start = len(cut) - 1
    while start > 0 and len(cut) - start < 4 and cut[start] & 0xC0 == 0x80:
        start -= 1
    lead = cut[start]
    if lead >= 0xF0:
        size = 4
    elif lead >= 0xE0:
        size = 3
    elif lead >= 0xC0:
        size = 2
    else:
        size = 1
    return cut if start + size <= len(cut) else cut[:start]
