"""Store errors. Redis exceptions are translated into these inside the store."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error the store raises."""


class StoreUnavailable(StoreError):
    """Redis is down, unreachable, loading, or did not answer in time. Retry later."""


class StoreBusy(StoreUnavailable):
    """Redis is fine but every pooled connection stayed busy past the wait: too many
    requests at once on this hub. Retry in a moment (HTTP 429)."""


class NotReplicated(StoreUnavailable):
    """The command was written on its hall's master, but no replica confirmed it in time
    (`Store(replica_ack=...)`): if the master failed now, a replica without it could take
    over. Not acknowledged (503): the sender repeats it with the same client id, which
    answers the first result once a replica holds it, or applies it anew on a new master."""

    def __init__(self, hall: str, wanted: int, timeout_ms: int) -> None:
        super().__init__(
            f"hall {hall!r}: written, but not confirmed by {wanted} replica(s) within "
            f"{timeout_ms} ms; send it again with the same client id"
        )
        self.hall = hall


class Conflict(StoreError):
    """The compare-and-set lost: the hall's version is no longer the expected one."""

    def __init__(self, hall: str, expected: str, actual: str) -> None:
        super().__init__(f"hall {hall!r} is at version {actual}, expected {expected}")
        self.hall = hall
        self.expected = expected
        self.actual = actual


class IdReused(StoreError):
    """A client id was used again with a different command body."""

    def __init__(self, hall: str, client_id: str) -> None:
        super().__init__(f"client id {client_id!r} was already used with another body")
        self.hall = hall
        self.client_id = client_id
