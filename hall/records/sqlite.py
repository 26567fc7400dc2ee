"""The records database in one SQLite file: the embedded default (`<--data>/records.sqlite3`,
beside the embedded Redis), nothing to install.

The stdlib `sqlite3` runs in worker threads (anyio), one call at a time per connection: one
connection writes, another reads, so a long report never holds up the archiver. WAL mode
lets them work at once, and several hubs on one machine may share the file (each write
waits up to `busy_timeout` for the file's lock). `synchronous=NORMAL`: a commit survives a
crash of the process; a power cut may lose the last commits, which Redis still holds (its
trim never passes the archived id, and the archiver resumes from the file's own last id).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

import anyio
import anyio.to_thread

from hall.records.archive import PAGE, ArchivedEvent, DayRow, join_id
from hall.records.errors import ArchiveError, ArchiveUnavailable
from hall.records.sql import event_rows, events_query, to_event

T = TypeVar("T")

# Each migration brings the schema from the version before it to its own; never edit one
# that has shipped: add the next.
MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            "CREATE TABLE halls (hall TEXT PRIMARY KEY) WITHOUT ROWID",
            "CREATE TABLE events (hall TEXT NOT NULL, ms INTEGER NOT NULL,"
            " seq INTEGER NOT NULL, type TEXT NOT NULL, at_ms INTEGER NOT NULL,"
            " data BLOB NOT NULL, PRIMARY KEY (hall, ms, seq)) WITHOUT ROWID",
            "CREATE INDEX events_by_time ON events (hall, at_ms)",
            "CREATE TABLE day_rows (hall TEXT NOT NULL, kind TEXT NOT NULL,"
            " day TEXT NOT NULL, key TEXT NOT NULL, data BLOB NOT NULL,"
            " updated_ms INTEGER NOT NULL, PRIMARY KEY (hall, kind, day, key)) WITHOUT ROWID",
        ),
    ),
    # The few events of some types over a long span (appeals, leave) for the ledger.
    (2, ("CREATE INDEX IF NOT EXISTS events_by_type ON events (hall, type, at_ms)",)),
)
LATEST = MIGRATIONS[-1][0]


class SQLiteArchive:
    def __init__(self, path: Path, *, busy_timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.description = f"SQLite {self.path}"
        self._busy_timeout = busy_timeout
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._write_turn: anyio.CapacityLimiter | None = None
        self._read_turn: anyio.CapacityLimiter | None = None

    # -- connections -----------------------------------------------------------------------

    async def open(self) -> None:
        if self._reader is not None:
            return
        if self._write_turn is None or self._read_turn is None:
            self._write_turn = anyio.CapacityLimiter(1)
            self._read_turn = anyio.CapacityLimiter(1)
        if self._writer is None:
            writer = await self._in_thread(self._connect, self._write_turn)
            try:
                await self._in_thread(partial(_migrate, writer), self._write_turn)
            except BaseException:
                writer.close()
                raise
            self._writer = writer
        self._reader = await self._in_thread(partial(self._connect, True), self._read_turn)

    def _connect(self, query_only: bool = False) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path,
            timeout=self._busy_timeout,
            isolation_level=None,  # transactions are ours: BEGIN IMMEDIATE ... COMMIT
            check_same_thread=False,  # one call at a time, from whichever worker thread
        )
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            if query_only:
                conn.execute("PRAGMA query_only = 1")
        except BaseException:
            conn.close()
            raise
        return conn

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                conn.close()
        self._reader = self._writer = None

    async def ping(self) -> bool:
        """Whether the file takes a write now (a read alone would answer while another
        program holds the file's write lock)."""
        try:
            await self._write(lambda c: c.execute("SELECT 1").fetchone())
        except ArchiveError:
            return False
        return True

    async def _in_thread(self, call: Callable[[], T], turn: anyio.CapacityLimiter) -> T:
        return await anyio.to_thread.run_sync(partial(_translated, call), limiter=turn)

    async def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        conn, turn = self._writer, self._write_turn
        if conn is None or turn is None:
            raise ArchiveUnavailable(f"{self.description} is not open")
        return await self._in_thread(partial(_transaction, conn, work), turn)

    async def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        conn, turn = self._reader, self._read_turn
        if conn is None or turn is None:
            raise ArchiveUnavailable(f"{self.description} is not open")
        return await self._in_thread(partial(work, conn), turn)

    # -- events ----------------------------------------------------------------------------

    async def halls(self) -> list[str]:
        sql = "SELECT hall FROM halls ORDER BY hall"
        rows = await self._read(lambda c: c.execute(sql).fetchall())
        return [str(hall) for (hall,) in rows]

    async def last_id(self, hall: str) -> str | None:
        sql = "SELECT ms, seq FROM events WHERE hall = ? ORDER BY ms DESC, seq DESC LIMIT 1"
        row = await self._read(lambda c: c.execute(sql, (hall,)).fetchone())
        return join_id(row[0], row[1]) if row is not None else None

    async def append(self, hall: str, events: Sequence[ArchivedEvent]) -> int:
        if not events:
            return 0
        rows = event_rows(hall, events)

        def insert(conn: sqlite3.Connection) -> int:
            conn.execute("INSERT INTO halls (hall) VALUES (?) ON CONFLICT DO NOTHING", (hall,))
            before = conn.total_changes
            conn.executemany(
                "INSERT INTO events (hall, ms, seq, type, at_ms, data)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                rows,
            )
            return conn.total_changes - before

        return await self._write(insert)

    async def events(
        self,
        hall: str,
        after: str | None = None,
        until: str | None = None,
        *,
        since: datetime | None = None,
        before: datetime | None = None,
        limit: int = PAGE,
        types: Sequence[str] | None = None,
    ) -> list[ArchivedEvent]:
        sql, params = events_query("?", hall, after, until, since, before, limit, types)
        rows = await self._read(lambda c: c.execute(sql, params).fetchall())
        return [to_event(row) for row in rows]

    async def count(self, hall: str) -> int:
        sql = "SELECT count(*) FROM events WHERE hall = ?"
        row = await self._read(lambda c: c.execute(sql, (hall,)).fetchone())
        return int(row[0])

    # -- day rows --------------------------------------------------------------------------

    async def put_rows(
        self, hall: str, kind: str, day: date, rows: Mapping[str, bytes], *, replace: bool = False
    ) -> None:
        now_ms = time.time_ns() // 1_000_000
        values = [(hall, kind, day.isoformat(), key, data, now_ms) for key, data in rows.items()]

        def upsert(conn: sqlite3.Connection) -> None:
            if replace:
                conn.execute(
                    "DELETE FROM day_rows WHERE hall = ? AND kind = ? AND day = ?",
                    (hall, kind, day.isoformat()),
                )
            conn.executemany(
                "INSERT INTO day_rows (hall, kind, day, key, data, updated_ms)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hall, kind, day, key)"
                " DO UPDATE SET data = excluded.data, updated_ms = excluded.updated_ms",
                values,
            )

        await self._write(upsert)

    async def rows(self, hall: str, kind: str, first: date, last: date) -> list[DayRow]:
        sql = (
            "SELECT day, key, data FROM day_rows WHERE hall = ? AND kind = ?"
            " AND day >= ? AND day <= ? ORDER BY day, key"
        )
        params = (hall, kind, first.isoformat(), last.isoformat())
        found = await self._read(lambda c: c.execute(sql, params).fetchall())
        return [DayRow(date.fromisoformat(day), key, bytes(data)) for day, key, data in found]


def _translated(call: Callable[[], T]) -> T:
    """Run `call`, with sqlite3's errors as the records' own (in the worker thread)."""
    try:
        return call()
    except (sqlite3.OperationalError, sqlite3.InternalError, OSError) as exc:
        # locked past the busy timeout, disk I/O, full disk, a file or folder not there
        raise ArchiveUnavailable(f"SQLite: {exc}") from exc
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError):
            raise  # a bug, not the database
        raise ArchiveError(f"SQLite: {exc}") from exc  # e.g. not a database, corrupt


def _transaction(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    conn.execute("BEGIN IMMEDIATE")  # take the write lock now: no upgrade deadlock later
    try:
        result = work(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


def _migrate(conn: sqlite3.Connection) -> None:
    def step(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = c.execute("SELECT max(version) FROM schema_version").fetchone()
        current = int(row[0]) if row[0] is not None else 0
        if current > LATEST:
            raise ArchiveError(
                f"the records database's schema is version {current}, newer than this "
                f"hall's ({LATEST}): upgrade hall"
            )
        for version, statements in MIGRATIONS:
            if version > current:
                for statement in statements:
                    c.execute(statement)
                c.execute("DELETE FROM schema_version")
                c.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))

    _transaction(conn, step)
