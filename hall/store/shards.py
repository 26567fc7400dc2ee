"""Reading many halls' streams on Redis Cluster: `ShardedCluster`, the readers' client.

On one Redis a reader follows all its halls with one `XREAD BLOCK` (or `XREADGROUP BLOCK`)
over all their keys. On a cluster that command is refused: every key of one command must
hash to one slot, and each hall has its own slot (`{hall}`), even two halls on one node.
The choices were:

- one blocking read per hall, on a connection of its own: instant, but a hub following
  2,000 halls with four readers (live tail, inbox, archiver, notifier) would hold 8,000
  connections, and each costs memory on the hub and on Redis;
- polling every hall's stream without BLOCK: 2,000 reads every interval, mostly empty;
- **a doorbell** (chosen): the append script PUBLISHes the hall's id on
  `keys.APPENDED_CHANNEL` (`Store.inbox_add` and devices on `keys.INBOX_CHANNEL`). A
  reader subscribes once (cluster pub/sub reaches every node), reads every hall's stream
  once, then only the halls whose bell rang: per read, one pipeline of single-key XREADs,
  which redis-py splits per master node and sends to each at once. One connection per
  node plus one subscription per reader, whatever the number of halls.

Pub/sub is at most once: a ring lost while the subscription was down is covered by reading
every hall again on each new connection, and every `sweep_s` seconds (a ring lost while the
cluster's bus was cut); a device that XADDs to an inbox without ringing is read within
`sweep_s`. A read of a hall that returned a full batch (`count` entries) rings again, so a
backlog is read to its end without waiting for the next bell.

Many halls (a hub following 2,000 of them, `bench/scale.py`):

- a pipeline holds at most `PIPELINE_KEYS` reads, the rung halls first, then the new ones,
  then the sweep's; the rest wait for the next round (at once, without waiting for a bell).
  One pipeline of 2,000 reads took seconds on a busy hub: past the reader's deadline, so it
  reconnected and read all 2,000 again, and again, while rung halls waited behind them;
- a pipeline is not cancelled midway (shielded; its node's socket timeout still bounds it).
  The tail cancels its read whenever its halls change; a cancel that reached redis-py's
  per-node tasks (asyncio.gather) could come out of the tail's cancel scope as a bare
  CancelledError, which ended the tail silently: the hub answered commands, and no screen
  saw one again. A cancelled read now returns after its pipeline, at most `PIPELINE_KEYS`
  reads later.

The methods keep redis-py's signatures and reply shapes, so the readers (`reader`,
`group`, the records archiver) run unchanged on either kind of Redis.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import anyio
import anyio.lowlevel
from redis.asyncio.cluster import RedisCluster
from redis.typing import KeyT, StreamIdT

from hall.store import keys

# How often a reader reads every one of its halls, bell or not. An inbox is swept for a
# device that XADDs without ringing (docs/api.md promises its command within this; at 2 s,
# 2,000 inboxes cost an idle hub 1,000 reads a second). A log is rung by the append script
# on every append, so its sweep only covers a ring lost while the cluster's bus was cut (a
# lost subscription is covered by the read on reconnecting): rarely.
SWEEP_SECONDS = 10.0
LOG_SWEEP_SECONDS = 30.0
GROUP_SWEEP_SECONDS = 2.0  # the notifier's group: its tests' take-overs wait on its reads
PIPELINE_KEYS = 200


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _texts(streams: Mapping[KeyT, StreamIdT]) -> dict[str, str]:
    """The streams as text (hall's own readers already give text: then a copy in C)."""
    wanted = dict(streams)
    if set(map(type, wanted)) <= {str} and set(map(type, wanted.values())) <= {str}:
        return wanted  # type: ignore[return-value]
    return {_text(key): _text(after) for key, after in wanted.items()}


class ShardedCluster(RedisCluster):
    """A cluster client whose multi-key XREAD / XREADGROUP work across slots (see above).
    Not shared: one per reader, as the single Redis's blocking connection is."""

    sweep_s = SWEEP_SECONDS
    pipeline_keys = PIPELINE_KEYS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bell: Any = None
        self._channels: set[str] = set()
        self._rung: set[str] = set()  # keys whose bell rang and that were not read since
        self._asked: dict[str, str] = {}  # key -> the id it was last read after
        self._sweeping: list[str] = []  # keys the current sweep has still to read
        self._next_sweep = 0.0
        self._known: set[str] = set()  # keys whose doorbell is subscribed (or that have none)
        # A plain XREAD's caller that says which of its ids it moved (`note_moved`) spares
        # each read a comparison of every key's id with the last one asked.
        self._hinted = False
        self._moved: set[str] = set()
        self.heard: set[str] | None = None
        """If set by the owner: every key whose bell rang since the owner last emptied it
        (the archiver measures those halls' lag; a read does not consume these)."""

    def note_moved(self, keys: set[str]) -> None:
        """The caller moved these keys' ids (and tells every move from now on)."""
        self._hinted = True
        self._moved |= keys

    async def aclose(self, *args: Any, **kwargs: Any) -> None:
        if self._bell is not None:
            bell, self._bell = self._bell, None
            await bell.aclose()
        await super().aclose(*args, **kwargs)

    async def xread(  # type: ignore[override]
        self,
        streams: Mapping[KeyT, StreamIdT],
        count: int | None = None,
        block: int | None = None,
        **kwargs: Any,
    ) -> Any:
        return await self._read(streams, count, block, None)

    async def xreadgroup(  # type: ignore[override]
        self,
        groupname: str,
        consumername: str,
        streams: Mapping[KeyT, StreamIdT],
        count: int | None = None,
        block: int | None = None,
        noack: bool = False,
        **kwargs: Any,
    ) -> Any:
        return await self._read(streams, count, block, (groupname, consumername, noack))

    async def _read(
        self,
        streams: Mapping[KeyT, StreamIdT],
        count: int | None,
        block: int | None,
        group: tuple[str, str, bool] | None,
    ) -> list[Any]:
        wanted = _texts(streams)
        if block is None:  # no waiting: every key, now (e.g. a consumer's own pending)
            every, out = list(wanted), []
            for start in range(0, len(every), self.pipeline_keys):
                chunk = every[start : start + self.pipeline_keys]
                out += await self._read_keys(chunk, wanted, count, group, track=False)
            return out
        await self._subscribe(wanted)
        deadline = time.monotonic() + block / 1000
        while True:
            await self._drain()
            due = self._due(wanted, group is not None)
            reply = await self._read_keys(due, wanted, count, group) if due else []
            if reply:
                return reply
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            if due:  # more may be due (a pipeline holds a part): read on, after a checkpoint
                await anyio.lowlevel.checkpoint()
                continue
            await self._ring(min(remaining, max(0.0, self._next_sweep - time.monotonic())))

    def _due(self, wanted: dict[str, str], group: bool) -> list[str]:
        """The keys to read now, at most `pipeline_keys`: those rung, then those new or
        asked from another id than last time (a plain XREAD's caller moves its ids on),
        then the sweep's (every key, spread over as many rounds as it takes)."""
        # Each read: set operations (in C) and work on the keys due, never a Python loop over
        # every key (2,000 halls' keys each read were a third of a loaded hub's CPU).
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.sweep_s
            self._sweeping = list(wanted)
            self._sweeping.reverse()  # taken from the end
        rung = self._rung & wanted.keys()
        if group:
            moved = wanted.keys() - self._asked.keys()
        elif self._hinted:
            moved = (self._moved | (wanted.keys() - self._asked.keys())) & wanted.keys()
        else:
            moved = {key for key, _ in wanted.items() - self._asked.items()}
        due = dict.fromkeys([*rung, *(moved - rung)][: self.pipeline_keys])
        sweeping = self._sweeping
        while len(due) < self.pipeline_keys and sweeping:
            key = sweeping.pop()
            if key in wanted:
                due[key] = None
        return list(due)

    async def _read_keys(
        self,
        due: list[str],
        wanted: dict[str, str],
        count: int | None,
        group: tuple[str, str, bool] | None,
        *,
        track: bool = True,
    ) -> list[Any]:
        """One pipeline of single-key reads (redis-py sends each node its share at once).
        `track`: a waiting read's, which consumes the keys' rings."""
        # Shielded: a cancel reaching redis-py's per-node tasks could escape as a bare
        # CancelledError that no cancel scope claims (see the module's docstring).
        with anyio.CancelScope(shield=True):
            async with self.pipeline(transaction=False) as pipe:
                for key in due:
                    if group is None:
                        pipe.xread({key: wanted[key]}, count=count)
                    else:
                        name, consumer, noack = group
                        pipe.xreadgroup(
                            name, consumer, {key: wanted[key]}, count=count, noack=noack
                        )
                replies = await pipe.execute()
        out: list[Any] = []
        for key, reply in zip(due, replies, strict=True):
            if track:
                self._rung.discard(key)
                self._moved.discard(key)
                self._asked[key] = wanted[key]
            for stream, entries in reply or []:
                if entries:
                    out.append([stream, entries])
                    if track and count is not None and len(entries) >= count:
                        self._rung.add(key)  # more may wait: read again at once
        return out

    async def _subscribe(self, wanted: dict[str, str]) -> None:
        if self._bell is None:
            self._bell = self.pubsub()
            self._channels = set()
            self._known = set()
        unknown = wanted.keys() - self._known  # each read: a set difference, not 2,000 calls
        if not unknown:
            return
        channels = {bell for key in unknown if (bell := keys.doorbell(key)) is not None}
        self._known |= unknown
        new = channels - self._channels
        if new:
            await self._bell.subscribe(*sorted(new))
            self._channels |= new
            self._next_sweep = 0.0  # read everything once the bells are heard

    async def _drain(self) -> None:
        while await self._ring(0.0):
            pass

    async def _ring(self, seconds: float) -> bool:
        """Wait up to `seconds` for one message; True if one came."""
        if not self._channels:
            await anyio.sleep(seconds)
            return False
        message = await self._bell.get_message(ignore_subscribe_messages=True, timeout=seconds)
        if message is None:
            return False
        if message.get("type") == "message":
            key = keys.rung(_text(message["channel"]), _text(message["data"]))
            if key is not None:
                self._rung.add(key)
                if self.heard is not None:
                    self.heard.add(key)
        return True
