"""The outbox's direct writer: granted only to an idle socket with nothing queued and a
transport that takes data, revoked by anything that may change that. The fan-out trusts
`Outbox.write` alone, so each way to lose it is checked here."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest

from hall.live.outbox import Outbox


class Transport:
    """A `RawSocket` as hall's uvicorn protocol presents one, without a network."""

    def __init__(self) -> None:
        self.hall_listener: Callable[[], None] | None = None
        self.writable = True
        self.sent: list[bytes] = []

    def hall_pending(self) -> int:
        return 0

    def hall_writable(self) -> bool:
        return self.writable

    def hall_write(self, data: bytes) -> None:
        self.sent.append(data)

    def hall_writer(self) -> Callable[[bytes], object]:
        return self.sent.append

    def hall_close(self, code: int, reason: str) -> None:
        self.writable = False


def granted(limit: int = 3) -> tuple[Outbox[str], Transport]:
    raw = Transport()
    box: Outbox[str] = Outbox(limit, raw)
    box.grant()
    assert box.write is not None
    return box, raw


def test_a_socket_served_through_asgi_is_never_written_directly() -> None:
    box: Outbox[str] = Outbox(3)
    box.grant()
    assert box.write is None


def test_the_writer_is_the_transports() -> None:
    box, raw = granted()
    assert box.write is not None
    box.write(b"frame")
    assert raw.sent == [b"frame"]


def test_no_writer_while_the_transport_is_paused() -> None:
    raw = Transport()
    raw.writable = False
    box: Outbox[str] = Outbox(3, raw)
    box.grant()
    assert box.write is None


def test_no_writer_while_something_waits_in_the_outbox() -> None:
    box, _ = granted()
    box.put("a")
    assert box.write is None
    box.grant()  # the task would write "a" first
    assert box.write is None
    assert box.take_now() == ["a"]
    box.grant()
    assert box.write is not None


@pytest.mark.parametrize("cause", ["listener", "overflow"])
def test_a_change_revokes_the_writer(cause: str) -> None:
    box, raw = granted(limit=1)
    if cause == "listener":  # the protocol: a message, the client leaving, pause or resume
        raw.hall_listener = box.wake
        raw.hall_listener()
    else:
        box.put("a")
        box.put("b")
        assert box.overflowed
    assert box.write is None


@pytest.mark.anyio
async def test_the_waiting_task_is_woken_and_the_writer_stays_revoked() -> None:
    box, _ = granted()
    woken = anyio.Event()

    async def task() -> None:
        await box.wait()
        woken.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(task)
        await anyio.wait_all_tasks_blocked()
        box.wake()
        with anyio.fail_after(2):
            await woken.wait()
    assert box.write is None
