"""redis.asyncio clients for the store, and the translation of redis exceptions.

Three kinds of connection, because their needs conflict:

- commands: a pool with short socket timeouts, a health check, and one quick retry on a
  connection error (a pooled connection may be stale after a Redis restart). Used for
  reads and for writes that are safe to repeat.
- append: the same but with **no retry**. The append script is not idempotent without a
  client id: a retry after a lost reply would run it again. Its failure surfaces as
  StoreUnavailable (outcome unknown) and the client retries with its client id.
- blocking: one dedicated connection with no socket timeout, for XREAD/XREADGROUP BLOCK
  (redis-py's socket timeout would cut a longer block). Its owner bounds each call with its
  own deadline and reconnects by itself, so it has no retry either.

A `redis+cluster://` address gives the same three kinds over Redis Cluster (`cluster`);
the blocking kind is then `shards.ShardedCluster`, which reads per hall (see there).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeAlias

import redis.asyncio
import redis.exceptions
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff, NoBackoff

from hall.store import cluster
from hall.store.errors import StoreBusy, StoreError, StoreUnavailable
from hall.store.shards import ShardedCluster

Redis: TypeAlias = redis.asyncio.Redis | RedisCluster
"""A client of either kind: the store's code calls what both offer (single-key commands,
pipelines, scripts; multi-key XREAD only on a blocking client)."""

COMMAND_SOCKET_TIMEOUT_SECONDS = 2.0
CONNECT_TIMEOUT_SECONDS = 2.0
HEALTH_CHECK_INTERVAL_SECONDS = 10

# Errors that mean "Redis cannot answer now": a retry later may succeed. BusyLoadingError
# (AOF loading) is a ConnectionError; ReadOnlyError appears during a failover.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.ReadOnlyError,
    OSError,
    *cluster.UNAVAILABLE,
)


# A burst of requests waits for a pooled connection (up to POOL_WAIT_SECONDS) instead of
# being refused past the pool's size: a healthy Redis never answers 503 for it, and a
# wait past the deadline is "busy" (429), not "unavailable".
POOL_CONNECTIONS = 64
POOL_WAIT_SECONDS = 2.0


class PoolExhausted(redis.exceptions.RedisError):
    """No pooled connection came free within the wait: the hub is busy, Redis is fine.
    Not a ConnectionError, so redis-py's retry does not wait a second time."""


class WaitingPool(redis.asyncio.BlockingConnectionPool):
    async def get_connection(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().get_connection(*args, **kwargs)  # type: ignore[no-untyped-call]
        except redis.exceptions.ConnectionError as exc:
            if isinstance(exc.__cause__, asyncio.TimeoutError):
                raise PoolExhausted(
                    f"no Redis connection came free within {self.timeout:g} s"
                ) from exc
            raise


def _pooled(url: str, socket_timeout: float, retry: Retry) -> Redis:
    if cluster.is_cluster(url):
        client = cluster.build(
            url,
            cluster.GatedCluster,
            max_connections=POOL_CONNECTIONS,
            socket_timeout=socket_timeout,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            health_check_interval=HEALTH_CHECK_INTERVAL_SECONDS,
            retry=retry,
        )
        # The gate holds a burst back before it reaches the per-node pools (which refuse).
        client.gate = cluster.Gate(POOL_CONNECTIONS, POOL_WAIT_SECONDS, PoolExhausted)
        return client
    pool = WaitingPool.from_url(
        url,
        max_connections=POOL_CONNECTIONS,
        timeout=POOL_WAIT_SECONDS,
        socket_timeout=socket_timeout,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        health_check_interval=HEALTH_CHECK_INTERVAL_SECONDS,
        retry=retry,
    )
    return redis.asyncio.Redis.from_pool(pool)  # owns the pool: aclose() closes it


def command_client(url: str, socket_timeout: float = COMMAND_SOCKET_TIMEOUT_SECONDS) -> Redis:
    # Retry a stale connection once, but not a timeout: a Redis that does not answer
    # (paused, overloaded) must give a quick 503, not two socket timeouts in a row.
    retry = Retry(
        ExponentialWithJitterBackoff(cap=0.25, base=0.02),
        1,
        supported_errors=(redis.exceptions.ConnectionError,),
    )
    return _pooled(url, socket_timeout, retry)


def append_client(url: str, socket_timeout: float = COMMAND_SOCKET_TIMEOUT_SECONDS) -> Redis:
    return _pooled(url, socket_timeout, Retry(NoBackoff(), 0))


def blocking_client(url: str, sweep_s: float | None = None) -> Redis:
    """A reader's own connection. On a cluster, `sweep_s`: how often it reads every hall
    whether or not its bell rang (`shards.ShardedCluster.sweep_s`)."""
    if cluster.is_cluster(url):
        # Short per-node reads (no BLOCK: see `shards`), so an ordinary socket timeout.
        client = cluster.build(
            url,
            ShardedCluster,
            socket_timeout=COMMAND_SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 0),
        )
        if sweep_s is not None and isinstance(client, ShardedCluster):
            client.sweep_s = sweep_s
        return client
    return redis.asyncio.Redis.from_url(
        url,
        single_connection_client=True,
        socket_timeout=None,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),
    )


def text(value: object) -> str:
    """A reply as text (redis-py gives bytes: the clients do not decode)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, str):
        return value
    raise TypeError(f"unexpected reply from Redis: {value!r}")


def raw(value: object) -> bytes:
    """A reply as bytes."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise TypeError(f"unexpected reply from Redis: {value!r}")


@contextmanager
def translated() -> Iterator[None]:
    """Re-raise redis exceptions as store errors (callers never see redis.exceptions)."""
    try:
        yield
    except (PoolExhausted, redis.exceptions.MaxConnectionsError) as exc:
        raise StoreBusy(str(exc)) from exc
    except UNAVAILABLE as exc:
        raise StoreUnavailable(str(exc) or type(exc).__name__) from exc
    except redis.exceptions.RedisError as exc:
        raise StoreError(str(exc) or type(exc).__name__) from exc
