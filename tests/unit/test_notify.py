"""Notifications, the pure parts: what fires (and only while its cause holds), whom each
channel reaches, the messages, the three services' requests and signatures (checked against
the documented formulas, computed here independently, and against vectors computed with
openssl), the answers' verdicts, and `env:` secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec
import pytest

from hall.config import HallConfig
from hall.config.model import NotifyChannel
from hall.core import events as ev
from hall.notify import NotifyConfigError, resolve
from hall.notify.adapters import dingtalk, dingtalk_sign, verdict, webhook, webhook_signature, wecom
from hall.notify.audience import reach
from hall.notify.delivery import Backoff
from hall.notify.messages import message, sentence
from hall.notify.notices import Notice, NoticeKind, is_current, notices
from hall.notify.notifier import webhook_payload
from tests.support.halls import make_hall

from .day import Day, at

MOBILES = {"b1": "13800000001", "a1": "13800000002", "boss": "13900000000"}
HALL = make_hall(mobiles=MOBILES)


def staffed_day() -> Day:
    d = Day(HALL)
    for n in (1, 2, 3):
        d.do("07:59", f"a{n}", "presence.set", window=n, post="A", state="present")
    d.tick("08:00")
    return d


def fired(d: Day, events: list[Any], prefix: str = "1-") -> list[Notice]:
    """The notices of `events` (just logged) against the day's state now."""
    out: list[Notice] = []
    for i, event in enumerate(events):
        out += notices(d.hall, f"{prefix}{i}", event, d.state)
    return out


# -- what fires -------------------------------------------------------------------------


def test_an_away_a_post_tells_the_b_post_then_requests_then_escalates() -> None:
    d = staffed_day()
    (needed,) = fired(d, d.do("09:00", "a1", "presence.set", window=1, post="A", state="away"))
    assert (needed.kind, needed.window, needed.staff) == ("cover.needed", 1, ("b1",))
    assert needed.deadline == at("09:10") and needed.a_state == "away"
    assert needed.id == "1-1/cover.needed" and needed.event == "1-1"
    (requested,) = fired(d, d.tick("09:10:01"))
    assert (requested.kind, requested.staff, requested.at) == (
        "cover.requested",
        ("b1",),
        at("09:10"),
    )
    (escalated,) = fired(d, d.tick("09:12:01"))
    assert (escalated.kind, escalated.staff) == ("cover.escalated", ("b1",))
    # All three stop holding the moment B covers: a late or retried one is dropped.
    d.do("09:13", "b1", "cover.start", window=1)
    assert [is_current(d.hall, d.state, n) for n in (needed, requested, escalated)] == [False] * 3


def test_a_notice_whose_cause_ended_before_it_is_handled_is_not_sent() -> None:
    d = staffed_day()
    away = d.do("09:00", "a1", "presence.set", window=1, post="A", state="away")
    d.do("09:01", "a1", "presence.set", window=1, post="A", state="present")
    assert fired(d, away) == []  # handled after A came back: nothing to announce


def test_a_new_spell_does_not_revive_the_last_one() -> None:
    d = staffed_day()
    (first,) = fired(d, d.do("09:00", "a1", "presence.set", window=1, post="A", state="away"))
    d.do("09:01", "a1", "presence.set", window=1, post="A", state="present")
    (second,) = fired(d, d.do("09:05", "a1", "presence.set", window=1, post="A", state="away"))
    assert not is_current(d.hall, d.state, first) and is_current(d.hall, d.state, second)


def test_a_b_post_who_cannot_come_is_told_with_the_reason() -> None:
    d = Day(make_hall(shared_b=True))  # b1 is the B-post of windows 1 and 2
    for n in (1, 2, 3):
        d.do("07:59", f"a{n}", "presence.set", window=n, post="A", state="present")
    d.tick("08:00")
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away")
    d.tick("09:10:01")
    d.do("09:11", "b1", "cover.start", window=1)
    (busy,) = fired(d, d.do("09:20", "a2", "presence.set", window=2, post="A", state="away"))
    assert (busy.window, busy.staff, busy.b_busy) == (2, ("b1",), "covering")


def closing_day() -> Day:
    d = staffed_day()
    d.do("11:00", "kiosk", "ticket.issue", service="A")  # waits for windows 1 and 2
    return d


