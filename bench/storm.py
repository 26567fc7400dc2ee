"""`fanout.py`'s reconnect storm: N wall screens connected, the hub restarted, and the time
until every screen has its full view again."""

from __future__ import annotations

import asyncio
import json
import math
import random
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hallfile import WINDOWS
from pyspy import finish_profile, start_profile
from results import percentile
from servers import ADMIN, Server, hall_commands, listen_overflows, make_server
from wsload import CONNECT_BATCH, Http, Sock, now, open_sock

from hall.store.embedded import EmbeddedRedis, free_tcp_port


@dataclass
class Storm:
    n: int
    connected: int = 0
    down_s: float = 0.0  # SIGTERM to the new hub answering
    start_s: float = 0.0  # new process spawned to listening
    resync_s: float = 0.0  # listening to the last screen's full view
    p50_s: float = 0.0
    p99_s: float = 0.0
    resynced: int = 0
    retries: int = 0
    codes: dict[int | None, int] = field(default_factory=dict)
    overflows: int = 0  # SYNs dropped on a full accept queue while reconnecting
    note: str = ""

    def line(self) -> str:
        return (
            f"reconnect storm, hall-wall, N={self.n}: {self.connected} screens connected; hub "
            f"down {self.down_s:.2f} s (SIGTERM to listening; the new process took "
            f"{self.start_s:.2f} s to listen); {self.resynced}/{self.n} full views again "
            f"{self.resync_s:.2f} s after it listened (per screen p50 {self.p50_s:.2f} s, "
            f"p99 {self.p99_s:.2f} s); {self.retries} connect retries, {self.overflows} "
            f"accept-queue overflows; close codes seen "
            f"{self.codes}{self.note}"
        )


async def storm(n: int, args: Any) -> Storm:
    out = Storm(n)
    with tempfile.TemporaryDirectory(prefix="hall-storm-") as tmp:
        folder = Path(tmp)
        with EmbeddedRedis(folder / "redis", port=free_tcp_port()) as redis_server:
            server = make_server("hall-wall", folder, redis_server.url, args.pin)
            socks: list[Sock] = []
            try:
                await server.start()
                pub = Http(server.http_port, ADMIN)
                for w in range(1, WINDOWS + 1):
                    body = {"type": "presence.set", "window": w, "post": "A", "state": "present"}
                    await pub.request("POST", server.publish_path, json.dumps(body).encode())
                for raw in hall_commands()[:6]:  # some tickets, so the view is not empty
                    await pub.request("POST", server.publish_path, raw)
                pub.close()
                for i in range(0, n, CONNECT_BATCH * 2):
                    batch = [
                        open_sock(server.port, server.ws_path)
                        for _ in range(min(CONNECT_BATCH * 2, n - i))
                    ]
                    socks += await asyncio.gather(*batch)
                await asyncio.gather(*(asyncio.wait_for(s.first, 30) for s in socks))
                out.connected = sum(1 for s in socks if s.frames)
                await restart(server, socks, out, args)
            finally:
                for sock in socks:
                    sock.close()
                server.stop()
    return out


async def restart(server: Server, socks: list[Sock], out: Storm, args: Any) -> None:
    jitter = args.storm_jitter
    assert server.proc is not None
    t_term = now()
    server.proc.terminate()
    await asyncio.to_thread(server.proc.wait, 30)
    await asyncio.gather(*(asyncio.wait_for(s.lost, 10) for s in socks), return_exceptions=True)
    out.codes = dict(Counter(s.close_code for s in socks))
    t_spawn = now()
    overflows = listen_overflows()
    server.spawn()
    while True:  # poll the port: the screens are released the moment the hub listens
        try:
            _, w = await asyncio.open_connection("127.0.0.1", server.port)
            w.close()
            break
        except OSError:
            if now() - t_spawn > 60:
                raise SystemExit("the hub did not come back") from None
            await asyncio.sleep(0.005)
    t_listen = now()
    spy = start_profile(server.pid, f"storm-{out.n}", 60, args)
    out.down_s, out.start_s = t_listen - t_term, t_listen - t_spawn
    done: list[float] = []
    retries = 0

    async def again() -> None:
        nonlocal retries
        if jitter:
            await asyncio.sleep(random.uniform(0, jitter))
        while now() - t_listen < 60:
            try:
                sock = await open_sock(server.port, server.ws_path, within=15)
            except (OSError, TimeoutError):
                retries += 1
                await asyncio.sleep(random.uniform(0.05, 0.1))
                continue
            socks.append(sock)
            try:
                await asyncio.wait_for(sock.first, 30)
            except (ConnectionError, TimeoutError):
                retries += 1
                sock.close()
                continue
            done.append(sock.first_at - t_listen)
            return

    await asyncio.gather(*(again() for _ in range(out.connected)))
    out.overflows = listen_overflows() - overflows
    out.note = finish_profile(spy, now_=True)
    out.retries, out.resynced = retries, len(done)
    done.sort()
    out.resync_s = done[-1] if done else math.nan
    out.p50_s, out.p99_s = percentile(done, 0.5), percentile(done, 0.99)
