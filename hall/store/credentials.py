"""Who may act, in Redis: staff PINs (scrypt), opaque device and session tokens (only their
SHA-256 is stored, with their claims), the failed-login counters, and each hall's ticket
secret. Apart from the event log (`hall.store.store`): a different concern, with callers of
its own (the HTTP edge's sign-in, the inbox's token check, `hall pin`, `hall token`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from datetime import date
from typing import Any

import anyio.to_thread
import msgspec

from hall.store import keys, pins, scripts
from hall.store.clients import (
    COMMAND_SOCKET_TIMEOUT_SECONDS,
    command_client,
    raw,
    text,
    translated,
)


def split_token(token: str) -> tuple[str, str] | None:
    """(hall, secret) of a well-formed token `<hall>.<secret>`, else None."""
    hall, dot, secret = token.rpartition(".")
    if not dot or not hall or not secret or "{" in hall or "}" in hall:
        return None
    return hall, secret


def _token_key(token: str) -> str | None:
    parts = split_token(token)
    if parts is None:
        return None
    return keys.token(parts[0], hashlib.sha256(token.encode()).hexdigest())


def token_hash(token: str) -> str:
    """A token as sockets and revocations name it: `<hall>:<sha256 hex>` (never the token)."""
    hall = split_token(token)
    return f"{hall[0] if hall else ''}:{hashlib.sha256(token.encode()).hexdigest()}"


DEVICE_ROLES = ("kiosk", "display", "integration", "rating")
SCRYPT_AT_ONCE = 2


def staff_claims(hall: str, staff: str, role: str) -> dict[str, Any]:
    """A staff session: who, and the session's CSRF value (pages send it back)."""
    return {"hall": hall, "kind": role, "staff": staff, "csrf": secrets.token_urlsafe(16)}


def device_claims(hall: str, role: str, window: int | None) -> dict[str, Any]:
    claims: dict[str, Any] = {"hall": hall, "kind": role, "issued": int(time.time())}
    if window is not None:
        claims["window"] = window
    return claims


