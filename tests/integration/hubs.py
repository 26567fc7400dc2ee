"""Real hubs for integration tests: `python -m hall serve` subprocesses on free ports, against
the test's real Redis, with a test hall file whose hours are set around now."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx

from hall.store.embedded import free_tcp_port

ADMIN = "test-admin-token-0123456789"
T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float = 10.0, message: str = "") -> T:
    """Poll until `predicate()` is truthy (returning it); fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except (httpx.HTTPError, OSError) as e:
            last = e
        else:
            if last:
                return last
        time.sleep(0.02)
    raise AssertionError(f"not true within {timeout} s: {message} (last: {last!r})")


def hall_toml(
    *,
    hall_id: str = "t",
    sessions: str = '"00:00:00-23:59:59"',
    cover_after: str = "10m",
    escalate_after: str = "2m",
    wait_sla: str = "30m",
) -> str:
    days = '["mon", "tue", "wed", "thu", "fri", "sat", "sun"]'
    windows = "\n".join(
        f'[[windows]]\nnumber = {n}\nname = "窗口{n}"\nservices = {svc}\na = "a{n}"\nb = "b{n}"\n'
        for n, svc in ((1, '["A"]'), (2, '["A", "B"]'), (3, '["B"]'))
    )
    staff = "\n".join(
        f'[[staff]]\nid = "{s}"\nname = "员工{s}"\nrole = "clerk"\n'
        for s in ("a1", "b1", "a2", "b2", "a3", "b3")
    )
    return f"""
id = "{hall_id}"
name = "测试大厅"
timezone = "Asia/Shanghai"
days = {days}
holidays = "none"  # open every day, whatever the national calendar says: tests of any date
[rules]
cover_after = "{cover_after}"
escalate_after = "{escalate_after}"
wait_sla = "{wait_sla}"
[hours.all]
sessions = [{sessions}]
[[services]]
code = "A"
name = "甲"
[[services]]
code = "B"
name = "乙"
{windows}
{staff}
[[staff]]
id = "boss"
name = "主任"
role = "director"
"""


class Hub:
    def __init__(
        self, redis_url: str, config: Path, log: Path, *, env: dict[str, str] | None = None
    ) -> None:
        self.redis_url = redis_url
        self.config = config
        self.log = log
        self.env = env or {}
        self.port = free_tcp_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> Hub:
        env = {**os.environ, "HALL_ADMIN_TOKEN": ADMIN, **self.env}
        argv = [sys.executable, "-m", "hall", "serve", "--config", str(self.config)]
        argv += ["--redis", self.redis_url, "--port", str(self.port), "--log-level", "warning"]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        if wait:
            self.wait_healthy()
        return self

    def wait_healthy(self, timeout: float = 20.0) -> None:
        def healthy() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"hub exited: {self.log.read_text()[-2000:]}")
            return httpx.get(self.url + "/healthz", timeout=1).status_code == 200

        wait_for(healthy, timeout, "hub healthy")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def client(self, token: str | None = ADMIN) -> httpx.Client:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)


@contextmanager
def hubs(
    redis_url: str, tmp_path: Path, n: int = 1, toml: str | None = None, **env: str
) -> Iterator[list[Hub]]:
    config = tmp_path / "hall.toml"
    config.write_text(toml or hall_toml())
    started = [
        Hub(redis_url, config, tmp_path / f"hub{i}.log", env=env).start(wait=False)
        for i in range(n)
    ]
    try:
        for hub in started:
            hub.wait_healthy()
        yield started
    finally:
        for hub in started:
            hub.stop()
