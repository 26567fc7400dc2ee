"""`LogGroup`: the halls' event logs shared by a consumer group, so that each entry is
handled by one hub of the group (the notifier sends each alert once across hubs).

Unlike the inbox (`reader.InboxConsumer`, acknowledged when its callback returns), an entry
here is acknowledged when its owner says so (`done`), which may be minutes later (a
delivery retried with backoff) while the reader goes on reading. Meanwhile:

- the entries handed over and not yet done are *in flight*; their idle time in the group's
  pending list is reset every `claim_every_s` (XCLAIM to ourselves, JUSTID), so no other
  hub takes an entry this hub is still working on;
- a hub that died leaves its entries pending and idle: another hub takes them over after
  `claim_idle_ms` (XAUTOCLAIM) and handles them again (at least once);
- after a lost connection, this consumer's own pending entries that are not in flight (an
  acknowledgement lost with the connection is retried first) are handed over again;
- at most `max_in_flight` entries are in flight: past that the reader waits;
- consumers idle `forget_idle_ms` with nothing pending (hubs long gone) are removed.

The group starts at `$`: a log's history before the group existed is not handed over.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import Any

import anyio
import redis.exceptions
from redis.typing import KeyT, StreamIdT

from hall.store import keys
from hall.store.clients import UNAVAILABLE, Redis, command_client, text
from hall.store.errors import StoreUnavailable
from hall.store.reader import Reconnecting, _invoke
from hall.store.shards import GROUP_SWEEP_SECONDS
from hall.store.store import StoredEvent

log = logging.getLogger(__name__)

EntriesCallback = Callable[[str, list[StoredEvent]], Awaitable[None]]
"""Called with (hall, entries in log order); it must call `done` for each entry, now or
later. It should return quickly: the reader waits for it."""

_CONSUMER_SWEEP_S = 3600.0
_DEFERRED: tuple[type[BaseException], ...] = (*UNAVAILABLE, TimeoutError)


class LogGroup(Reconnecting):
    name = "log group"
    sweep_s = GROUP_SWEEP_SECONDS  # on a cluster its claims wait for a read to return: often

    def __init__(
        self,
        url: str,
        halls: Iterable[str],
        group: str,
        consumer: str,
        on_entries: EntriesCallback,
        *,
        block_ms: int = 2000,
        count: int = 100,
        claim_idle_ms: int = 60_000,
        claim_every_s: float = 15.0,
        max_in_flight: int = 1000,
        forget_idle_ms: int = 24 * 3600 * 1000,
        grace_s: float = 3.0,
        backoff_cap_s: float = 2.0,
    ) -> None:
        super().__init__(url, block_ms=block_ms, grace_s=grace_s, backoff_cap_s=backoff_cap_s)
        if not 0 < claim_every_s * 1000 * 2 <= claim_idle_ms:
            raise ValueError("claim_every_s must be above 0 and at most half of claim_idle_ms")
        self.halls = tuple(keys.check_hall(hall) for hall in halls)
        self.name = f"log group {group}"
        self._url = url
        self._group = group
        self._consumer = consumer
        self._on_entries = on_entries
        self._count = count
        self._claim_idle_ms = claim_idle_ms
        self._claim_every_s = claim_every_s
        self._max_in_flight = max_in_flight
        self._forget_idle_ms = forget_idle_ms
        self._in_flight: dict[str, set[str]] = {hall: set() for hall in self.halls}
        self._acks: dict[str, set[str]] = {hall: set() for hall in self.halls}
        self._room = anyio.Event()
        self._acker: Redis | None = None
        self._next_sweep = 0.0

    @property
    def in_flight(self) -> int:
        return sum(len(ids) for ids in self._in_flight.values())

    async def done(self, hall: str, ids: Iterable[str]) -> None:
        """Acknowledge entries handed over. If Redis does not answer, the acknowledgement
        is kept and sent again before the next read (the entry is not handed over again)."""
        ids = list(ids)
        self._in_flight[hall].difference_update(ids)
        self._acks[hall].update(ids)
        self._room.set()
        try:
            await self._flush_acks(self._ack_client())
        except _DEFERRED as exc:
            log.warning("%s: acknowledgement deferred (%s)", self.name, type(exc).__name__)

    def _ack_client(self) -> Redis:
        if self._acker is None:
            self._acker = command_client(self._url)
        return self._acker

    async def _flush_acks(self, client: Redis) -> None:
        for hall, ids in self._acks.items():
            if not ids:
                continue
            sent = list(ids)
            with anyio.fail_after(self._grace_s):
                await client.xack(keys.events(hall), self._group, *sent)
            ids.difference_update(sent)

    async def run(self) -> None:
        try:
            await super().run()
        finally:
            if self._acker is not None:
                with anyio.CancelScope(shield=True), anyio.move_on_after(2.0):
                    await self._acker.aclose()

    async def _session(self, client: Redis) -> None:
        try:
            await self._serve(client)
        except redis.exceptions.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # The log (and its group with it) was deleted: start again, which recreates it.
            raise StoreUnavailable(f"consumer group {self._group} missing: {exc}") from exc

    async def _serve(self, client: Redis) -> None:
        for hall in self.halls:
            await self._call(partial(self._ensure_group, client, hall))
        self._succeeded()
        await self._call(partial(self._flush_acks, client))
        for hall in self.halls:
            await self._own_pending(client, hall)
        next_claim = anyio.current_time()
        streams: dict[KeyT, StreamIdT] = {keys.events(hall): ">" for hall in self.halls}
        halls = {keys.events(hall): hall for hall in self.halls}
        while True:
            if anyio.current_time() >= next_claim:
                await self._claim(client)
                next_claim = anyio.current_time() + self._claim_every_s
            await self._call(partial(self._flush_acks, client))
            if self.in_flight >= self._max_in_flight:
                self._room = anyio.Event()
                with anyio.move_on_after(max(0.0, next_claim - anyio.current_time())):
                    await self._room.wait()
                continue
            until_claim_ms = int((next_claim - anyio.current_time()) * 1000)
            block_ms = max(1, min(self._block_ms, until_claim_ms))
            read = partial(
                client.xreadgroup,
                self._group,
                self._consumer,
                streams,
                count=self._count,
                block=block_ms,
            )
            reply: Any = await self._call(read, block_ms / 1000 + self._grace_s)
            self._succeeded()
            for raw_key, entries in reply or []:
                await self._hand_over(client, halls[text(raw_key)], entries)

    async def _ensure_group(self, client: Redis, hall: str) -> None:
        try:
            await client.xgroup_create(keys.events(hall), self._group, id="$", mkstream=True)
        except redis.exceptions.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _hand_over(self, client: Redis, hall: str, entries: Any) -> None:
        """Entries as Redis gave them: those with data go to the callback; entries trimmed
        from the log while pending (no fields) are acknowledged at once."""
        batch: list[StoredEvent] = []
        gone: list[str] = []
        flying = self._in_flight[hall]
        for raw_id, fields in entries:
            if raw_id is None:
                continue
            entry_id = text(raw_id)
            if entry_id in flying or entry_id in self._acks[hall]:
                continue  # still ours: being handled, or its acknowledgement is queued
            data = (fields or {}).get(b"data")
            if data is None:
                gone.append(entry_id)
            else:
                batch.append((entry_id, data))
        if gone:
            await self._call(partial(client.xack, keys.events(hall), self._group, *gone))
        if batch:
            handed = [entry_id for entry_id, _ in batch]
            flying.update(handed)
            try:
                await _invoke(self._on_entries(hall, batch))
            except BaseException:
                flying.difference_update(handed)  # not taken: hand them over again
                raise

    async def _own_pending(self, client: Redis, hall: str) -> None:
        after = "0"
        while True:
            read = partial(
                client.xreadgroup,
                self._group,
                self._consumer,
                {keys.events(hall): after},
                count=self._count,
            )
            reply: Any = await self._call(read)
            entries = [entry for _, items in reply or [] for entry in items]
            if not entries:
                return
            await self._hand_over(client, hall, entries)
            after = text(entries[-1][0])

    async def _claim(self, client: Redis) -> None:
        """Keep our in-flight entries ours, take over entries another hub left idle, and
        now and then remove consumers long gone."""
        for hall in self.halls:
            flying: list[StreamIdT] = [*sorted(self._in_flight[hall])]
            if flying:
                keep = partial(
                    client.xclaim,
                    keys.events(hall),
                    self._group,
                    self._consumer,
                    0,
                    flying,
                    justid=True,
                )
                await self._call(keep)
            cursor: Any = "0-0"
            while True:
                claim = partial(
                    client.xautoclaim,
                    keys.events(hall),
                    self._group,
                    self._consumer,
                    self._claim_idle_ms,
                    cursor,
                    count=self._count,
                )
                reply: Any = await self._call(claim)
                cursor = reply[0]
                entries = [entry for entry in reply[1] if entry[0] is not None]
                if entries:
                    log.info("%s: took over %d idle entries of %s", self.name, len(entries), hall)
                    await self._hand_over(client, hall, entries)
                if len(entries) < len(reply[1]):
                    # Redis 6.2 claims an entry deleted from the log without saying which
                    # (nil): it is ours now, and reading our pending entries shows its id.
                    await self._own_pending(client, hall)
                if text(cursor) == "0-0":
                    break
        if anyio.current_time() >= self._next_sweep:
            self._next_sweep = anyio.current_time() + _CONSUMER_SWEEP_S
            for hall in self.halls:
                await self._sweep(client, hall)

    async def _sweep(self, client: Redis, hall: str) -> None:
        consumers: Any = await self._call(
            partial(client.xinfo_consumers, keys.events(hall), self._group)
        )
        for info in consumers:
            name = text(info["name"])
            idle = int(info["idle"])
            if name != self._consumer and not info["pending"] and idle > self._forget_idle_ms:
                await self._call(
                    partial(client.xgroup_delconsumer, keys.events(hall), self._group, name)
                )
