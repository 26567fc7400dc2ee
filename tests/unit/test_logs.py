"""No secret in a log line (hall.logs): tokens, keys, PINs, bearer credentials, and the
password of a database's or Redis's address."""

from __future__ import annotations

import logging

import pytest

from hall.logs import Redact, redact


@pytest.mark.parametrize(
    ("line", "clean"),
    [
        ("GET /halls/t/kiosk?token=t.abc HTTP/1.1", "GET /halls/t/kiosk?token=*** HTTP/1.1"),
        ("/ticket?k=9f8e&x=1", "/ticket?k=***&x=1"),
        ("Authorization: Bearer t.secret", "Authorization: Bearer ***"),
        (
            "records postgresql://hall:s3cr%40t@db.internal:5432/records",
            "records postgresql://hall:***@db.internal:5432/records",
        ),
        ("postgres://hall:p@ss/w0rd@db/records", "postgres://hall:***@db/records"),
        ("Redis redis://:hunter2@redis:6379/0", "Redis redis://:***@redis:6379/0"),
        (
            "DSN host=db user=hall password=hunter2 dbname=x",
            "DSN host=db user=hall password=*** dbname=x",
        ),
        # nothing secret: left as it is
        ("postgresql://hall@db:5432/records", "postgresql://hall@db:5432/records"),
        ("Redis unix:///srv/hall/var/redis.sock", "Redis unix:///srv/hall/var/redis.sock"),
        ("http://127.0.0.1:8000/healthz", "http://127.0.0.1:8000/healthz"),
    ],
)
def test_redact_blanks_secrets_and_only_them(line: str, clean: str) -> None:
    assert redact(line) == clean


def test_a_log_record_is_redacted_whoever_logs_it() -> None:
    record = logging.LogRecord(
        "psycopg.pool",
        logging.WARNING,
        __file__,
        1,
        "cannot reach %s",
        ("postgresql://u:pw@h/db",),
        None,
    )
    assert Redact().filter(record)
    assert record.getMessage() == "cannot reach postgresql://u:***@h/db"
