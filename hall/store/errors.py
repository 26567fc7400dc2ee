"""Store errors. Redis exceptions are translated into these inside the store."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error the store raises."""


class StoreUnavailable(StoreError):
    """Redis is down, unreachable, loading, or did not answer in time. Retry later."""


class StoreBusy(StoreUnavailable):
    """Redis is fine but every pooled connection stayed busy past the wait: too many
    requests at once on this hub. Retry in a moment (HTTP 429)."""


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
