"""The lobby wall's frame sizes for `fanout.py`'s command cycle (issue, call, finish per
window, 7 windows), on one hub with the bench hall: bytes per frame by command, and the
fragments each frame carried. A size, not a speed: it runs anywhere, in a few seconds.

    python bench/wallframes.py [--cycles 3] [--lang zh-CN] [--show]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hallfile import WINDOWS, service_cycle
from servers import ADMIN, HALL, make_server

from hall.store.embedded import EmbeddedRedis

# A fragment's root: its id, or the list it is added to.
ROOT = re.compile(r'<(\w+) (?:id="([^"]+)"|hx-swap-oob="(\w+):#([\w-]+)")')
QUIET = 0.3  # s without a frame after a command's: it sent nothing more


def parts(frame: str) -> list[str]:
    """What a frame carried: element ids, `+list` for an item added to a list."""
    return [f"+{m[4]}" if m[4] else m[2] for m in ROOT.finditer(frame) if m[1] != "li" or m[2]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cycles", type=int, default=3, help="measured cycles after one warm-up")
    ap.add_argument("--lang", default="zh-CN")
    ap.add_argument("--show", action="store_true", help="print every frame")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="hall-wallframes-") as tmp:
        folder = Path(tmp)
        with EmbeddedRedis(folder / "redis") as redis_server:
            server = make_server("hall-wall", folder, redis_server.url, pin=False)
            server.spawn()
            try:
                measure(server.port, server.publish_path, args)
            finally:
                server.stop()


def measure(port: int, publish: str, args: argparse.Namespace) -> None:
    base = f"http://127.0.0.1:{port}"
    headers = {"authorization": f"Bearer {ADMIN}"}
    with httpx.Client(base_url=base, headers=headers, timeout=10) as http:
        for _ in range(200):
            try:
                if http.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        for w in range(1, WINDOWS + 1):
            body = {"type": "presence.set", "window": w, "post": "A", "state": "present"}
            http.post(publish, json=body).raise_for_status()
        url = f"ws://127.0.0.1:{port}/ws/halls/{HALL}/view/wall?lang={args.lang}"
        with connect(url, open_timeout=10, max_size=None) as ws:
            whole = str(ws.recv(timeout=10))
            print(f"whole view: {len(whole.encode())} bytes")
            sizes: dict[str, list[int]] = defaultdict(list)
            carried: dict[str, list[str]] = {}
            cycle = service_cycle()
            for n in range(args.cycles + 1):
                for command in cycle:
                    http.post(publish, content=json.dumps(command)).raise_for_status()
                    frames = [str(ws.recv(timeout=10))]
                    try:
                        while True:
                            frames.append(str(ws.recv(timeout=QUIET)))
                    except TimeoutError:
                        pass
                    if n == 0:
                        continue  # warm-up: the list of recent calls fills
                    kind = str(command["type"])
                    for frame in frames:
                        sizes[kind].append(len(frame.encode()))
                        carried.setdefault(kind, parts(frame))
                        if args.show:
                            print(f"--- {kind} {len(frame.encode())} B\n{frame}")
    every = [s for kind in sizes.values() for s in kind]
    for kind, found in sizes.items():
        print(f"{kind:14} {statistics.mean(found):7.0f} B  {' '.join(carried[kind])}")
    print(f"{'average':14} {statistics.mean(every):7.0f} B over {len(every)} frames")


if __name__ == "__main__":
    main()
