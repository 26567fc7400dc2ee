"""`hall demo`: the simulated day, on the pure core (a whole day, in under a second) and on a
real hub with a real Redis (the morning, at 1200x), read back from the event log."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import uvicorn
from click.testing import CliRunner

from hall.app import create_app
from hall.cli import main
from hall.config import HallConfig, default_hall_path, load_halls
from hall.core import SYSTEM, Actor, Command, State, Tick, execute, initial_state
from hall.core import commands as cmds
from hall.core import events as ev
from hall.demo import (
    Arrive,
    CoverUp,
    Desk,
    Outing,
    RegisterLeave,
    Return,
    SimClock,
    Simulation,
    WindowFacts,
    banner,
    demo_day,
    demo_start,
    desk_move,
    plan_day,
    prepare,
    simulation,
    staff_moves,
)
from hall.demo.story import WALL_CALL_SECONDS, busiest, pace_note, span
from hall.kiosk.times import whole_minutes
from hall.settings import Secret, Settings
from hall.store.credentials import Credentials
from hall.store.embedded import EmbeddedRedis, free_tcp_port
from hall.store.store import Store
from tests.support.hubs import ADMIN
from tests.support.wait import wait_for

KAIYUAN = load_halls(default_hall_path())["kaiyuan"]
MONDAY = date(2025, 1, 6)  # winter hours: 08:00-12:00, 14:30-17:30


def local(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=KAIYUAN.tz)


# -- the pieces --------------------------------------------------------------------------


def test_help_lists_speed_and_port() -> None:
    result = CliRunner().invoke(main, ["demo", "--help"])
    assert result.exit_code == 0, result.output
    for option in ("--speed", "--port", "--host", "--data", "--seed"):
        assert option in result.output


def test_the_clock_starts_a_working_day_at_0755_and_runs_at_speed() -> None:
    saturday = date(2025, 1, 4)
    assert demo_day(KAIYUAN, saturday) == MONDAY
    assert demo_day(KAIYUAN, MONDAY) == MONDAY
    start = demo_start(KAIYUAN, MONDAY)
    assert start == local(MONDAY, 7, 55) and start.tzinfo is UTC
    real = [100.0]
    clock = SimClock(start, 60, monotonic=lambda: real[0])
    assert clock() == start
    real[0] += 5.0
    assert clock() == local(MONDAY, 8, 0) and clock().tzinfo is UTC
    assert clock.real(3600) == 60.0


def test_the_plan_is_seeded_and_holds_the_morning_story() -> None:
    a = plan_day(KAIYUAN, MONDAY, random.Random(7))
    b = plan_day(KAIYUAN, MONDAY, random.Random(7))
    assert a == b
    residents = a.residents
    assert all(local(MONDAY, 8, 0) <= r.at < local(MONDAY, 17, 30) for r in residents)
    assert any(r.priority for r in residents) and not all(r.priority for r in residents)
    per_quarter = Counter((r.at.astimezone(KAIYUAN.tz).hour, r.at.minute // 15) for r in residents)
    assert per_quarter[(11, 3)] > per_quarter[(8, 0)]  # the rush before the kiosk stops
    late = [i for i in a.intents if getattr(i, "late", False)]
    assert len(late) == 1  # one A-post whose B-post covers after the escalation
    (leave,) = [i for i in a.intents if isinstance(i, RegisterLeave)]
    assert leave.at < local(MONDAY, 8, 0) < leave.start < leave.until < local(MONDAY, 12, 0)
    first = local(MONDAY, 8, 0)
    noon = local(MONDAY, 12, 0)
    late_a = [
        i for i in a.intents if isinstance(i, Arrive) and i.post == "A" and first < i.at < noon
    ]
    assert len(late_a) == 1 and late_a[0].window != leave.window  # one late arrival


def view(**given: Any) -> WindowFacts:
    base: dict[str, Any] = {
        "number": 1,
        "name": "党政办",
        "services": ("A",),
        "status": "staffed",
        "phase": "open",
        "a": "a1",
        "b": "b1",
        "a_state": "present",
        "b_state": "present",
        "reason": None,
        "serving": None,
        "waiting": 2,
    }
    return WindowFacts(**{**base, **given})


def test_the_clerk_calls_serves_and_waits_between_residents() -> None:
    rng = random.Random(1)
    now = local(MONDAY, 9, 0)
    move, desk = desk_move(view(), Desk(), {}, now, rng)
    assert move is not None and move.command == cmds.TicketCall(window=1)
    assert move.actor == Actor("clerk", staff="a1")
    # Called: a visit is planned; nothing is due at once.
    move, desk = desk_move(view(serving="A001"), desk, {}, now, rng)
    assert move is None and desk.ticket == "A001" and desk.steps
    later = desk.steps[-1][0]
    move, desk = desk_move(view(serving="A001"), desk, {}, later, rng)
    assert move is not None
    assert isinstance(move.command, cmds.TicketFinish | cmds.TicketNoShow | cmds.TicketRecall)
    # Nobody on duty, or about to step away: no call.
    assert desk_move(view(a_state="away"), Desk(), {}, now, rng)[0] is None
    assert desk_move(view(), Desk(), {}, now, rng, holding=True)[0] is None
    # The B-post covering calls as themself.
    move, _ = desk_move(view(a_state="away", b_state="covering"), Desk(), {}, now, rng)
    assert move is not None and move.actor == Actor("clerk", staff="b1")


def test_an_outing_waits_for_the_resident_then_plans_cover_and_return() -> None:
    now = local(MONDAY, 9, 40)
    outing = Outing(now, 1, "field", 20.0, 13.0, late=True)
    moves, pending = staff_moves({1: view(serving="A003")}, [outing], now)
    assert moves == [] and pending == [outing]
    moves, pending = staff_moves({1: view()}, [outing], now)
    assert [m.command for m in moves] == [
        cmds.PresenceSet(window=1, post="A", state="away", reason="field")
    ]
    assert pending == [
        CoverUp(now + timedelta(minutes=13), 1),
        Return(now + timedelta(minutes=20), 1),
    ]


# -- a whole day on the pure core ----------------------------------------------------------


class CoreEngine:
    """The hub's engine without Redis: `execute` on an in-memory state."""

    def __init__(self, hall: HallConfig, clock: SimClock) -> None:
        self.hall = hall
        self.clock = clock
        self.state: State = initial_state(hall)
        self.events: list[ev.Event] = []

    async def current(self, hall: str) -> tuple[State, str]:
        return self.state, "0"

    def last_seen(self, hall: str) -> tuple[State, str] | None:
        return self.state, "0"

    async def submit(self, hall: str, command: Command | Tick, actor: Actor) -> object:
        self.state, events = execute(self.hall, self.state, command, actor, self.clock())
        self.events += events
        return events


