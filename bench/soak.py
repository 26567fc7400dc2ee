"""Soak: a busy simulated day at 60x on two hubs with 500 screens. Not a test.

    python bench/soak.py [--minutes 10] [--speed 60] [--screens 500] [--busy 2] [--seed 1]

Starts an embedded Redis (AOF, `appendfsync always`) and two hubs (`hall serve` itself, with
its clock swapped) serving the Kaiyuan hall on one simulated clock (both read `start +
(time.time() - epoch) * speed`, so they agree), from 07:55 of its next working day. The day
is played by `hall demo`'s simulation (`hall.demo.Simulation`: the seeded day plan, the
clerks' and residents' moves) with `--busy` times the demo's residents, but every move goes
over HTTP to one of the hubs in turn, with the token of whoever makes it (each clerk logs
in with a PIN, the kiosk has a device token), as tablets and kiosks would.

Screens, spread over both hubs: wall view sockets (half), events sockets (three tenths),
director views and window tablets. Every events socket is checked at the end against the
log (every event after its snapshot, once, in order).

Printed at the end: events appended, commands (accepted, refused by a rule, errors), the
fan-out lag (an event's stream id time to its receipt on an events socket: p50 / p99 /
max), frames per kind of screen, each hub's peak RSS (sampled from /proc every few
seconds) and whether memory levels off (the growth rate over the last third of the run
against the first). `--minutes` bounds the run (real minutes; at 60x, simulated hours).
Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import msgspec
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from hall.config import HallConfig, default_hall_path, load_halls
from hall.core import Actor, Command, DomainError, State, encode_command, initial_state
from hall.demo import HALL, Resident, Simulation, demo_day, demo_start, draw_residents
from hall.schedule import hall_day, sessions_on
from hall.store.credentials import Credentials, device_claims
from hall.store.embedded import EmbeddedRedis, free_tcp_port
from hall.store.store import Store

ADMIN = "soak-admin-token-0123456789"
PIN = "0000"
SAMPLE_EVERY = 5.0  # seconds between two RSS samples
STARTUP = 8.0  # real seconds between the clock's epoch and now: hubs and screens come up


# -- the shared simulated clock ------------------------------------------------------------


def sim_clock(start: datetime, epoch: float, speed: float) -> Callable[[], datetime]:
    def now() -> datetime:
        return start + timedelta(seconds=(time.time() - epoch) * speed)

    return now


def serve_hub(args: argparse.Namespace) -> None:
    """`soak.py hub ...`: `hall serve` itself (its uvicorn options and websocket protocol),
    with only the clock swapped for the shared simulated one. Run as a subprocess."""
    import hall.app
    from hall.cli import main as hall_cli

    clock = sim_clock(datetime.fromisoformat(args.start), args.epoch, args.speed)
    hall.app.system_clock = lambda offset_seconds=0.0: clock  # type: ignore[attr-defined]
    argv = ["serve", "--config", str(default_hall_path()), "--redis", args.redis]
    argv += ["--port", str(args.port), "--log-level", "warning", "--data", args.data]
    hall_cli(argv)


# -- what the run counts -------------------------------------------------------------------


class CountErrors(logging.Handler):
    """The simulation logs a failed step (and hall logs trouble) at WARNING or above."""

    def __init__(self, tally: Tally) -> None:
        super().__init__(logging.WARNING)
        self.tally = tally

    def emit(self, record: logging.LogRecord) -> None:
        self.tally.errors[f"log {record.name}: {record.getMessage()[:80]}"] += 1


@dataclass
class Tally:
    commands: Counter[str] = field(default_factory=Counter)  # ok / refused code
    errors: Counter[str] = field(default_factory=Counter)
    lags_ms: list[float] = field(default_factory=list)
    frames: Counter[str] = field(default_factory=Counter)  # per kind of screen
    rss: dict[int, list[tuple[float, int]]] = field(default_factory=dict)  # hub -> samples


# -- the simulation's engine, over HTTP ----------------------------------------------------


class HttpEngine:
    """What `Simulation` needs of an engine: the state (read from Redis, as a hub does) and
    `submit`, which posts the command to the hubs in turn with the actor's own token."""

    def __init__(
        self,
        store: Store,
        hall: HallConfig,
        client: httpx.AsyncClient,
        hubs: list[str],
        tokens: dict[str, str],
        tally: Tally,
    ) -> None:
        self.store = store
        self.hall = hall
        self.client = client
        self.hubs = itertools.cycle(hubs)
        self.tokens = tokens
        self.tally = tally
        self._decoder = msgspec.json.Decoder(State)

    async def current(self, hall: str) -> tuple[State, str]:
        snapshot, version = await self.store.load(hall)
        state = initial_state(self.hall) if snapshot is None else self._decoder.decode(snapshot)
        return state, version

    def last_seen(self, hall: str) -> tuple[State, str] | None:
        return None  # two hubs write: always read

    async def submit(self, hall: str, command: Command, actor: Actor) -> object:
        body = json.loads(encode_command(command))
        body["id"] = str(uuid.uuid4())
        token = self.tokens[actor.staff or actor.kind]
        url = f"{next(self.hubs)}/api/halls/{hall}/commands"
        try:
            r = await self.client.post(url, json=body, headers={"authorization": f"Bearer {token}"})
        except httpx.HTTPError as e:
            self.tally.errors[f"{body['type']}: {type(e).__name__}"] += 1
            return None
        if r.status_code == 200:
            self.tally.commands["ok"] += 1
            return r.json()
        if r.status_code == 409:
            code = r.json()["error"]
            self.tally.commands[f"refused {code}"] += 1
            raise DomainError(code, r.json()["message"])  # the simulation counts it too
        self.tally.errors[f"{body['type']}: {r.status_code} {r.text[:80]}"] += 1
        return None


