"""The records pages' contexts and templates (hall/kiosk/records_*.py, templates/records*.html)
from a day played through the core and read back through the reports from a real SQLite
records database: the month's sheet (counts, a voided record out of them, the total, the
exports, the lines to sign), a clerk's month (every record with its evidence, status and
trail; who gets which form), the services' figures and their pictures, the duty page's
records; and the pages' inputs."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest

from hall.core.errors import Invalid
from hall.i18n import EN, ZH, t
from hall.kiosk import Renderer
from hall.kiosk.labels import Labeller
from hall.kiosk.records_common import figure, month_nav, rate, shift_month
from hall.kiosk.records_services import by_hour, services_context
from hall.kiosk.records_sheet import sheet_context
from hall.kiosk.records_staff import my_records, staff_month_context
from hall.records.databases import archive_for
from hall.records.replay import Replay
from hall.records.reports import attendance, services, staff_month, tickets
from hall.web.duty_records import plain
from hall.web.record_pages import parse_month
from tests.support.records import as_archived
from tests.unit.day import HALL, MONDAY, Day, at

NEXT_DAY = MONDAY + timedelta(days=1)
NOW = at("10:00", NEXT_DAY)  # the day after: Monday is over, sealed on first read
MONTH = MONDAY.replace(day=1)


def monday() -> Day:
    """a2 arrives 5 min late (R1) and is away 20.5 min uncovered (R2); a2 appeals R1 and
    the director voids it; a2 appeals R2, still open. One resident at each service."""
    d = Day()
    d.do("07:59", "a1", "presence.set", window=1, post="A", state="present")
    d.do("08:05", "a2", "presence.set", window=2, post="A", state="present")
    d.do("09:00", "a2", "presence.set", window=2, post="A", state="away", reason="meeting")
    d.tick("09:10:01")
    d.do("09:20:30", "a2", "presence.set", window=2, post="A", state="present")
    d.do("09:30", "kiosk", "ticket.issue", service="A")
    d.do("09:34", "a1", "ticket.call", window=1)
    d.do("09:40", "a1", "ticket.finish", window=1)
    d.do("09:41", "pad1", "rating.give", window=1, score=5)
    d.do("10:05", "kiosk", "ticket.issue", service="B")
    d.do("10:20", "a2", "ticket.call", window=2)
    d.do("10:30", "a2", "ticket.finish", window=2)
    d.do("11:00", "a2", "appeal.file", record="R1", reason="地铁故障，有证明")
    d.do("11:30", "boss", "appeal.decide", appeal="P1", upheld=False, reason="已核实")
    d.do("11:40", "a2", "appeal.file", record="R2", reason="去档案室取件")
    d.tick("18:00")
    d.tick(at("00:00:01", NEXT_DAY))
    return d


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The reports of Monday's month, as the pages get them (JSON builtins)."""
    folder: Path = tmp_path_factory.mktemp("records")
    log = monday().log

    async def read() -> dict[str, Any]:
        archive = archive_for(None, folder)
        await archive.open()
        try:
            await archive.append(HALL.id, as_archived(log))
            days = await Replay(archive, HALL).timelines(MONTH, NEXT_DAY, NOW)
            return {
                "sheet": plain(await attendance(archive, HALL, MONDAY, NOW)),
                "a2": plain(await staff_month(archive, HALL, "a2", MONDAY, NOW)),
                "services": plain(await services(archive, HALL, MONTH, NEXT_DAY, NOW)),
                "tickets": plain(await tickets(archive, HALL, MONTH, NEXT_DAY, NOW))["tickets"],
                "timelines": [plain(d) for d in days],
            }
        finally:
            await archive.close()

    return anyio.run(read)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def row_of(html: str, staff: str) -> str:
    start = html.index(f'id="sheet-{staff}"')
    return html[start : html.index("</tr>", start)]


def cells(row: str) -> list[str]:
    return [c.split(">", 1)[1].split("<", 1)[0] for c in row.split("<td")[1:]]


