"""Redis store: event log with compare-and-set, deadlines, idempotency, inbox, blocking
readers, stream ids, credentials (PINs, tokens) and the embedded redis-server. Key layout:
`hall.store.keys`."""

from hall.store.credentials import Credentials, split_token
from hall.store.errors import (
    Conflict,
    IdReused,
    NotReplicated,
    StoreBusy,
    StoreError,
    StoreUnavailable,
)
from hall.store.store import AppendResult, Idem, Store, StoredEvent, with_id

__all__ = [
    "AppendResult",
    "Conflict",
    "Credentials",
    "IdReused",
    "Idem",
    "NotReplicated",
    "Store",
    "StoreBusy",
    "StoreError",
    "StoreUnavailable",
    "StoredEvent",
    "split_token",
    "with_id",
]