# -- screens -------------------------------------------------------------------------------

CONNECT_ERRORS = (OSError, TimeoutError, InvalidHandshake, ConnectionClosed, EOFError)


@dataclass
class Screen:
    url: str
    kind: str  # wall, events, director, tablet
    tally: Tally
    baseline: str | None = None
    ids: list[str] = field(default_factory=list)
    connects: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        while True:
            url = self.url
            if self.kind == "events" and (self.ids or self.baseline):
                url += f"&after={self.ids[-1] if self.ids else self.baseline}"
            try:
                async with connect(
                    url, compression=None, open_timeout=30, ping_interval=None, max_size=None
                ) as ws:
                    self.connects += 1
                    self.ready.set()
                    if self.connects > 1:
                        self.tally.errors[f"{self.kind} socket reconnected"] += 1
                    async for text in ws:
                        self.take(str(text))
                    code = ws.close_code
            except ConnectionClosed as e:
                code = e.rcvd.code if e.rcvd else None
            except CONNECT_ERRORS as e:
                code = type(e).__name__  # type: ignore[assignment]
            self.tally.errors[f"{self.kind} socket closed: {code}"] += 1
            await asyncio.sleep(1)

    def take(self, text: str) -> None:
        self.tally.frames[self.kind] += 1
        if self.kind != "events":
            return
        frame = json.loads(text)
        if frame["type"] == "snapshot":
            if self.baseline is None:
                self.baseline = frame["last_event_id"]
            else:
                self.tally.errors["events socket: a second snapshot"] += 1
            return
        self.ids.append(frame["id"])
        self.tally.lags_ms.append(time.time() * 1000 - int(frame["id"].split("-")[0]))


def screens(hubs: list[str], n: int, tally: Tally, hall: HallConfig) -> list[Screen]:
    """Half wall screens, three tenths events sockets, the rest directors and tablets."""
    kinds = ["wall"] * 5 + ["events"] * 3 + ["director", "tablet"]
    out: list[Screen] = []
    for i in range(n):
        base = hubs[i % len(hubs)].replace("http://", "ws://")
        kind = kinds[i % len(kinds)]
        if kind == "events":
            url = f"{base}/ws/halls/{hall.id}/events?token={ADMIN}"
        elif kind == "wall":
            url = f"{base}/ws/halls/{hall.id}/view/wall"
        elif kind == "director":
            url = f"{base}/ws/halls/{hall.id}/view/director?token={ADMIN}"
        else:
            window = hall.windows[i % len(hall.windows)].number
            url = f"{base}/ws/halls/{hall.id}/view/window-{window}?token={ADMIN}"
        out.append(Screen(url, kind, tally))
    return out


# -- memory --------------------------------------------------------------------------------


def rss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


async def sample_memory(pids: list[int], tally: Tally, started: float) -> None:
    while True:
        for pid in pids:
            kib = rss_kib(pid)
            if kib is not None:
                tally.rss.setdefault(pid, []).append((time.monotonic() - started, kib))
        await asyncio.sleep(SAMPLE_EVERY)


def slope_mib_per_min(samples: list[tuple[float, int]]) -> float:
    if len(samples) < 2:
        return 0.0
    xs = [t / 60 for t, _ in samples]
    ys = [kib / 1024 for _, kib in samples]
    return statistics.linear_regression(xs, ys).slope


# -- the run -------------------------------------------------------------------------------


async def prepare(url: str, hall: HallConfig) -> dict[str, str]:
    """A PIN for every staff member and a kiosk token; returns the device tokens."""
    credentials = Credentials(url)
    try:
        await asyncio.gather(*(credentials.set_pin(hall.id, s.id, PIN) for s in hall.staff))
        claims = device_claims(hall.id, "kiosk", None)
        kiosk = await credentials.issue_token(hall.id, claims, 86_400)
        return {"kiosk": kiosk, "admin": ADMIN}
    finally:
        await credentials.close()


