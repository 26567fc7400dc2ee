"""Websocket frames over the 64 KiB limit (uvicorn's ws_max_size, set by `hall serve`) close
the socket with 1009 (message too big), on the events socket and on view sockets alike; a
message at the limit is accepted (and ignored) and the socket keeps working.

Commands rate-limited per token (429 with Retry-After) are in tests/integration/test_api.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from hall.store.embedded import EmbeddedRedis
from tests.support.hubs import ADMIN, Hub, hubs

pytestmark = pytest.mark.timeout(60)

LIMIT = 64 * 1024
SOCKETS = {
    "events": f"/ws/halls/t/events?token={ADMIN}",
    "wall": "/ws/halls/t/view/wall",
    "director": f"/ws/halls/t/view/director?token={ADMIN}",
}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    tmp: Path = tmp_path_factory.mktemp("frames")
    with EmbeddedRedis(tmp / "redis") as redis, hubs(redis.url, tmp, 1) as (started,):
        yield started


def opened(hub: Hub, path: str) -> ClientConnection:
    return connect(f"{hub.ws}{path}", open_timeout=5, max_size=None, compression=None)


@pytest.mark.parametrize("socket", list(SOCKETS))
@pytest.mark.parametrize("kind", ["text", "binary", "fragmented"])
def test_a_frame_over_64_kib_closes_with_1009(hub: Hub, socket: str, kind: str) -> None:
    with opened(hub, SOCKETS[socket]) as ws:
        ws.recv(timeout=5)  # the snapshot or the full view
        with pytest.raises(ConnectionClosed) as err:  # while sending (fragments) or after
            if kind == "text":
                ws.send("x" * (LIMIT + 1))
            elif kind == "binary":
                ws.send(b"\0" * (LIMIT + 1))
            else:  # 17 fragments of 4 KiB: each small, the message too big
                ws.send(iter(["y" * 4096] * 17))
            while True:
                ws.recv(timeout=5)
        assert err.value.rcvd is not None and err.value.rcvd.code == 1009


@pytest.mark.parametrize("socket", list(SOCKETS))
def test_a_message_at_the_limit_is_accepted(hub: Hub, socket: str) -> None:
    with opened(hub, SOCKETS[socket]) as ws:
        ws.recv(timeout=5)
        ws.send("z" * LIMIT)
        r = httpx.post(
            f"{hub.url}/api/halls/t/commands",
            json={"type": "ticket.issue", "service": "A"},
            headers={"authorization": f"Bearer {ADMIN}"},
        )
        assert r.status_code == 200
        update = ws.recv(timeout=5)  # still open, still live
        if socket == "events":
            assert json.loads(update)["id"] == r.json()["events"][-1]["id"]
        elif socket == "wall":  # the wall's fragments carry only their ids
            assert '<dd id="count-waiting">' in str(update)
        else:
            assert "hx-swap-oob" in str(update)