def test_the_sheet_counts_what_stands_and_leaves_out_what_was_voided(
    reports: dict[str, Any], renderer: Renderer
) -> None:
    ctx = sheet_context(HALL, ZH, NOW, MONDAY, reports["sheet"])
    html = renderer.page("records", ctx)
    a2 = cells(row_of(html, "a2"))
    # 应到, 迟到（到岗）次/分钟, 迟到（离岗未顶岗）次/分钟, 离岗 次/分钟, 顶岗 …, 办件, 满意率, 申诉
    assert a2[:7] == ["2", "0", "0", "1", "20.5", "1", "20.5"]
    assert a2[11] == "1"  # served
    assert a2[-1] == "1 条申诉中、1 条已撤销"
    a1 = cells(row_of(html, "a1"))
    assert a1[:2] == ["2", "0"] and a1[11:13] == ["1", "100%"]
    assert 'href="/halls/test/records/staff/a2?month=2026-11"' in html
    assert ctx.total[0] == "6" and ctx.total[3] == "1" and ctx.total[-1] == "100%"
    assert ctx.live_note == ""  # November is over
    for line in ("制表：", "审核：", "签字（主任）：", "日期："):
        assert line in html
    assert "/api/halls/test/records/attendance.xlsx?month=2026-11&amp;lang=zh-CN" in html
    assert "/api/halls/test/records/tickets.csv?from=2026-11-01&amp;until=2026-11-30" in html
    assert 'action="/halls/test/records/replay"' in html
    assert "/halls/test/records/services?from=2026-11-01&amp;until=2026-11-30" in html
    # the month picker: back to October, on to December (this month), not past it
    assert ctx.month is not None and ctx.month.next_href.endswith("month=2026-12")
    december = month_nav(Labeller(ZH), date(2026, 12, 1), NEXT_DAY, lambda m: m)
    assert (december.prev_href, december.next_href) == ("2026-11", "")


def test_the_sheet_in_english_and_as_an_error(reports: dict[str, Any], renderer: Renderer) -> None:
    html = renderer.page("records", sheet_context(HALL, EN, NOW, MONDAY, reports["sheet"]))
    assert "Attendance sheet, November 2026" in html and "Signed (director):" in html
    refused = sheet_context(HALL, EN, NOW, MONDAY, None, error="no", director=False)
    html = renderer.page("records", refused)
    assert 'role="alert">no<' in html and "records-nav" not in html


def test_a_clerk_s_month_shows_each_record_with_its_evidence_status_and_trail(
    reports: dict[str, Any], renderer: Renderer
) -> None:
    ctx = staff_month_context(HALL, ZH, NOW, "a2", MONDAY, reports["a2"], viewer="a2",
                              director=False)  # fmt: skip
    r1, r2 = ctx.records
    assert (r1.record, r1.kind, r1.status, r1.status_label) == ("R1", "arrival", "voided",
                                                                 "已撤销，不计入")  # fmt: skip
    assert [line.text for line in r1.trail] == [
        "A2 提出申诉（P1）：地铁故障，有证明",
        "BOSS 决定撤销该记录：已核实",
    ]
    assert r1.trail[0].time == "11月30日 11:00"
    assert (r2.record, r2.kind, r2.status, r2.minutes) == (
        "R2",
        "absence",
        "appealed",
        "离岗 20.5 分钟",
    )
    assert r2.when == "11月30日 09:00–09:20"
    # the evidence: the rule's steps while nobody was there, then the record itself
    texts = [line.text for line in r2.evidence]
    assert any("需要顶岗" in text for text in texts) and len(texts) >= 3
    assert r2.evidence[0].time == "09:00:00"
    # a2 appealed both already: no form for them; the director decides R2's open appeal
    assert not r1.may_appeal and not r2.may_appeal and not r2.may_decide
    html = renderer.page("records_staff", ctx, csrf="c")
    assert 'class="record rk-arrival rs-voided"' in html and "appeal-form" not in html
    assert ctx.nav == () and ctx.sheet_href == ""  # a clerk: no way to the others' records
    boss = staff_month_context(HALL, ZH, NOW, "a2", MONDAY, reports["a2"], viewer="boss",
                               director=True)  # fmt: skip
    assert [r.may_decide for r in boss.records] == [False, True]
    html = renderer.page("records_staff", boss)
    assert html.count("decide-form") == 1 and '"appeal":"P2"' in html
    assert "返回本月考勤表" in html
    english = staff_month_context(HALL, EN, NOW, "a2", MONDAY, reports["a2"], viewer="boss",
                                  director=True)  # fmt: skip
    assert "Voided: not counted" in renderer.page("records_staff", english)


