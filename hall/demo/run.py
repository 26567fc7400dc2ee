"""`hall demo` itself: the port taken first (a busy one ends it before anything is printed),
an embedded Redis, prepared (the demo PIN, a kiosk and an integration token), the banner
with who works where and the day's timeline, and the hub serving the Kaiyuan hall on the
simulated clock with the simulation."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import socket
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import click

from hall.config import HallConfig, default_hall_path, load_halls
from hall.demo.clock import SimClock, demo_day, demo_start
from hall.demo.loop import simulation
from hall.demo.plan import DayPlan, plan_day
from hall.demo.story import pace_note, roster, timeline
from hall.schedule import hall_day

HALL = "kaiyuan"
DEMO_PIN = "0000"


async def prepare(url: str, hall: HallConfig) -> dict[str, str]:
    """Check the Redis is fresh, set every staff member's PIN to the demo PIN, and issue a
    kiosk and an integration token."""
    from hall.store.credentials import Credentials, device_claims
    from hall.store.store import Store

    store, credentials = Store(url), Credentials(url)
    try:
        if await store.first_id(hall.id) is not None:
            raise click.ClickException(
                "this data folder already holds a hall's events; the demo needs an empty "
                "one (or leave out --data for a temporary folder)"
            )
        pins = (credentials.set_pin(hall.id, s.id, DEMO_PIN) for s in hall.staff)
        await asyncio.gather(*pins)
        day = 86_400
        return {
            role: await credentials.issue_token(hall.id, device_claims(hall.id, role, None), day)
            for role in ("kiosk", "integration")
        }
    finally:
        await store.close()
        await credentials.close()


def listen(host: str, port: int) -> socket.socket:
    """The hub's listening socket, bound before anything else is started or printed: a busy
    port ends the demo at once with a message, not after the banner, PIN and tokens."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # as uvicorn binds
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as e:
        sock.close()
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {e.strerror or e} (is a hub or another demo "
            "running there? choose another port with --port)"
        ) from None
    return sock


def banner(
    hall: HallConfig,
    base: str,
    day: date,
    speed: float,
    seed: int,
    tokens: dict[str, str],
    data: str,
    plan: DayPlan | None = None,
    real_start: datetime | None = None,
) -> str:
    """The addresses, the logins, who works where and (given the day's `plan`) the day's
    moments in simulated and real time, from `real_start` (default: now)."""
    a1 = hall.windows[0].a
    director = next((s.id for s in hall.staff if s.role == "director"), a1)
    hour = 3600 / speed
    pace = (
        f"{hour / 60:g} real minute{'s' * (hour != 60)}"
        if hour >= 60
        else f"{hour:.3g} real seconds"
    )
    start = demo_start(hall, day).astimezone(hall.tz)
    return "\n".join(
        [
            f"hall demo: {hall.name} on {day:%A %Y-%m-%d}, simulated from {start:%H:%M} at "
            f"{speed:g}x (one simulated hour every {pace}), seed {seed}",
            "",
            f"  wall screen     {base}/halls/{hall.id}/wall",
            f"  director        {base}/halls/{hall.id}/director   (log in as {director})",
            f"  window tablet   {base}/halls/{hall.id}/windows/1  (log in as {a1})",
            f"  kiosk           {base}/halls/{hall.id}/kiosk?token={tokens['kiosk']}",
            f"  log in          {base}/login  hall {hall.id}, any staff id, PIN {DEMO_PIN}",
            f"  events (JSON)   curl -H 'Authorization: Bearer {tokens['integration']}' "
            f"{base}/api/halls/{hall.id}/events",
            "",
            "Who works where (A-post: the window's clerk; B-post: covers when A is away):",
            *(f"  {line}" for line in roster(hall)),
            *_story(hall, plan, day, speed, real_start),
            "",
            f"The demo's own Redis keeps its data in {data}. Ctrl-C ends the demo.",
            "",
        ]
    )


def _story(
    hall: HallConfig, plan: DayPlan | None, day: date, speed: float, real_start: datetime | None
) -> list[str]:
    if plan is None:
        return []
    start = demo_start(hall, day)
    real = real_start or datetime.now().astimezone()
    lines = ["", "The day's moments (simulated time, then when they come in real time):"]
    lines += [f"  {line}" for line in timeline(hall, plan, day, start, speed, real)]
    note = pace_note(hall, plan, speed)
    if note is not None:
        lines += ["", note]
    return lines


def run_demo(
    *, speed: float, host: str, port: int, data: Path | None, seed: int, log_level: str = "warning"
) -> None:
    """`hall demo`: take the port, start an embedded Redis (in a temporary folder unless
    --data), prepare it, and serve the Kaiyuan hall on the simulated clock until Ctrl-C.
    Nothing is printed before the port and the data folder are known to be free."""
    import uvicorn

    from hall.app import create_app
    from hall.settings import Settings
    from hall.store.embedded import EmbeddedRedis, EmbeddedRedisError, answers

    config = default_hall_path()
    hall = load_halls(config)[HALL]
    sock = listen(host, port)
    port = sock.getsockname()[1]  # --port 0: the one the system chose
    scratch = None if data is not None else Path(tempfile.mkdtemp(prefix="hall-demo-"))
    folder = data if data is not None else scratch
    assert folder is not None
    # uvicorn re-raises SIGTERM after its shutdown: unwind (stop Redis, remove the folder).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            server = EmbeddedRedis(folder)
        except EmbeddedRedisError as e:
            raise click.ClickException(str(e)) from None
        if answers(server.url):
            raise click.ClickException(
                f"a Redis is already running in {folder}; the demo needs a folder of its own"
            )
        with server:
            tokens = asyncio.run(prepare(server.url, hall))
            day = demo_day(hall, hall_day(hall, datetime.now(UTC)))
            # The simulation draws the same plan from the same seed (its first draw).
            plan = plan_day(hall, day, random.Random(seed))
            clock = SimClock(demo_start(hall, day), speed)
            shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
            base = f"http://{shown}:{port}"
            settings = Settings.from_env(
                config=config,
                redis_url=server.url,
                data_dir=folder,
                ticker_interval=0.05,
                public_url=os.environ.get("HALL_PUBLIC_URL") or base,  # the QR codes' address
            )
            app = create_app(
                settings,
                {hall.id: hall},
                clock=clock,
                background=[simulation(hall, clock, seed=seed, say=click.echo)],
            )
            kept = "removed at exit" if scratch is not None else "kept"
            where = f"{folder} ({kept})"
            click.echo(banner(hall, base, day, speed, seed, tokens, where, plan))
            hub = uvicorn.Server(
                uvicorn.Config(
                    app,
                    host=host,
                    port=port,
                    log_level=log_level,
                    interface="asgi3",  # hall.app.HallApp: see its __call__
                    ws_max_size=64 * 1024,
                    ws_ping_interval=20,
                    ws_ping_timeout=20,
                    timeout_graceful_shutdown=5,
                )
            )
            hub.run(sockets=[sock])
            if not hub.started:
                raise click.ClickException("the demo's hub did not start (see the log above)")
    finally:
        sock.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
