"""Who is calling: the admin token, a device or staff token (bearer header, `?token=`, or the
session cookie), turned into a core `Actor` bound to one hall."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from hall.core import Actor
from hall.core.errors import DomainError, Forbidden
from hall.settings import Settings
from hall.store.store import Store

COOKIE = "hall_session"
LANG_COOKIE = "hall_lang"
CSRF_HEADER = "x-hall-csrf"
DEVICE_ROLES = ("kiosk", "display", "integration", "rating")


class Unauthorized(DomainError):
    status = 401

    def __init__(self, message: str) -> None:
        super().__init__("unauthorized", message)


class RateLimited(DomainError):
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__("rate_limited", message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Principal:
    actor: Actor
    hall: str | None  # None: the admin token, every hall
    token: str
    via_cookie: bool = False
    csrf: str | None = None

    def check_hall(self, hall: str) -> None:
        if self.hall is not None and self.hall != hall:
            raise Forbidden(f"this token belongs to hall {self.hall}, not {hall}")


def presented_token(conn: HTTPConnection) -> tuple[str | None, bool]:
    """(token, came from the cookie)."""
    header = conn.headers.get("authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("the Authorization header must be `Bearer <token>`")
        return value.strip(), False
    query = conn.query_params.get("token")
    if query:
        return query, False
    cookie = conn.cookies.get(COOKIE)
    return (cookie, True) if cookie else (None, False)


async def authenticate(conn: HTTPConnection, store: Store, settings: Settings) -> Principal | None:
    token, via_cookie = presented_token(conn)
    if token is None:
        return None
    admin = settings.admin_token
    if admin and hmac.compare_digest(token.encode(), admin.encode()):
        return Principal(Actor("admin"), None, token)
    if via_cookie and conn.scope["type"] == "websocket":
        check_origin(conn, settings.origins)
    claims = await store.token_claims(token)
    if claims is None:
        raise Unauthorized("the token is unknown, expired or revoked")
    return Principal(_actor(claims), str(claims["hall"]), token, via_cookie, claims.get("csrf"))


def check_origin(conn: HTTPConnection, allowed: tuple[str, ...]) -> None:
    """A page on another site must not ride a session cookie into a websocket."""
    origin = conn.headers.get("origin")
    if origin is None:
        return  # not a browser: cookies there are set deliberately
    if origin in allowed or urlsplit(origin).netloc == conn.headers.get("host"):
        return
    raise Forbidden(f"websocket from origin {origin} is not allowed (HALL_ORIGINS)")


def _actor(claims: dict[str, Any]) -> Actor:
    kind = claims["kind"]
    if kind in ("clerk", "director"):
        return Actor(kind, staff=claims["staff"])
    return Actor(kind, window=claims.get("window"))


def staff_claims(hall: str, staff: str, role: str) -> dict[str, Any]:
    return {"hall": hall, "kind": role, "staff": staff, "csrf": secrets.token_urlsafe(16)}


def device_claims(hall: str, role: str, window: int | None) -> dict[str, Any]:
    claims: dict[str, Any] = {"hall": hall, "kind": role, "issued": int(time.time())}
    if window is not None:
        claims["window"] = window
    return claims


def check_csrf(conn: HTTPConnection, principal: Principal) -> None:
    """A cookie rides along on any request the browser makes; a custom header only on ours."""
    if not principal.via_cookie:
        return
    sent = conn.headers.get(CSRF_HEADER, "")
    if not principal.csrf or not hmac.compare_digest(sent.encode(), principal.csrf.encode()):
        raise Forbidden("missing or wrong X-Hall-CSRF header for a cookie session")


class TokenBuckets:
    """Per-token command rate limit on this hub: `rate` a second, bursts up to `rate`."""

    def __init__(self, rate: int, per: float) -> None:
        self.capacity = float(rate)
        self.refill = rate / per
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, now: float) -> None:
        level, last = self._buckets.get(key, (self.capacity, now))
        level = min(self.capacity, level + (now - last) * self.refill)
        if level < 1:
            wait = max(1, int((1 - level) / self.refill + 0.999))
            raise RateLimited("too many commands from this token; slow down", wait)
        self._buckets[key] = (level - 1, now)
        if len(self._buckets) > 10_000:  # forget idle tokens
            self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}


class TicketKeys:
    """The key in a ticket's QR link: an HMAC of the hall's secret over the ticket's day and
    number. It lets the resident holding the ticket follow and rate it, and nobody else."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._secrets: dict[str, bytes] = {}

    async def key(self, hall: str, day: date, number: str) -> str:
        secret = self._secrets.get(hall)
        if secret is None:
            secret = self._secrets[hall] = await self.store.ticket_secret(hall)
        mac = hmac.new(secret, f"{day.isoformat()}|{number}".encode(), hashlib.sha256)
        return base64.b32encode(mac.digest()[:10]).decode().lower()

    async def check(self, hall: str, day: date, number: str, key: str) -> bool:
        expected = await self.key(hall, day, number)
        return hmac.compare_digest(expected.encode(), key.strip().lower().encode())
