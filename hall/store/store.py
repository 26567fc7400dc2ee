"""`Store`: the hall's Redis shell for the write path and the live edge (event log with
compare-and-set, deadlines, idempotency, inbox), over redis.asyncio. Who may act (PINs,
tokens, login limits) is `hall.store.credentials`.

Every method translates redis exceptions into `hall.store.errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.typing import EncodableT, FieldT

from hall.store import cluster, ids, inbox, keys, scripts
from hall.store.clients import (
    COMMAND_SOCKET_TIMEOUT_SECONDS,
    append_client,
    command_client,
    raw,
    text,
    translated,
)
from hall.store.errors import Conflict, IdReused, StoreUnavailable
from hall.store.replicas import ReplicaAck

StoredEvent = tuple[str, bytes]
"""(stream id, event JSON without its id)."""

_MAX_PART = 2**64 - 1


@dataclass(frozen=True, slots=True)
class Idem:
    """A command's client id and a fingerprint of its body (e.g. a hash of the raw JSON)."""

    client_id: str
    fingerprint: str

    def __post_init__(self) -> None:
        if not self.client_id:
            raise ValueError("empty client id")
        if not self.fingerprint or "\n" in self.fingerprint:
            raise ValueError("a fingerprint must be non-empty and on one line")


@dataclass(frozen=True, slots=True)
class AppendResult:
    events: tuple[StoredEvent, ...]
    """What this call appended; empty when `repeated`."""
    body: bytes
    """`{"events":[<event with id>, ...]}`: the response, byte for byte the first one."""
    version: str
    """The hall's version after the append (when `repeated`: its current version)."""
    repeated: bool = False


def with_id(event_id: str, data: bytes) -> bytes:
    """The event JSON object `data` with `"id"` spliced in as its first member."""
    if not data.startswith(b"{") or not data.endswith(b"}"):
        raise ValueError("event data must be a JSON object")
    if not data[1:-1].strip():
        return b'{"id":"' + event_id.encode() + b'"}'
    return b'{"id":"' + event_id.encode() + b'",' + data[1:]


REPLICA_ACK_TIMEOUT_MS = 500


def _wrote(reply: Any) -> bool:
    """Whether an append's reply wrote (ok, or a repeat that rewrote its record)."""
    return text(reply[0]) in ("ok", "repeated")


