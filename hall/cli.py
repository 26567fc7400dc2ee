"""`hall`: serve, pin, token, reload, check, demo. Parse, build settings, run."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from hall.config import (
    ConfigError,
    District,
    HallConfig,
    default_hall_path,
    load_district,
    load_halls,
    parse_duration,
)
from hall.logs import redact
from hall.notify import NotifyConfigError
from hall.notify import resolve as resolve_notify
from hall.settings import Secret, Settings
from hall.store.cluster import is_cluster
from hall.store.cluster import parse as parse_cluster
from hall.store.credentials import DEVICE_ROLES, Credentials, device_claims
from hall.store.embedded import redis_for
from hall.store.errors import StoreError

T = TypeVar("T")
PIN = re.compile(r"\A\d{4,8}\Z")

config_option = click.option(
    "--config",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="A hall file or a folder of them (default: the Kaiyuan hall shipped with hall).",
)


def _redis_address(ctx: click.Context, param: click.Parameter, url: str | None) -> str | None:
    if url and is_cluster(url):
        try:
            parse_cluster(url)
        except ValueError as e:
            raise click.BadParameter(str(e)) from None
    return url


redis_option = click.option(
    "--redis",
    "redis_url",
    envvar="REDIS_URL",
    default=None,
    callback=_redis_address,
    help="Redis URL (env REDIS_URL), or redis+cluster://host:port,... for a Redis Cluster; "
    "without it the embedded Redis under --data is used.",
)
data_option = click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var"),
    show_default=True,
    help="Folder of the embedded Redis (AOF) when no --redis is given (hall serve: and of "
    "records.sqlite3 when no --database is given).",
)


def _halls(config: Path | None) -> dict[str, HallConfig]:
    return _setup(config)[0]


def _setup(config: Path | None) -> tuple[dict[str, HallConfig], District | None]:
    """The hall files and the district file beside them (if any), validated."""
    path = config or default_hall_path()
    try:
        halls = load_halls(path)
        return halls, load_district(path, halls)
    except ConfigError as e:
        raise click.ClickException(str(e)) from None


def _run(url: str, work: Callable[[Credentials], Awaitable[T]]) -> T:
    async def main() -> T:
        credentials = Credentials(url)
        try:
            return await work(credentials)
        except StoreError as e:
            raise click.ClickException(f"Redis at {url}: {e}") from None
        finally:
            await credentials.close()

    return asyncio.run(main())


def _hall(halls: dict[str, HallConfig], hall: str) -> HallConfig:
    if hall not in halls:
        raise click.ClickException(f"unknown hall {hall!r}; known: {', '.join(sorted(halls))}")
    return halls[hall]


@click.group()
@click.version_option(package_name="hall")
def main() -> None:
    """hall: live monitoring of a public-service hall's windows, posts and tickets."""


@main.command()
@config_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@redis_option
@data_option
@click.option(
    "--database",
    "database_url",
    envvar="DATABASE_URL",
    default=None,
    help="The records database (env DATABASE_URL): sqlite:///PATH or postgresql://...; "
    "without it, records.sqlite3 under --data.",
)
@click.option("--log-level", default="info", show_default=True)
def serve(
    config: Path | None,
    host: str,
    port: int,
    redis_url: str | None,
    data: Path,
    database_url: str | None,
    log_level: str,
) -> None:
    """Run a hub. Several hubs with one --redis cooperate (and share one --database)."""
    from hall.records.databases import archive_for
    from hall.server import serve as serve_hub

    halls, _ = _setup(config)  # a bad district file stops the hub here, like a bad hall file
    try:
        resolve_notify(halls, os.environ)  # before anything starts: a missing env: variable
    except NotifyConfigError as e:
        raise click.ClickException(str(e)) from None
    try:
        records = archive_for(database_url, data).description
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--database") from None
    with redis_for(redis_url, data) as url:
        settings = Settings.from_env(
            config=config or default_hall_path(),
            redis_url=url,
            data_dir=data,
            database_url=Secret(database_url) if database_url else None,
            public_url=os.environ.get("HALL_PUBLIC_URL") or f"http://{host}:{port}",
        )
        names = (
            ", ".join(halls)
            if len(halls) <= 5
            else f"{len(halls)} halls ({min(halls)} … {max(halls)})"
        )
        click.echo(
            f"hall: serving {names} on http://{host}:{port} "
            f"(Redis {redact(url)}, records {records})"
        )
        serve_hub(settings, halls, host, port, log_level)


@main.command()
@click.argument("staff_id")
@click.option("--hall", "hall_id", required=True)
@redis_option
@config_option
@data_option
def pin(
    staff_id: str, hall_id: str, redis_url: str | None, config: Path | None, data: Path
) -> None:
    """Set a staff member's 4-8 digit PIN, read from one line of stdin (a supervisor's:
    --hall names the district)."""
    halls, district = _setup(config)
    if district is not None and hall_id == district.id:
        if district.supervisor(staff_id) is None:
            raise click.ClickException(f"district {hall_id} has no supervisor {staff_id!r}")
    elif _hall(halls, hall_id).person(staff_id) is None:
        raise click.ClickException(f"hall {hall_id} has no staff {staff_id!r}")
    if sys.stdin.isatty():
        value = click.prompt("PIN", hide_input=True, confirmation_prompt=True)
    else:
        value = sys.stdin.readline().strip()
    if not PIN.match(value):
        raise click.ClickException("a PIN is 4 to 8 digits")
    with redis_for(redis_url, data) as url:
        _run(url, lambda store: store.set_pin(hall_id, staff_id, value))
    click.echo(f"PIN set for {staff_id} in {hall_id}", err=True)


