"""The kiosk's contexts: its buttons and its ticket slip count only the windows that can call a
ticket now, its services say what they cover (in the page's language) and which one-time
notices it prints, and its self-check judges the public address."""

from __future__ import annotations

from typing import Any

import pytest

from hall.core.public import public_state
from hall.i18n import EN, ZH
from hall.kiosk import Renderer, kiosk_check_context, kiosk_context, no_printing, slip_for
from hall.kiosk.check import KIOSK_FLAGS, public_address_verdict
from hall.kiosk.positions import serving_windows
from tests.support.halls import make_hall
from tests.unit.day import Day

NOTICE = """name_en = "Alpha"
covers = "证明开具、户籍登记"
covers_en = "Certificates, household registration"

[[services.notices]]
item = "居住证明"
basis = "《居住证暂行条例》"
materials = ["身份证原件", "租房合同"]
time_limit = "即办"
contact = "1 号窗口"

[[services.notices]]
item = "独生子女证"
"""
HALL = make_hall(service_extra={"A": NOTICE})


def slip(d: Day, number: str, when: str) -> dict[str, Any]:
    view = slip_for(HALL, d.state, "0-1", number, d.now(when), base_url="https://hall.cn", key="k")
    assert view is not None
    return view


def buttons(d: Day, when: str, lang: str = ZH) -> dict[str, Any]:
    state = public_state(HALL, d.state, d.now(when), "0-1", detail=False)
    ctx = kiosk_context(HALL, state, lang, d.now(when))
    return {b.code: b for b in ctx.services}


def open_day() -> Day:
    d = Day(HALL)
    d.tick("08:00")
    return d


def test_a_ticket_nobody_serves_promises_nothing() -> None:
    d = open_day()
    d.do("08:01", "kiosk", "ticket.issue", service="A")
    first = slip(d, "A001", "08:01")
    assert first["windows"] == [] and first["all_windows"] == [1, 2]
    assert first["ahead"] == 0 and first["wait_minutes"] is None  # never "you are next"
    assert first["url"].startswith("https://hall.cn/halls/test/tickets/2026-11-30/A001?k=k")
    a = buttons(d, "08:01")["A"]
    assert (a.serving, a.waiting, a.waiting_label) == (False, 0, "现在没有窗口办理")


def test_the_slip_and_the_buttons_count_only_windows_serving_now() -> None:
    d = open_day()
    d.do("08:01", "kiosk", "ticket.issue", service="A")
    d.do("08:02", "a1", "presence.set", window=1, post="A", state="present")
    d.do("08:03", "kiosk", "ticket.issue", service="A")
    second = slip(d, "A002", "08:03")
    assert (second["windows"], second["ahead"], second["wait_minutes"]) == ([1], 1, 8)
    assert buttons(d, "08:03")["A"].waiting_label == "等候 2 人"

    d.do("08:04", "a2", "presence.set", window=2, post="A", state="present")
    d.do("08:05", "kiosk", "ticket.issue", service="A")
    third = slip(d, "A003", "08:05")
    assert (third["windows"], third["ahead"]) == ([1, 2], 2)
    assert third["wait_minutes"] == 8  # 2 ahead x 8 min, shared by two windows

    # Window 1's A-post steps away (under cover_after): it calls nobody until back.
    d.do("08:06", "a1", "presence.set", window=1, post="A", state="away")
    d.do("08:06", "kiosk", "ticket.issue", service="A")
    assert slip(d, "A004", "08:06")["windows"] == [2]
    # Window 2 also serves B: a B ticket waits behind the A tickets window 2 calls first;
    # window 3 (B only) is unstaffed and counts for nothing.
    d.do("08:07", "kiosk", "ticket.issue", service="B")
    b1 = slip(d, "B001", "08:07")
    assert (b1["windows"], b1["all_windows"], b1["ahead"]) == ([2], [2, 3], 4)
    b = buttons(d, "08:07")["B"]
    assert (b.serving, b.waiting, b.waiting_label) == (True, 5, "等候 5 人")

    # B3 covers window 3 (its A-post is off): now window 3 calls B tickets at once.
    d.do("08:08", "b3", "cover.start", window=3)
    d.do("08:08", "kiosk", "ticket.issue", service="B")
    b2 = slip(d, "B002", "08:08")
    assert (b2["windows"], b2["ahead"], b2["wait_minutes"]) == ([2, 3], 1, 4)
    assert buttons(d, "08:08")["B"].waiting == 2  # window 3: B001, B002 wait for it


