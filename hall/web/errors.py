"""Domain and store errors -> HTTP responses: `{"error": CODE, "message": TEXT, ...}`."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hall.core.errors import DomainError
from hall.records.errors import ArchiveError
from hall.store.errors import StoreBusy, StoreError


def error_response(status: int, code: str, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status)


async def on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    response = JSONResponse(exc.body(), status_code=exc.status)
    retry_after = getattr(exc, "retry_after", None)  # 429 `rate_limited`
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


async def on_store_error(request: Request, exc: Exception) -> Response:
    return error_response(503, "unavailable", f"the hall's store is unavailable: {exc}")


async def on_archive_error(request: Request, exc: Exception) -> Response:
    """The records database down (or refused): the records wait; the live hall goes on."""
    return error_response(503, "unavailable", f"the records database is unavailable: {exc}")


async def on_store_busy(request: Request, exc: Exception) -> Response:
    response = error_response(429, "busy", f"the hub is busy: {exc}; try again")
    response.headers["Retry-After"] = "1"
    return response


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    response = error_response(exc.status_code, code, str(exc.detail))
    response.headers.update(exc.headers or {})  # 405: `Allow`
    return response


HANDLERS = {
    DomainError: on_domain_error,
    StoreError: on_store_error,
    StoreBusy: on_store_busy,
    ArchiveError: on_archive_error,
    HTTPException: on_http_error,
}


class TooLarge(DomainError):
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__("too_large", f"the body is over {limit // 1024} KiB")
