"""The director's board from a realistic Kaiyuan morning: live issues most urgent first, each
with what to do; red (the `alarm` of a tile, the open count) only for what nobody has
acknowledged; the hall's figures with the longest wait; every tile a link to its window."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hall.config import HallConfig, default_hall_path, load_hall
from hall.i18n import EN, ZH
from hall.kiosk import Renderer, director_context
from hall.kiosk.issues import urgency
from tests.unit.test_screens import MORNING, at, events_today, morning_state


@pytest.fixture(scope="module")
def hall() -> HallConfig:
    return load_hall(default_hall_path())


def alert(kind: str, minutes_ago: float, window: int | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{kind}-{window}-{minutes_ago}",
        "kind": kind,
        "since": at(MORNING, minutes_ago),
        "window": window,
        **extra,
    }


def state_with(hall: HallConfig, alerts: list[dict[str, Any]]) -> dict[str, Any]:
    state = morning_state(hall)
    state["alerts"] = alerts
    return state


# From least to most urgent, as the state might list them (windows first, by number).
ALERTS = [
    alert("uncovered", 20, 1, staff="xu-qingqing", escalated=True, acked=True),
    alert("uncovered", 9, 2, staff="cai-qiongyao"),
    alert("uncovered", 3, 3, staff="liu-wenzhi", escalated=True),
    alert("b_unavailable", 5, 5, staff="hua-jingxian", reason="covering", elsewhere=3),
    alert("stranded", 1, 6, staff="lin-wenming", waiting=4),
    alert("overdue", 40, None, ticket="C004"),
]


def test_issues_come_most_urgent_first(hall: HallConfig) -> None:
    ctx = director_context(hall, state_with(hall, ALERTS), [], ZH, MORNING)
    order = [(i.alert.kind, i.alert.window) for i in ctx.alerts.current]
    assert order == [
        ("stranded", 6),  # residents with nobody to serve them
        ("b_unavailable", 5),  # the director's to staff, oldest first...
        ("uncovered", 3),  # ...with an escalated one
        ("uncovered", 2),  # the B-post told, still within escalate_after
        ("overdue", None),
        ("uncovered", 1),  # acknowledged: still true, but seen
    ]
    assert [i.acked for i in ctx.alerts.current] == [False] * 5 + [True]
    assert ctx.alerts.open == 5
    assert sorted(ALERTS, key=urgency)[0]["kind"] == "stranded"


def test_each_issue_says_what_to_do_and_where(hall: HallConfig) -> None:
    ctx = director_context(hall, state_with(hall, ALERTS), [], ZH, MORNING)
    todo = {(i.alert.kind, i.alert.window): i.todo for i in ctx.alerts.current}
    assert todo[("stranded", 6)].startswith("4 人无人办理：请派人到 6 号窗口")
    assert todo[("b_unavailable", 5)] == "B岗 华静娴 正在 3 号窗口顶岗：请另派人员到 5 号窗口"
    assert todo[("uncovered", 3)] == "B岗 刘文智 未按时顶岗：请联系本人，或另派人员到 3 号窗口"
    assert todo[("uncovered", 2)] == "请B岗 蔡琼瑶 立即到 2 号窗口顶岗；联系不上请另派人员"
    assert "C004" in todo[("overdue", None)]
    hrefs = {i.alert.window: i.href for i in ctx.alerts.current}
    assert hrefs[6] == "/halls/kaiyuan/windows/6" and hrefs[None] is None
    english = director_context(hall, state_with(hall, ALERTS), [], EN, MORNING)
    (leave,) = [i for i in english.alerts.current if i.alert.kind == "b_unavailable"]
    assert leave.todo == "B-post 华静娴 is covering window 3: send someone else to window 5"

    html = Renderer().fragments("director", ctx)["alerts"]
    assert html.index("6 号窗口延时服务无人办理") < html.index("2 号窗口无人顶岗")
    assert html.count('class="btn btn-ack"') == 5  # the acknowledged one has no button
    assert 'class="count alarm"' in html
    assert 'tabindex="0"' in html  # the list scrolls past three: reachable by keyboard


def test_red_only_for_what_nobody_has_acknowledged(hall: HallConfig) -> None:
    renderer = Renderer()
    acked = [alert("uncovered", 3, 3, staff="liu-wenzhi", escalated=True, acked=True)]
    for alerts, alarmed in (([], False), (acked, False), ([{**acked[0], "acked": False}], True)):
        ctx = director_context(hall, state_with(hall, alerts), [], ZH, MORNING)
        frags = renderer.fragments("director", ctx)
        tiles = [t for t in ctx.tiles if t.alarm]
        assert [t.tile.number for t in tiles] == ([3] if alarmed else [])
        assert ('class="count alarm"' in frags["alerts"]) is alarmed
        assert (" alarm" in frags["window-3"]) is alarmed
        assert "st-uncovered" in frags["window-3"]  # the status stays: uncovered
        for n in (1, 2, 4, 5, 6, 7):  # staffed, away, covered, unstaffed: never red
            assert " alarm" not in frags[f"window-{n}"]


def test_figures_hold_the_longest_wait_and_staffed_of_open(hall: HallConfig) -> None:
    state = morning_state(hall)
    ctx = director_context(hall, state, [], ZH, MORNING)
    figures = {f.key: f for f in ctx.figures}
    assert [f.key for f in ctx.figures] == [
        "in-hall",
        "waiting",
        "being-served",
        "staffed",
        "longest-wait",
    ]
    # C004 was issued 31 minutes ago and still waits; A012 (25 min) is being served.
    longest = figures["longest-wait"]
    assert (longest.value, longest.note, longest.unit) == ("31", "C004", "分钟")
    assert longest.since_ms == int((MORNING - timedelta(minutes=31)).timestamp() * 1000)
    open_windows = state["occupancy"]["open_windows"]
    staffed = state["occupancy"]["staffed_windows"]
    assert figures["staffed"].value == f"{staffed} / {open_windows}"
    html = Renderer().fragments("director", ctx)["occupancy"]
    assert f'data-since-ms="{longest.since_ms}">31</span>' in html

    state["queue"] = [t for t in state["queue"] if t["status"] != "waiting"]
    quiet = {f.key: f for f in director_context(hall, state, [], ZH, MORNING).figures}
    assert quiet["longest-wait"].value == "—" and quiet["longest-wait"].since_ms is None


def test_every_tile_opens_its_window_in_the_page_language(hall: HallConfig) -> None:
    renderer = Renderer()
    for lang, name in ((ZH, "卫计办"), (EN, "Health Office")):
        ctx = director_context(hall, morning_state(hall), events_today(hall), lang, MORNING)
        frags = renderer.fragments("director", ctx)
        for n in range(1, 8):
            assert f'<a class="dt-link" href="/halls/kaiyuan/windows/{n}">' in frags[f"window-{n}"]
        assert f'<span class="dt-name">{name}</span>' in frags["window-3"]
        page = renderer.page("director", ctx)
        assert (
            page.index('id="alerts"') < page.index('id="occupancy"') < page.index('id="window-1"')
        )
    # The day's resolved alerts and lateness records live apart from the live issues.
    ctx = director_context(hall, morning_state(hall), events_today(hall), ZH, MORNING)
    frags = renderer.fragments("director", ctx)
    assert "按迟到处理" in frags["alert-history"] and "按迟到处理" not in frags["alerts"]