@pytest.mark.anyio
async def test_a_whole_day_on_the_core_tells_the_whole_story() -> None:
    speed = 60.0
    real = [0.0]
    clock = SimClock(demo_start(KAIYUAN, MONDAY), speed, monotonic=lambda: real[0])
    engine = CoreEngine(KAIYUAN, clock)

    async def sleep(seconds: float) -> None:  # virtual time: the ticker runs each step
        real[0] += seconds
        await engine.submit(KAIYUAN.id, Tick(), SYSTEM)

    said: list[str] = []
    sim = Simulation(KAIYUAN, clock, speed=speed, seed=1, say=said.append, sleep=sleep)
    with anyio.fail_after(10):
        await sim.run(engine)
    assert sim.done and clock() < local(MONDAY, 19, 0)
    kinds = Counter(type(e).__struct_config__.tag for e in engine.events)
    for kind in ("ticket.recalled", "ticket.no_show", "ticket.transferred", "cover.ended"):
        assert kinds[kind] > 0, kind
    # the registered leave ran and its A-post was never held to account for it
    (registered,) = [e for e in engine.events if isinstance(e, ev.LeaveRegistered)]
    assert kinds["leave.started"] == kinds["leave.ended"] == 1
    absences = [e for e in engine.events if isinstance(e, ev.AbsenceRecorded)]
    assert not any(
        a.staff == registered.staff and a.started < registered.until and registered.start < a.ended
        for a in absences
    )
    (arrival,) = [e for e in engine.events if isinstance(e, ev.ArrivalLate)]
    assert 6 <= arrival.minutes <= 9
    assert kinds["window.opened"] == 2 * len(KAIYUAN.windows)
    assert kinds["window.closed"] == 2 * len(KAIYUAN.windows)
    assert set(sim.refusals) <= {"hall_closed", "no_ticket"}
    # Everyone went home.
    assert all(w.a.state == "off" and w.b.state == "off" for w in engine.state.windows)
    assert not engine.state.tickets
    assert any("escalated to the director" in line for line in said)
    assert said[-1].endswith("the demo day is over: every window closed, everyone off duty")


