"""The exports' writers (pure): CSV that Excel reads right, XLSX read back by openpyxl, and
nothing a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl

from hall.web.exports import Table, filename, to_csv, to_xlsx

TZ = ZoneInfo("Asia/Shanghai")
CALLED = datetime.fromisoformat("2026-03-02T00:04:05.678+00:00")  # 08:04:05 in the hall
TABLE = Table(
    title="考勤表 2026-03: [a]/b?",
    headers=["姓名", "次", "分钟", "时间", "日期", "备注"],
    rows=[
        ["陈少丽", 3, 12.5, CALLED, date(2026, 3, 2), None],
        ["=1+2", -1, None, None, None, "@SUM(A1)"],
    ],
    tz=TZ,
)


def test_csv_is_utf8_with_a_bom_and_local_times() -> None:
    raw = to_csv(TABLE)
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    header, first, second = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header == TABLE.headers
    assert first == ["陈少丽", "3", "12.5", "2026-03-02 08:04:05", "2026-03-02", ""]
    assert second == ["'=1+2", "-1", "", "", "", "'@SUM(A1)"]  # text, never a formula


def test_xlsx_keeps_numbers_times_and_text() -> None:
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(TABLE)))
    sheet = book.active
    assert sheet.title == "考勤表 2026-03- -a--b-"  # none of Excel's forbidden []:*?/\\
    header, first, second = list(sheet.iter_rows(values_only=True))
    assert list(header) == TABLE.headers
    assert list(first) == [
        "陈少丽",
        3,
        12.5,
        datetime(2026, 3, 2, 8, 4, 5),
        datetime(2026, 3, 2),
        None,
    ]
    assert list(second) == ["=1+2", -1, None, None, None, "@SUM(A1)"]
    assert sheet.cell(3, 1).data_type == "s"  # a string, not a formula
    assert sheet.freeze_panes == "A2"


def test_file_names_are_ids_and_dates() -> None:
    assert filename("kaiyuan", "tickets", date(2026, 3, 1), date(2026, 3, 31)) == (
        "kaiyuan-tickets-2026-03-01-2026-03-31"
    )
