"""The records port's pure parts: stream ids as stored, an event's time as archived, the
database address a hub is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from hall.cli import main
from hall.records.archive import archived_event, epoch_ms, join_id, split_id
from hall.records.databases import archive_for
from hall.records.postgres import PostgresArchive, describe
from hall.records.sql import events_query
from hall.records.sqlite import SQLiteArchive

CST = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("stream_id", "parts"),
    [("0-0", (0, 0)), ("1767229212345-7", (1767229212345, 7)), ("42", (42, 0))],
)
def test_a_stream_id_is_stored_as_two_integers(stream_id: str, parts: tuple[int, int]) -> None:
    assert split_id(stream_id) == parts
    assert split_id(join_id(*parts)) == parts


@pytest.mark.parametrize("bad", ["", "a-1", "1-", "-1", "１-0", f"{2**63}-0", f"0-{2**63}"])
def test_what_is_no_storable_stream_id_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        split_id(bad)


@pytest.mark.parametrize(
    ("data", "at_ms"),
    [
        # the event's own `at`, exactly (no float rounding of the milliseconds)
        (b'{"type":"x","at":"2026-01-01T10:00:12.345000+08:00"}', 1767232812345),
        (b'{"at":"2026-01-01T02:00:12.345Z"}', 1767232812345),
        # no readable `at`: the stream id's time
        (b"{}", 1000),
        (b'{"at":null}', 1000),
        (b'{"at":"2026-01-01T10:00:00"}', 1000),  # no UTC offset
        (b'{"at":"yesterday"}', 1000),
        (b"[1, 2]", 1000),
        (b"not json", 1000),
    ],
)
def test_an_event_is_archived_with_its_time(data: bytes, at_ms: int) -> None:
    event = archived_event("1000-3", b"ticket.issued", data)
    assert (event.id, event.type, event.at_ms, event.data) == (
        "1000-3",
        "ticket.issued",
        at_ms,
        data,
    )


def test_epoch_ms_is_exact_and_needs_an_offset() -> None:
    moment = datetime(2026, 1, 1, 10, 0, 12, 345999, tzinfo=CST)
    assert epoch_ms(moment) == 1767232812345
    assert epoch_ms(datetime(1970, 1, 1, tzinfo=UTC)) == 0
    with pytest.raises(ValueError):
        epoch_ms(datetime(2026, 1, 1))


def test_the_default_database_is_a_file_beside_the_embedded_redis(tmp_path: Path) -> None:
    archive = archive_for(None, tmp_path / "var")
    assert isinstance(archive, SQLiteArchive)
    assert archive.path == tmp_path / "var" / "records.sqlite3"


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///records.sqlite3", Path("records.sqlite3")),
        ("sqlite:///var/r.db", Path("var/r.db")),
        ("sqlite:////srv/hall/records.sqlite3", Path("/srv/hall/records.sqlite3")),
    ],
)
def test_a_sqlite_address_names_its_file(url: str, path: Path, tmp_path: Path) -> None:
    archive = archive_for(url, tmp_path)
    assert isinstance(archive, SQLiteArchive) and archive.path == path


@pytest.mark.parametrize("url", ["postgresql://hall:pw@db:5432/records", "postgres://db/records"])
def test_a_postgresql_address_and_its_description_without_password(
    url: str, tmp_path: Path
) -> None:
    archive = archive_for(url, tmp_path)
    assert isinstance(archive, PostgresArchive)
    assert "pw" not in archive.description
    assert archive.description.endswith("db:5432/records")


def test_describe_names_user_host_port_database() -> None:
    assert describe("postgresql://hall:secret@10.0.0.5/r") == "PostgreSQL hall@10.0.0.5:5432/r"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://hall:pw@db/records", "unsupported records database 'mysql'"),
        ("sqlite:///", "names a file"),
        ("sqlite://relative.db", "unsupported records database 'sqlite'"),
        ("records.sqlite3", "unsupported records database"),
    ],
)
def test_an_address_hall_cannot_use_is_refused(url: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        archive_for(url, tmp_path)
    assert "pw" not in str(caught.value)


@pytest.mark.parametrize("limit", [0, -1, 100_001])
def test_a_page_size_out_of_range_is_refused(limit: int) -> None:
    with pytest.raises(ValueError, match="limit"):
        events_query("?", "t", None, None, None, None, limit)


def test_the_events_query_keeps_stream_order_and_the_filters() -> None:
    since = datetime(2026, 1, 1, tzinfo=CST)
    sql, params = events_query("%s", "t", "5-2", "9-0", since, since + timedelta(days=1), 10)
    assert sql.endswith("ORDER BY ms, seq LIMIT %s")
    assert params == ["t", 5, 2, 9, 0, epoch_ms(since), epoch_ms(since) + 86_400_000, 10]


def test_hall_serve_refuses_a_database_it_cannot_use_before_starting() -> None:
    result = CliRunner().invoke(main, ["serve", "--database", "mysql://hall:hunter2@db/records"])
    assert result.exit_code == 2
    assert "--database" in result.output and "unsupported records database 'mysql'" in result.output
    assert "hunter2" not in result.output
