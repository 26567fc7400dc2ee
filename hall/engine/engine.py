"""The command path, in three visible steps: load the hall's state, call the core, append.

`append` is a compare-and-set on the hall's version: when another hub (or this hub's ticker)
wrote first, the state is re-read and the command decided anew. Shared by HTTP, the Redis
inbox and the ticker, so all three apply a command the same way."""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio
import msgspec

from hall import metrics
from hall.config import HallConfig
from hall.core import (
    SYSTEM,
    Actor,
    Command,
    DomainError,
    State,
    Tick,
    encode_command,
    encode_event,
    event_type,
    execute,
    initial_state,
    next_deadline,
)
from hall.core.access import check, sender_of
from hall.core.errors import Refused
from hall.store import ids
from hall.store.errors import Conflict, IdReused
from hall.store.store import Idem, Store

log = logging.getLogger(__name__)

_MAX_TRIES = 32
_state_decoder = msgspec.json.Decoder(State)
_encoder = msgspec.json.Encoder()

Clock = Callable[[], datetime]


def system_clock(offset_seconds: float = 0.0) -> Clock:
    def now() -> datetime:
        return datetime.fromtimestamp(time.time() + offset_seconds, UTC)

    return now


class LogLost(DomainError):
    """503: Redis holds less of the hall's log than this hub has seen (restarted empty or
    restored from an old backup). Writing on would start a second, different history."""

    status = 503


class Busy(DomainError):
    """503: the hall's state kept moving under us (extreme contention)."""

    status = 503


class ConfigChanged(DomainError):
    """503: another hub put another version of the hall file on record since this hub loaded
    its own; this hub re-reads its files first (a moment), then the command goes through."""

    status = 503


@dataclass(frozen=True)
class Outcome:
    body: bytes  # {"events": [...]}: byte for byte the same on an idempotent repeat
    appended: int
    repeated: bool = False


def fingerprint(command: Command, actor: Actor) -> str:
    """Same command from the same sender, same fingerprint, whatever the JSON's spacing or
    key order."""
    return hashlib.sha256(encode_command(command) + _encoder.encode(actor)).hexdigest()


