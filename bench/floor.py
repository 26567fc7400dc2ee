"""The write() floor of a fan-out on this machine: what one frame to each of N loopback
sockets costs with no server around it (issue 6 measures hall against it).

    python bench/floor.py            # N=1,000 sockets, 50 events/s for 5 s, 260-byte frames
    python bench/floor.py -n 1 --events 20000 --rate 0   # many writes to one socket

This process is pinned to core 0 and writes; a reader process on core 1 holds the other ends
and reads everything (uvloop, like hall's load generator). Per write it prints this
process's CPU time (/proc: utime + stime), its wall time, and the softirq counted on core 0
meanwhile (loopback runs the receiver's TCP input inside the sender's send()). Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
READER = """
import asyncio, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
class Sink(asyncio.Protocol):
    def data_received(self, data): pass
async def main():
    loop = asyncio.get_running_loop()
    for _ in range(n):
        await loop.create_connection(Sink, "127.0.0.1", port)
    await asyncio.sleep(3600)
try:
    import uvloop; uvloop.run(main())
except ImportError:
    asyncio.run(main())
"""


def softirq(core: int) -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{core} "):
            return int(line.split()[7]) / CLK_TCK
    return 0.0


def cpu() -> float:
    t = os.times()
    return t.user + t.system


async def run(args: argparse.Namespace) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4096)
    port = server.getsockname()[1]
    argv = [sys.executable, "-c", READER, str(port), str(args.sockets)]
    if args.pin:
        argv = ["taskset", "-c", "1", *argv]
    reader = subprocess.Popen(argv)  # noqa: ASYNC220 - started once, before any timing
    try:
        loop = asyncio.get_running_loop()
        transports = []
        for _ in range(args.sockets):
            conn, _ = await loop.sock_accept(server)
            transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, conn)
            transports.append(transport)
        frame = b"\x81\x7e" + (args.size - 4).to_bytes(2, "big") + b"x" * (args.size - 4)
        await asyncio.sleep(0.5)
        for _ in range(args.repeat):
            c0, w0, s0, slept = cpu(), time.perf_counter(), softirq(0), 0.0
            for _ in range(args.events):
                for transport in transports:
                    transport.write(frame)
                if args.rate:
                    t = time.perf_counter()
                    await asyncio.sleep(1 / args.rate)
                    slept += time.perf_counter() - t
            await asyncio.sleep(0.2)  # what the kernel still does for the last writes
            writes = args.events * args.sockets
            used, soft = cpu() - c0, softirq(0) - s0
            busy = time.perf_counter() - w0 - slept - 0.2
            print(
                f"N={args.sockets} x {args.events} events of {args.size} B: "
                f"{used / writes * 1e6:.2f} µs CPU per write (wall {busy / writes * 1e6:.2f} µs; "
                f"softirq on core 0 {soft / writes * 1e6:.2f} µs of it)",
                flush=True,
            )
    finally:
        reader.kill()
        reader.wait()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-n", "--sockets", type=int, default=1000)
    p.add_argument("--events", type=int, default=250, help="frames per socket")
    p.add_argument("--rate", type=float, default=50, help="events/s (0: back to back)")
    p.add_argument("--size", type=int, default=260, help="bytes per frame, header included")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    args.pin = (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity")
    if args.pin:
        os.sched_setaffinity(0, {0})
    try:
        import uvloop

        uvloop.run(run(args))
    except ImportError:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