def busier(
    hall: HallConfig, sim: Simulation, clock: Callable[[], datetime], busy: int, seed: int
) -> list[Resident]:
    """The demo's residents, `busy` times over: more arrival streams drawn like the demo's
    (busy 2 brings about as many residents as the seven windows can serve)."""
    extra = list(sim.residents)
    for k in range(1, busy):
        rng = random.Random(seed * 1000 + k)
        for start, end in sessions_on(hall, hall_day(hall, clock())):
            extra += draw_residents(hall, start, end, rng)
    return sorted(extra, key=lambda r: r.at)


async def log_ids(store: Store, hall: str, after: str | None) -> list[str]:
    out: list[str] = []
    while True:
        page = await store.read(hall, after, 1000)
        out += [i for i, _ in page]
        if len(page) < 1000:
            return out
        after = page[-1][0]


async def soak(
    args: argparse.Namespace,
    url: str,
    hall: HallConfig,
    hubs: list[str],
    pids: list[int],
    clock: Callable[[], datetime],
    epoch: float,
) -> None:
    tally = Tally()
    logging.getLogger().addHandler(CountErrors(tally))
    tokens = await prepare(url, hall)
    store = Store(url)
    limits = httpx.Limits(max_connections=20)
    async with httpx.AsyncClient(timeout=10, limits=limits) as client:
        for person in hall.staff:
            r = await client.post(
                f"{hubs[0]}/api/login", json={"hall": hall.id, "staff": person.id, "pin": PIN}
            )
            r.raise_for_status()
            tokens[person.id] = r.json()["token"]
        shown = screens(hubs, args.screens, tally, hall)
        started = time.monotonic()
        tasks = [asyncio.create_task(s.run()) for s in shown]
        tasks.append(asyncio.create_task(sample_memory(pids, tally, started)))
        await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in shown)), 120)
        connected = time.monotonic() - started
        await asyncio.sleep(max(0.0, epoch - time.time()))  # the day starts at 07:55
        sim = Simulation(hall, clock, speed=args.speed, seed=args.seed)
        sim.residents = busier(hall, sim, clock, args.busy, args.seed)
        engine = HttpEngine(store, hall, client, hubs, tokens, tally)
        played = time.monotonic()
        with contextlib.suppress(TimeoutError):  # --minutes is up
            await asyncio.wait_for(sim.run(engine), args.minutes * 60)
        played = time.monotonic() - played
        ended = clock().astimezone(hall.tz)
        await asyncio.sleep(2)  # the last events reach the screens
        logged = await log_ids(store, hall.id, None)
        missing = 0
        for s in shown:
            if s.kind != "events":
                continue
            expected = logged[logged.index(s.baseline) + 1 :] if s.baseline in logged else logged
            if s.ids != expected:
                missing += 1
        if missing:
            tally.errors["events sockets that missed, repeated or reordered events"] = missing
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        metrics = [(await client.get(f"{h}/metrics")).text for h in hubs]
    await store.close()
    kinds = Counter(s.kind for s in shown)
    report(args, tally, kinds, logged, sim, played, connected, ended, metrics, pids)


