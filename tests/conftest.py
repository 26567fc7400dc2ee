"""Shared fixtures: a real redis-server per test (never a mock), for sync and anyio tests,
or a real Redis Cluster (six redis-server processes, one per session, emptied between
tests); a real records database of either kind (a SQLite file, a PostgreSQL server).

`redis_url` is the single Redis unless a test (or its module) is marked
`@pytest.mark.redis_kinds("single", "cluster")`: it then runs once against each. A test
that asks for `redis_server` itself (to stop or pause it) runs on the single Redis only.

Async tests are marked `@pytest.mark.anyio` and run on asyncio (redis.asyncio needs it).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from hall.records.archive import Archive
from hall.records.databases import archive_for
from hall.store.embedded import EmbeddedRedis, EmbeddedRedisError
from tests.support.cluster import Cluster, cluster
from tests.support.halls import hall_toml
from tests.support.hubs import Hub, hubs
from tests.support.postgres import MISSING, Postgres, bin_dir, postgres


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A redis-server (AOF on) on a unix socket in the test's tmp_path, stopped at teardown."""
    short_dir: str | None = None
    try:
        server = EmbeddedRedis(tmp_path / "redis")
    except EmbeddedRedisError:  # tmp_path too long for a unix socket path
        short_dir = tempfile.mkdtemp(prefix="hall-redis-")
        server = EmbeddedRedis(Path(short_dir))
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if short_dir is not None:
            shutil.rmtree(short_dir, ignore_errors=True)


REDIS_KINDS = ("single", "cluster")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("redis_kinds")
    if marker is None or "redis_url" not in metafunc.fixturenames:
        return
    if "redis_server" in metafunc.fixturenames:
        return  # it stops, pauses or restarts the single server: no cluster version
    kinds = marker.args or REDIS_KINDS
    assert set(kinds) <= set(REDIS_KINDS), kinds
    metafunc.parametrize("redis_url", kinds, indirect=True)


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Three masters and three replicas for the whole session (a test that kills a node
    starts its own with `tests.support.cluster.cluster`)."""
    with cluster(tmp_path_factory.mktemp("cluster")) as started:
        yield started


@pytest.fixture
def redis_url(request: pytest.FixtureRequest) -> str:
    """The address of the test's Redis: the single one (`redis_server`), or the session's
    cluster emptied for this test (`redis+cluster://...`)."""
    if getattr(request, "param", "single") == "cluster":
        started: Cluster = request.getfixturevalue("redis_cluster")
        started.flush()
        return started.url
    server: EmbeddedRedis = request.getfixturevalue("redis_server")
    return server.url


@pytest.fixture
def hall_file() -> str:
    """The hall file the `hub` fixtures serve: the test hall (a test folder may give its
    own, e.g. one with short cover times)."""
    return hall_toml()


@pytest.fixture
def hub_env() -> dict[str, str]:
    """Extra environment of the `hub` fixtures' processes (e.g. `HALL_CLOCK_OFFSET`)."""
    return {}


@pytest.fixture
def hub(redis_url: str, tmp_path: Path, hall_file: str, hub_env: dict[str, str]) -> Iterator[Hub]:
    """One real hub (`python -m hall serve`) on the test's Redis, with the test hall."""
    with hubs(redis_url, tmp_path, 1, toml=hall_file, **hub_env) as started:
        yield started[0]


@pytest.fixture
def two_hubs(
    redis_url: str, tmp_path: Path, hall_file: str, hub_env: dict[str, str]
) -> Iterator[list[Hub]]:
    with hubs(redis_url, tmp_path, 2, toml=hall_file, **hub_env) as started:
        yield started


# -- the records database --------------------------------------------------------------------

DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    """One PostgreSQL for the session (each test gets a database of its own in it)."""
    if bin_dir() is None:
        pytest.skip(MISSING)
    with postgres() as server:
        yield server


@pytest.fixture
def own_postgres() -> Iterator[Postgres]:
    """A PostgreSQL for this test alone (to restart or pause it)."""
    if bin_dir() is None:
        pytest.skip(MISSING)
    with postgres() as server:
        yield server


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty records database of each kind, as `--database` takes it: one test body runs
    against both adapters (the broadcaster pattern)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'records.sqlite3'}"
    server: Postgres = request.getfixturevalue("postgres_server")
    return server.create_database()


@pytest.fixture
async def archive(database_url: str, tmp_path: Path) -> AsyncIterator[Archive]:
    """The records database at `database_url`, open."""
    opened = archive_for(database_url, tmp_path)
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()
