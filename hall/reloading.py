"""Hall files reloaded without a restart: `hall reload` (every hub of the Redis, on any
machine, through `keys.RELOAD_CHANNEL`), SIGHUP (this hub), or this hub finding another
version on record than its own (another hub reloaded first; `Engine.on_stale`).

A reload re-reads the files (only the changed ones are parsed again, in a worker thread),
validates them as at start-up, and refuses them whole, changing nothing, when any is
invalid, adds or removes a hall (a restart does that), names a notification address that
is not set, or removes a window or service in use (`hall.core.configure`). Otherwise it
applies them at a safe point: the changed halls' configurations are swapped in one step on
the event loop, between two batches of any hall's events (a batch is folded and rendered
without an await), so every render and decision after it uses the new file. Then each
changed hall's version is put on record (`hall.configured`, appended once across hubs:
the compare-and-set lets only the first through, the others find it on record), and its
screens follow as that event reaches them.

What a hub made of a `hall reload` is stored for the command to print
(`keys.reload_results`); the last outcome is on /healthz. The command's side, `reload_hubs`,
checks the files against what Redis holds first, then asks the hubs and prints their
answers.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import anyio
import msgspec

from hall.config import ConfigError, HallConfig, load_halls
from hall.core import DomainError, State
from hall.core.configure import check_reconfigure
from hall.engine import Engine
from hall.live.channels import Channels
from hall.live.hub import Live
from hall.notify import Notifier, NotifyConfigError, resolve
from hall.store import keys, reloads
from hall.store.clients import UNAVAILABLE, blocking_client, command_client, text, translated
from hall.store.errors import StoreError
from hall.store.store import Store

log = logging.getLogger(__name__)
_RETRYABLE: tuple[type[BaseException], ...] = (*UNAVAILABLE, StoreError)


@dataclass(frozen=True)
class Outcome:
    outcome: Literal["applied", "unchanged", "refused"]
    halls: tuple[str, ...] = ()  # the halls whose file changed (applied)
    message: str = ""

    def json(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "halls": list(self.halls), "message": self.message}


class Refusal(Exception):
    """Why the files are refused, as the operator reads it."""


@dataclass
class Reloader:
    path: Path
    halls: dict[str, HallConfig]  # the hub's own (shared with the engine, live, notifier)
    engine: Engine
    live: Live
    channels: Channels
    notifier: Notifier
    redis_url: str
    hub: str
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    last: Outcome | None = None
    generation: int | None = None  # the last `hall reload` seen (None: not connected yet)
    _stale: set[str] = field(default_factory=set)
    _wake: anyio.Event = field(default_factory=anyio.Event)
    _lock: anyio.Lock = field(default_factory=anyio.Lock)

    def __post_init__(self) -> None:
        self.engine.on_stale.append(self.stale)

    def request(self) -> None:
        """Reload soon (SIGHUP)."""
        self._wake.set()

    def stale(self, hall: str) -> None:
        """Another file than ours is on record for `hall`: read ours again (if it did not
        change, the hubs' files differ: said once, and this hub writes on with its own)."""
        if hall not in self._stale:
            self._stale.add(hall)
            self.request()

    async def run(self) -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._requests)
            failures = 0
            while True:
                try:
                    await self._follow()
                except _RETRYABLE as exc:
                    failures += 1
                    log.warning("reload: Redis unavailable (%s); reconnecting", exc)
                await anyio.sleep(random.uniform(0.05, min(2.0, 0.1 * 2**failures)))

    async def _requests(self) -> None:
        while True:
            await self._wake.wait()
            self._wake = anyio.Event()
            await self.reload()

    async def _follow(self) -> None:
        listener = blocking_client(self.redis_url)
        client = command_client(self.redis_url)
        try:
            pubsub: Any = listener.pubsub()
            await pubsub.subscribe(keys.RELOAD_CHANNEL)
            number = await reloads.generation(client)
            if self.generation is None:
                self.generation = number  # at start: the files were read a moment ago
            elif number != self.generation:  # asked while we were cut off
                await self.reload(number, client)
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    await self.reload(int(text(message["data"])), client)
        finally:
            with anyio.move_on_after(2, shield=True):
                await listener.aclose()
                await client.aclose()

    async def reload(self, number: int | None = None, client: Any = None) -> Outcome:
        """Re-read, validate and apply the hall files; answer `hall reload` `number`."""
        async with self._lock:
            try:
                outcome = await self._reload()
            except Refusal as exc:
                outcome = Outcome("refused", message=str(exc))
                log.error("reload refused, nothing changed: %s", exc)
            except Exception:  # a fault of the hub: said in full, and the hub serves on
                log.exception("reload failed")
                outcome = Outcome("refused", message="the hub failed to apply them (its log)")
            self.last = outcome
            if number is not None:
                self.generation = number
                if client is not None:
                    await reloads.answer(client, number, self.hub, outcome.json())
            return outcome

    async def _reload(self) -> Outcome:
        fresh = await self._read()
        changed = tuple(h for h, cfg in fresh.items() if cfg.version != self.halls[h].version)
        stale, self._stale = self._stale, set()
        for hall in sorted(stale - set(changed)):
            if hall not in self.engine.conflicts:
                self.engine.conflicts.add(hall)
                log.error(
                    "hall %s: another version of its file is on record than this hub's "
                    "(%s): give every hub the same hall files, then `hall reload`",
                    hall,
                    self.halls[hall].source,
                )
        if not changed:
            return Outcome("unchanged")
        endpoints = await self._check(fresh, changed)
        for hall in changed:  # one step, no await: the safe point
            self.halls[hall] = fresh[hall]
            self.engine.recorded.discard(hall)
            self.engine.conflicts.discard(hall)
            self.live.reconfigured(fresh[hall])
            if hall in self.notifier.endpoints and isinstance(self.notifier.endpoints, dict):
                self.notifier.endpoints[hall] = endpoints.get(hall, ())
            elif hall in endpoints:
                log.warning(
                    "reload: hall %s's first [[notify]] channels start at the next restart", hall
                )
        log.info("reload: new hall files for %s", ", ".join(changed))
        for hall in changed:
            try:
                await self.engine.configure(hall)
            except (DomainError, StoreError) as exc:  # its next write records it
                log.warning("reload: hall %s not put on record yet (%s)", hall, exc)
            feed = self.live.feeds.get(hall)
            if feed is not None and feed.state.config == fresh[hall].version:
                self.channels.refresh_hall(hall)  # on record before us: render it now
        return Outcome("applied", changed)

    async def _read(self) -> dict[str, HallConfig]:
        try:
            fresh = await anyio.to_thread.run_sync(load_halls, self.path, dict(self.halls))
        except ConfigError as exc:
            raise Refusal(str(exc)) from None
        added, removed = sorted(set(fresh) - set(self.halls)), sorted(set(self.halls) - set(fresh))
        if added or removed:
            what = "; ".join(
                part
                for part in (
                    f"adds {', '.join(added)}" if added else "",
                    f"removes {', '.join(removed)}" if removed else "",
                )
                if part
            )
            raise Refusal(
                f"the hall files {what}: a hall is added or removed by restarting the hubs "
                "(one at a time), not by a reload"
            )
        return fresh

    async def _check(self, fresh: dict[str, HallConfig], changed: tuple[str, ...]) -> Any:
        """Refuse what start-up would refuse (notification addresses), and a window or
        service in use; the new files' notification endpoints."""
        try:
            endpoints = resolve({hall: fresh[hall] for hall in changed}, self.environ)
        except NotifyConfigError as exc:
            raise Refusal(str(exc)) from None
        for hall in changed:
            try:
                state, _ = await self.engine.current(hall)
                check_reconfigure(fresh[hall], state)
            except (DomainError, StoreError) as exc:
                raise Refusal(getattr(exc, "message", None) or str(exc)) from None
        return endpoints


