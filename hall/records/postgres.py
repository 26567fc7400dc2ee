"""The records database on PostgreSQL (or a server speaking its protocol: openGauss,
KingbaseES, HighGo), through psycopg 3's async connections and their pool.

Every call is bounded by `timeout`: a server that stops answering (paused, partitioned)
would otherwise hold a query forever, since the kernel keeps acknowledging its socket and
no TCP timeout fires. A call cut by the bound closes its connection (psycopg drops a
connection whose query was interrupted and the pool replaces it), and raises
ArchiveUnavailable. The pool checks each connection before lending it, so a restarted
server costs no failed call.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

import anyio
import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from hall.records.archive import PAGE, ArchivedEvent, DayRow, join_id, split_id
from hall.records.errors import ArchiveError, ArchiveUnavailable
from hall.records.sql import events_query, to_event

T = TypeVar("T")
Conn = psycopg.AsyncConnection[tuple[Any, ...]]

SCHEMA_LOCK = 7_021_826_411  # pg_advisory_xact_lock key: one hub migrates at a time

# Each migration brings the schema from the version before it to its own; never edit one
# that has shipped: add the next.
MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            "CREATE TABLE halls (hall text PRIMARY KEY)",
            "CREATE TABLE events (hall text NOT NULL, ms bigint NOT NULL, seq bigint NOT NULL,"
            " type text NOT NULL, at_ms bigint NOT NULL, data bytea NOT NULL,"
            " PRIMARY KEY (hall, ms, seq))",
            "CREATE INDEX events_by_time ON events (hall, at_ms)",
            "CREATE TABLE day_rows (hall text NOT NULL, kind text NOT NULL, day date NOT NULL,"
            " key text NOT NULL, data bytea NOT NULL, updated_ms bigint NOT NULL,"
            " PRIMARY KEY (hall, kind, day, key))",
        ),
    ),
    # The few events of some types over a long span (appeals, leave) for the ledger.
    (2, ("CREATE INDEX IF NOT EXISTS events_by_type ON events (hall, type, at_ms)",)),
)
LATEST = MIGRATIONS[-1][0]


def describe(url: str) -> str:
    """The server and database of a connection URL, without its password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "PostgreSQL (an address psycopg cannot read)"
    host = parts.get("host") or "localhost"
    port = parts.get("port") or "5432"
    user = f"{parts['user']}@" if parts.get("user") else ""
    return f"PostgreSQL {user}{host}:{port}/{parts.get('dbname') or ''}"


