"""A revoked token's websockets are closed (4401) within a second, on every hub: each socket
opened with a token is registered under the token's hash; `hall token revoke` and
`/logout` publish the hash (`store.keys.REVOKED_CHANNEL`), which every hub follows. A
message missed while a hub was cut off from Redis is caught by a sweep after it reconnects
and every `sweep_every` seconds (the sweep also closes sockets whose token expired)."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

import anyio

from hall.store import keys
from hall.store.clients import UNAVAILABLE, blocking_client, text
from hall.store.credentials import Credentials, token_hash
from hall.store.errors import StoreError

log = logging.getLogger(__name__)

Closer = Callable[[], None]
_RETRYABLE: tuple[type[BaseException], ...] = (*UNAVAILABLE, StoreError)


class Revocations:
    def __init__(self, url: str, credentials: Credentials, *, sweep_every: float = 30.0) -> None:
        self.url = url
        self.credentials = credentials
        self.sweep_every = sweep_every
        self._sockets: dict[str, set[Closer]] = {}

    def register(self, token: str, close: Closer) -> Closer:
        """Follow a socket opened with `token`; returns what to call when it ends."""
        digest = token_hash(token)
        self._sockets.setdefault(digest, set()).add(close)

        def forget() -> None:
            closers = self._sockets.get(digest)
            if closers is not None:
                closers.discard(close)
                if not closers:
                    del self._sockets[digest]

        return forget

    def revoke(self, digest: str) -> int:
        """Close every socket of the token with this hash; returns how many."""
        closers = self._sockets.pop(digest, set())
        for close in closers:
            close()
        return len(closers)

    async def sweep(self) -> int:
        """Close the sockets whose token is gone (revoked, expired); returns how many."""
        held = list(self._sockets)
        live = await self.credentials.live_tokens(held)
        return sum(self.revoke(digest) for digest in held if digest not in live)

    async def run(self) -> None:
        """Follow the revocations until cancelled (reconnecting, and sweeping after)."""
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._sweeping)
            failures = 0
            while True:
                try:
                    await self._follow()
                except _RETRYABLE as exc:
                    failures += 1
                    log.warning("revocations: Redis unavailable (%s); reconnecting", exc)
                await anyio.sleep(random.uniform(0.05, min(2.0, 0.1 * 2**failures)))

    async def _follow(self) -> None:
        client = blocking_client(self.url)
        try:
            pubsub: Any = client.pubsub()
            await pubsub.subscribe(keys.REVOKED_CHANNEL)
            await self.sweep()  # what was revoked while we were not listening
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    self.revoke(text(message["data"]))
        finally:
            with anyio.move_on_after(2, shield=True):
                await client.aclose()

    async def _sweeping(self) -> None:
        while True:
            await anyio.sleep(self.sweep_every)
            try:
                await self.sweep()
            except StoreError as exc:
                log.warning("revocations: sweep skipped (%s)", exc)
