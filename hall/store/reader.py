"""Supervised blocking readers, each on its own connection with no socket timeout.

`StreamTail` tails the event logs of a changing set of halls with XREAD BLOCK;
`InboxConsumer` applies the halls' inboxes with XREADGROUP BLOCK. Both:

- track their position themselves and resume from it after a reconnect, never from `$`;
- bound every call with their own deadline (block + grace): a server that stops answering
  (paused, partitioned) counts as a lost connection, so `healthy` turns False instead of
  hanging forever on a socket without timeout;
- reconnect with exponential backoff (50 ms doubling, capped at 2 s, jittered);
- close their connection when cancelled;
- never end silently: any other error (a bug, a callback's failure) and a stray
  CancelledError that no cancel of theirs caused (one escaping redis-py's per-node tasks
  had ended the live tail unnoticed) are logged with their traceback, `healthy` turns
  False (so /healthz says 503), and the reader starts again after a pause (0.5 s doubling
  to a minute: a bug is not retried hot), resuming from its own positions.

Changing StreamTail's halls interrupts the current XREAD at once by cancelling it (a cancel
scope around the call). redis-py drops a connection whose command was cancelled, so the
next XREAD, with the new set of halls, reconnects first: one local round trip, paid only
when a hall is added or removed, and nothing is missed because positions are ours. (The
alternatives were a short BLOCK, which delays a new hall by up to the block time, or CLIENT
UNBLOCK from a second connection, which races with the XREAD it means to interrupt.)
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import Any, TypeVar

import anyio
import redis.exceptions
from redis.typing import KeyT, StreamIdT

from hall.store import inbox, keys
from hall.store.clients import UNAVAILABLE, Redis, blocking_client, text
from hall.store.errors import StoreUnavailable
from hall.store.shards import LOG_SWEEP_SECONDS, SWEEP_SECONDS
from hall.store.store import StoredEvent

log = logging.getLogger(__name__)

T = TypeVar("T")

EventsCallback = Callable[[str, list[StoredEvent]], Awaitable[None]]
"""Called with (hall, events in log order); the position advances when it returns."""
CommandCallback = Callable[[str, str, dict[str, bytes]], Awaitable[None]]
"""Called with (hall, inbox entry id, fields); the entry is acknowledged when it returns."""

_RETRYABLE: tuple[type[BaseException], ...] = (*UNAVAILABLE, StoreUnavailable, TimeoutError)
_BACKOFF_BASE_SECONDS = 0.05
_CLOSE_TIMEOUT_SECONDS = 2.0
_CRASH_BACKOFF_BASE_SECONDS = 0.5
_CRASH_BACKOFF_CAP_SECONDS = 60.0
_CRASH_FORGIVEN_SECONDS = 600.0  # a run this long since the last crash starts the count again


def stray_cancel(exc: BaseException) -> bool:
    """A CancelledError that no cancel of this task caused (on asyncio a real cancel, by a
    cancel scope or `Task.cancel`, is counted by `Task.cancelling()`; a stray one is an
    exception some inner task raised through us). Not asyncio: never stray."""
    if not isinstance(exc, asyncio.CancelledError):
        return False
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no asyncio loop (trio)
        return False
    return task is not None and task.cancelling() == 0


class CallbackError(RuntimeError):
    """A callback raised a connection-like error that is not StoreUnavailable: a bug, which
    must stop the reader rather than be retried forever as if Redis had failed."""


async def _invoke(call: Awaitable[None]) -> None:
    """Await a callback. StoreUnavailable from it means Redis failed (reconnect and redeliver);
    anything else propagates, with OSError-like errors wrapped so they are not retried."""
    try:
        await call
    except StoreUnavailable:
        raise
    except _RETRYABLE as exc:
        raise CallbackError(f"reader callback failed: {exc!r}") from exc


class Reconnecting:
    """Runs `_session` on a fresh connection, again after each connection failure (the
    readers here, and the records archiver)."""

    name = "reader"
    sweep_s = LOG_SWEEP_SECONDS  # on a cluster: every hall read this often, bell or not

    def __init__(self, url: str, *, block_ms: int, grace_s: float, backoff_cap_s: float) -> None:
        if block_ms < 1:
            raise ValueError("block_ms must be at least 1 (0 would block forever)")
        self._url = url
        self._block_ms = block_ms
        self._grace_s = grace_s
        self._backoff_cap_s = backoff_cap_s
        self._failures = 0
        self.healthy = False
        """True while connected and answering; False from a failure until reconnected."""
        self.crashes = 0
        """How many times a run ended on an error (or a stray cancel) and started again."""

    async def run(self) -> None:
        """Serve until cancelled, starting again after anything else ends it."""
        crashes, last_crash = 0, time.monotonic()
        while True:
            try:
                await self._serve_forever()
            except BaseException as exc:
                if not (isinstance(exc, Exception) or stray_cancel(exc)):
                    raise  # cancelled for real, or the process is ending
                if time.monotonic() - last_crash > _CRASH_FORGIVEN_SECONDS:
                    crashes = 0
                crashes, last_crash = crashes + 1, time.monotonic()
                delay = min(
                    _CRASH_BACKOFF_CAP_SECONDS, _CRASH_BACKOFF_BASE_SECONDS * 2 ** (crashes - 1)
                )
                log.error(
                    "%s stopped (%s); starting again in %.1f s",
                    self.name,
                    type(exc).__name__,
                    delay,
                    exc_info=exc,
                )
                self._crashed(exc)
                await anyio.sleep(delay)

    def _crashed(self, exc: BaseException) -> None:
        """Called when a run ended on an error, before the pause (`healthy` is False)."""
        self.crashes += 1

    async def _serve_forever(self) -> None:
        try:
            while True:
                client = blocking_client(self._url, self.sweep_s)
                try:
                    await self._session(client)
                except _RETRYABLE as exc:
                    self._failed(exc)
                finally:
                    with anyio.move_on_after(_CLOSE_TIMEOUT_SECONDS, shield=True):
                        await client.aclose()
                await anyio.sleep(self._backoff())
        finally:
            self.healthy = False

    async def _session(self, client: Redis) -> None:
        raise NotImplementedError

    async def _call(self, call: Callable[[], Awaitable[T]], timeout_s: float | None = None) -> T:
        """One Redis call, bounded: a missed deadline counts as a lost connection."""
        with anyio.fail_after(timeout_s if timeout_s is not None else self._grace_s):
            return await call()

    def _succeeded(self) -> None:
        if not self.healthy and self._failures:
            log.info("%s: Redis connection restored", self.name)
        self.healthy = True
        self._failures = 0

    def _failed(self, exc: BaseException) -> None:
        if self.healthy or not self._failures:
            log.warning(
                "%s: Redis connection lost (%s: %s); reconnecting",
                self.name,
                type(exc).__name__,
                exc,
            )
        self.healthy = False
        self._failures += 1

    def _backoff(self) -> float:
        exponent = min(max(self._failures - 1, 0), 16)
        delay = min(self._backoff_cap_s, _BACKOFF_BASE_SECONDS * 2**exponent)
        return random.uniform(delay / 2, delay)


class StreamTail(Reconnecting):
    """Delivers every event of the halls it tails, in log order per hall, exactly once per
    run (at least once across a failing callback, which is retried from its position)."""

    name = "stream tail"

    def __init__(
        self,
        url: str,
        on_events: EventsCallback,
        *,
        block_ms: int = 2000,
        count: int = 500,
        grace_s: float = 3.0,
        backoff_cap_s: float = 2.0,
    ) -> None:
        super().__init__(url, block_ms=block_ms, grace_s=grace_s, backoff_cap_s=backoff_cap_s)
        self._on_events = on_events
        self._count = count
        self._halls: dict[str, str] = {}  # stream key -> hall, for the halls tailed
        # stream key -> the last id delivered (or the starting one): the next read's
        self._streams: dict[KeyT, StreamIdT] = {}
        self._moved: set[str] = set()  # keys whose position moved since the last read
        self._read_scope: anyio.CancelScope | None = None

    @property
    def halls(self) -> frozenset[str]:
        return frozenset(self._halls.values())

    def position(self, hall: str) -> str | None:
        """Id of the last event delivered for `hall` (or its starting id)."""
        after = self._streams.get(keys.events(hall))
        return None if after is None else text(after)

    def add(self, hall: str, after: str) -> bool:
        """Tail `hall` from after id `after` ("0-0": from the oldest held). False if tailed."""
        key = keys.events(keys.check_hall(hall))
        if key in self._streams:
            return False
        self._halls[key], self._streams[key] = hall, after
        self._moved.add(key)
        self._interrupt()
        return True

    def remove(self, hall: str) -> bool:
        key = keys.events(hall)
        if self._streams.pop(key, None) is None:
            return False
        del self._halls[key]
        self._interrupt()
        return True

    def _interrupt(self) -> None:
        if self._read_scope is not None:
            self._read_scope.cancel()

    async def _session(self, client: Redis) -> None:
        await self._call(client.ping)
        self._succeeded()
        while True:
            streams: dict[KeyT, StreamIdT] = dict(self._streams)  # a copy, in C
            with anyio.CancelScope() as scope:
                self._read_scope = scope
                try:
                    reply = await self._read(client, streams)
                finally:
                    self._read_scope = None
            if scope.cancelled_caught:
                continue  # the halls changed: read again with the new set
            self._succeeded()
            await self._deliver(streams, reply)

    async def _read(self, client: Redis, streams: dict[KeyT, StreamIdT]) -> Any:
        if not streams:
            await self._call(client.ping)
            await anyio.sleep(self._block_ms / 1000)
            return []
        note_moved = getattr(client, "note_moved", None)  # a cluster's (hall.store.shards)
        if note_moved is not None:
            note_moved(self._moved)
            self._moved = set()
        read = partial(client.xread, streams, count=self._count, block=self._block_ms)
        return await self._call(read, self._block_ms / 1000 + self._grace_s)

    async def _deliver(self, streams: dict[KeyT, StreamIdT], reply: Any) -> None:
        for raw_key, entries in reply or []:
            key = text(raw_key)
            hall = self._halls.get(key)
            if hall is None or not entries:
                continue  # removed while we read
            batch = [
                (text(entry_id), fields[b"data"])
                for entry_id, fields in entries
                if fields and b"data" in fields
            ]
            if batch:
                await _invoke(self._on_events(hall, batch))
            # Advance only if nobody re-positioned the hall (remove + add) meanwhile.
            if self._streams.get(key) == streams[key]:
                self._streams[key] = text(entries[-1][0])
                self._moved.add(key)


class InboxConsumer(Reconnecting):
    """Applies the halls' inboxes as consumer `consumer` of the group `hubs`.

    At least once: an entry is acknowledged (and deleted) only after `on_command` returns,
    so a hub that dies mid-command leaves it pending; its own pending entries are applied
    again when it reconnects, and another hub claims entries left pending longer than
    `claim_idle_ms` (XAUTOCLAIM, checked every `claim_every_s`). Commands carry client ids,
    which makes the repeat harmless."""

    name = "inbox consumer"
    sweep_s = SWEEP_SECONDS  # a device's XADD without a ring: applied within this

    def __init__(
        self,
        url: str,
        halls: Iterable[str],
        consumer: str,
        on_command: CommandCallback,
        *,
        block_ms: int = 2000,
        count: int = 50,
        claim_idle_ms: int = 60_000,
        claim_every_s: float = 15.0,
        grace_s: float = 3.0,
        backoff_cap_s: float = 2.0,
    ) -> None:
        super().__init__(url, block_ms=block_ms, grace_s=grace_s, backoff_cap_s=backoff_cap_s)
        self._halls = tuple(keys.check_hall(hall) for hall in halls)
        self._consumer = consumer
        self._on_command = on_command
        self._count = count
        self._claim_idle_ms = claim_idle_ms
        self._claim_every_s = claim_every_s

    async def _session(self, client: Redis) -> None:
        try:
            await self._serve(client)
        except redis.exceptions.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # The inbox key was deleted (and its group with it): start again, which
            # recreates the group at id 0.
            raise StoreUnavailable(f"inbox consumer group missing: {exc}") from exc

    async def _serve(self, client: Redis) -> None:
        for hall in self._halls:
            await self._call(partial(inbox.ensure_group, client, hall))
        self._succeeded()
        for hall in self._halls:
            await self._apply_own_pending(client, hall)
        next_claim = anyio.current_time()
        streams: dict[KeyT, StreamIdT] = {keys.inbox(hall): ">" for hall in self._halls}
        halls = {keys.inbox(hall): hall for hall in self._halls}
        while True:
            if anyio.current_time() >= next_claim:
                await self._claim(client)
                next_claim = anyio.current_time() + self._claim_every_s
            if not streams:
                await anyio.sleep(self._block_ms / 1000)
                continue
            until_claim_ms = int((next_claim - anyio.current_time()) * 1000)
            block_ms = max(1, min(self._block_ms, until_claim_ms))
            read = partial(
                client.xreadgroup,
                keys.INBOX_GROUP,
                self._consumer,
                streams,
                count=self._count,
                block=block_ms,
            )
            reply: Any = await self._call(read, block_ms / 1000 + self._grace_s)
            self._succeeded()
            for raw_key, entries in reply or []:
                hall = halls[text(raw_key)]
                for entry_id, fields in entries:
                    await self._apply(client, hall, inbox.decode_entry(entry_id, fields))

    async def _apply_own_pending(self, client: Redis, hall: str) -> None:
        after = "0"
        while True:
            entries = await self._call(
                partial(inbox.read_own_pending, client, hall, self._consumer, after, self._count)
            )
            if not entries:
                return
            for entry in entries:
                await self._apply(client, hall, entry)
            after = entries[-1][0]

    async def _claim(self, client: Redis) -> None:
        for hall in self._halls:
            claimed = await self._call(
                partial(
                    inbox.claim_stale,
                    client,
                    hall,
                    self._consumer,
                    self._claim_idle_ms,
                    self._count,
                )
            )
            for entry in claimed:
                await self._apply(client, hall, entry)

    async def _apply(self, client: Redis, hall: str, entry: inbox.InboxEntry) -> None:
        entry_id, fields = entry
        if fields:  # an entry deleted while pending has no fields: nothing to apply
            await _invoke(self._on_command(hall, entry_id, fields))
        await self._call(partial(inbox.ack, client, hall, entry_id))
