"""Redis store: event log with compare-and-set, deadlines, idempotency, auth records,
inbox, blocking readers and the embedded redis-server. Key layout: `hall.store.keys`."""

from hall.store.errors import Conflict, IdReused, StoreError, StoreUnavailable
from hall.store.store import AppendResult, Idem, Store, StoredEvent, split_token, with_id

__all__ = [
    "AppendResult",
    "Conflict",
    "IdReused",
    "Idem",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "StoredEvent",
    "split_token",
    "with_id",
]
