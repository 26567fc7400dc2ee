"""The command path on one Redis and on Redis Cluster, with and without waiting for a
replica: p50 / p99 latency and CPU per command. Not a test.

    python bench/cluster.py [--rate 200] [--seconds 10] [--modes single cluster cluster+wait]
                            [--node-aof no|everysec|always]

Each mode starts its own Redis and one `hall serve` (loopback only) and runs
`bench/commands.py`'s steady mix on one keep-alive connection:

- `single`: the embedded Redis (AOF `appendfsync always`, as `hall serve` runs it);
- `cluster`: three masters and three replicas (`tests/support/cluster.py`), the hub with
  `HALL_REPLICA_ACK=0` (answered when the master has it);
- `cluster+wait`: the same with `HALL_REPLICA_ACK=1`: each append is followed by
  `WAIT 1 500` on the hall's master (docs/operations.md, "Redis Cluster").

CPU is the hub's and all Redis processes' user+system time over the run (from the hub
answering /healthz), divided by the commands sent: a replica's share is included (it is
part of the cluster's cost), and so is the hub's background work (ticker, archiver), so
run long enough for the commands to dominate.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).parents[1]))  # tests.support.cluster
from commands import ADMIN, run, wait_healthy
from hallfile import write_bench_hall

from hall.store.embedded import EmbeddedRedis, free_tcp_port
from tests.support import cluster as test_cluster

MODES = ("single", "cluster", "cluster+wait")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def redis_for(mode: str, folder: Path, node_aof: str) -> Iterator[tuple[str, list[int]]]:
    """(URL, pids of the Redis processes) for the mode."""
    if mode == "single":
        with EmbeddedRedis(folder / "redis") as server:
            assert server.pid is not None
            yield server.url, [server.pid]
        return
    persistence = ["appendonly no"]
    if node_aof != "no":
        persistence = ["appendonly yes", f"appendfsync {node_aof}"]
    started = test_cluster.Cluster(folder / "cluster", persistence)
    try:
        started.start()
        yield started.url, [node.pid for node in started.nodes if node.pid is not None]
    finally:
        started.stop()


def bench(mode: str, rate: float, seconds: float, node_aof: str) -> None:
    with tempfile.TemporaryDirectory(prefix="hall-bench-") as tmp:
        folder = Path(tmp)
        config = write_bench_hall(folder)
        with redis_for(mode, folder, node_aof) as (url, redis_pids):
            port = free_tcp_port()
            env = {**os.environ, "HALL_ADMIN_TOKEN": ADMIN}
            env["HALL_REPLICA_ACK"] = "1" if mode == "cluster+wait" else "0"
            argv = [sys.executable, "-m", "hall", "serve", "--config", str(config)]
            argv += ["--redis", url, "--port", str(port), "--log-level", "warning"]
            argv += ["--data", str(folder / "var")]
            hub = subprocess.Popen(argv, env=env)
            try:
                label = "embedded Redis (AOF always)"
                if mode != "single":
                    label = f"Redis Cluster 3+3 (node AOF {node_aof})"
                print(f"\n== {mode}: HALL_REPLICA_ACK={env['HALL_REPLICA_ACK']}")
                wait_healthy(f"http://127.0.0.1:{port}")  # start-up is not counted
                pids = [hub.pid, *redis_pids]
                before = {pid: cpu_seconds(pid) for pid in pids}
                sent = run(f"http://127.0.0.1:{port}", rate, seconds, label)
                used = {pid: cpu_seconds(pid) - before[pid] for pid in pids}
                redis_cpu = sum(used[pid] for pid in redis_pids)
                print(
                    f"cpu per command: hub {used[hub.pid] / sent * 1e6:.0f} µs, "
                    f"Redis (all {len(redis_pids)} processes) {redis_cpu / sent * 1e6:.0f} µs"
                )
            finally:
                hub.terminate()
                hub.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--node-aof", choices=("no", "everysec", "always"), default="no")
    args = parser.parse_args()
    for mode in args.modes:
        bench(mode, args.rate, args.seconds, args.node_aof)


if __name__ == "__main__":
    main()
