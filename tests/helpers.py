"""Small test helpers: wait for an effect with a deadline instead of sleeping and hoping."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable

import anyio


async def eventually(
    predicate: Callable[[], bool | Awaitable[bool]],
    timeout: float = 5.0,  # noqa: ASYNC109  (a polling deadline, not a cancel scope)
    *,
    interval: float = 0.01,
    message: str = "",
) -> None:
    """Poll `predicate` (sync or async) until it is true; fail after `timeout` seconds."""
    deadline = anyio.current_time() + timeout
    while True:
        result = predicate()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if anyio.current_time() > deadline:
            raise AssertionError(f"not true within {timeout} s: {message or predicate!r}")
        await anyio.sleep(interval)