class PostgresArchive:
    def __init__(
        self, url: str, *, timeout: float = 5.0, min_size: int = 1, max_size: int = 4
    ) -> None:
        self._url = url
        self.description = describe(url)
        self._timeout = timeout
        self._min_size = min_size
        self._max_size = max_size
        self._pool: AsyncConnectionPool[Conn] | None = None
        self._ready = False

    # -- connections -----------------------------------------------------------------------

    async def open(self) -> None:
        if self._ready:
            return
        if self._pool is None:
            self._pool = AsyncConnectionPool(
                self._url,
                min_size=self._min_size,
                max_size=self._max_size,
                open=False,
                timeout=self._timeout,
                kwargs={"autocommit": True, "connect_timeout": max(2, int(self._timeout))},
                check=AsyncConnectionPool.check_connection,
                name="records",
            )
            await self._pool.open(wait=False)  # connects in the background, retrying
        await self._run(_migrate)
        self._ready = True

    async def close(self) -> None:
        pool, self._pool, self._ready = self._pool, None, False
        if pool is not None:
            with anyio.move_on_after(self._timeout, shield=True):
                await pool.close(timeout=self._timeout)

    async def ping(self) -> bool:
        try:
            await self._run(lambda conn: conn.execute("SELECT 1"))
        except ArchiveError:
            return False
        return True

    async def _run(self, work: Callable[[Conn], Awaitable[T]]) -> T:
        """`work` on a pooled connection, within the timeout, errors translated."""
        pool = self._pool
        if pool is None:
            raise ArchiveUnavailable(f"{self.description} is not open")
        try:
            with anyio.fail_after(self._timeout):
                async with pool.connection(timeout=self._timeout) as conn:
                    return await work(conn)
        except TimeoutError as exc:
            raise ArchiveUnavailable(
                f"{self.description} did not answer within {self._timeout:g} s"
            ) from exc
        except PoolTimeout as exc:
            raise ArchiveUnavailable(f"{self.description}: no connection ({exc})") from exc
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            raise ArchiveUnavailable(f"{self.description}: {exc}") from exc
        except psycopg.DatabaseError as exc:
            if isinstance(exc, psycopg.IntegrityError | psycopg.ProgrammingError):
                raise  # a bug, not the database
            raise ArchiveError(f"{self.description}: {exc}") from exc

    async def _ready_run(self, work: Callable[[Conn], Awaitable[T]]) -> T:
        if not self._ready:
            raise ArchiveUnavailable(f"{self.description} is not open")
        return await self._run(work)

    # -- events ----------------------------------------------------------------------------

    async def halls(self) -> list[str]:
        async def work(conn: Conn) -> list[str]:
            cur = await conn.execute("SELECT hall FROM halls ORDER BY hall")
            return [str(hall) for (hall,) in await cur.fetchall()]

        return await self._ready_run(work)

    async def last_id(self, hall: str) -> str | None:
        async def work(conn: Conn) -> tuple[Any, ...] | None:
            cur = await conn.execute(
                "SELECT ms, seq FROM events WHERE hall = %s ORDER BY ms DESC, seq DESC LIMIT 1",
                (hall,),
            )
            return await cur.fetchone()

        row = await self._ready_run(work)
        return join_id(row[0], row[1]) if row is not None else None

    async def append(self, hall: str, events: Sequence[ArchivedEvent]) -> int:
        if not events:
            return 0
        ms, seq = zip(*(split_id(event.id) for event in events), strict=True)
        columns = (
            list(ms),
            list(seq),
            [event.type for event in events],
            [event.at_ms for event in events],
            [event.data for event in events],
        )

        async def work(conn: Conn) -> int:
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO halls (hall) VALUES (%s) ON CONFLICT DO NOTHING", (hall,)
                )
                # One statement for the whole batch: the arrays unnested server-side.
                cur = await conn.execute(
                    "INSERT INTO events (hall, ms, seq, type, at_ms, data)"
                    " SELECT %s, * FROM unnest(%s::bigint[], %s::bigint[], %s::text[],"
                    " %s::bigint[], %s::bytea[]) ON CONFLICT DO NOTHING",
                    (hall, *columns),
                )
                return max(cur.rowcount, 0)

        return await self._ready_run(work)

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
        sql, params = events_query("%s", hall, after, until, since, before, limit, types)

        async def work(conn: Conn) -> list[tuple[Any, ...]]:
            cur = await conn.execute(sql, params)
            return await cur.fetchall()

        return [to_event(row) for row in await self._ready_run(work)]

    async def count(self, hall: str) -> int:
        async def work(conn: Conn) -> int:
            cur = await conn.execute("SELECT count(*) FROM events WHERE hall = %s", (hall,))
            row = await cur.fetchone()
            return int(row[0]) if row is not None else 0

        return await self._ready_run(work)

    # -- day rows --------------------------------------------------------------------------

    async def put_rows(
        self, hall: str, kind: str, day: date, rows: Mapping[str, bytes], *, replace: bool = False
    ) -> None:
        now_ms = time.time_ns() // 1_000_000
        values = [(hall, kind, day, key, data, now_ms) for key, data in rows.items()]

        async def work(conn: Conn) -> None:
            async with conn.transaction():
                if replace:
                    await conn.execute(
                        "DELETE FROM day_rows WHERE hall = %s AND kind = %s AND day = %s",
                        (hall, kind, day),
                    )
                if values:
                    async with conn.cursor() as cur:
                        await cur.executemany(
                            "INSERT INTO day_rows (hall, kind, day, key, data, updated_ms)"
                            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (hall, kind, day, key)"
                            " DO UPDATE SET data = excluded.data,"
                            " updated_ms = excluded.updated_ms",
                            values,
                        )

        await self._ready_run(work)

    async def rows(self, hall: str, kind: str, first: date, last: date) -> list[DayRow]:
        async def work(conn: Conn) -> list[tuple[Any, ...]]:
            cur = await conn.execute(
                "SELECT day, key, data FROM day_rows WHERE hall = %s AND kind = %s"
                " AND day >= %s AND day <= %s ORDER BY day, key",
                (hall, kind, first, last),
            )
            return await cur.fetchall()

        return [DayRow(day, key, bytes(data)) for day, key, data in await self._ready_run(work)]


async def _migrate(conn: Conn) -> None:
    async with conn.transaction():
        # Hubs starting together: one migrates, the others wait here, then find it done.
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
        cur = await conn.execute("SELECT max(version) FROM schema_version")
        row = await cur.fetchone()
        current = int(row[0]) if row is not None and row[0] is not None else 0
        if current > LATEST:
            raise ArchiveError(
                f"the records database's schema is version {current}, newer than this "
                f"hall's ({LATEST}): upgrade hall"
            )
        for version, statements in MIGRATIONS:
            if version > current:
                for statement in statements:
                    await conn.execute(statement)
                await conn.execute("DELETE FROM schema_version")
                await conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))
