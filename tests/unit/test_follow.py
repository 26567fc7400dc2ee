"""Which halls a hub follows (hall.live.hub.Live): a hall's feed, and the tail's read of its
log, last while a socket holds it and `linger` seconds after the last left. On a fake clock;
nothing here reaches Redis (the tail is not run, the store never asked)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hall.core import State, initial_state
from hall.live.hub import Live
from hall.store.store import Store
from tests.support.halls import make_hall

HALL = make_hall()
NOWHERE = "redis://127.0.0.1:1"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


CLOCK = Clock()


@pytest.fixture
async def live() -> AsyncIterator[Live]:
    async def load(hall: str) -> tuple[State, str]:
        return initial_state(HALL), "0-0"

    CLOCK.now = 0.0
    store = Store(NOWHERE)
    yield Live({HALL.id: HALL}, store, load, NOWHERE, linger=30.0, monotonic=CLOCK)
    await store.close()


def at(live: Live, seconds: float) -> list[str]:
    """What `live` stops following when its clock reads `seconds`."""
    CLOCK.now = seconds
    return live.drop_idle()


@pytest.mark.anyio
async def test_a_hall_is_followed_while_held_and_for_the_linger_after(live: Live) -> None:
    assert live.tail.halls == frozenset()
    first = await live.hold("test")
    assert await live.hold("test") is first  # one feed, two holders
    assert live.tail.halls == {"test"}
    live.release("test")
    assert at(live, 100) == []  # one socket still holds it
    live.release("test")  # the last left at 100
    assert at(live, 129.9) == [] and "test" in live.feeds
    assert at(live, 130.0) == ["test"]
    assert live.feeds == {} and live.tail.halls == frozenset()


@pytest.mark.anyio
async def test_a_page_alone_lingers_and_a_socket_within_the_linger_keeps_the_feed(
    live: Live,
) -> None:
    page = await live.feed("test")  # a page rendered: nobody holds it yet
    assert at(live, 20) == []
    assert await live.hold("test") is page  # its socket came: the same feed
    assert at(live, 500) == []
    live.release("test")
    assert at(live, 529) == [] and at(live, 530) == ["test"]
    again = await live.feed("test")  # followed anew: a new feed from the state
    assert again is not page and live.tail.halls == {"test"}


@pytest.mark.anyio
async def test_following_holds_for_the_block(live: Live) -> None:
    async with live.following("test") as feed:
        assert live.holders == {"test": 1} and feed is live.feeds["test"]
    assert live.holders == {}
    assert at(live, 30) == ["test"]
