"""Which records database a hub uses: `--database` / `DATABASE_URL`, else the SQLite file
beside the embedded Redis."""

from __future__ import annotations

from pathlib import Path

from hall.records.archive import Archive
from hall.records.sqlite import SQLiteArchive

FILE_NAME = "records.sqlite3"
SQLITE = "sqlite:///"  # sqlite:///relative/path, sqlite:////absolute/path
POSTGRES = ("postgresql://", "postgres://")


def archive_for(url: str | None, data_dir: Path) -> Archive:
    """The archive at `url` (not opened); ValueError for an address hall cannot use."""
    if not url:
        return SQLiteArchive(Path(data_dir) / FILE_NAME)
    lowered = url.lower()
    if lowered.startswith(SQLITE):
        path = url[len(SQLITE) :]
        if not path or path.endswith("/"):
            raise ValueError("a SQLite address names a file: sqlite:///var/records.sqlite3")
        return SQLiteArchive(Path(path))
    if lowered.startswith(POSTGRES):
        from hall.records.postgres import PostgresArchive  # psycopg: ~10 MiB a hub on SQLite spares

        return PostgresArchive(url)
    scheme = url.partition(":")[0] if ":" in url else url[:12]
    raise ValueError(
        f"unsupported records database {scheme!r}: give sqlite:///PATH or postgresql://…"
    )