class Engine:
    def __init__(self, halls: dict[str, HallConfig], store: Store, clock: Clock) -> None:
        self.halls = halls
        self.store = store
        self.clock = clock
        self._cache: dict[str, tuple[str, State]] = {}
        self.lost: dict[str, str] = {}  # hall -> what this hub saw vs what Redis holds
        self.on_lost: list[Callable[[str], None]] = []  # e.g. re-render the director
        # The newest version each hall was at when this hub answered a command that wrote
        # (with replica acknowledgement: a version a replica holds).
        self._answered: dict[str, str] = {}
        # The halls whose hall file this hub has put on record (`hall.configured`) or found
        # on record since it loaded it; the first write to any other records it first.
        self.recorded: set[str] = set()
        # Halls whose log holds another file than this hub's even after it re-read its own:
        # the hubs' files differ (said on /healthz); this hub writes on without recording.
        self.conflicts: set[str] = set()
        self.on_stale: list[Callable[[str], None]] = []  # another file on record: re-read
        # After each append: (hall, its next deadline in epoch ms or None), for the ticker.
        self.on_appended: list[Callable[[str, int | None], None]] = []

    async def current(self, hall: str) -> tuple[State, str]:
        """The hall's state as Redis holds it, for readers: when it has not changed since
        this hub saw it, only its version is fetched (no snapshot to fetch and decode)."""
        if hall in self.lost:
            raise LogLost("log_lost", self.lost[hall])
        seen = self._cache.get(hall)  # before the round trip: this hub may append meanwhile
        if seen is not None and await self.store.version(hall) == seen[0]:
            return seen[1], seen[0]
        return await self._load(hall, seen)

    async def _load(self, hall: str, seen: tuple[str, State] | None) -> tuple[State, str]:
        """Fetch the snapshot (one round trip: what a writer wants, whose state has just
        changed). `seen`: this hub's cache entry from before the round trip."""
        if hall in self.lost:
            raise LogLost("log_lost", self.lost[hall])
        snapshot, version = await self.store.load(hall)
        cached = self._cache.get(hall)
        if cached is not None and cached[0] == version:
            return cached[1], version
        if seen is not None and ids.key(version) < ids.key(seen[0]):
            if not self._rolled_back(hall, version, seen[0]):
                self.lost[hall] = (
                    f"Redis holds hall {hall} only up to event {version}, but this hub has "
                    f"seen {seen[0]}: Redis lost data. Writes are stopped; restore the AOF "
                    "backup, or restart the hubs to accept what Redis holds "
                    "(docs/operations.md)."
                )
                for notify in self.on_lost:
                    notify(hall)
                raise LogLost("log_lost", self.lost[hall])
            self._cache.pop(hall, None)
            cached = None
        if cached is not None and ids.key(version) < ids.key(cached[0]):
            return cached[1], cached[0]  # this hub appended while we read: ours is newer
        if snapshot is None:  # never written: its first write puts the file on record
            state = msgspec.structs.replace(initial_state(self.halls[hall]), config="")
        else:
            state = _state_decoder.decode(snapshot)
        self._remember(hall, version, state)
        return state, version

    def _rolled_back(self, hall: str, version: str, seen: str) -> bool:
        """Redis is behind what this hub saw, but not behind anything it answered, and its
        writes wait for a replica: a master failed over and its replica took over without
        writes that nobody was answered for (`store.replicas`). Not data lost: the hall goes
        on from what Redis holds (the senders repeat those commands)."""
        if not self.store.replica_ack:
            return False
        answered = self._answered.get(hall)
        if answered is not None and ids.key(version) < ids.key(answered):
            return False
        log.warning(
            "hall %s: Redis holds up to %s, this hub saw %s: writes not acknowledged were "
            "dropped by a failover; going on from what Redis holds",
            hall,
            version,
            seen,
        )
        return True

    def _remember(self, hall: str, version: str, state: State) -> None:
        cached = self._cache.get(hall)
        if cached is None or ids.key(cached[0]) < ids.key(version):
            self._cache[hall] = (version, state)

    def last_seen(self, hall: str) -> tuple[State, str] | None:
        """The state this hub wrote or read last (no round trip; may be behind others)."""
        cached = self._cache.get(hall)
        return (cached[1], cached[0]) if cached else None

    async def submit(
        self, hall: str, command: Command | Tick, actor: Actor, sender: str | None = None
    ) -> Outcome:
        """`sender` scopes the command's client id (`access.sender_of`): one sender's ids
        never collide with another's. Default: the actor's identity."""
        kind = "tick" if isinstance(command, Tick) else str(command.__struct_config__.tag)
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await self._submit(hall, command, actor, sender or sender_of(actor))
            outcome = "repeated" if result.repeated else "ok"
            return result
        except DomainError as e:
            outcome = e.code
            raise
        finally:
            metrics.COMMANDS.labels(kind, outcome).inc()
            metrics.COMMAND_SECONDS.labels(kind).observe(time.perf_counter() - started)

    async def _submit(
        self, hall: str, command: Command | Tick, actor: Actor, sender: str
    ) -> Outcome:
        cfg = self.halls[hall]
        idem = None
        if isinstance(command, Command) and command.id is not None:
            check(cfg, command, actor)  # a repeat must not bypass who may send it
            idem = Idem(f"{sender}/{command.id}", fingerprint(command, actor))
        # Optimistic: decide on the state this hub saw last and let the compare-and-set say
        # whether it is still current (one round trip instead of two when it is). Refusals
        # and no-ops are not checked by the CAS, so they are only trusted on a fresh read.
        cached = self._cache.get(hall)
        for attempt in range(_MAX_TRIES):
            fresh = cached is None
            if cached is None:  # the snapshot at once: after a conflict it has changed
                state, version = await self._load(hall, self._cache.get(hall))
            else:
                version, state = cached
            record = hall not in self.recorded
            if not record and state.config != cfg.version and hall not in self.conflicts:
                if not fresh:  # decided on our own last write: see what Redis holds first
                    cached = None
                    continue
                for stale in self.on_stale:
                    stale(hall)
                raise ConfigChanged(
                    "config_changed",
                    f"hall {hall} has another hall file in force since this hub loaded its "
                    "own; it is reading its files again: try again in a moment",
                )
            try:
                new_state, events = execute(
                    cfg, state, command, actor, self.clock(), configure=record
                )
            except DomainError:
                if not fresh:
                    cached = None
                    continue
                if idem is not None and (
                    first := await self.store.idem_lookup(hall, idem.client_id)
                ):
                    return _repeat(command, idem, first)  # decided before
                raise
            if not events and idem is None:
                if not fresh:
                    cached = None
                    continue
                self.recorded.add(hall)  # on record already (execute found nothing to do)
                return Outcome(b'{"events":[]}', 0)
            deadline = next_deadline(cfg, new_state)
            next_ms = int(deadline.timestamp() * 1000) if deadline else None
            try:
                result = await self.store.append(
                    hall,
                    version,
                    [(event_type(e), encode_event(e)) for e in events],
                    _encoder.encode(new_state),
                    next_ms,
                    idem,
                )
            except Conflict:
                cached = None
                if fresh:  # lost a real race: jitter breaks the lockstep of two hubs
                    metrics.CONFLICTS.inc()
                    await anyio.sleep(random.uniform(0, 0.001 * (attempt + 1)))
                continue
            except IdReused:
                raise _id_reused(command) from None
            if result.repeated:
                return Outcome(result.body, 0, repeated=True)
            self._remember(hall, result.version, new_state)
            if result.events:
                self._answered[hall] = max(
                    result.version, self._answered.get(hall, result.version), key=ids.key
                )
            self.recorded.add(hall)
            for appended in self.on_appended:
                appended(hall, next_ms)
            metrics.EVENTS.inc(len(result.events))
            return Outcome(result.body, len(result.events))
        raise Busy("busy", f"hall {hall} is changing too fast; try again")

    async def tick(self, hall: str) -> int:
        return (await self.submit(hall, Tick(), SYSTEM)).appended

    async def configure(self, hall: str) -> int:
        """Put this hub's hall file for `hall` on record now (after a reload), unless it is:
        once across hubs, by the compare-and-set."""
        self.recorded.discard(hall)
        self.conflicts.discard(hall)
        return await self.tick(hall)


def _repeat(command: Command | Tick, idem: Idem, first: tuple[str, bytes]) -> Outcome:
    stored_fingerprint, body = first
    if stored_fingerprint != idem.fingerprint:
        raise _id_reused(command)
    return Outcome(body, 0, repeated=True)


def _id_reused(command: Command | Tick) -> Refused:
    client_id = getattr(command, "id", "")
    return Refused("id_reused", f"command id {client_id!r} was used for another command")
