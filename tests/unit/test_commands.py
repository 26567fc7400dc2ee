"""Decoding untrusted command bytes: every failure is a precise 400."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hall.core import Invalid, decode_command, encode_command
from hall.core import events as ev
from hall.core.commands import COMMAND_TYPES, PresenceSet, TicketIssue


@pytest.mark.parametrize(
    ("raw", "code", "mentions"),
    [
        (b"{not json", "malformed", "JSON"),
        (b"[1, 2]", "malformed", "object"),
        (b'"hello"', "malformed", "object"),
        (b'{"window": 1}', "malformed", "type"),
        (b'{"type": "ticket.teleport", "window": 1}', "unknown_type", "ticket.teleport"),
        (b'{"type": 7}', "unknown_type", "7"),
        (b'{"type": "ticket.call"}', "invalid_field", "window"),
        (b'{"type": "ticket.call", "window": "3"}', "invalid_field", "window"),
        (b'{"type": "ticket.call", "window": 0}', "invalid_field", "window"),
        (b'{"type": "rating.give", "window": 1, "score": 6}', "invalid_field", "score"),
        (
            b'{"type": "rating.give", "window": 1, "score": 2, "reasons": ["rude"]}',
            "invalid_field",
            "reasons[0]",
        ),
        (
            b'{"type": "rating.give", "window": 1, "score": 4, "reasons": ["long_wait"]}',
            "invalid_field",
            "reasons: only with a score of 1 or 2",
        ),
        (
            b'{"type": "rating.give", "window": 1, "score": 1, "reasons": ["other", "other"]}',
            "invalid_field",
            "reasons: each reason at most once",
        ),
        (b'{"type": "ticket.issue", "service": "a"}', "invalid_field", "service"),
        (
            b'{"type": "presence.set", "window": 1, "post": "C", "state": "present"}',
            "invalid_field",
            "post",
        ),
        (
            b'{"type": "presence.set", "window": 1, "post": "A", "state": "away", "reason": "nap"}',
            "invalid_field",
            "reason",
        ),
        (b'{"type": "ticket.call", "window": 1, "windw": 2}', "invalid_field", "windw"),
        (b'{"type": "ticket.call", "window": 1, "id": ""}', "invalid_field", "id"),
    ],
)
def test_bad_commands(raw: bytes, code: str, mentions: str) -> None:
    with pytest.raises(Invalid) as err:
        decode_command(raw)
    assert err.value.code == code
    assert err.value.status == 400
    assert mentions in err.value.message


def test_good_commands_round_trip() -> None:
    c = decode_command(b'{"id": "k-1", "type": "ticket.issue", "service": "A", "priority": true}')
    assert c == TicketIssue(id="k-1", service="A", priority=True)
    assert decode_command(encode_command(c)) == c
    p = decode_command(
        '{"type":"presence.set","window":2,"post":"B","state":"away","reason":"field"}'
    )
    assert isinstance(p, PresenceSet) and p.reason == "field"


def test_every_contract_command_type_is_known() -> None:
    assert set(COMMAND_TYPES) >= {
        "presence.set", "cover.start", "cover.end", "ticket.issue", "ticket.call",
        "ticket.recall", "ticket.finish", "ticket.no_show", "ticket.transfer", "rating.give",
        "leave.register", "leave.cancel", "alert.ack", "window.close",
    }  # fmt: skip


def test_every_contract_event_type_is_known() -> None:
    contract = {
        "presence.changed", "cover.requested", "cover.escalated", "cover.started",
        "cover.ended", "absence.recorded", "ticket.issued", "ticket.called", "ticket.recalled",
        "ticket.finished", "ticket.no_show", "ticket.transferred", "window.opened",
        "window.extended", "window.closed", "rating.given", "cover.needed", "arrival.late",
        "leave.registered", "leave.cancelled", "alert.acked", "ticket.closed",
    }  # fmt: skip
    assert contract <= set(ev.EVENT_TYPES)


@given(st.binary(max_size=200))
def test_decoder_never_crashes_on_bytes(raw: bytes) -> None:
    try:
        decode_command(raw)
    except Invalid as e:
        assert e.code in ("malformed", "unknown_type", "invalid_field")


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["type", "window", "post", "state", "service", "score", "id", "x"]),
        st.one_of(
            st.sampled_from(sorted(COMMAND_TYPES)),
            st.integers(-5, 10),
            st.text(max_size=5),
            st.booleans(),
            st.none(),
        ),
    )
)
def test_decoder_never_crashes_on_objects(obj: dict[str, object]) -> None:
    try:
        decode_command(msgspec.json.encode(obj))
    except Invalid as e:
        assert e.code in ("malformed", "unknown_type", "invalid_field")
