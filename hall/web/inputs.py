"""Reading a request at the HTTP edge: the running hub, the hall it names, a bounded body,
and a JSON body decoded into a typed record (every problem a precise 4xx)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import msgspec
from starlette.requests import Request

from hall.core.errors import Invalid, NotFound
from hall.web.errors import TooLarge

if TYPE_CHECKING:
    from hall.runtime import Runtime

T = TypeVar("T")


def runtime(request: Request) -> Runtime:
    hub: Runtime = request.app.state.runtime
    return hub


def hall_id(request: Request) -> str:
    hall: str = request.path_params["hall"]
    if hall not in runtime(request).halls:
        raise NotFound("unknown_hall", f"there is no hall {hall!r}")
    return hall


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge(limit)
    return bytes(body)


def decode_body(raw: bytes, kind: type[T]) -> T:
    """A JSON object body as `kind` (a msgspec Struct): 400 `malformed` or `invalid_field`."""
    try:
        body = msgspec.json.decode(raw)
    except msgspec.DecodeError as e:
        raise Invalid("malformed", f"body is not valid JSON: {e}") from None
    except RecursionError:
        raise Invalid("malformed", "body is nested too deeply") from None
    if not isinstance(body, dict):
        raise Invalid("malformed", "body must be a JSON object")
    try:
        return msgspec.convert(body, kind)
    except msgspec.ValidationError as e:
        raise Invalid("invalid_field", str(e)) from None