def report(
    args: argparse.Namespace,
    tally: Tally,
    kinds: Counter[str],
    logged: list[str],
    sim: Simulation,
    played: float,
    connected: float,
    ended: datetime,
    metrics: list[str],
    pids: list[int],
) -> None:
    lags = sorted(tally.lags_ms)

    def pct(q: float) -> float:
        return lags[min(len(lags) - 1, int(q * len(lags)))] if lags else float("nan")

    refused = {k: v for k, v in tally.commands.items() if k != "ok"}
    slow = [
        line.rpartition(" ")[2]
        for text in metrics
        for line in text.splitlines()
        if line.startswith("hall_slow_clients_closed_total ")
    ]
    print(
        f"\nsoak: {played / 60:.1f} real minutes at {args.speed:g}x, the simulated day up to "
        f"{ended:%H:%M} ({'finished' if sim.done else 'cut by --minutes'}); 2 hubs, "
        f"{args.screens} screens {dict(kinds)}, all connected in {connected:.1f} s"
    )
    print(f"events appended: {len(logged)}")
    print(f"commands: {tally.commands['ok']} accepted, {sum(refused.values())} refused {refused}")
    print(f"errors: {sum(tally.errors.values())} {dict(tally.errors)}")
    print(
        f"fan-out lag (stream id time -> receipt on an events socket, {len(lags)} samples): "
        f"p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms, max {pct(1.0):.1f} ms"
    )
    for n, text in enumerate(metrics):
        p50, p99, count = histogram_quantiles(text, "hall_fanout_lag_seconds")
        print(
            f"hub {n} fan-out lag (its own histogram, append -> queued for its sockets, "
            f"{count:.0f} batches): p50 <= {p50 * 1000:g} ms, p99 <= {p99 * 1000:g} ms"
        )
    print(f"frames received: {dict(tally.frames)}")
    print(f"slow clients closed (per hub): {slow}")
    for n, pid in enumerate(pids):
        samples = tally.rss.get(pid, [])
        if not samples:
            continue
        third = max(2, len(samples) // 3)
        first, last = slope_mib_per_min(samples[:third]), slope_mib_per_min(samples[-third:])
        levels = last <= max(0.25 * first, 0.5)
        print(
            f"hub {n} RSS: start {samples[0][1] / 1024:.1f} MiB, peak "
            f"{max(k for _, k in samples) / 1024:.1f} MiB, end {samples[-1][1] / 1024:.1f} MiB "
            f"({len(samples)} samples); growth first third {first:+.2f} MiB/min, last third "
            f"{last:+.2f} MiB/min: {'levels off' if levels else 'still growing'}"
        )


def histogram_quantiles(text: str, name: str) -> tuple[float, float, float]:
    """(p50, p99) upper bucket bounds and the count of a Prometheus histogram."""
    buckets: list[tuple[float, float]] = []
    for line in text.splitlines():
        if line.startswith(f'{name}_bucket{{le="'):
            le = line.split('le="')[1].split('"')[0]
            buckets.append((float(le), float(line.rpartition(" ")[2])))
    total = buckets[-1][1] if buckets else 0.0

    def bound(q: float) -> float:
        return next((le for le, c in buckets if c >= q * total), float("nan"))

    return bound(0.5), bound(0.99), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command")
    hub = sub.add_parser("hub")  # internal: one hub process
    hub.add_argument("--port", type=int, required=True)
    hub.add_argument("--redis", required=True)
    hub.add_argument("--start", required=True)
    hub.add_argument("--epoch", type=float, required=True)
    hub.add_argument("--speed", type=float, required=True)
    hub.add_argument("--data", required=True)  # the hubs' shared records database
    parser.add_argument("--minutes", type=float, default=10.0, help="real minutes (default 10)")
    parser.add_argument("--speed", type=float, default=60.0)
    parser.add_argument("--screens", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--busy", type=int, default=2, help="residents, times the demo's")
    args = parser.parse_args()
    if args.command == "hub":
        serve_hub(args)
        return

    hall = load_halls(default_hall_path())[HALL]
    day = demo_day(hall, hall_day(hall, datetime.now(UTC)))
    start = demo_start(hall, day)
    epoch = time.time() + STARTUP
    clock = sim_clock(start, epoch, args.speed)
    with (
        tempfile.TemporaryDirectory(prefix="hall-soak-") as tmp,
        EmbeddedRedis(Path(tmp) / "redis") as redis,
    ):
        env = {**os.environ, "HALL_ADMIN_TOKEN": ADMIN}
        ports = [free_tcp_port() for _ in range(2)]
        procs = []
        for port in ports:
            argv = [sys.executable, __file__, "hub", "--port", str(port), "--redis", redis.url]
            argv += ["--start", start.isoformat(), "--epoch", str(epoch), "--speed"]
            argv += [str(args.speed), "--data", str(Path(tmp) / "var")]
            log = open(Path(tmp) / f"hub{port}.log", "wb")  # noqa: SIM115 - closed below
            procs.append((subprocess.Popen(argv, env=env, stdout=log, stderr=log), log))
        hubs = [f"http://127.0.0.1:{p}" for p in ports]
        try:
            deadline = time.monotonic() + 30
            for h in hubs:
                while True:
                    try:
                        if httpx.get(f"{h}/healthz", timeout=1).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline:
                        raise SystemExit(f"hub {h} did not start")
                    time.sleep(0.1)
            print(
                f"soak: {hall.name} on {day:%Y-%m-%d} from {start.astimezone(hall.tz):%H:%M} "
                f"at {args.speed:g}x for up to {args.minutes:g} real minutes; hubs {hubs}",
                flush=True,
            )
            pids = [p.pid for p, _ in procs]
            asyncio.run(soak(args, redis.url, hall, hubs, pids, clock, epoch))
        finally:
            for proc, log in procs:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                log.close()
                lines = Path(log.name).read_text(errors="replace").splitlines()
                text = "\n".join(x for x in lines if not x.startswith("hall: serving"))
                if text.strip():
                    print(f"--- {log.name} (last lines)\n" + "\n".join(text.splitlines()[-15:]))


if __name__ == "__main__":
    main()
