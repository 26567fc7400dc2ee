"""Redis Cluster addresses and clients: `redis+cluster://[user:password@]h1:p1,h2:p2,...`
(`rediss+cluster://` for TLS) builds redis-py's asyncio `RedisCluster` with every listed
node as a startup node (any one that answers tells the client the whole topology).

The clients here mirror the three kinds of `clients` (commands, appends, blocking readers):

- a cluster client has a pool per node that *refuses* past its size instead of waiting; a
  `Gate` in front makes a burst wait its turn for up to `POOL_WAIT_SECONDS` (then
  `PoolExhausted`: busy, not unavailable), as the single Redis's `WaitingPool` does;
- the append client does not retry after a connection error (a retry could run the append
  twice); redis-py still follows MOVED and ASK, which mean "not run here, ask that node";
- the blocking readers' client is `shards.ShardedCluster`: a blocking multi-key XREAD
  cannot cross hash slots, so it reads per hall and waits on a doorbell instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote

import redis.exceptions
from redis.asyncio.cluster import ClusterNode, RedisCluster

T = TypeVar("T")

SCHEMES = {"redis+cluster": False, "rediss+cluster": True}  # scheme -> TLS
DEFAULT_PORT = 6379


def is_cluster(url: str) -> bool:
    return url.partition("://")[0].lower() in SCHEMES


@dataclass(frozen=True, slots=True)
class ClusterAddress:
    nodes: tuple[tuple[str, int], ...]
    username: str | None = None
    password: str | None = None
    tls: bool = False


def parse(url: str) -> ClusterAddress:
    """A `redis+cluster://` address, or ValueError saying what is wrong with it."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in SCHEMES:
        raise ValueError(f"not a Redis Cluster address (redis+cluster://h:p,...): {url!r}")
    location, _, tail = rest.partition("/")
    if tail.strip("/") or "?" in location or "#" in location:
        raise ValueError(
            "a Redis Cluster address has no database, path or options: "
            "redis+cluster://[user:password@]host:port,host:port,..."
        )
    userinfo, at, hosts = location.rpartition("@")
    username = password = None
    if at:
        user, colon, secret = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon else None
    nodes = tuple(_node(part) for part in hosts.split(","))
    return ClusterAddress(nodes, username, password, SCHEMES[scheme.lower()])


def _node(text: str) -> tuple[str, int]:
    if not text:
        raise ValueError("an empty node in the Redis Cluster address")
    if text.startswith("["):  # [IPv6]:port
        host, _, port = text[1:].partition("]")
        port = port.removeprefix(":")
    else:
        host, _, port = text.rpartition(":") if ":" in text else (text, "", "")
    if not host:
        raise ValueError(f"a node without a host in the Redis Cluster address: {text!r}")
    if not port:
        return host, DEFAULT_PORT
    if not port.isdigit() or not 0 < int(port) < 65_536:
        raise ValueError(f"a node with a bad port in the Redis Cluster address: {text!r}")
    return host, int(port)


class Gate:
    """At most `size` commands at once; a caller waits up to `wait` seconds for its turn,
    then gets `busy()` raised."""

    def __init__(self, size: int, wait: float, busy: Callable[[str], Exception]) -> None:
        self._slots = asyncio.Semaphore(size)
        self._wait = wait
        self._busy = busy

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        try:
            await asyncio.wait_for(self._slots.acquire(), self._wait)
        except TimeoutError:
            raise self._busy(f"no Redis connection came free within {self._wait:g} s") from None
        try:
            return await call()
        finally:
            self._slots.release()


class GatedCluster(RedisCluster):
    """A cluster client whose commands wait at a `Gate` (set by `build`)."""

    gate: Gate | None = None

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        if self.gate is None:
            return await super().execute_command(*args, **kwargs)
        return await self.gate.run(
            lambda: super(GatedCluster, self).execute_command(*args, **kwargs)
        )


C = TypeVar("C", bound=RedisCluster)


def build(url: str, cls: type[C], **options: Any) -> C:
    """A cluster client of class `cls` for `url`; `options` go to `RedisCluster`."""
    address = parse(url)
    return cls(
        startup_nodes=[ClusterNode(host, port) for host, port in address.nodes],
        username=address.username,
        password=address.password,
        ssl=address.tls,
        **options,
    )


# Errors a cluster gives while its topology changes (a master failing over, a slot moving):
# Redis cannot answer for that slot now; a retry a moment later may succeed.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    redis.exceptions.ClusterDownError,  # also MasterDownError
    redis.exceptions.TryAgainError,
    redis.exceptions.AskError,  # also MovedError: redirected more times than allowed
    redis.exceptions.SlotNotCoveredError,
    redis.exceptions.RedisClusterUnreachableError,
)