# -- the morning on a real hub --------------------------------------------------------------


@pytest.fixture
def demo_hub(redis_url: str, tmp_path: Path) -> Iterator[str]:
    """A real hub (uvicorn in a thread) on the demo's clock at 1200x, with the simulation."""
    day = demo_day(KAIYUAN, MONDAY)
    clock = SimClock(demo_start(KAIYUAN, day), 1200)
    settings = Settings(
        config=default_hall_path(),
        redis_url=redis_url,
        admin_token=Secret(ADMIN),
        ticker_interval=0.02,
        data_dir=tmp_path,  # its records
    )
    app = create_app(
        settings, {KAIYUAN.id: KAIYUAN}, clock=clock, background=[simulation(KAIYUAN, clock)]
    )
    port = free_tcp_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", interface="asgi3"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(url + "/healthz", timeout=1).status_code == 200, 15, "healthy")
        yield url
    finally:
        server.should_exit = True
        thread.join(15)


def test_the_morning_on_a_real_hub_shows_every_rule(demo_hub: str) -> None:
    events: list[dict[str, Any]] = []
    after: list[str | None] = [None]
    client = httpx.Client(
        base_url=demo_hub, headers={"authorization": f"Bearer {ADMIN}"}, timeout=5
    )

    def seen() -> set[str]:
        params: dict[str, Any] = {"limit": 1000}
        if after[0] is not None:
            params["after"] = after[0]
        r = client.get("/api/halls/kaiyuan/events", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        events.extend(body["events"])
        after[0] = body["last_id"]
        kinds = {e["type"] for e in events}
        kinds |= {
            "away" for e in events if e["type"] == "presence.changed" and e["state"] == "away"
        }
        kinds |= {"late" for e in events if e["type"] == "absence.recorded" and e["late"]}
        kinds |= {
            "extended_closing"
            for e in events
            if e["type"] == "window.closed" and e["extended_minutes"] > 0
        }
        return kinds

    wanted = {
        "window.opened",
        "ticket.issued",
        "ticket.called",
        "ticket.finished",
        "away",
        "cover.started",
        "cover.requested",
        "cover.escalated",
        "late",
        "window.extended",
        "extended_closing",
    }
    with client:
        wait_for(lambda: wanted <= seen(), 35, f"every kind of event; missing {wanted - seen()}")

    # The late cover, in order: requested, escalated two minutes later, covered by the B-post,
    # recorded late. (At 1200x a hiccup of a fraction of a second can make a short outing
    # late too, so look for the story among the late absences.)
    def story(absence: dict[str, Any]) -> list[tuple[str, datetime]]:
        started, ended = (datetime.fromisoformat(absence[k]) for k in ("started", "ended"))
        return [
            (e["type"], datetime.fromisoformat(e["at"]))
            for e in events
            if e.get("window") == absence["window"]
            and e["type"] in ("cover.requested", "cover.escalated", "cover.started")
            and started <= datetime.fromisoformat(e["at"]) <= ended
        ]

    late = [e for e in events if e["type"] == "absence.recorded" and e["late"]]
    stories = {
        e["window"]: story(e)
        for e in late
        if e["covered_by"] == (KAIYUAN.window(e["window"]) or KAIYUAN.windows[0]).b
    }
    told = [
        s
        for s in stories.values()
        if [kind for kind, _ in s] == ["cover.requested", "cover.escalated", "cover.started"]
    ]
    assert told, stories
    (_, requested), (_, escalated), _ = told[0]
    assert escalated - requested == timedelta(minutes=2)
    # Extended service ran past 12:00.
    closed = [e for e in events if e["type"] == "window.closed" and e["extended_minutes"] > 0]
    assert all(datetime.fromisoformat(e["at"]).time() > time(12, 0) for e in closed)


# -- `hall demo` itself ------------------------------------------------------------------------


@pytest.mark.anyio
async def test_prepare_sets_the_demo_pin_and_refuses_a_used_redis(redis_url: str) -> None:
    import click

    tokens = await prepare(redis_url, KAIYUAN)
    store, credentials = Store(redis_url), Credentials(redis_url)
    try:
        for staff in KAIYUAN.staff:
            assert await credentials.check_pin(KAIYUAN.id, staff.id, "0000")
        assert (await credentials.token_claims(tokens["kiosk"]) or {})["kind"] == "kiosk"
        claims = await credentials.token_claims(tokens["integration"]) or {}
        assert claims["kind"] == "integration"
        _, version = await store.load(KAIYUAN.id)
        await store.append(KAIYUAN.id, version, [("ticket.issued", b"{}")], b"{}", None, None)
    finally:
        await store.close()
        await credentials.close()
    with pytest.raises(click.ClickException, match="already holds"):
        await prepare(redis_url, KAIYUAN)


def test_hall_demo_serves_logs_in_with_the_demo_pin_and_cleans_up(tmp_path: Path) -> None:
    port = free_tcp_port()
    out = tmp_path / "demo.out"
    argv = [sys.executable, "-m", "hall", "demo", "--speed", "1200", "--port", str(port)]
    with out.open("wb") as sink:
        proc = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, env=dict(os.environ))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: "Ctrl-C" in out.read_text(), 20, "the banner")
        banner = out.read_text()
        assert f"{url}/halls/kaiyuan/wall" in banner and "PIN 0000" in banner
        folder = re.search(r"keeps its data in (\S+) \(removed at exit\)", banner)
        assert folder is not None and Path(folder.group(1)).is_dir()
        wait_for(lambda: httpx.get(url + "/healthz", timeout=1).status_code == 200, 20, "healthy")
        r = httpx.post(
            url + "/api/login", json={"hall": "kaiyuan", "staff": "su-weiyu", "pin": "0000"}
        )
        assert r.status_code == 200, r.text

        def opened() -> bool:
            state = httpx.get(url + "/api/halls/kaiyuan/state", timeout=2).json()
            return bool(state["open"]) and state["occupancy"]["staffed_windows"] > 0

        wait_for(opened, 15, "the simulated hall opens with staff at the windows")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    assert not Path(folder.group(1)).exists()


