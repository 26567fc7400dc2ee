"""What a followed hall keeps of today (`hall.live.today`, `HallFeed.remember`): the decoded
events, the same dicts as before when a screen asks for them, the wall's calls, the ticket
pages' service minutes."""

from __future__ import annotations

import msgspec

from hall.core import encode_event, event_type, initial_state
from hall.kiosk.calls import CALL_LOG_TYPES
from hall.kiosk.counters import average_service_minutes
from hall.live.feed import HallFeed

from .day import HALL
from .steps import desk, issue, logged, play, present

DAY = play(
    [
        present("08:30"),
        issue("08:31"),
        issue("08:32"),
        desk("08:33", "call"),
        desk("08:40", "finish"),
        desk("08:41", "call"),
        desk("08:52", "finish"),
    ],
    end="09:00",
)
BATCH = [(stream_id, encode_event(event)) for stream_id, event in logged(DAY)]


def _expected(upto: int) -> list[dict[str, object]]:
    return [{"id": i, **msgspec.to_builtins(e)} for i, e in logged(DAY)[:upto]]


def test_today_gives_the_screens_the_dicts_they_read_before_and_after_asking() -> None:
    feed = HallFeed(HALL, initial_state(HALL), "0-0")
    half = len(BATCH) // 2
    feed.advance(BATCH[:half])
    assert list(feed.today.dicts()) == _expected(half)  # made on asking
    feed.advance(BATCH[half:])
    assert list(feed.today.dicts()) == _expected(len(BATCH))  # kept in step from then on
    assert [c["type"] for c in feed.calls] == [
        event_type(e) for _, e in logged(DAY) if event_type(e) in CALL_LOG_TYPES
    ]


def test_the_service_minutes_are_todays_and_follow_the_version() -> None:
    feed = HallFeed(HALL, initial_state(HALL), "0-0")
    feed.advance(BATCH[:-1])
    before = feed.service_minutes()
    assert before == average_service_minutes(_expected(len(BATCH) - 1)) == 7.0
    feed.advance(BATCH[-1:])
    assert feed.service_minutes() == average_service_minutes(_expected(len(BATCH))) == 9.0
    assert len(feed.today) == len(BATCH)
