"""Who is at a connection (HTTP request or websocket): the admin token, a device or staff
token (bearer header, `?token=`, or the session cookie), as a core `Actor` bound to one
hall. The HTTP routes (`hall.web`) and the view sockets share it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from hall.core import Actor, Unauthorized
from hall.core.access import actor_of, is_admin, sender_of
from hall.core.errors import Forbidden
from hall.settings import Settings
from hall.store.credentials import Credentials, token_hash

COOKIE = "hall_session"
LANG_COOKIE = "hall_lang"


@dataclass(frozen=True)
class Principal:
    actor: Actor
    hall: str | None  # None: the admin token, every hall
    token: str
    via_cookie: bool = False
    csrf: str | None = None

    @property
    def sender(self) -> str:
        """Whose command ids these are (idempotency is per sender)."""
        return sender_of(self.actor, token_hash(self.token))

    def reaches(self, hall: str) -> bool:
        """Whether this token may be used on `hall`'s URLs at all: the admin's on every
        hall, a supervisor's (signed in at the district) on the halls they supervise, any
        other on its own hall."""
        if self.actor.kind == "supervisor":
            return hall in self.actor.halls
        return self.hall is None or self.hall == hall

    def check_hall(self, hall: str) -> None:
        if self.reaches(hall):
            return
        if self.actor.kind == "supervisor":
            raise Forbidden(f"hall {hall} is not one of the halls this supervisor watches")
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


async def authenticate(
    conn: HTTPConnection, credentials: Credentials, settings: Settings
) -> Principal | None:
    token, via_cookie = presented_token(conn)
    if token is None:
        return None
    if is_admin(token, settings.admin_token):
        if via_cookie:  # a cookie would ride along with any request: no CSRF check for it
            raise Unauthorized("the admin token is a bearer token, never a cookie")
        return Principal(Actor("admin"), None, token)
    if via_cookie and conn.scope["type"] == "websocket":
        check_origin(conn, settings.origins)
    claims = await credentials.token_claims(token)
    if claims is None:
        raise Unauthorized("the token is unknown, expired or revoked")
    return Principal(actor_of(claims), str(claims["hall"]), token, via_cookie, claims.get("csrf"))


def check_origin(conn: HTTPConnection, allowed: tuple[str, ...]) -> None:
    """A page on another site must not ride a session cookie into a websocket, nor sign a
    browser in (login CSRF): a browser's request from elsewhere is 403."""
    origin = conn.headers.get("origin")
    if origin is None:
        return  # not a browser: cookies there are set deliberately
    if origin in allowed or urlsplit(origin).netloc == conn.headers.get("host"):
        return
    raise Forbidden(f"a request from origin {origin} is not allowed (HALL_ORIGINS)")


__all__ = [
    "COOKIE",
    "LANG_COOKIE",
    "Principal",
    "authenticate",
    "check_origin",
    "presented_token",
]
