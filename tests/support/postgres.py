"""A real PostgreSQL for the tests, from Debian's `postgresql` binaries: a cluster made with
initdb in a temporary folder, on a free TCP port on 127.0.0.1, trust authentication, its
socket in the same folder; stopped and removed at teardown. Never a mock.

PostgreSQL refuses to run as root (CI runs as root): then the cluster belongs to the
`postgres` user and its commands run as that user (`runuser`). The folder is made with
`mkdtemp` under the system's temporary folder rather than in pytest's `tmp_path`: root keeps
the latter's parents to itself (mode 0700), where the `postgres` user could not reach, and
a unix socket's path must stay short.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hall.store.embedded import free_tcp_port

MISSING = "PostgreSQL's server binaries are not installed (Debian: apt-get install postgresql)"


def bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin with initdb and pg_ctl, or None."""
    root = Path("/usr/lib/postgresql")
    found = [
        path / "bin"
        for path in root.glob("*")
        if (path / "bin" / "initdb").exists() and (path / "bin" / "pg_ctl").exists()
    ]
    found.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return found[-1] if found else None


class Postgres:
    """One PostgreSQL server (a cluster of its own)."""

    def __init__(self, *, durable: bool = False) -> None:
        """`durable`: fsync as in production (benchmarks); tests go without it."""
        binaries = bin_dir()
        if binaries is None:
            raise FileNotFoundError(MISSING)
        self.bin = binaries
        self.as_root = os.geteuid() == 0
        self.folder = Path(tempfile.mkdtemp(prefix="hall-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = free_tcp_port()
        self.durable = durable
        self._databases = 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / argv[0]), *argv[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=60)

    def start(self) -> Postgres:
        if not self.data.exists():
            if self.as_root:
                pw = pwd.getpwnam("postgres")
                os.chown(self.folder, pw.pw_uid, pw.pw_gid)
            self._run(
                "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                "--encoding", "UTF8", "--locale", "C", "--no-sync",
            )  # fmt: skip
        self._ctl("start")
        return self

    def _ctl(self, action: str) -> None:
        # -l: the server's output goes to its log, not to our pipes (which it would hold)
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        options += " -c max_connections=100" + ("" if self.durable else " -c fsync=off")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-m", "fast", "-w", "-t", "30", action)  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def restart(self) -> None:
        self._ctl("restart")

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().splitlines()[0])

    def processes(self) -> list[int]:
        """The postmaster and every process it started (its backends and helpers)."""
        parent = self.postmaster_pid()
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:
                continue  # ended meanwhile
            if int(fields[1]) == parent:
                children.append(int(stat.parent.name))
        return [parent, *children]

    def pause(self) -> list[int]:
        """SIGSTOP the server: it accepts connections (the kernel does) and answers none."""
        pids = self.processes()
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        return pids

    def resume(self, pids: list[int]) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def create_database(self) -> str:
        """A new empty database; its URL."""
        self._databases += 1
        name = f"t{self._databases}"
        self._run("psql", "-h", str(self.folder), "-p", str(self.port), "-U", "postgres",
                  "-d", "postgres", "-c", f"CREATE DATABASE {name}")  # fmt: skip
        return self.url(name)


@contextmanager
def postgres(*, durable: bool = False) -> Iterator[Postgres]:
    server = Postgres(durable=durable).start()
    try:
        yield server
    finally:
        server.remove()
