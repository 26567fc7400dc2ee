"""Redis stream ids ("<ms>-<seq>") as comparable tuples."""

from __future__ import annotations

import re

_LIMIT = 2**64
_ID = re.compile(r"\A([0-9]{1,20})(?:-([0-9]{1,20}))?\Z")  # ASCII digits only


def parse(stream_id: str) -> tuple[int, int] | None:
    m = _ID.match(stream_id)
    if m is None:
        return None
    ms, seq = int(m[1]), int(m[2] or 0)
    return (ms, seq) if ms < _LIMIT and seq < _LIMIT else None


def key(stream_id: str) -> tuple[int, int]:
    parsed = parse(stream_id)
    if parsed is None:
        raise ValueError(f"not a stream id: {stream_id!r}")
    return parsed