def test_stranded_fires_with_the_closing_when_cover_was_already_requested() -> None:
    d = closing_day()
    d.do("11:30", "a1", "presence.set", window=1, post="A", state="away")
    d.do("11:30", "a2", "presence.set", window=2, post="A", state="away")
    d.tick("11:40:01")  # cover.requested for both
    stranded = [n for n in fired(d, d.tick("12:00")) if n.kind == "stranded"]
    assert [(n.window, n.waiting, n.staff) for n in stranded] == [
        (1, 1, ("a1", "b1")),
        (2, 1, ("a2", "b2")),
    ]
    d.do("12:01", "b1", "cover.start", window=1)
    assert [is_current(d.hall, d.state, n) for n in stranded] == [False, True]


def test_stranded_fires_with_the_request_when_the_window_was_extended_already() -> None:
    d = closing_day()
    d.do("11:55", "a1", "presence.set", window=1, post="A", state="away")
    d.do("11:55", "a2", "presence.set", window=2, post="A", state="away")
    assert [n.kind for n in fired(d, d.tick("12:00"))] == []  # away under the deadline
    kinds = sorted(n.kind for n in fired(d, d.tick("12:05:01")))
    assert kinds == ["cover.requested", "cover.requested", "stranded", "stranded"]


def test_an_overdue_ticket_concerns_the_posts_of_every_window_that_may_call_it() -> None:
    d = staffed_day()
    d.do("09:00", "kiosk", "ticket.issue", service="A")
    (overdue,) = fired(d, d.tick("09:30:01"))
    assert (overdue.kind, overdue.ticket, overdue.window) == ("overdue", "A001", None)
    assert overdue.staff == ("a1", "b1", "a2", "b2")
    d.do("09:31", "a2", "ticket.call", window=2)
    assert not is_current(d.hall, d.state, overdue)


def test_other_events_fire_nothing() -> None:
    d = staffed_day()
    events = d.do("09:00", "kiosk", "ticket.issue", service="A")
    events += d.do("09:01", "a1", "ticket.call", window=1)
    assert fired(d, events) == []


# -- who is reached -----------------------------------------------------------------------


def channel(**fields: Any) -> NotifyChannel:
    return msgspec.convert(
        {"id": "c", "kind": "wecom", "url": "https://x", **fields}, NotifyChannel
    )


def notice(
    kind: NoticeKind = "cover.needed", window: int | None = 1, staff: tuple[str, ...] = ("b1",)
) -> Notice:
    return Notice(
        id=f"5-0/{kind}",
        event="5-0",
        hall="test",
        kind=kind,
        at=at("09:00"),
        window=window,
        staff=staff,
        deadline=at("09:10:30"),
        a_state="away",
    )


BOSS = (("boss",), ("13900000000",), "/halls/test/director")
OVERDUE_2 = notice("overdue", 2, ("a2", "b2"))
STRANDED_1 = notice("stranded", 1, ("a1", "b1"))


@pytest.mark.parametrize(
    ("fields", "note", "expected"),
    [
        ({"staff": ["b1"]}, notice(), (("b1",), ("13800000001",), "/me")),
        ({"staff": ["b2"]}, notice(), None),  # not about b2
        ({"staff": ["b1"], "events": ["cover.requested"]}, notice(), None),  # not this event
        ({"roles": ["director"]}, notice(), BOSS),
        ({"roles": ["director"]}, OVERDUE_2, BOSS),
        ({"roles": ["clerk"]}, STRANDED_1, (("a1", "b1"), ("13800000002", "13800000001"), "/me")),
        (
            {"staff": ["b1"], "roles": ["director"]},
            notice(),
            (("b1", "boss"), ("13800000001", "13900000000"), "/me"),
        ),
        ({"staff": ["a2"]}, OVERDUE_2, (("a2",), (), "/me")),  # no mobile given
    ],
)
def test_who_a_channel_reaches_and_mentions(
    fields: dict[str, Any], note: Notice, expected: tuple[Any, ...] | None
) -> None:
    found = reach(HALL, channel(**fields), note)
    assert (found and (found.people, found.mentions, found.path)) == expected


# -- messages -----------------------------------------------------------------------------


def test_the_messages_say_who_which_window_and_by_when() -> None:
    text = sentence(HALL, notice())
    assert text == "【请顶岗】1 号窗口（窗口1）：A岗A1暂离，请B岗B1在 09:10 前到窗口顶岗。"
    full = message(HALL, notice(), "https://hall.example/me")
    assert full.endswith("\n详情：https://hall.example/me")
    english = sentence(HALL, notice(), "en")
    assert english == (
        "[Cover needed] Window 1 (窗口1): A-post A1 is away. B-post B1, please cover the "
        "window before 09:10."
    )


