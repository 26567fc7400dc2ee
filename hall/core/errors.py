"""One error hierarchy for every refusal; the edges translate `status` into HTTP, close codes
or CLI messages. `code` is the stable snake_case name clients switch on."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    status: ClassVar[int] = 400

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.extra}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class Invalid(DomainError):
    """400: malformed, unknown_type, invalid_field."""

    status = 400


class Unauthorized(DomainError):
    """401: no credentials, or ones that are unknown, expired or revoked."""

    status = 401

    def __init__(self, message: str) -> None:
        super().__init__("unauthorized", message)


class Forbidden(DomainError):
    status = 403

    def __init__(self, message: str) -> None:
        super().__init__("forbidden", message)


class NotFound(DomainError):
    """404: unknown_hall, unknown_window, unknown_service."""

    status = 404


class Refused(DomainError):
    """409: the command is well formed and allowed, but a rule says no."""

    status = 409
