"""Notifications end to end: real hubs (`hall serve`), real Redis, and a local receiver that
checks every request as 企业微信, 钉钉 and a webhook receiver would (tests/support/receiver.py).
The B-post's channels get cover.needed (with its deadline), cover.requested and
cover.escalated, the director's channel gets them too; with two hubs each message arrives
once; a failing endpoint is retried with backoff and counted; a hub killed before it
acknowledged leaves the message to another hub; an `env:` secret is read at start and a
missing one stops `hall serve`."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import redis

from hall.store.embedded import free_tcp_port
from tests.support.halls import hall_toml
from tests.support.hubs import Hub, hubs
from tests.support.receiver import DINGTALK_SECRET, WEBHOOK_SECRET, Received, Receiver
from tests.support.wait import wait_for

pytestmark = pytest.mark.timeout(90)

TZ = ZoneInfo("Asia/Shanghai")
MOBILES = {"b1": "13800000001", "boss": "13900000000"}
COVER = ("cover.needed", "cover.requested", "cover.escalated")
# A not arrived yet is no absence for a whole day: only the test's own absences fire.
QUIET = {"arrival_grace": "23h59m"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def webhook(url: str, *, channel: str = "hook", staff: str = '["b1"]', roles: str = "[]") -> str:
    return (
        f'[[notify]]\nid = "{channel}"\nkind = "webhook"\nurl = "{url}"\n'
        f'secret = "{WEBHOOK_SECRET}"\nstaff = {staff}\nroles = {roles}\n\n'
    )


def send(hub: Hub, **body: Any) -> dict[str, Any]:
    with hub.client() as c:
        r = c.post("/api/halls/t/commands", json=body)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def go_away(hub: Hub, window: int) -> dict[str, Any]:
    """The A-post arrives, then goes away: returns the `presence.changed` (away) event."""
    send(hub, type="presence.set", window=window, post="A", state="present")
    events = send(hub, type="presence.set", window=window, post="A", state="away")["events"]
    (away,) = [e for e in events if e["type"] == "presence.changed"]
    return away


def kinds(received: list[Received], window: int) -> list[str]:
    return [r.json["type"] for r in received if r.json["window"] == window]


def metric(hub: Hub, kind: str, outcome: str) -> float:
    text = httpx.get(hub.url + "/metrics").text
    pattern = rf'^hall_notifications_total\{{kind="{kind}",outcome="{outcome}"\}} (\S+)$'
    found = re.search(pattern, text, re.M)
    return float(found.group(1)) if found else 0.0


def test_an_away_a_post_reaches_the_b_post_and_the_director_on_every_kind_of_channel(
    redis_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    channels = (
        f'[[notify]]\nid = "b-posts"\nkind = "wecom"\n'
        f'url = "{receiver.url}/wecom/cgi-bin/webhook/send?key=k-1"\nstaff = ["b1"]\n\n'
        f'[[notify]]\nid = "directors"\nkind = "dingtalk"\n'
        f'url = "{receiver.url}/dingtalk/robot/send?access_token=t-1"\n'
        f'secret = "{DINGTALK_SECRET}"\nroles = ["director"]\n\n'
        '[[notify]]\nid = "hook"\nkind = "webhook"\nurl = "env:TEST_HOOK_URL"\n'
        'secret = "env:TEST_HOOK_SECRET"\nstaff = ["b1"]\n'
    )
    toml = hall_toml(
        cover_after="2s", escalate_after="2s", mobiles=MOBILES, notify=channels, **QUIET
    )
    env = {
        "TEST_HOOK_URL": f"{receiver.url}/hook/b1",
        "TEST_HOOK_SECRET": WEBHOOK_SECRET,
        "HALL_PUBLIC_URL": "https://hall.example",
    }
    with hubs(redis_url, tmp_path, 1, toml, **env) as (hub,):
        away = go_away(hub, 1)
        wait_for(lambda: len(receiver.on("/hook")) >= 3, 20, "three webhook messages")
        wait_for(lambda: len(receiver.on("/wecom")) >= 3, 10, "three WeCom messages")
        wait_for(lambda: len(receiver.on("/dingtalk")) >= 3, 10, "three DingTalk messages")
        sent = metric(hub, "webhook", "sent") + metric(hub, "wecom", "sent")
        sent += metric(hub, "dingtalk", "sent")

    assert all(r.ok for r in receiver.received), [r.problem for r in receiver.received]
    hook = receiver.on("/hook")
    assert kinds(hook, 1) == list(COVER)
    needed = hook[0].json
    deadline = datetime.fromisoformat(away["at"]) + timedelta(seconds=2)
    assert datetime.fromisoformat(needed["deadline"]) == deadline
    assert needed["staff"] == ["b1"] and needed["url"] == "https://hall.example/me"
    assert needed["hall"] == "t" and needed["id"] == f"{needed['event']}/cover.needed"
    clock = deadline.astimezone(TZ).strftime("%H:%M")
    assert f"请B岗员工b1在 {clock} 前到窗口顶岗" in needed["text"]

    wecom = [r.json["text"] for r in receiver.on("/wecom")]
    assert [w["mentioned_mobile_list"] for w in wecom] == [["13800000001"]] * 3
    assert [w["content"][:6] for w in wecom] == ["【请顶岗】1", "【请立即顶岗", "【已报主任】"]
    assert all("https://hall.example/me" in w["content"] for w in wecom)

    ding = [r.json for r in receiver.on("/dingtalk")]
    assert [d["at"]["atMobiles"] for d in ding] == [["13900000000"]] * 3
    assert [d["text"]["content"][:6] for d in ding] == [w["content"][:6] for w in wecom]
    assert all("https://hall.example/halls/t/director" in d["text"]["content"] for d in ding)
    assert sent == 9


def test_with_two_hubs_each_message_arrives_once(
    redis_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    channels = webhook(f"{receiver.url}/hook/all", roles='["director"]', staff="[]")
    toml = hall_toml(cover_after="2s", escalate_after="1s", notify=channels, **QUIET)
    with hubs(redis_url, tmp_path, 2, toml) as (a, b):
        for n in (1, 2, 3):
            go_away(a if n % 2 else b, n)
        for n in (1, 2, 3):
            wait_for(lambda n=n: "cover.escalated" in kinds(receiver.on("/hook"), n), 20)
        r = redis.Redis.from_url(redis_url)
        try:
            wait_for(lambda: r.xpending("hall:{t}:events", "notify")["pending"] == 0, 10)
        finally:
            r.close()
        sent = sum(metric(h, "webhook", "sent") for h in (a, b))

    hook = receiver.on("/hook")
    ids = [m.json["id"] for m in hook]
    assert len(ids) == len(set(ids)) == 9, ids  # nothing twice, nothing missing
    assert sorted(kinds(hook, 1)) == sorted(kinds(hook, 2)) == sorted(kinds(hook, 3))
    assert sent == 9  # the two hubs together sent each once
    assert all(m.ok for m in hook)


def test_a_failing_endpoint_is_retried_with_backoff_then_given_up(
    redis_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    receiver.scripts["/hook/flaky"] = [500, 500]  # then the normal answer
    receiver.scripts["/hook/down"] = [503] * 5
    channels = webhook(f"{receiver.url}/hook/flaky", channel="flaky")
    channels += webhook(f"{receiver.url}/hook/down", channel="down")
    channels += webhook(f"{receiver.url}/hook/fine", channel="fine")
    toml = hall_toml(cover_after="5m", notify=channels, **QUIET)
    with hubs(redis_url, tmp_path, 1, toml, HALL_NOTIFY_BACKOFF="0.2") as (hub,):
        go_away(hub, 1)
        wait_for(lambda: len(receiver.on("/hook/flaky")) == 3, 20, "third try")
        wait_for(lambda: metric(hub, "webhook", "given_up") == 1, 30, "given up")
        counts = {o: metric(hub, "webhook", o) for o in ("sent", "failed", "given_up")}

    fine, flaky, down = (receiver.on(f"/hook/{p}") for p in ("fine", "flaky", "down"))
    assert [r.answered for r in flaky] == [500, 500, 204]
    assert [r.answered for r in down] == [503] * 5
    assert len(fine) == 1 and fine[0].at < down[2].at  # not held up by the failing ones
    assert {r.json["id"] for r in flaky + down} == {fine[0].json["id"]}  # one notice
    assert all(r.ok for r in receiver.received)  # each try signed afresh
    pauses = [later.at - earlier.at for earlier, later in itertools.pairwise(down)]
    assert all(p >= full / 2 for p, full in zip(pauses, (0.2, 0.6, 1.8, 5.4), strict=True))
    assert counts == {"sent": 2, "failed": 2 + 5, "given_up": 1}


def test_a_hub_killed_before_acknowledging_leaves_the_message_to_another(
    redis_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    receiver.scripts["/hook/b1"] = ["hold"]  # the first try never gets an answer
    config = tmp_path / "hall.toml"
    config.write_text(
        hall_toml(cover_after="5m", notify=webhook(f"{receiver.url}/hook/b1"), **QUIET)
    )
    env = {"HALL_NOTIFY_CLAIM_IDLE": "2"}
    first = Hub(redis_url, config, tmp_path / "first.log", env=env).start()
    second = Hub(redis_url, config, tmp_path / "second.log", env=env)
    try:
        go_away(first, 1)
        wait_for(lambda: receiver.on("/hook/b1"), 10, "the first hub's try")
        first.kill()  # read, sent, not acknowledged
        second.start()
        wait_for(lambda: len(receiver.on("/hook/b1")) == 2, 20, "the second hub's delivery")
        r = redis.Redis.from_url(redis_url)
        try:
            wait_for(lambda: r.xpending("hall:{t}:events", "notify")["pending"] == 0, 10)
        finally:
            r.close()
    finally:
        receiver.release()
        first.stop()
        second.stop()
    held, delivered = receiver.on("/hook/b1")
    assert (held.answered, delivered.answered) == ("hold", 204)
    assert held.json["id"] == delivered.json["id"]  # the same message: a receiver drops it
    assert delivered.json["type"] == "cover.needed" and delivered.ok


def test_env_secrets_are_read_at_start_and_a_missing_one_stops_hall_serve(
    redis_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "hall.toml"
    channel = webhook("https://example.invalid/hook").replace(
        f'secret = "{WEBHOOK_SECRET}"', 'secret = "env:TEST_NOTIFY_KEY"'
    )
    config.write_text(hall_toml(notify=channel))
    argv = [sys.executable, "-m", "hall", "serve", "--config", str(config)]
    argv += ["--redis", redis_url, "--port", str(free_tcp_port())]
    env = {k: v for k, v in os.environ.items() if k != "TEST_NOTIFY_KEY"}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "notify[0] (hook).secret: environment variable TEST_NOTIFY_KEY is not set" in (
        done.stderr
    )
    assert "serving" not in done.stdout  # refused before anything started
