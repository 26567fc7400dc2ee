"""`hall reload` and SIGHUP against real hubs: a changed hall file goes in force without a
restart on every hub (a name on the wall, a new clerk at a window), on record once
(`hall.configured`); a bad file is refused whole with start-up's message and the running
hall is untouched."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.support.halls import hall_toml
from tests.support.hubs import Hub, hubs, reload_halls, set_pin
from tests.support.wait import wait_for

pytestmark = pytest.mark.timeout(120)


def send(hub: Hub, **body: Any) -> httpx.Response:
    with hub.client() as c:
        return c.post("/api/halls/t/commands", json=body)


def state(hub: Hub) -> dict[str, Any]:
    out: dict[str, Any] = httpx.get(hub.url + "/api/halls/t/state", timeout=5).json()
    return out


def configured(hub: Hub) -> list[dict[str, Any]]:
    with hub.client() as c:
        events = c.get("/api/halls/t/events", params={"limit": 1000}).json()["events"]
    return [e for e in events if e["type"] == "hall.configured"]


def renamed(staff: str) -> str:
    return "陈新名" if staff == "a1" else f"员工{staff}"


def wall(hub: Hub) -> ClientConnection:
    return connect(f"{hub.ws}/ws/halls/t/view/wall", open_timeout=5)


def received(ws: ClientConnection, text: str, timeout: float = 10.0) -> str:
    """The first frame that holds `text` (frames before it are skipped)."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        got = ws.recv(timeout=left)  # TimeoutError past the deadline
        frame = got if isinstance(got, str) else got.decode()
        if text in frame:
            return frame
    raise AssertionError(f"no frame with {text!r} within {timeout} s")


def test_a_renamed_clerk_shows_on_the_wall_and_in_the_state_of_both_hubs(
    redis_url: str, tmp_path: Path
) -> None:
    with hubs(redis_url, tmp_path, 2) as (a, b):
        assert send(a, type="presence.set", window=1, post="A", state="present").status_code == 200
        before = configured(a)
        with wall(b) as screen:
            received(screen, "员工a1")
            a.config.write_text(hall_toml(staff_name=renamed), encoding="utf-8")
            done = reload_halls(a)
            assert done.returncode == 0, done.stdout + done.stderr
            assert done.stdout.count(": applied (t changed)") == 2, done.stdout
            received(screen, "陈新名")  # the other hub's wall, live, without a restart
        for hub in (a, b):
            assert state(hub)["windows"][0]["a"]["name"] == "陈新名"
            assert httpx.get(hub.url + "/healthz").json()["reload"]["outcome"] == "applied"
        new = [e for e in configured(a) if e not in before]
        version = hashlib.sha256(a.config.read_bytes()).hexdigest()
        assert [e["version"] for e in new] == [version]  # once, across both hubs
        assert [w["a"] for w in new[0]["windows"]] == ["a1", "a2", "a3"]
        # the same files again: nothing changes, nothing goes on record
        again = reload_halls(a)
        assert again.returncode == 0 and again.stdout.count(": unchanged") == 2, again.stdout
        assert len(configured(a)) == len(before) + 1


def test_a_new_clerk_takes_a_window_without_a_restart(hub: Hub) -> None:
    assert send(hub, type="presence.set", window=1, post="A", state="present").status_code == 200
    text = hall_toml().replace('a = "a1"', 'a = "n1"')
    text += '\n[[staff]]\nid = "n1"\nname = "林新来"\n'
    hub.config.write_text(text, encoding="utf-8")
    assert reload_halls(hub).returncode == 0
    post = state(hub)["windows"][0]["a"]
    assert (post["staff"], post["name"], post["state"]) == ("n1", "林新来", "off")
    assert set_pin(hub, "n1", "2468").returncode == 0
    token = httpx.post(
        hub.url + "/api/login", json={"hall": "t", "staff": "n1", "pin": "2468"}
    ).json()["token"]
    body = {"type": "presence.set", "window": 1, "post": "A", "state": "present"}
    r = httpx.post(
        hub.url + "/api/halls/t/commands", json=body, headers={"authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200, r.text
    assert [(e["type"], e["staff"]) for e in r.json()["events"]] == [("presence.changed", "n1")]
    assert state(hub)["windows"][0]["status"] == "staffed"
    with hub.client() as c:
        events = c.get("/api/halls/t/events", params={"limit": 1000}).json()["events"]
    assert not [e for e in events if e["type"] == "arrival.late" and e["staff"] == "n1"]


def test_a_bad_file_is_refused_whole_with_the_start_up_message(hub: Hub) -> None:
    assert send(hub, type="presence.set", window=1, post="A", state="present").status_code == 200
    before = configured(hub)
    good = hub.config.read_text(encoding="utf-8")
    hub.config.write_text(good.replace('timezone = "Asia/Shanghai"', 'timezone = "Mars/Base"'))
    done = reload_halls(hub)
    check = subprocess.run(
        [sys.executable, "-m", "hall", "check", str(hub.config)], capture_output=True, text=True
    )
    assert done.returncode != 0 and check.returncode != 0
    assert "unknown time zone 'Mars/Base'" in done.stderr
    assert done.stderr == check.stderr  # the very message start-up would give
    # SIGHUP makes this hub read the broken file: refused, the hall untouched
    assert hub.proc is not None
    hub.proc.send_signal(signal.SIGHUP)
    refused = wait_for(lambda: httpx.get(hub.url + "/healthz").json().get("reload"), 10)
    assert refused["outcome"] == "refused" and "Mars/Base" in refused["message"]
    assert state(hub)["windows"][0]["a"]["state"] == "present"
    assert send(hub, type="ticket.issue", service="A").status_code == 200
    assert configured(hub) == before
    # mended: applied
    hub.config.write_text(good.replace("测试大厅", "测试大厅二"), encoding="utf-8")
    hub.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: state(hub)["name"] == "测试大厅二", 10, "renamed by SIGHUP")
    assert len(configured(hub)) == len(before) + 1


def test_removing_a_window_in_use_is_refused_before_any_hub_is_asked(hub: Hub) -> None:
    # the test hall is open all day: window 3 is open
    hub.config.write_text(hall_toml(windows=2))
    done = reload_halls(hub)
    assert done.returncode != 0
    assert "refused: hall t: window 3 is removed from the hall file but it is open" in done.stdout
    assert "reload" not in httpx.get(hub.url + "/healthz").json()  # nothing was sent
    assert len(state(hub)["windows"]) == 3
