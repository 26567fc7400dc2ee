"""hall's websocket parser (`hall.live.protocol.parse_forgetting_the_request`): the same
events as websockets' own, without holding the handshake request for the socket's life."""

from __future__ import annotations

import gc
import weakref

import pytest
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.server import ServerProtocol

from hall.live.protocol import parse_forgetting_the_request

HANDSHAKE = (
    b"GET /ws/halls/kaiyuan/view/wall HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\nCookie: hall_session=" + b"x" * 200 + b"\r\n\r\n"
)


def _conn(lean: bool) -> ServerProtocol:
    conn = ServerProtocol()
    if lean:
        conn.parser = parse_forgetting_the_request(conn)
        next(conn.parser)
    return conn


HELLO = Frame(Opcode.TEXT, b"hello").serialize(mask=True, extensions=[])  # masked: a client's


def _handshake(conn: ServerProtocol, data: bytes) -> Request:
    conn.receive_data(data)
    request = conn.events_received()[0]
    assert isinstance(request, Request)
    conn.send_response(conn.accept(request))
    return request


@pytest.mark.parametrize("lean", [False, True])
def test_the_request_is_let_go_once_answered_only_by_halls_parser(lean: bool) -> None:
    conn = _conn(lean)
    request = weakref.ref(_handshake(conn, HANDSHAKE))
    gc.collect()
    assert (request() is None) is lean  # websockets' own parser keeps it: the reason for this


@pytest.mark.parametrize(
    "chunks",
    [
        [HANDSHAKE, HELLO],
        [HANDSHAKE + HELLO],  # a client that did not wait for the 101
        [HANDSHAKE + HELLO[:2], HELLO[2:]],  # cut inside the frame
        [HANDSHAKE[:40], HANDSHAKE[40:] + HELLO[:5], HELLO[5:]],
    ],
)
def test_frames_after_the_handshake_arrive_whole_however_the_bytes_are_cut(
    chunks: list[bytes],
) -> None:
    conn = _conn(lean=True)
    received: list[object] = []
    for chunk in chunks:
        conn.receive_data(chunk)
        for event in conn.events_received():
            if isinstance(event, Request):
                conn.send_response(conn.accept(event))
            else:
                received.append(event)
    assert [(f.opcode, f.data) for f in received] == [(Opcode.TEXT, b"hello")]  # type: ignore[attr-defined]


def test_a_refused_handshake_is_refused_as_websockets_refuses_it() -> None:
    lean, plain = _conn(lean=True), _conn(lean=False)
    for conn in (lean, plain):
        conn.receive_data(b"NOT HTTP\r\n\r\n")
    assert type(lean.handshake_exc) is type(plain.handshake_exc) is not type(None)
    assert lean.data_to_send() == plain.data_to_send()
