"""Wait for an effect with a deadline, never `sleep` and hope: one helper, for plain code
(`wait_for`) and for async tests (`eventually`)."""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
import httpx

T = TypeVar("T")


def _failed(timeout: float, message: str, last: Any) -> AssertionError:
    return AssertionError(f"not true within {timeout} s: {message} (last: {last!r})")


def wait_for(
    predicate: Callable[[], T], timeout: float = 10.0, message: str = "", interval: float = 0.02
) -> T:
    """Poll `predicate()` until it is truthy and return it; a connection refused meanwhile
    counts as "not yet". Fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except (httpx.HTTPError, OSError) as e:
            last = e
        else:
            if last:
                return last
        time.sleep(interval)
    raise _failed(timeout, message, last)


async def eventually(
    predicate: Callable[[], Any | Awaitable[Any]],
    timeout: float = 5.0,  # noqa: ASYNC109  (a polling deadline, not a cancel scope)
    message: str = "",
    *,
    interval: float = 0.01,
) -> float:
    """Await `predicate()` (plain or async) turning truthy; returns the seconds it took.
    Fails after `timeout` seconds."""
    started = anyio.current_time()
    last: Any = None
    while True:
        last = predicate()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return anyio.current_time() - started
        if anyio.current_time() - started > timeout:
            raise _failed(timeout, message or repr(predicate), last)
        await anyio.sleep(interval)
