"""Who may send which command, and the order of the checks (403 before 404)."""

from __future__ import annotations

from typing import Any

import pytest

from hall.core import DomainError

from .day import Day


@pytest.fixture
def day() -> Day:
    d = Day()
    d.tick("08:00")
    return d


@pytest.mark.parametrize(
    ("who", "type_", "fields", "status", "code"),
    [
        ("a2", "ticket.call", {"window": 1}, 403, "forbidden"),  # another window's clerk
        ("a2", "presence.set", {"window": 2, "post": "B", "state": "present"}, 403, "forbidden"),
        ("a1", "cover.start", {"window": 1}, 403, "forbidden"),  # only the B-post covers
        ("display", "ticket.issue", {"service": "A"}, 403, "forbidden"),
        ("integration", "ticket.call", {"window": 1}, 403, "forbidden"),
        ("kiosk", "ticket.call", {"window": 1}, 403, "forbidden"),
        ("pad1", "rating.give", {"window": 2, "score": 3}, 403, "forbidden"),
        ("pad1", "ticket.call", {"window": 1}, 403, "forbidden"),
        ("boss", "rating.give", {"window": 1, "score": 3}, 403, "forbidden"),
        ("a1", "ticket.call", {"window": 99}, 403, "forbidden"),  # 403 comes before 404
        ("boss", "ticket.call", {"window": 99}, 404, "unknown_window"),
        ("admin", "cover.start", {"window": 99}, 404, "unknown_window"),
        ("kiosk", "ticket.issue", {"service": "Z"}, 404, "unknown_service"),
        ("a1", "ticket.transfer", {"window": 1, "to_window": 42}, 404, "unknown_window"),
    ],
)
def test_refused(
    day: Day, who: str, type_: str, fields: dict[str, Any], status: int, code: str
) -> None:
    before = day.state
    with pytest.raises(DomainError) as err:
        day.do("08:30", who, type_, **fields)
    assert (err.value.status, err.value.code) == (status, code)
    assert err.value.message
    assert day.state == before


@pytest.mark.parametrize(
    ("who", "type_", "fields"),
    [
        ("a1", "presence.set", {"window": 1, "post": "A", "state": "present"}),
        ("b1", "presence.set", {"window": 1, "post": "B", "state": "present"}),
        ("boss", "presence.set", {"window": 1, "post": "A", "state": "away"}),
        ("admin", "presence.set", {"window": 3, "post": "B", "state": "away"}),
        ("kiosk", "ticket.issue", {"service": "A"}),
        ("a3", "ticket.issue", {"service": "B", "priority": True}),
        ("boss", "ticket.issue", {"service": "B"}),
        ("b1", "cover.start", {"window": 1}),
    ],
)
def test_allowed(day: Day, who: str, type_: str, fields: dict[str, Any]) -> None:
    assert day.do("08:30", who, type_, **fields)


def test_only_the_system_ticks(day: Day) -> None:
    from hall.core import Tick

    with pytest.raises(DomainError) as err:
        day.run(Tick(), "admin", "09:00")
    assert err.value.status == 403