def demo_cli(*args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "hall", "demo", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=dict(os.environ))


def assert_told_nothing(done: subprocess.CompletedProcess[str]) -> None:
    """No banner, PIN or token reached the console: only the one-line error."""
    said = done.stdout + done.stderr
    for secret in ("PIN", "token", "kaiyuan.", "Who works where", "Ctrl-C", "http://"):
        assert secret not in said, (secret, said)
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_hall_demo_on_a_busy_port_stops_before_printing_anything() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = demo_cli("--port", str(port))
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Address already in use" in done.stderr and "--port" in done.stderr
    assert_told_nothing(done)


def test_hall_demo_on_a_data_folder_in_use_stops_before_printing_anything(
    tmp_path: Path,
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="hall-d-"))  # short: a unix socket path
    try:
        with EmbeddedRedis(folder):
            done = demo_cli("--port", str(free_tcp_port()), "--data", str(folder))
        assert done.returncode != 0
        assert f"a Redis is already running in {folder}" in done.stderr
        assert_told_nothing(done)
        long = tmp_path / ("x" * 120)
        done = demo_cli("--port", str(free_tcp_port()), "--data", str(long))
        assert done.returncode != 0 and "unix socket path too long" in done.stderr
        assert_told_nothing(done)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_simulation_plays_the_plan_the_banner_tells() -> None:
    clock = SimClock(demo_start(KAIYUAN, MONDAY), 60)
    for seed in (1, 2, 9):
        told = plan_day(KAIYUAN, MONDAY, random.Random(seed))
        assert Simulation(KAIYUAN, clock, speed=60, seed=seed).plan == told