class Store:
    """One per process, shared by its tasks. Holds two pools (see `clients`): commands, and
    appends without automatic retry. Blocking readers open their own connections
    (`hall.store.reader`). Call `close()` when done.

    `replica_ack`: how many replicas must hold a write before it is answered (`WAIT`, see
    `replicas`); None: 1 on Redis Cluster, 0 (no WAIT) on one Redis."""

    def __init__(
        self,
        url: str,
        *,
        retention_ms: int = keys.EVENTS_RETENTION_MS,
        socket_timeout: float = COMMAND_SOCKET_TIMEOUT_SECONDS,
        replica_ack: int | None = None,
        replica_ack_ms: int = REPLICA_ACK_TIMEOUT_MS,
    ) -> None:
        if retention_ms < 0:
            raise ValueError("retention must not be negative")
        self.url = url
        self.retention_ms = retention_ms
        self.cluster = cluster.is_cluster(url)
        if replica_ack is None:
            replica_ack = 1 if self.cluster else 0
        self._ack = ReplicaAck(replica_ack, replica_ack_ms) if replica_ack > 0 else None
        # On a cluster the readers wait for the append's doorbell (`shards`).
        self._bell = keys.APPENDED_CHANNEL if self.cluster else ""
        self._redis = command_client(url, socket_timeout)
        self._writer = append_client(url, socket_timeout)
        self._append = self._writer.register_script(scripts.APPEND)

    @property
    def replica_ack(self) -> int:
        """Replicas that confirm each write before it is answered (0: none)."""
        return self._ack.replicas if self._ack is not None else 0

    async def close(self) -> None:
        await self._redis.aclose()
        await self._writer.aclose()

    async def ping(self) -> bool:
        try:
            with translated():
                return bool(await self._redis.ping())
        except StoreUnavailable:
            return False

    # -- the log -------------------------------------------------------------------------

    async def load(self, hall: str) -> tuple[bytes | None, str]:
        """(snapshot JSON or None, version); version is "0-0" for a hall without events."""
        with translated():
            snapshot, version = await self._redis.hmget(
                keys.state(hall), [keys.STATE_SNAPSHOT_FIELD, keys.STATE_VERSION_FIELD]
            )
        return (
            raw(snapshot) if snapshot is not None else None,
            text(version) if version is not None else keys.NO_VERSION,
        )

    async def version(self, hall: str) -> str:
        """The hall's version alone (the id of its last event; "0-0" without events)."""
        with translated():
            version = await self._redis.hget(keys.state(hall), keys.STATE_VERSION_FIELD)
        return text(version) if version is not None else keys.NO_VERSION

    async def append(
        self,
        hall: str,
        expected_version: str,
        events: Sequence[tuple[str, bytes]],
        snapshot: bytes,
        next_deadline_ms: int | None,
        idem: Idem | None = None,
    ) -> AppendResult:
        """Append `events` (type, data JSON object) if the hall is at `expected_version`.

        Atomically: XADD each event, trim the log (never past the archived id: see
        `keys.EVENTS_RETENTION_MS`), store `snapshot` at the new version, set
        or clear the deadline and record the result under the client id. A repeated client
        id with the same fingerprint returns the first body and appends nothing, whatever
        the version; with another fingerprint it raises IdReused. Raises Conflict when the
        version moved on, StoreUnavailable when Redis fails (the outcome is then unknown:
        retry with the same client id).
        """
        key_list = [keys.state(hall), keys.events(hall), keys.next_deadline(hall)]
        key_list.append(keys.archived(hall))
        if idem is not None:
            key_list.append(keys.idem(hall, idem.client_id))
        args: list[bytes | str | int] = [
            expected_version,
            snapshot,
            "" if next_deadline_ms is None else int(next_deadline_ms),
            self.retention_ms,
            idem.fingerprint if idem is not None else "",
            keys.IDEM_TTL_SECONDS,
            self._bell,
            hall,
            "1" if self._ack is not None else "",
        ]
        for event_type, data in events:
            if not event_type or not data.startswith(b"{") or not data.endswith(b"}"):
                raise ValueError("each event needs a type and a JSON object")
            args += [event_type, data]
        with translated():
            if self._ack is not None:
                reply = await self._ack.run(
                    self._writer, hall, scripts.APPEND, key_list, args, _wrote
                )
            else:
                reply = await self._append(keys=key_list, args=args)
        outcome = text(reply[0])
        if outcome == "conflict":
            raise Conflict(hall, expected_version, text(reply[1]))
        if outcome == "reused":
            assert idem is not None
            raise IdReused(hall, idem.client_id)
        if outcome == "repeated":
            return AppendResult((), bytes(reply[1]), text(reply[2]), repeated=True)
        ids = [text(raw) for raw in reply[3:]]
        appended = tuple((event_id, data) for event_id, (_t, data) in zip(ids, events, strict=True))
        return AppendResult(appended, bytes(reply[1]), text(reply[2]))

    async def idem_lookup(self, hall: str, client_id: str) -> tuple[str, bytes] | None:
        """(fingerprint, response body) recorded for `client_id`, or None. With replica
        acknowledgement, only once a replica holds the record (it answers a command)."""
        key = keys.idem(hall, client_id)
        with translated():
            if self._ack is not None:
                record = await self._ack.run(
                    self._writer, hall, scripts.IDEM_LOOKUP, [key], ["1"], bool
                )
            else:
                record = await self._redis.get(key)
        if record is None:
            return None
        fingerprint, _, body = raw(record).partition(b"\n")
        return fingerprint.decode(), body

    async def read(self, hall: str, after: str | None, limit: int) -> list[StoredEvent]:
        """Up to `limit` events after id `after` (exclusive), from the oldest held if None."""
        if limit < 1:
            return []
        start = "-"
        if after is not None:
            if ids.key(after) == (_MAX_PART, _MAX_PART):
                return []
            start = "(" + after
        with translated():
            entries: Any = await self._redis.xrange(keys.events(hall), start, "+", count=limit)
        return [(text(entry_id), raw(fields[b"data"])) for entry_id, fields in entries]

    async def first_id(self, hall: str) -> str | None:
        """Id of the oldest event held (to tell whether a resume point was trimmed)."""
        with translated():
            entries: Any = await self._redis.xrange(keys.events(hall), "-", "+", count=1)
        return text(entries[0][0]) if entries else None

    async def due_halls(self, halls: Sequence[str], now_ms: int) -> list[str]:
        """Those of `halls` whose next deadline is at or before `now_ms`."""
        if not halls:
            return []
        with translated():
            async with self._redis.pipeline(transaction=False) as pipe:
                for hall in halls:
                    pipe.get(keys.next_deadline(hall))
                values = await pipe.execute()
        return [
            hall
            for hall, value in zip(halls, values, strict=True)
            if value is not None and int(value) <= now_ms
        ]

    async def next_deadlines(self, halls: Sequence[str], batch: int = 100) -> list[int | None]:
        """Each hall's next deadline (epoch ms; None when it has none: never written), read
        in pipelines of `batch` (per hall keys: fine on a cluster). Small ones: a cluster
        client spends ~30 µs of the event loop per command of a pipeline, without a pause."""
        out: list[int | None] = []
        for first in range(0, len(halls), batch):
            with translated():
                async with self._redis.pipeline(transaction=False) as pipe:
                    for hall in halls[first : first + batch]:
                        pipe.get(keys.next_deadline(hall))
                    values = await pipe.execute()
            out += [None if value is None else int(value) for value in values]
        return out

    async def claim_deadlines(
        self, claims: Sequence[tuple[str, int]], owner: str, ttl_ms: int = keys.TICK_CLAIM_MS
    ) -> list[bool]:
        """For each (hall, deadline ms), whether `owner` holds the claim to tick it
        (`keys.tick_claim`), taken now or before: one hub per deadline does the work."""
        if not claims:
            return []
        with translated():
            async with self._redis.pipeline(transaction=False) as pipe:
                for hall, deadline_ms in claims:
                    key = keys.tick_claim(hall, deadline_ms)
                    pipe.set(key, owner, nx=True, px=ttl_ms)
                    pipe.get(key)
                replies = await pipe.execute()
        return [
            bool(taken) or (holder is not None and text(holder) == owner)
            for taken, holder in zip(replies[::2], replies[1::2], strict=True)
        ]

    # -- inbox -----------------------------------------------------------------------------

    async def ensure_group(self, hall: str) -> None:
        with translated():
            await inbox.ensure_group(self._redis, hall)

    async def inbox_add(self, hall: str, command: bytes | str, token: str) -> str:
        """XADD a command to the inbox, as a device would (and, on a cluster, ring the
        inbox's doorbell, `keys.INBOX_CHANNEL`)."""
        with translated():
            entry_id = await self._redis.xadd(
                keys.inbox(hall), {"command": command, "token": token}
            )
            if self.cluster:
                await self._redis.publish(keys.INBOX_CHANNEL, hall)
        return text(entry_id)

    async def reject(
        self, hall: str, command_id: str, error: str, message: str, command_raw: bytes | str
    ) -> str:
        """Record a refused inbox command; the raw command is cut at 4 KiB."""
        raw = command_raw.encode() if isinstance(command_raw, str) else command_raw
        fields: dict[FieldT, EncodableT] = {
            "id": command_id,
            "error": error,
            "message": message,
            "command": inbox.cut_utf8(raw, keys.REJECTED_COMMAND_MAX_BYTES),
        }
        with translated():
            entry_id = await self._redis.xadd(
                keys.rejected(hall),
                fields,
                maxlen=keys.REJECTED_MAXLEN,
                approximate=True,
            )
        return text(entry_id)

    async def ack(self, hall: str, entry_id: str) -> None:
        with translated():
            await inbox.ack(self._redis, hall, entry_id)

    async def claim_stale(
        self, hall: str, consumer: str, min_idle_ms: int, count: int
    ) -> list[inbox.InboxEntry]:
        with translated():
            return await inbox.claim_stale(self._redis, hall, consumer, min_idle_ms, count)