# -- `hall reload`: the command's side ------------------------------------------------------

_decoder = msgspec.json.Decoder(State)
_POLL_SECONDS = 0.1


async def reload_hubs(
    url: str, halls: dict[str, HallConfig], wait: float, say: Callable[[str], None]
) -> bool:
    """True when every hub that got the message applied the files (or found them unchanged)
    within `wait` seconds."""
    store = Store(url)
    client = command_client(url)
    try:
        refused = await _in_use(store, halls)
        if refused:
            for message in refused:
                say(f"refused: {message}")
            return False
        with translated():
            number, receivers = await reloads.announce(client)
        if receivers == 0:
            say("no hub is running: the hubs read these files when they start")
            return True
        say(f"reload {number} sent to {receivers} hub(s)")
        answers: dict[str, dict[str, object]] = {}
        with anyio.move_on_after(wait):
            while len(answers) < receivers:
                with translated():
                    answers = await reloads.answers(client, number)
                if len(answers) < receivers:
                    await anyio.sleep(_POLL_SECONDS)
        ok = True
        for hub, answer in sorted(answers.items()):
            outcome = str(answer.get("outcome"))
            named = answer.get("halls")
            changed = ", ".join(map(str, named)) if isinstance(named, list) and named else "no hall"
            detail = f"{changed} changed" if outcome == "applied" else str(answer.get("message"))
            say(f"{hub}: {outcome}" + (f" ({detail})" if detail else ""))
            ok = ok and outcome in ("applied", "unchanged")
        if len(answers) < receivers:
            say(f"only {len(answers)} of {receivers} hub(s) answered within {wait:g} s")
            ok = False
        return ok
    finally:
        await store.close()
        await client.aclose()


async def _in_use(store: Store, halls: dict[str, HallConfig]) -> list[str]:
    """Why the files cannot go in force now: windows or services in use that they remove."""
    refused = []
    for hall, cfg in halls.items():
        snapshot, _ = await store.load(hall)
        if snapshot is None:
            continue
        state = _decoder.decode(snapshot)
        if state.config == cfg.version:
            continue
        try:
            check_reconfigure(cfg, state)
        except DomainError as e:
            refused.append(e.message)
    return refused
