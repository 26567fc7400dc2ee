"""Device inbox: `XADD hall:{HALL}:inbox * command <json> token <token>`, applied by one hub
exactly like the HTTP command; a refusal goes to `hall:{HALL}:rejected`."""

from __future__ import annotations

import hmac

import msgspec

from hall import metrics
from hall.auth import Unauthorized
from hall.core import DomainError, decode_command
from hall.core.errors import Forbidden
from hall.core.model import Actor
from hall.engine import Engine
from hall.store.store import Store

_SNIFF = msgspec.json.Decoder()


class InboxApplier:
    def __init__(self, engine: Engine, store: Store, admin_token: str | None) -> None:
        self.engine = engine
        self.store = store
        self.admin_token = admin_token

    async def __call__(self, hall: str, entry_id: str, fields: dict[str, bytes]) -> None:
        raw = fields.get("command", b"")
        try:
            actor = await self._actor(hall, fields.get("token", b"").decode(errors="replace"))
            command = decode_command(raw)
            await self.engine.submit(hall, command, actor)
            metrics.INBOX.labels("ok").inc()
        except DomainError as e:
            metrics.INBOX.labels(e.code).inc()
            await self.store.reject(hall, _client_id(raw), e.code, e.message, raw)

    async def _actor(self, hall: str, token: str) -> Actor:
        if not token:
            raise Unauthorized("the inbox entry has no `token` field")
        if self.admin_token and hmac.compare_digest(token.encode(), self.admin_token.encode()):
            return Actor("admin")
        claims = await self.store.token_claims(token)
        if claims is None:
            raise Unauthorized("the token is unknown, expired or revoked")
        if claims.get("hall") != hall:
            raise Forbidden(f"this token belongs to hall {claims.get('hall')}, not {hall}")
        kind = claims["kind"]
        if kind in ("clerk", "director"):
            return Actor(kind, staff=claims["staff"])
        return Actor(kind, window=claims.get("window"))


def _client_id(raw: bytes) -> str:
    try:
        obj = _SNIFF.decode(raw)
    except msgspec.DecodeError:
        return ""
    value = obj.get("id") if isinstance(obj, dict) else None
    return value if isinstance(value, str) else ""
