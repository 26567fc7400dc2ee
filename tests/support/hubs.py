"""Real hubs for the tests: `python -m hall serve` subprocesses on free ports, against the
test's real Redis, with the test hall (open all day, every day), and the CLI calls a test
makes to set them up (a PIN, a device token)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from hall.store.embedded import free_tcp_port
from tests.support.halls import hall_toml
from tests.support.wait import wait_for

ADMIN = "test-admin-token-0123456789"


class Hub:
    def __init__(
        self,
        redis_url: str,
        config: Path,
        log: Path,
        *,
        env: dict[str, str] | None = None,
        log_level: str = "warning",
        database: str | None = None,
    ) -> None:
        self.redis_url = redis_url
        self.config = config
        self.log = log
        self.env = env or {}
        self.log_level = log_level
        # The records database: `database`, else records.sqlite3 in `data` beside the hall
        # file, so that the hubs of one test share one (as they share one Redis).
        self.database = database
        self.data = config.parent / "var"
        self.port = free_tcp_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> Hub:
        for _ in range(3):
            logged = self.log.stat().st_size if self.log.exists() else 0
            self._spawn()
            if not wait:
                return self
            try:
                self.wait_healthy()
                return self
            except AssertionError:
                # The free port was taken by another process between our choice and the
                # hub's bind (other tests and programs share the machine): choose again.
                if b"address already in use" not in self.log.read_bytes()[logged:]:
                    raise
                self.port = free_tcp_port()
        self.wait_healthy()
        return self

    def _spawn(self) -> None:
        env = {**os.environ, "HALL_ADMIN_TOKEN": ADMIN, **self.env}
        argv = [sys.executable, "-m", "hall", "serve", "--config", str(self.config)]
        argv += ["--redis", self.redis_url, "--port", str(self.port)]
        argv += ["--log-level", self.log_level, "--data", str(self.data)]
        if self.database is not None:
            argv += ["--database", self.database]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)

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

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def rss_kib(self) -> int:
        """The hub process's resident memory (Linux)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def client(self, token: str | None = ADMIN) -> httpx.Client:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)


@contextmanager
def hubs(
    redis_url: str,
    tmp_path: Path,
    n: int = 1,
    toml: str | None = None,
    database: str | None = None,
    **env: str,
) -> Iterator[list[Hub]]:
    config = tmp_path / "hall.toml"
    config.write_text(toml or hall_toml())
    started = [
        Hub(redis_url, config, tmp_path / f"hub{i}.log", env=env, database=database).start(
            wait=False
        )
        for i in range(n)
    ]
    try:
        for hub in started:
            hub.wait_healthy()
        yield started
    finally:
        for hub in started:
            hub.stop()


def _cli(hub: Hub, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "hall", *args, "--redis", hub.redis_url]
    argv += ["--config", str(hub.config)]
    return subprocess.run(argv, input=stdin, capture_output=True, text=True)


def device_token(hub: Hub, role: str, *extra: str) -> str:
    """`hall token --role ROLE` for the test hall."""
    done = _cli(hub, "token", "--hall", "t", "--role", role, *extra)
    done.check_returncode()
    return done.stdout.strip()


def set_pin(hub: Hub, staff: str, pin: str) -> subprocess.CompletedProcess[str]:
    """`hall pin STAFF` for the test hall, the PIN on stdin."""
    return _cli(hub, "pin", staff, "--hall", "t", stdin=pin + "\n")


def reload_halls(hub: Hub, *extra: str) -> subprocess.CompletedProcess[str]:
    """`hall reload` with the hub's hall files: every hub of its Redis re-reads them."""
    return _cli(hub, "reload", *extra)
