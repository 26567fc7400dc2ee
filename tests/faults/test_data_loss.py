"""Redis restarted empty: the hub notices its state is ahead of the log and says so."""

from __future__ import annotations

import shutil

import httpx
import pytest

from hall.store.embedded import EmbeddedRedis
from tests.support.hubs import Hub
from tests.support.wait import wait_for

pytestmark = pytest.mark.slow


def test_redis_restarted_empty_stops_writes_and_says_so(
    redis_server: EmbeddedRedis, hub: Hub
) -> None:
    with hub.client() as c:
        for _ in range(3):
            assert (
                c.post(
                    "/api/halls/t/commands", json={"type": "ticket.issue", "service": "A"}
                ).status_code
                == 200
            )
    redis_server.stop()
    for f in redis_server.data_dir.iterdir():  # the data is gone
        if f.name.startswith("appendonly") or f.suffix == ".rdb":
            shutil.rmtree(f) if f.is_dir() else f.unlink()
    redis_server.start()

    def lost() -> bool:
        r = httpx.get(hub.url + "/healthz", timeout=3)
        return r.status_code == 503 and r.json().get("log") == "lost"

    wait_for(lost, 15, "healthz reports the lost log")
    with hub.client() as c:
        r = c.post("/api/halls/t/commands", json={"type": "ticket.issue", "service": "A"})
    assert (r.status_code, r.json()["error"]) == (503, "log_lost")
    assert "lost data" in r.json()["message"]
    # nothing was written to the empty Redis behind the operator's back
    with hub.client() as c:
        assert c.get("/api/halls/t/events").json()["events"] == []
    # restarting the hub accepts what Redis holds
    hub.stop()
    hub.start()
    with hub.client() as c:
        assert (
            c.post(
                "/api/halls/t/commands", json={"type": "ticket.issue", "service": "A"}
            ).status_code
            == 200
        )