def test_serving_windows_are_staffed_or_covered_and_open() -> None:
    def w(n: int, status: str, serving: str | None = None) -> dict[str, Any]:
        return {"number": n, "status": status, "serving_status": serving or status}

    windows = [
        w(1, "staffed"),
        w(2, "covered"),
        w(3, "away"),
        w(4, "uncovered"),
        w(5, "unstaffed"),
        w(6, "extended", "staffed"),
        w(7, "extended", "uncovered"),  # past closing with residents waiting, nobody there
        w(8, "closed", "closed"),
    ]
    assert serving_windows({"windows": windows}) == {1, 2, 6}


def test_services_say_what_they_cover_in_the_page_language() -> None:
    d = open_day()
    zh, en = buttons(d, "08:01"), buttons(d, "08:01", EN)
    assert (zh["A"].name, zh["A"].covers, zh["A"].notices) == ("甲", "证明开具、户籍登记", 2)
    assert (en["A"].name, en["A"].covers) == ("Alpha", "Certificates, household registration")
    assert (en["B"].name, en["B"].covers, en["B"].notices) == ("乙", "", 0)  # nothing given
    assert en["A"].waiting_label == "No window serving now"


def test_notices_print_the_fields_art_9_lists_that_are_filled() -> None:
    d = open_day()
    state = public_state(HALL, d.state, d.now("08:01"), "0-1", detail=False)
    ctx = kiosk_context(HALL, state, ZH, d.now("08:01"))
    first, second = ctx.notices
    assert (first.id, first.service, first.item) == ("notice-A-1", "A", "居住证明")
    assert [f.label for f in first.fields] == ["法定依据", "申报材料", "承诺时限", "联系方式"]
    assert first.fields[1].items == ("身份证原件", "租房合同")
    assert second.fields == ()  # only the item
    html = Renderer().page("kiosk", ctx, ws_token="tok")
    assert '<template id="notice-A-1" data-service="A" data-item="居住证明">' in html
    assert "<li>租房合同</li>" in html and "项目名称" in html
    assert html.count('data-notices="A"') == 1 and 'data-notices="B"' not in html
    assert 'id="slip-template"' in html and 'id="print-slip"' in html


def test_the_kiosk_prints_unless_told_not_to() -> None:
    d = open_day()
    state = public_state(HALL, d.state, d.now("08:01"), "0-1", detail=False)
    ctx = kiosk_context(HALL, state, ZH, d.now("08:01"))
    renderer = Renderer()
    assert ctx.auto_print and 'data-auto-print="true"' in renderer.page("kiosk", ctx)
    quiet = no_printing(ctx)
    page = renderer.page("kiosk", quiet, ws_token="tok")
    assert 'data-auto-print="false"' in page
    assert "?lang=en&amp;print=0&amp;token=tok" in page  # the language link keeps it


@pytest.mark.parametrize(
    ("url", "verdict"),
    [
        ("https://hall.kaiyuan.example", "ok"),
        ("http://192.168.1.20:8000", "ok"),  # the hall's own network
        ("http://hall:8000/", "ok"),
        ("http://127.0.0.1:8000", "local"),  # HALL_PUBLIC_URL unset: `--host`/`--port`
        ("http://localhost:8000", "local"),
        ("http://0.0.0.0:8000", "local"),
        ("http://[::1]:8000", "local"),
        ("hall.example", "invalid"),
        ("ftp://hall.example", "invalid"),
        ("http://hall.example:port", "invalid"),
        ("", "invalid"),
    ],
)
def test_public_address_verdict(url: str, verdict: str) -> None:
    assert public_address_verdict(url) == verdict


def test_the_check_page_names_the_flags_and_what_to_fix() -> None:
    d = open_day()
    local = kiosk_check_context(HALL, ZH, d.now("08:00"), public_url="http://127.0.0.1:8000")
    assert not local.public_ok and "HALL_PUBLIC_URL" in local.public_text
    assert "http://127.0.0.1:8000" in local.public_text
    assert all(flag in local.command for flag in KIOSK_FLAGS)
    assert local.command.endswith("'http://127.0.0.1:8000/halls/test/kiosk?token=TOKEN'")
    good = kiosk_check_context(HALL, EN, d.now("08:00"), public_url="https://hall.cn")
    assert good.public_ok and "https://hall.cn" in good.public_text
    page = Renderer().page("kiosk_check", good, ws_token="tok")
    assert 'id="check-print" data-state="running"' in page
    assert 'id="check-public" data-state="ok"' in page
    assert "?check=1&amp;lang=zh-CN&amp;token=tok" in page
    assert 'href="?token=tok&amp;lang=en"' in page  # back to the kiosk, same language
    assert "--kiosk-printing" in page and "ws-connect" not in page  # not a live page
