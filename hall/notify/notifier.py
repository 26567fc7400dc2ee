"""The notifier: a background task of the hub that reads the halls' logs in the consumer
group `notify` (so that with several hubs each entry is handled by one), turns the entries
that call for someone into notices, and sends each to the channels it is for.

An entry is acknowledged once all its messages are sent, given up or dropped; a hub that
dies before that leaves it pending, and another hub takes it over (`LogGroup`), so a message
may then arrive twice: receivers drop the repeat by its `id`. A hall without channels is
not read at all, and a hub with none runs nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import anyio
import msgspec
from anyio.abc import TaskGroup

from hall.config import HallConfig
from hall.core import DomainError, State, decode_event, event_type
from hall.notify import adapters
from hall.notify.adapters import Request
from hall.notify.audience import Reach, reach
from hall.notify.delivery import CONNECT_TIMEOUT_S, TIMEOUT_S, Backoff, deliver
from hall.notify.endpoints import Endpoint

if TYPE_CHECKING:
    import httpx
from hall.notify.messages import message, sentence
from hall.notify.notices import SOURCES, Notice, is_current, notices
from hall.store import keys
from hall.store.errors import StoreError
from hall.store.group import LogGroup
from hall.store.store import StoredEvent

log = logging.getLogger(__name__)

Loader = Callable[[str], Awaitable[tuple[State, str]]]
"""The hall's current state (the engine's `current`)."""
Send = tuple[Notice, Endpoint, Reach]


class Notifier:
    def __init__(
        self,
        halls: Mapping[str, HallConfig],
        endpoints: Mapping[str, tuple[Endpoint, ...]],
        load: Loader,
        *,
        redis_url: str,
        consumer: str,
        public_url: str,
        backoff: Backoff | None = None,
        claim_idle_s: float = 60.0,
    ) -> None:
        self.halls = halls
        self.endpoints = endpoints
        self._load = load
        self._public_url = public_url.rstrip("/")
        self._backoff = backoff or Backoff()
        self._client: httpx.AsyncClient | None = None
        self._tg: TaskGroup | None = None
        self.group = LogGroup(
            redis_url,
            endpoints,
            keys.NOTIFY_GROUP,
            consumer,
            self._on_entries,
            claim_idle_ms=int(claim_idle_s * 1000),
            claim_every_s=min(15.0, claim_idle_s / 3),
            forget_idle_ms=keys.NOTIFY_CONSUMER_FORGET_MS,
        )

    @property
    def healthy(self) -> bool:
        """Reading the logs (its consumer group created), or nothing to read."""
        return not self.endpoints or self.group.healthy

    async def run(self) -> None:
        """Serve until cancelled; at once returns when no hall has a channel."""
        if not self.endpoints:
            return
        import httpx  # only a hub with channels needs it (~5 MiB)

        timeout = httpx.Timeout(TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
        async with (
            httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client,
            anyio.create_task_group() as tg,
        ):
            self._client, self._tg = client, tg
            tg.start_soon(self.group.run)

    async def _on_entries(self, hall: str, entries: list[StoredEvent]) -> None:
        cfg = self.halls[hall]
        events = []
        idle: list[str] = []  # entries that call for nobody: acknowledged at once
        for entry_id, data in entries:
            try:
                event = decode_event(data)
            except msgspec.MsgspecError as exc:  # e.g. a newer hub's event type
                log.warning("notify: %s entry %s not read (%s)", hall, entry_id, exc)
                idle.append(entry_id)
                continue
            if event_type(event) in SOURCES:
                events.append((entry_id, event))
            else:
                idle.append(entry_id)
        state = await self._state(hall) if events else None
        for entry_id, event in events:
            sends: list[Send] = []
            if state is not None:
                for notice in notices(cfg, entry_id, event, state):
                    for endpoint in self.endpoints[hall]:
                        found = reach(cfg, endpoint.channel, notice)
                        if found is not None:
                            sends.append((notice, endpoint, found))
            if sends:
                assert self._tg is not None
                self._tg.start_soon(self._entry, hall, entry_id, sends)
            else:
                idle.append(entry_id)
        if idle:
            await self.group.done(hall, idle)

    async def _state(self, hall: str) -> State | None:
        """The hall's state now; None (and the entries go unannounced) when the hub stopped
        writing the hall because Redis lost its log (the director is told of that)."""
        try:
            state, _ = await self._load(hall)
        except DomainError as exc:
            log.error("notify: %s not read: %s", hall, exc)
            return None
        return state

    async def _entry(self, hall: str, entry_id: str, sends: list[Send]) -> None:
        """Deliver an entry's messages side by side, then acknowledge it (not when
        cancelled: the hub is stopping, and the entry stays pending for another)."""
        async with anyio.create_task_group() as tg:
            for notice, endpoint, found in sends:
                tg.start_soon(self._send, notice, endpoint, found)
        await self.group.done(hall, [entry_id])

    async def _send(self, notice: Notice, endpoint: Endpoint, found: Reach) -> None:
        assert self._client is not None
        cfg = self.halls[notice.hall]

        async def still_current() -> bool:
            try:
                state, _ = await self._load(notice.hall)
            except (DomainError, StoreError):
                return True  # cannot tell: keep trying
            return is_current(cfg, state, notice)

        build = self.request(cfg, notice, endpoint, found)
        what = f"{notice.kind} {notice.id}"
        await deliver(self._client, endpoint, build, self._backoff, still_current, what)

    def request(
        self, hall: HallConfig, notice: Notice, endpoint: Endpoint, found: Reach
    ) -> Callable[[], Request]:
        """The request for `endpoint`, built anew (with the time) for each try."""
        url = self._public_url + found.path
        if endpoint.kind == "wecom":
            text = message(hall, notice, url)
            return lambda: adapters.wecom(endpoint.url, text, found.mentions)
        if endpoint.kind == "dingtalk":
            text = message(hall, notice, url)
            return lambda: adapters.dingtalk(
                endpoint.url, endpoint.secret, text, found.mentions, int(time.time() * 1000)
            )
        payload = webhook_payload(hall, notice, sentence(hall, notice), url)
        return lambda: adapters.webhook(endpoint.url, endpoint.secret, payload, int(time.time()))


def webhook_payload(hall: HallConfig, notice: Notice, text: str, url: str) -> dict[str, Any]:
    """The generic webhook's JSON (docs/api.md, Notifications)."""

    def iso(moment: datetime | None) -> str | None:
        return moment.astimezone(hall.tz).isoformat() if moment is not None else None

    return {
        "id": notice.id,
        "event": notice.event,
        "hall": hall.id,
        "type": notice.kind,
        "at": iso(notice.at),
        "window": notice.window,
        "staff": list(notice.staff),
        "deadline": iso(notice.deadline),
        "ticket": notice.ticket,
        "waiting": notice.waiting if notice.kind == "stranded" else None,
        "text": text,
        "url": url,
    }