def test_a_standing_record_of_one_s_own_offers_the_appeal(
    reports: dict[str, Any], renderer: Renderer
) -> None:
    standing = [r | {"status": "standing", "appeal": None} for r in reports["a2"]["records"]]
    report = reports["a2"] | {"records": standing}
    own = staff_month_context(HALL, ZH, NOW, "a2", MONDAY, report, viewer="a2", director=False)
    assert [r.may_appeal for r in own.records] == [True, True]
    html = renderer.page("records_staff", own)
    assert html.count('data-command="appeal.file"') == 2 and '"record":"R1"' in html
    # not someone else's, and not past the days the core keeps records for appeals
    other = staff_month_context(HALL, ZH, NOW, "a2", MONDAY, report, viewer="a1", director=False)
    assert not any(r.may_appeal for r in other.records)
    late = staff_month_context(HALL, ZH, NOW + timedelta(days=63), "a2", MONDAY, report,
                               viewer="a2", director=False)  # fmt: skip
    assert not any(r.may_appeal for r in late.records)


def test_the_duty_page_lists_this_month_s_records(reports: dict[str, Any]) -> None:
    mine = my_records(HALL, ZH, "a2", MONTH, reports["a2"])
    assert [(r.kind_label, r.status) for r in mine.items] == [
        ("迟到（到岗）", "voided"),
        ("迟到（离岗未顶岗）", "appealed"),
    ]
    assert mine.href == "/halls/test/records/staff/a2?month=2026-11" and mine.note == ""
    assert my_records(HALL, ZH, "a1", MONTH, {"records": []}).note == "本月没有迟到记录"
    assert "无法读取" in my_records(HALL, ZH, "a1", MONTH, None).note


def test_the_services_figures_and_their_pictures(
    reports: dict[str, Any], renderer: Renderer
) -> None:
    ctx = services_context(HALL, ZH, NOW, MONTH, NEXT_DAY, reports["services"],
                           reports["tickets"], reports["timelines"])  # fmt: skip
    a, b = ctx.rows
    assert (a.code, a.cells[:2], a.cells[5]) == ("A", ("1", "1"), "4")  # waited 4 min
    assert (b.code, b.cells[:2], b.cells[5]) == ("B", ("1", "1"), "15")
    html = renderer.page("records_services", ctx)
    assert 'id="records-hours"' in html and 'id="records-occupancy"' in html
    assert "09 时取号者 等候中位数 4 分钟" in html
    long = services_context(HALL, EN, NOW, date(2026, 1, 1), NEXT_DAY, reports["services"])
    assert long.occupancy == "" and "at most 62 days" in long.occupancy_note


@pytest.mark.parametrize(
    ("waits", "p50", "p90"),
    [
        ([1.0], 1.0, 1.0),
        ([4.0, 1.0, 9.0, 2.0], 2.0, 9.0),
        ([float(n) for n in range(1, 11)], 5.0, 9.0),
    ],
)
def test_an_hour_s_waits_are_recomputed_over_every_ticket(
    waits: list[float], p50: float, p90: float
) -> None:
    """Tickets of one hour on different days: one list, nearest-rank percentiles."""
    rows = [
        {"issued": f"2026-11-{2 + n:02d}T09:{n:02d}:00+08:00", "wait_minutes": w}
        for n, w in enumerate(waits)
    ]
    rows.append({"issued": "2026-11-02T10:00:00+08:00", "wait_minutes": None})
    found = by_hour(HALL, rows)
    assert found[9] == (len(waits), waits) and found[10] == (1, [])
    ctx = services_context(HALL, EN, NOW, MONTH, NEXT_DAY, {"services": []}, rows)
    assert f"09:00 median wait {figure(p50)} min" in ctx.hours
    assert f"09:00 90% called within {figure(p90)} min" in ctx.hours


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, date(2026, 12, 1)), ("2026-11", date(2026, 11, 1)), ("2025-01", date(2025, 1, 1))],
)
def test_a_month_is_read(raw: str | None, expected: date) -> None:
    assert parse_month(raw, NEXT_DAY, ZH) == expected


@pytest.mark.parametrize("raw", ["2026-13", "2026-1", "november", "2027-01", "0000-01", ""])
def test_a_bad_or_future_month_is_refused_in_words(raw: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_month(raw, NEXT_DAY, ZH)
    said = {t(ZH, "records.error.month"), t(ZH, "records.error.future_month", month=raw)}
    assert refused.value.code == "invalid_field" and refused.value.message in said


def test_figures_as_written() -> None:
    assert [figure(v) for v in (0, 3, 12.0, 12.5, None)] == ["0", "3", "12", "12.5", "–"]
    assert (rate(96.5), rate(None), rate(100.0)) == ("96.5%", "–", "100%")
    assert shift_month(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert shift_month(date(2026, 12, 1), 1) == date(2027, 1, 1)