def changed(note: Notice, **fields: Any) -> Notice:
    return msgspec.structs.replace(note, **fields)


@pytest.mark.parametrize(
    ("note", "words"),
    [
        (notice("cover.requested"), ["【请立即顶岗】", "超过 10 分钟", "B岗B1"]),
        (notice("cover.escalated"), ["【已报主任】", "B岗B1"]),
        (changed(STRANDED_1, waiting=3), ["3 位", "A岗A1", "B岗B1"]),
        (
            changed(notice("overdue", None, ()), ticket="A001", service="A"),
            ["A001 号（甲）", "30 分钟", "办理窗口"],
        ),
        (changed(notice(), b_busy="leave"), ["【需安排顶岗】", "B岗B1请假中", "09:10 前"]),
        (changed(notice(), a_state="off", a_leave=True), ["A岗A1请假"]),
    ],
)
def test_each_kind_in_words(note: Notice, words: list[str]) -> None:
    text = sentence(HALL, note)
    assert all(w in text for w in words), text
    assert sentence(HALL, note, "en")  # the English catalog formats too


def test_a_rule_in_seconds_is_said_in_seconds() -> None:
    hall = make_hall(cover_after=timedelta(seconds=90))
    assert "超过 90 秒" in sentence(hall, notice("cover.requested"))


# -- the services' requests ---------------------------------------------------------------