def test_the_banner_tells_who_works_where_and_when_the_moments_come() -> None:
    plan = plan_day(KAIYUAN, MONDAY, random.Random(1))
    real_start = datetime(2030, 1, 1, 14, 0, 0)
    text = banner(
        KAIYUAN,
        "http://h",
        MONDAY,
        60,
        1,
        {"kiosk": "K", "integration": "I"},
        "/d",
        plan,
        real_start,
    )
    lines = text.splitlines()
    for w in KAIYUAN.windows:  # each window with its A- and B-post, by name and id
        a, b = KAIYUAN.person(w.a), KAIYUAN.person(w.b)
        assert a is not None and b is not None
        (line,) = [x for x in lines if x.strip().startswith(f"window {w.number} ")]
        assert f"A {a.name} ({a.id})" in line and f"B {b.name} ({b.id})" in line
        assert line.index(" A ") < line.index(" B ")
    moments = [x for x in lines if re.match(r"^  [ ~]\d\d:\d\d  ", x)]
    # Each moment: its simulated time, and when it comes in real time at 60x (a simulated
    # minute a real second, from 07:55 at 14:00:00).
    seen = []
    for line in moments:
        hh, mm = int(line[3:5]), int(line[6:8])
        found = re.search(r"\[in (\S+), (\d\d):(\d\d):(\d\d)\]$", line)
        assert found is not None, line
        real = int(found.group(3)) * 60 + int(found.group(4))
        assert abs(real - ((hh * 60 + mm) - (7 * 60 + 55))) <= 1, line
        seen.append(hh * 60 + mm)
    assert seen == sorted(seen) and len(seen) >= 8
    assert " 08:00  the hall opens (morning session until 12:00)  [in 5s, 14:00:05]" in text
    # The day's story, from the plan: the late arrival, the leave, the late cover.
    (late_a,) = [
        i
        for i in plan.intents
        if isinstance(i, Arrive)
        and i.post == "A"
        and local(MONDAY, 8, 0) < i.at
        and i.at < local(MONDAY, 12, 0)
    ]
    late_by = whole_minutes(late_a.at - local(MONDAY, 8, 0))  # as the director's page says
    assert any(
        f"window {late_a.window}: A-post" in x and f" {late_by} min late" in x for x in moments
    )
    (leave,) = [i for i in plan.intents if isinstance(i, RegisterLeave)]
    assert any(f"window {leave.window}: A-post" in x and "training" in x for x in moments)
    (field,) = [i for i in plan.intents if isinstance(i, Outing) and i.late]
    (late,) = [x for x in moments if "(late)" in x]
    requested = (field.at + KAIYUAN.rules.cover_after).astimezone(KAIYUAN.tz)
    escalated = requested + KAIYUAN.rules.escalate_after
    assert f"~{field.at.astimezone(KAIYUAN.tz):%H:%M}  window {field.window}:" in late
    assert f"cover requested {requested:%H:%M}" in late
    assert f"escalated to the director {escalated:%H:%M}" in late
    assert "12:00  closing" in text and "17:30  closing" in text


def test_the_banner_says_when_a_wall_cannot_voice_every_call() -> None:
    plan = plan_day(KAIYUAN, MONDAY, random.Random(1))
    count, when = busiest(plan.residents)
    in_span = [r for r in plan.residents if when <= r.at <= when + timedelta(minutes=10)]
    assert count == len(in_span) and count > 10  # the rush before closing
    note = pace_note(KAIYUAN, plan, 60)
    assert note is not None and f"about {count} calls in 10s real time at 60x" in note
    slow = int(600 / (count * WALL_CALL_SECONDS))
    assert f"run --speed {slow} or slower" in note
    assert pace_note(KAIYUAN, plan, slow) is None  # at that speed a wall keeps up
    assert span(5) == "5s" and span(77) == "1m17s" and span(3 * 3600 + 300) == "3h05m"
