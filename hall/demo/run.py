"""`hall demo` itself: an embedded Redis, prepared (the demo PIN, a kiosk and an integration
token), and the hub serving the Kaiyuan hall on the simulated clock with the simulation."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import click

from hall.config import HallConfig, default_hall_path, load_halls
from hall.demo.clock import SimClock, demo_day, demo_start
from hall.demo.loop import simulation
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


def banner(
    hall: HallConfig,
    base: str,
    day: date,
    speed: float,
    seed: int,
    tokens: dict[str, str],
    data: str,
) -> str:
    a1 = hall.windows[0].a
    director = next((s.id for s in hall.staff if s.role == "director"), a1)
    hour = 3600 / speed
    pace = f"{hour / 60:g} real minutes" if hour >= 60 else f"{hour:.3g} real seconds"
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
            "  staff: " + ", ".join(f"{s.id} ({s.name})" for s in hall.staff),
            "",
            f"The demo's own Redis keeps its data in {data}. Ctrl-C ends the demo.",
            "",
        ]
    )


def run_demo(
    *, speed: float, host: str, port: int, data: Path | None, seed: int, log_level: str = "warning"
) -> None:
    """`hall demo`: start an embedded Redis (in a temporary folder unless --data), prepare it,
    and serve the Kaiyuan hall on the simulated clock until Ctrl-C."""
    import uvicorn

    from hall.app import create_app
    from hall.settings import Settings
    from hall.store.embedded import EmbeddedRedis, answers

    config = default_hall_path()
    hall = load_halls(config)[HALL]
    scratch = None if data is not None else Path(tempfile.mkdtemp(prefix="hall-demo-"))
    folder = data if data is not None else scratch
    assert folder is not None
    # uvicorn re-raises SIGTERM after its shutdown: unwind (stop Redis, remove the folder).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        server = EmbeddedRedis(folder)
        if answers(server.url):
            raise click.ClickException(
                f"a Redis is already running in {folder}; the demo needs a folder of its own"
            )
        with server:
            tokens = asyncio.run(prepare(server.url, hall))
            day = demo_day(hall, hall_day(hall, datetime.now(UTC)))
            clock = SimClock(demo_start(hall, day), speed)
            settings = Settings.from_env(
                config=config, redis_url=server.url, data_dir=folder, ticker_interval=0.05
            )
            app = create_app(
                settings,
                {hall.id: hall},
                clock=clock,
                background=[simulation(hall, clock, seed=seed, say=click.echo)],
            )
            shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
            kept = "removed at exit" if scratch is not None else "kept"
            where = f"{folder} ({kept})"
            base = f"http://{shown}:{port}"
            click.echo(banner(hall, base, day, speed, seed, tokens, where))
            uvicorn.run(
                app,
                host=host,
                port=port,
                log_level=log_level,
                ws_max_size=64 * 1024,
                ws_ping_interval=20,
                ws_ping_timeout=20,
                timeout_graceful_shutdown=5,
            )
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