def test_wecom_text_message_with_mentions() -> None:
    request = wecom("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "你好", ("138",))
    assert request.url.endswith("send?key=k")
    assert request.headers["content-type"].startswith("application/json")
    assert json.loads(request.body) == {
        "msgtype": "text",
        "text": {"content": "你好", "mentioned_mobile_list": ["138"]},
    }
    assert "你好".encode() in request.body  # UTF-8, not \\u escapes


def test_dingtalk_sign_matches_a_vector_computed_with_openssl() -> None:
    # printf '1700000000000\nSEC0123456789abcdef' | openssl dgst -sha256 -hmac SEC… -binary | base64
    vector = "TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk="
    assert dingtalk_sign("SEC0123456789abcdef", 1700000000000) == vector


def test_dingtalk_request_is_signed_as_documented() -> None:
    secret, ts = "SECabc+/=def", 1767236400123
    request = dingtalk(
        "https://oapi.dingtalk.com/robot/send?access_token=t", secret, "顶岗", ("138", "139"), ts
    )
    parts = urlsplit(request.url)
    query = parse_qs(parts.query)
    assert parts.path == "/robot/send" and query["access_token"] == ["t"]
    assert query["timestamp"] == [str(ts)]
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    assert query["sign"] == [base64.b64encode(digest).decode()]  # parse_qs undid the urlencode
    assert "+" not in parts.query.split("sign=")[1]  # '+' / '/' / '=' are percent-encoded
    assert json.loads(request.body) == {
        "msgtype": "text",
        "text": {"content": "顶岗 @138 @139"},
        "at": {"atMobiles": ["138", "139"], "isAtAll": False},
    }


def test_dingtalk_without_a_secret_is_not_signed() -> None:
    request = dingtalk("https://oapi.dingtalk.com/robot/send?access_token=t", "", "x", (), 1)
    assert request.url == "https://oapi.dingtalk.com/robot/send?access_token=t"


def test_webhook_signature_matches_a_vector_computed_with_openssl() -> None:
    # printf '1700000000.{"id":"x"}' | openssl dgst -sha256 -hmac whsec-test -hex
    expected = "sha256=a011cc83d9ed494fd1b9659f5bcf0bc7dd5349dd15d02b313d6fc3b03064ce6a"
    assert webhook_signature("whsec-test", 1700000000, b'{"id":"x"}') == expected


def test_webhook_request_carries_its_timestamp_signature_and_id() -> None:
    payload = webhook_payload(HALL, notice(), sentence(HALL, notice()), "https://h/me")
    request = webhook("https://example.org/hook", "s3cret", payload, 1767236400)
    h = request.headers
    assert h["x-hall-timestamp"] == "1767236400" and h["x-hall-id"] == "5-0/cover.needed"
    mac = hmac.new(b"s3cret", b"1767236400." + request.body, hashlib.sha256).hexdigest()
    assert h["x-hall-signature"] == f"sha256={mac}"
    body = json.loads(request.body)
    assert body == {
        "id": "5-0/cover.needed",
        "event": "5-0",
        "hall": "test",
        "type": "cover.needed",
        "at": "2026-11-30T09:00:00+08:00",
        "window": 1,
        "staff": ["b1"],
        "deadline": "2026-11-30T09:10:30+08:00",
        "ticket": None,
        "waiting": None,
        "text": sentence(HALL, notice()),
        "url": "https://h/me",
    }


@pytest.mark.parametrize(
    ("kind", "status", "body", "expected"),
    [
        ("wecom", 200, b'{"errcode":0,"errmsg":"ok"}', "ok"),
        ("wecom", 200, b'{"errcode":45009,"errmsg":"api freq out of limit"}', "retry"),
        ("dingtalk", 200, b'{"errcode":0,"errmsg":"ok"}', "ok"),
        ("dingtalk", 200, b'{"errcode":310000,"errmsg":"sign not match"}', "retry"),
        ("dingtalk", 200, b"<html>", "retry"),
        ("webhook", 204, b"", "ok"),
        ("webhook", 500, b"", "retry"),
        ("webhook", 503, b"", "retry"),
        ("webhook", 429, b"", "retry"),
        ("webhook", 408, b"", "retry"),
        ("webhook", 404, b"", "fail"),  # a wrong address does not improve
        ("webhook", 401, b"", "fail"),
        ("wecom", 302, b"", "fail"),
    ],
)
def test_verdicts(kind: str, status: int, body: bytes, expected: str) -> None:
    assert verdict(kind, status, body)[0] == expected


def test_backoff_grows_with_jitter_and_stays_within_about_two_minutes() -> None:
    b = Backoff()
    for retry, full in ((1, 3.0), (2, 9.0), (3, 27.0), (4, 81.0)):
        pauses = [b.delay(retry) for _ in range(200)]
        assert all(full / 2 <= p <= full for p in pauses)
        assert len(set(pauses)) > 1  # jittered: hubs do not retry in step
    assert sum(3.0 * 3**k for k in range(b.tries - 1)) == 120.0


# -- env: ---------------------------------------------------------------------------------


def with_channels(*channels: NotifyChannel) -> HallConfig:
    return msgspec.structs.replace(HALL, notify=channels)


def test_env_values_are_read_at_start() -> None:
    hall = with_channels(
        channel(id="w", kind="webhook", url="env:HOOK_URL", secret="env:HOOK_KEY", staff=["b1"])
    )
    (endpoint,) = resolve({"test": hall}, {"HOOK_URL": "https://h/x", "HOOK_KEY": "k"})["test"]
    assert (endpoint.url, endpoint.secret, endpoint.kind) == ("https://h/x", "k", "webhook")
    assert "https://h/x" not in repr(endpoint)  # the robot's key never shows in a repr


@pytest.mark.parametrize(
    ("fields", "environ", "problem"),
    [
        ({"url": "env:ROBOT"}, {}, "environment variable ROBOT is not set"),
        ({"url": "env:ROBOT"}, {"ROBOT": "  "}, "environment variable ROBOT is not set"),
        ({"url": "env:ROBOT"}, {"ROBOT": "ftp://x"}, "not an http:// or https:// address"),
        ({"kind": "webhook", "secret": "env:KEY"}, {}, "environment variable KEY is not set"),
        ({"kind": "dingtalk", "secret": "env:SEC"}, {}, "notify[0] (c).secret"),
    ],
)
def test_a_missing_env_value_is_refused_by_name(
    fields: dict[str, Any], environ: dict[str, str], problem: str
) -> None:
    hall = with_channels(channel(staff=["b1"], **fields))
    with pytest.raises(NotifyConfigError, match=re.escape(problem)):
        resolve({"test": hall}, environ)


def test_a_hall_without_channels_has_no_endpoints() -> None:
    assert resolve({"test": HALL}, {}) == {}


def test_the_notice_events_are_the_configs() -> None:
    from hall.config.model import NOTIFY_EVENTS

    assert set(NOTIFY_EVENTS) == {"cover.needed", "cover.requested", "cover.escalated"} | {
        "stranded",
        "overdue",
    }
    assert {"cover.needed", "cover.requested", "cover.escalated"} <= set(ev.EVENT_TYPES)
