"""Device inbox: `XADD hall:{HALL}:inbox * command <json> token <token>`, applied by one hub
exactly like the HTTP command; a refusal goes to `hall:{HALL}:rejected`."""

from __future__ import annotations

import logging

import msgspec

from hall import metrics
from hall.core import DomainError, Unauthorized, decode_command
from hall.core.access import actor_of, check_token_hall, is_admin, sender_of
from hall.core.model import Actor
from hall.engine.engine import Engine
from hall.store.credentials import Credentials, token_hash
from hall.store.errors import StoreError
from hall.store.store import Store

log = logging.getLogger(__name__)
_SNIFF = msgspec.json.Decoder()


class InboxApplier:
    def __init__(
        self, engine: Engine, store: Store, credentials: Credentials, admin_token: str | None
    ) -> None:
        self.engine = engine
        self.store = store
        self.credentials = credentials
        self.admin_token = admin_token

    async def __call__(self, hall: str, entry_id: str, fields: dict[str, bytes]) -> None:
        raw = fields.get("command", b"")
        try:
            token = fields.get("token", b"").decode(errors="replace")
            actor = await self._actor(hall, token)
            command = decode_command(raw)
            await self.engine.submit(hall, command, actor, sender_of(actor, token_hash(token)))
            metrics.INBOX.labels("ok").inc()
        except DomainError as e:
            metrics.INBOX.labels(e.code).inc()
            await self.store.reject(hall, _client_id(raw), e.code, e.message, raw)
        except StoreError:
            raise  # Redis failed: the entry stays pending and is applied again
        except Exception:
            # One entry must not end the consumer (and with it every hub that claims the
            # entry after): it is refused on the record, and the fault is logged in full.
            log.exception("inbox: hall %s entry %s could not be applied", hall, entry_id)
            metrics.INBOX.labels("internal").inc()
            message = "the hub could not apply this entry: a fault of the hub (see its log)"
            await self.store.reject(hall, _client_id(raw), "internal", message, raw)

    async def _actor(self, hall: str, token: str) -> Actor:
        if not token:
            raise Unauthorized("the inbox entry has no `token` field")
        if is_admin(token, self.admin_token):
            return Actor("admin")
        claims = await self.credentials.token_claims(token)
        if claims is None:
            raise Unauthorized("the token is unknown, expired or revoked")
        check_token_hall(claims, hall)
        return actor_of(claims)


def _client_id(raw: bytes) -> str:
    try:
        obj = _SNIFF.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        return ""
    value = obj.get("id") if isinstance(obj, dict) else None
    return value if isinstance(value, str) else ""