class Credentials:
    """One per process, shared by its tasks; `close()` when done."""

    def __init__(self, url: str, *, socket_timeout: float = COMMAND_SOCKET_TIMEOUT_SECONDS) -> None:
        self._redis = command_client(url, socket_timeout)
        self._reserve_check = self._redis.register_script(scripts.RESERVE_CHECK)
        # scrypt takes 16 MiB and ~50 ms of a core per PIN: at most two at once, whatever
        # the number of logins (a burst waits its turn instead of eating the memory).
        self._scrypt = anyio.CapacityLimiter(SCRYPT_AT_ONCE)

    async def close(self) -> None:
        await self._redis.aclose()

    async def set_pin(self, hall: str, staff: str, pin: str) -> None:
        hashed = await anyio.to_thread.run_sync(pins.hash_pin, pin, limiter=self._scrypt)
        with translated():
            await self._redis.hset(keys.pins(hall), staff, hashed)

    async def check_pin(self, hall: str, staff: str, pin: str) -> bool:
        """True when `pin` is the staff member's PIN (same cost for an unknown staff id)."""
        with translated():
            stored = await self._redis.hget(keys.pins(hall), staff)
        hashed = text(stored) if stored is not None else None
        return await anyio.to_thread.run_sync(pins.verify_pin, hashed, pin, limiter=self._scrypt)

    async def issue_token(
        self, hall: str, claims: Mapping[str, Any], ttl_seconds: int | None
    ) -> str:
        """A new opaque token `<hall>.<random>`; only its SHA-256 is stored, with `claims`."""
        if ttl_seconds is not None and ttl_seconds < 1:
            raise ValueError("a token's TTL must be at least one second")
        token = f"{keys.check_hall(hall)}.{secrets.token_urlsafe(32)}"
        key = _token_key(token)
        assert key is not None
        with translated():
            await self._redis.set(key, msgspec.json.encode(dict(claims)), ex=ttl_seconds)
        return token

    async def token_claims(self, token: str) -> dict[str, Any] | None:
        """The claims of a live token, or None (unknown, revoked, expired or malformed)."""
        key = _token_key(token)
        if key is None:
            return None
        with translated():
            raw = await self._redis.get(key)
        if raw is None:
            return None
        claims = msgspec.json.decode(raw)
        return claims if isinstance(claims, dict) else None

    async def revoke_token(self, token: str) -> bool:
        """End a token at once: its record goes, and every hub is told to close its sockets
        (`keys.REVOKED_CHANNEL`)."""
        key = _token_key(token)
        if key is None:
            return False
        with translated():
            ended = bool(await self._redis.delete(key))
            await self._redis.publish(keys.REVOKED_CHANNEL, token_hash(token))
        return ended

    async def live_tokens(self, hashes: list[str]) -> set[str]:
        """Which of these tokens (by `token_hash`) still exist (not revoked nor expired)."""
        if not hashes:
            return set()
        names = [keys.token(hall, digest) for hall, digest in (h.split(":", 1) for h in hashes)]
        with translated():
            async with self._redis.pipeline(transaction=False) as pipe:
                for name in names:
                    pipe.exists(name)
                found = await pipe.execute()
        return {h for h, there in zip(hashes, found, strict=True) if there}

    async def ticket_secret(self, hall: str) -> bytes:
        """The hall's secret for ticket keys, made on first use (the same on every hub)."""
        with translated():
            await self._redis.set(keys.ticket_secret(hall), secrets.token_bytes(32), nx=True)
            value = await self._redis.get(keys.ticket_secret(hall))
        return raw(value)

    async def reserve_check(self, hall: str, staff: str, client: str) -> int | None:
        """Count one PIN check for `staff` by `client` before it is made. None: go ahead;
        else the seconds until a check is allowed again (a limit of `keys` is reached)."""
        counters = self._counters(hall, staff, client)
        limits = [limit for _, limit in counters]
        with translated():
            reply = await self._reserve_check(
                keys=[key for key, _ in counters], args=[keys.LOGIN_FAIL_WINDOW_SECONDS, *limits]
            )
        return None if int(reply[0]) else max(1, int(reply[1]))

    async def release_check(self, hall: str, staff: str, client: str) -> None:
        """A correct PIN: its check is given back (only wrong ones use the allowance up)."""
        with translated():
            async with self._redis.pipeline(transaction=True) as pipe:
                for key, _ in self._counters(hall, staff, client):
                    pipe.decr(key)
                await pipe.execute()

    async def login_failures(self, hall: str, staff: str) -> int:
        """PIN checks of `staff` counted in the current window."""
        with translated():
            value = await self._redis.get(keys.login_fail(hall, staff))
        return int(value) if value is not None else 0

    @staticmethod
    def _counters(hall: str, staff: str, client: str) -> list[tuple[str, int]]:
        return [
            (keys.login_fail(hall, staff), keys.LOGIN_STAFF_CHECKS),
            (keys.login_client(hall, client, staff), keys.LOGIN_CLIENT_STAFF_CHECKS),
            (keys.login_client(hall, client), keys.LOGIN_CLIENT_CHECKS),
        ]


class TicketKeys:
    """The key in a ticket's QR link: an HMAC of the hall's secret over the ticket's day and
    number. It lets the resident holding the ticket follow and rate it, and nobody else."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials
        self._secrets: dict[str, bytes] = {}

    async def key(self, hall: str, day: date, number: str) -> str:
        secret = self._secrets.get(hall)
        if secret is None:
            secret = self._secrets[hall] = await self.credentials.ticket_secret(hall)
        mac = hmac.new(secret, f"{day.isoformat()}|{number}".encode(), hashlib.sha256)
        return base64.b32encode(mac.digest()[:10]).decode().lower()

    async def check(self, hall: str, day: date, number: str, key: str) -> bool:
        expected = await self.key(hall, day, number)
        return hmac.compare_digest(expected.encode(), key.strip().lower().encode())
