"""Acknowledged writes: a script, then `WAIT <replicas> <timeout>` on the same connection,
before a command is answered (`Store(replica_ack=N)`; on by default on Redis Cluster).

Why: a Redis Cluster master answers a write before its replica has it. If the master dies
then, its replica takes over without the write, and a command that was answered 200 is
gone: a clerk's tap lost. `WAIT` blocks until N replicas hold everything this connection
wrote (redis-py sends the two in one pipeline, on one connection of the hall's master).

What happens when no replica confirms in time (a replica lagging or cut off): the command
was written on the master but is **not acknowledged**: `NotReplicated`, HTTP 503. The
tablet keeps the tap and sends it again with its client id (`static/hall.js`); the repeat
answers the first result once a replica holds it (the script rewrites the idempotency
record, so the WAIT after a repeat waits for it), or, if the master died meanwhile, the
new master never saw the command and applies it anew. A tap is therefore never lost, at
the price of 503s while a shard's replica is unhealthy. One exception: a master with no
replica attached at all acknowledges with a warning, since no failover can then lose the
write (nothing could be promoted), and refusing would stop the hall for nothing.

Not shared: MOVED and ASK are not followed here (the WAIT must run where the script ran);
they mean the script did not run, and surface as StoreUnavailable.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import redis.exceptions
from redis.asyncio.cluster import RedisCluster

from hall.store.errors import NotReplicated

log = logging.getLogger(__name__)

_WARN_EVERY_SECONDS = 60.0
# A master found without any replica is written to without WAIT (which could only time out)
# and asked again this often whether one is back.
ALONE_RECHECK_SECONDS = 2.0


class ReplicaAck:
    def __init__(self, replicas: int, timeout_ms: int) -> None:
        if replicas < 1 or timeout_ms < 1:
            raise ValueError("replica acknowledgement needs at least 1 replica and 1 ms")
        self.replicas = replicas
        self.timeout_ms = timeout_ms
        self._warned = 0.0
        self._alone: dict[str, float] = {}  # master -> when to ask again if it has a replica

    async def run(
        self,
        client: Any,
        hall: str,
        script: str,
        key_list: Sequence[str],
        args: Sequence[Any],
        wrote: Callable[[Any], bool] = lambda reply: True,
    ) -> Any:
        """EVALSHA the script (SCRIPT LOAD first when the node does not have it), WAIT, and
        return the script's reply; NotReplicated when the WAIT fell short for a reply that
        `wrote` something (a conflict wrote nothing: it needs no replica)."""
        sha = hashlib.sha1(script.encode()).hexdigest()
        node = await _node(client, key_list[0])
        wait = not await self._alone_now(client, node)
        for _ in range(2):
            replies = await _send(client, node, sha, key_list, args, self._wait() if wait else None)
            reply = replies[0]
            if isinstance(reply, redis.exceptions.NoScriptError):
                await client.script_load(script)  # nothing ran: load it, run it again
                continue
            if isinstance(reply, BaseException):
                raise reply
            if not wait or not wrote(reply):
                if not wait:
                    self._warn(hall)
                return reply
            acked = replies[1]
            if isinstance(acked, BaseException) or int(acked) < self.replicas:
                if not await _replicas_attached(client, node):
                    self._alone[_name(node)] = time.monotonic() + ALONE_RECHECK_SECONDS
                    self._warn(hall)
                    return reply
                raise NotReplicated(hall, self.replicas, self.timeout_ms)
            return reply
        raise redis.exceptions.NoScriptError("the script vanished twice from the node")

    def _wait(self) -> tuple[Any, ...]:
        return ("WAIT", self.replicas, self.timeout_ms)

    async def _alone_now(self, client: Any, node: Any) -> bool:
        """Whether `node` was found without replica, asking it again when that is old."""
        until = self._alone.get(_name(node))
        if until is None:
            return False
        if time.monotonic() < until:
            return True
        if await _replicas_attached(client, node):
            del self._alone[_name(node)]
            return False
        self._alone[_name(node)] = time.monotonic() + ALONE_RECHECK_SECONDS
        return True

    def _warn(self, hall: str) -> None:
        now = time.monotonic()
        if now - self._warned >= _WARN_EVERY_SECONDS:
            self._warned = now
            log.warning(
                "hall %s: its Redis master has no replica attached; commands are "
                "acknowledged without one (a failover is impossible until one is back)",
                hall,
            )


def _name(node: Any) -> str:
    return str(node.name) if node is not None else ""


async def _node(client: Any, key: str) -> Any:
    """The cluster node serving `key` as master (None on one Redis)."""
    if not isinstance(client, RedisCluster):
        return None
    await client.initialize()
    return client.get_node_from_key(key)


async def _send(
    client: Any,
    node: Any,
    sha: str,
    key_list: Sequence[str],
    args: Sequence[Any],
    wait: tuple[Any, ...] | None,
) -> list[Any]:
    """The script, and the WAIT after it on the same connection of the same node."""
    command = ("EVALSHA", sha, len(key_list), *key_list, *args)
    if node is not None:
        async with client.pipeline(transaction=False) as pipe:
            pipe.execute_command(*command, target_nodes=node)
            if wait is not None:
                pipe.execute_command(*wait, target_nodes=node)
            replies: list[Any] = await pipe.execute(raise_on_error=False, allow_redirections=False)
            return replies
    async with client.pipeline(transaction=False) as pipe:
        pipe.execute_command(*command)
        if wait is not None:
            pipe.execute_command(*wait)
        replies = await pipe.execute(raise_on_error=False)
        return replies


async def _replicas_attached(client: Any, node: Any) -> bool:
    try:
        if node is not None:
            info = await client.info("replication", target_nodes=node)
        else:
            info = await client.info("replication")
    except (redis.exceptions.RedisError, OSError):
        return True  # unknown: do not acknowledge
    return int(info.get("connected_slaves", 0)) > 0
