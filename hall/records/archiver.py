"""The archiver: a background task of every hub that copies each hall's log from Redis into
the records database, exactly once across any number of hubs.

Per hall, in one loop on its own blocking Redis connection (`Reconnecting`):

- **a lease** per hall (`keys.archiver`, renewed every second while the database
  answers, one script per bucket of halls): normally one hub archives a hall; when it
  dies, another takes over once the lease runs out (`keys.ARCHIVER_LEASE_MS`). A hub whose
  database fails gives its leases back, and so does a hub stopped, so another hub takes
  over at once;
- **the position** comes from the database, never from `$`: taking a lease, a hub reads
  the hall's last archived id there and reads the stream after it, so a crash anywhere
  (before the commit, between the commit and the mark) only repeats a batch, and the
  primary key (hall, stream id) makes the repeat insert nothing;
- **batches**: one XREAD (up to `batch` entries per hall) becomes one transaction per hall,
  then one pipelined mark of the archived ids (`keys.archived`, only ever forward), which
  lets Redis trim what is archived. Rounds are at least `settle` apart, so a busy log is
  copied in a few transactions a second, not one per event;
- **the lag**: per hall, the age of its oldest event not archived yet (0 when all are),
  from Redis, so every hub reports the hall's lag whoever archives it. Measured every
  second for the halls that may lag (a lag last time, a batch stored, a lease changed
  hands, on a cluster an append's doorbell heard), and for every other hall once every
  `lag_sweep` seconds, a slice each second: a hall at rest costs nothing per second (with
  2,000 halls, measuring each every second was a fifth of an idle hub's CPU).

The database down is not the hall down: the archiver backs off and retries, the log keeps
everything until it is archived, and the lag shows on /healthz and /metrics.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import anyio

from hall import metrics
from hall.records.archive import Archive, ArchivedEvent, archived_event
from hall.records.errors import ArchiveError, ArchiveUnavailable
from hall.store import archived, keys
from hall.store.clients import Redis, text
from hall.store.reader import Reconnecting
from hall.store.shards import ShardedCluster

log = logging.getLogger(__name__)

_LAG_EVERY_SECONDS = 1.0
LAG_SWEEP_SECONDS = 30.0
_RELEASE_TIMEOUT_SECONDS = 1.0
_DATABASE_BACKOFF_CAP_SECONDS = 5.0


class Archiver(Reconnecting):
    name = "archiver"

    def __init__(
        self,
        archive: Archive,
        redis_url: str,
        halls: Iterable[str],
        owner: str,
        *,
        lease_ms: int = keys.ARCHIVER_LEASE_MS,
        renew_every: float = keys.ARCHIVER_RENEW_SECONDS,
        block_ms: int = 1000,
        batch: int = 1000,
        settle: float = 0.1,
        lag_sweep: float = LAG_SWEEP_SECONDS,
        grace_s: float = 3.0,
        backoff_cap_s: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(redis_url, block_ms=block_ms, grace_s=grace_s, backoff_cap_s=backoff_cap_s)
        self.archive = archive
        self.halls = tuple(halls)
        for hall in self.halls:
            keys.check_hall(hall)
        self.owner = owner
        self._lease_ms = lease_ms
        self._renew_every = renew_every
        self._batch = batch
        self._settle = settle
        self._lag_sweep = lag_sweep
        self._suspects: set[str] = set()  # halls whose lag is measured at the next tick
        self._swept = 0  # where the sweep's next slice starts
        self._clock = clock
        self.database_up = False
        """Whether the records database answered the last call (False until it has)."""
        self.lag: dict[str, float] = {}
        """Per hall, seconds its oldest event not archived yet has waited (0: none)."""
        self.archiving: dict[str, str] = {}
        """The halls this hub holds the lease of, with the last id it archived."""
        self._database_failures = 0
        self._database_ok_at = 0.0
        self._database_error = ""

    @property
    def lag_seconds(self) -> float | None:
        """The largest lag over the halls, once every hall was measured."""
        if not self.halls or len(self.lag) < len(self.halls):
            return None
        return max(self.lag.values())

    # Whatever goes wrong, the live hall goes on: Redis and database failures are retried
    # inside, a schema newer than this hall is reported and waited out; an unexpected error
    # (a bug, a damaged database) is logged with its traceback and the archiver starts over
    # after a pause (`Reconnecting.run`), instead of ending the hub's task group.
    def _crashed(self, exc: BaseException) -> None:
        super()._crashed(exc)
        self.database_up = False
        self.archiving.clear()

    # -- one Redis session -----------------------------------------------------------------

    async def _session(self, client: Redis) -> None:
        await self._call(client.ping)
        self._succeeded()
        self.archiving.clear()  # a new session resumes every hall from the database
        self._suspects.update(self.halls)  # and measures every hall's lag at once
        next_lease = next_lag = anyio.current_time()
        try:
            while True:
                now = anyio.current_time()
                if now >= next_lease:
                    next_lease = now + self._renew_every
                    await self._guarded(client, self._leases(client))
                if now >= next_lag:
                    next_lag = now + _LAG_EVERY_SECONDS
                    await self._measure(client)
                wake = min(next_lease, next_lag)
                if not self.archiving:
                    await anyio.sleep(max(0.0, wake - anyio.current_time()))
                    continue
                started = anyio.current_time()
                block_ms = min(self._block_ms, int((wake - started) * 1000))
                stored = await self._guarded(client, self._round(client, max(1, block_ms)))
                if stored:  # let the next batch gather instead of one transaction per event
                    await anyio.sleep(max(0.0, started + self._settle - anyio.current_time()))
        except anyio.get_cancelled_exc_class():
            # The hub stops: give the halls back, so another hub goes on at once rather
            # than after the lease (a best effort: a hub killed leaves them to run out).
            with (
                anyio.CancelScope(shield=True),
                anyio.move_on_after(_RELEASE_TIMEOUT_SECONDS),
                contextlib.suppress(Exception),
            ):
                await archived.release(client, list(self.archiving), self.owner)
            raise
        finally:
            self.archiving.clear()

    async def _guarded(self, client: Redis, step: Any) -> Any:
        """Await a step; on a database failure, give every lease back and wait a little."""
        try:
            result = await step
        except ArchiveUnavailable as exc:
            self._database_failed(exc)
            await self._give_back(client)
            await anyio.sleep(self._database_backoff())
            return None
        return result

    async def _give_back(self, client: Redis) -> None:
        """Release every lease held, so that a hub whose database answers takes over now."""
        held = list(self.archiving)
        self.archiving.clear()
        self._suspects.update(held)
        if held:
            await self._call(partial(archived.release, client, held, self.owner))

    async def _leases(self, client: Redis) -> None:
        """Renew or take each hall's lease while the database answers; a hall newly held
        resumes after the database's last id for it."""
        if not await self._database_answers():
            await self._give_back(client)
            return
        got = await self._call(
            partial(archived.claim, client, self.halls, self.owner, self._lease_ms)
        )
        for hall, outcome in zip(self.halls, got, strict=True):
            if not outcome:
                if self.archiving.pop(hall, None) is not None:
                    log.info("archiver: hall %s is archived by another hub now", hall)
                    self._suspects.add(hall)
                continue
            if hall in self.archiving:
                continue
            self._suspects.add(hall)
            last = await self.archive.last_id(hall)
            self._database_succeeded()
            await self._call(partial(archived.reset, client, hall, last))
            self.archiving[hall] = last or "0-0"
            log.info("archiver: archiving hall %s after %s", hall, last or "the start")

    async def _database_answers(self) -> bool:
        if self.database_up and anyio.current_time() - self._database_ok_at < self._renew_every:
            return True  # it answered a moment ago: no need to ask
        try:
            await self.archive.open()
            up = await self.archive.ping()
        except ArchiveUnavailable as exc:
            self._database_failed(exc)
            return False
        except ArchiveError as exc:
            # Waiting will not mend it (a schema newer than this hall): said once per
            # change, then tried again every second in case an operator acted.
            if str(exc) != self._database_error:
                log.error("archiver: %s; not archiving", exc)
                self._database_error = str(exc)
            self.database_up = False
            metrics.ARCHIVE_DATABASE_UP.set(0)
            return False
        if up:
            self._database_succeeded()
        else:
            self._database_failed(ArchiveUnavailable(f"{self.archive.description}: no answer"))
        return up

    async def _round(self, client: Redis, block_ms: int) -> bool:
        """One XREAD over the halls held, each hall's entries in one transaction, the marks
        in one round trip. True when something was stored."""
        streams = {keys.events(hall): after for hall, after in self.archiving.items()}
        by_key = {keys.events(hall): hall for hall in self.archiving}
        read = partial(client.xread, streams, count=self._batch, block=block_ms)  # type: ignore[arg-type]
        reply: Any = await self._call(read, block_ms / 1000 + self._grace_s)
        self._succeeded()
        marks: dict[str, str] = {}
        for raw_key, entries in reply or []:
            hall = by_key.get(text(raw_key))
            if hall is None or hall not in self.archiving or not entries:
                continue
            batch = _batch(entries)
            if batch:
                added = await self.archive.append(hall, batch)
                self._database_succeeded()
                metrics.ARCHIVED.inc(added)
            self.archiving[hall] = marks[hall] = text(entries[-1][0])
        if marks:
            await self._call(partial(archived.mark, client, marks))
            self._suspects.update(marks)
        return bool(marks)

    def _to_measure(self, client: Redis) -> list[str]:
        """The halls that may lag (see the module's docstring), and the sweep's slice."""
        if isinstance(client, ShardedCluster):  # the logs' doorbells it heard
            if client.heard is None:
                client.heard = set()
            self._suspects.update(hall for key in client.heard if (hall := keys.hall_of(key)))
            client.heard.clear()
        wanted = dict.fromkeys(h for h in self.halls if h in self._suspects or self.lag.get(h))
        self._suspects.clear()
        if self.halls:
            size = math.ceil(len(self.halls) * _LAG_EVERY_SECONDS / self._lag_sweep)
            start = self._swept % len(self.halls)
            wanted.update(dict.fromkeys((self.halls + self.halls)[start : start + size]))
            self._swept = start + size
        return list(wanted)

    async def _measure(self, client: Redis) -> None:
        halls = self._to_measure(client)
        firsts = await self._call(partial(archived.first_unarchived, client, halls))
        now_ms = self._clock() * 1000
        for hall, first in zip(halls, firsts, strict=True):
            lag = 0.0 if first is None else max(0.0, (now_ms - int(first.split("-")[0])) / 1000)
            self.lag[hall] = lag
            metrics.ARCHIVE_LAG.labels(hall=hall).set(lag)

    # -- the database's health -------------------------------------------------------------

    def _database_succeeded(self) -> None:
        if not self.database_up:
            log.info("archiver: records database %s answers", self.archive.description)
        self.database_up = True
        self._database_error = ""
        self._database_ok_at = anyio.current_time()
        self._database_failures = 0
        metrics.ARCHIVE_DATABASE_UP.set(1)

    def _database_failed(self, exc: BaseException) -> None:
        if self.database_up or not self._database_failures:
            log.warning("archiver: records database unavailable (%s); retrying", exc)
        self.database_up = False
        self._database_failures += 1
        metrics.ARCHIVE_DATABASE_UP.set(0)

    def _database_backoff(self) -> float:
        exponent = min(max(self._database_failures - 1, 0), 16)
        delay = min(_DATABASE_BACKOFF_CAP_SECONDS, 0.1 * 2**exponent)
        return random.uniform(delay / 2, delay)


def _batch(entries: list[tuple[Any, dict[bytes, bytes]]]) -> list[ArchivedEvent]:
    """The stream entries as archived events (an entry without `data` is not an event)."""
    return [
        archived_event(text(entry_id), fields.get(b"type", b""), fields[b"data"])
        for entry_id, fields in entries
        if fields and b"data" in fields
    ]