@main.group(invoke_without_command=True)
@click.option("--hall", "hall_id", default=None)
@click.option("--role", type=click.Choice(DEVICE_ROLES), default=None)
@click.option(
    "--window",
    type=int,
    default=None,
    help="The window of a rating pad (required) or of a counter display (optional).",
)
@click.option("--expires", default=None, help="e.g. 365d, 12h; default: until revoked.")
@redis_option
@config_option
@data_option
@click.pass_context
def token(
    ctx: click.Context,
    hall_id: str | None,
    role: str | None,
    window: int | None,
    expires: str | None,
    redis_url: str | None,
    config: Path | None,
    data: Path,
) -> None:
    """Print a device token (`hall token revoke TOKEN` ends one)."""
    ctx.obj = {"redis_url": redis_url, "data": data}
    if ctx.invoked_subcommand is not None:
        return
    if hall_id is None or role is None:
        raise click.UsageError("--hall and --role are required")
    hall = _hall(_halls(config), hall_id)
    if role == "rating" and (window is None or hall.window(window) is None):
        raise click.UsageError("a rating pad needs --window with one of the hall's windows")
    if window is not None and role != "rating":
        if role != "display":
            raise click.UsageError("--window is for a rating pad or a counter display")
        if hall.window(window) is None:
            raise click.UsageError(f"hall {hall_id} has no window {window}")
    ttl = _ttl(expires)
    with redis_for(redis_url, data) as url:
        value = _run(
            url, lambda s: s.issue_token(hall_id, device_claims(hall_id, role, window), ttl)
        )
    click.echo(value)


def _ttl(expires: str | None) -> int | None:
    if expires is None:
        return None
    text = expires.strip()
    if text.endswith("d") and text[:-1].isdigit():
        return int(text[:-1]) * 86400
    try:
        return max(1, int(parse_duration(text).total_seconds()))
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--expires") from None


@token.command()
@click.argument("value", metavar="TOKEN")
@click.pass_context
def revoke(ctx: click.Context, value: str) -> None:
    """End a token at once, on every hub."""
    with redis_for(ctx.obj["redis_url"], ctx.obj["data"]) as url:
        ended = _run(url, lambda s: s.revoke_token(value))
    if not ended:
        raise click.ClickException("no such token (already revoked or expired?)")
    click.echo("revoked", err=True)


@main.command()
@config_option
@redis_option
@data_option
@click.option(
    "--wait",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0.0),
    help="Seconds to wait for every hub's answer.",
)
def reload(config: Path | None, redis_url: str | None, data: Path, wait: float) -> None:
    """Make every hub re-read its hall files: validated here first (the same checks as at
    start-up, and no window or service in use removed), then applied by each hub, or
    refused whole. Exits non-zero if the files or any hub refuse them."""
    from hall.reloading import reload_hubs

    halls = _halls(config)
    try:
        resolve_notify(halls, os.environ)
    except NotifyConfigError as e:
        raise click.ClickException(str(e)) from None
    with redis_for(redis_url, data) as url:
        try:
            ok = asyncio.run(reload_hubs(url, halls, wait, click.echo))
        except StoreError as e:
            raise click.ClickException(f"Redis at {redact(url)}: {e}") from None
    if not ok:
        raise SystemExit(1)


@main.command()
@click.argument("config", type=click.Path(exists=True, path_type=Path))
def check(config: Path) -> None:
    """Validate hall files (and a folder's district file); print a summary of each."""
    halls, district = _setup(config)
    for hall in halls.values():
        click.echo(
            f"{hall.source}: ok: {hall.id} ({hall.name}), {len(hall.windows)} windows, "
            f"{len(hall.services)} services, {len(hall.staff)} staff, {hall.timezone}"
        )
    if district is not None:
        watched = len({h for s in district.supervisors for h in s.halls})
        click.echo(
            f"{district.source}: ok: district {district.id} ({district.name}), "
            f"{len(district.supervisors)} supervisors, {watched} of {len(halls)} halls supervised"
        )


@main.command()
@click.option(
    "--speed",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=1.0, max=3600.0),
    help="Simulated seconds per real second (60: an hour a minute).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the demo's own Redis (default: a temporary folder removed at exit).",
)
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the simulated day.")
def demo(speed: float, host: str, port: int, data: Path | None, seed: int) -> None:
    """The Kaiyuan hall on a simulated clock from 07:55, with simulated residents and clerks
    (every staff PIN is 0000)."""
    from hall.demo import run_demo

    run_demo(speed=speed, host=host, port=port, data=data, seed=seed)


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
