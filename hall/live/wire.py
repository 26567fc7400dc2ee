"""Websocket frames built once per message, and what the fan-out needs from a socket to
write them to its transport itself.

A server's frames are unmasked: FIN + opcode, the payload length (7 bits, or 126 and 16
bits, or 127 and 64 bits), the payload (RFC 6455 5.2). The fan-out builds one frame per
event or fragment and writes the same bytes to every socket that is caught up, instead of
framing the message again per socket through four layers of ASGI `send`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

RAW = "hall.raw"  # the key of a `RawSocket` in the ASGI scope's "extensions"


def text_frame(payload: bytes) -> bytes:
    """One unfragmented text frame (opcode 0x1) carrying `payload` (UTF-8)."""
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 1 << 16:
        return b"\x81\x7e" + n.to_bytes(2, "big") + payload
    return b"\x81\x7f" + n.to_bytes(8, "big") + payload


def frame_payload(frame: bytes) -> bytes:
    """The payload of a frame made by `text_frame`."""
    n = frame[1]
    return frame[2:] if n < 126 else frame[4:] if n == 126 else frame[10:]


class RawSocket(Protocol):
    """A websocket whose server lets the app write pre-built frames to its transport (the
    uvicorn protocol in `hall.live.protocol` puts itself in the scope under `RAW`)."""

    # Called (from the event loop, synchronously) when the client leaves, a message or a
    # close arrives, or the transport stops or starts taking data: the socket's one task
    # wakes, and the fan-out stops writing to it directly until the task is idle again.
    hall_listener: Callable[[], None] | None

    def hall_pending(self) -> int:
        """ASGI receive events waiting to be read (a message, or the disconnect)."""

    def hall_writable(self) -> bool:
        """Open, not closing, and the transport's buffer below its high-water mark."""

    def hall_write(self, data: bytes) -> None:
        """Write complete frames (built by `text_frame`) to the transport."""

    def hall_writer(self) -> Callable[[bytes], object]:
        """`hall_write` as the fan-out calls it per socket: the transport's own `write`
        (no Python frame in between). Only to be called while `hall_writable()`; the
        listener is called whenever that may have changed."""

    def hall_close(self, code: int, reason: str) -> None:
        """Send a close frame now, even while the transport is paused (a client that does
        not read is dropped after the close timeout instead of waiting for it forever)."""


def raw_socket(scope: Any) -> RawSocket | None:
    """The socket's `RawSocket`, or None when the server does not offer one (the app then
    sends through ASGI as any server allows)."""
    extensions = scope.get("extensions") or {}
    raw: RawSocket | None = extensions.get(RAW)
    return raw
