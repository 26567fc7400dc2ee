"""The records' exports: the month's attendance sheet and the tickets of a range of days as
CSV (UTF-8 with a BOM, so that Excel reads Chinese right) and XLSX (xlsxwriter). One
table each (`attendance_table`, `tickets_table`: headers from the i18n catalogs, a row
per clerk or ticket), written by either writer (`to_csv`, `to_xlsx`). Times are the hall's
local time."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hall.config import HallConfig
from hall.i18n import t
from hall.kiosk.records_sheet import COLUMNS
from hall.records.reports import Attendance, TicketReport
from hall.records.rows import StaffTotals
from hall.records.tickets import TicketRow

Cell = str | int | float | date | datetime | None

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would take for a formula


@dataclass(frozen=True)
class Table:
    title: str  # the XLSX sheet's name
    headers: list[str]
    rows: list[list[Cell]]
    tz: ZoneInfo  # the hall's: times are written as its local time


ATTENDANCE_COLUMNS: tuple[str, ...] = (
    "staff",
    "name",
    "number",
    *COLUMNS,
    "appealed",
    "voided",
)
"""The attendance sheet's columns (Art. 17), each a field of `StaffTotals`."""


def attendance_table(report: Attendance, hall: HallConfig, lang: str) -> Table:
    def cells(row: StaffTotals) -> list[Cell]:
        return [getattr(row, column) for column in ATTENDANCE_COLUMNS]

    return Table(
        title=f"{t(lang, 'records.sheet.attendance')} {report.month}",
        headers=[t(lang, f"records.col.{column}") for column in ATTENDANCE_COLUMNS],
        rows=[cells(row) for row in report.staff],
        tz=hall.tz,
    )


TICKET_COLUMNS: tuple[tuple[str, Callable[[TicketRow, HallConfig, str], Cell]], ...] = (
    ("day", lambda r, h, lang: r.day),
    ("ticket", lambda r, h, lang: r.number),
    ("service", lambda r, h, lang: _service(h, r.service, lang)),
    ("priority", lambda r, h, lang: t(lang, "records.yes") if r.priority else ""),
    ("issued", lambda r, h, lang: r.issued),
    ("called", lambda r, h, lang: r.called),
    ("window", lambda r, h, lang: r.window),
    ("served_by", lambda r, h, lang: _person(h, r.staff)),
    ("outcome", lambda r, h, lang: t(lang, f"records.outcome.{r.outcome}")),
    ("transfers", lambda r, h, lang: r.transfers),
    ("wait_minutes", lambda r, h, lang: r.wait_minutes),
    ("service_minutes", lambda r, h, lang: r.service_minutes),
    ("rating", lambda r, h, lang: r.rating),
)
"""The tickets' columns: a header key (`records.col.<key>`) and the cell of a row."""


def tickets_table(report: TicketReport, hall: HallConfig, lang: str) -> Table:
    return Table(
        title=t(lang, "records.sheet.tickets"),
        headers=[t(lang, f"records.col.{key}") for key, _ in TICKET_COLUMNS],
        rows=[[cell(row, hall, lang) for _, cell in TICKET_COLUMNS] for row in report.tickets],
        tz=hall.tz,
    )


def _service(hall: HallConfig, code: str, lang: str) -> str:
    service = hall.service(code)
    return f"{code} {service.label(lang)}" if service is not None else code


def _person(hall: HallConfig, staff: str | None) -> str | None:
    if staff is None:
        return None
    person = hall.person(staff)
    return person.name if person is not None else staff


# -- the writers ---------------------------------------------------------------------------


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None, microsecond=0)


def _text(cell: Cell, tz: ZoneInfo) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return _local(cell, tz).isoformat(sep=" ")
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, str) and cell.startswith(_FORMULA):
        return "'" + cell  # text, not a formula, whoever opens it
    return str(cell)


def to_csv(table: Table) -> bytes:
    """The table as CSV: UTF-8 with a BOM, CRLF line ends (RFC 4180, and Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows([_text(cell, table.tz) for cell in row] for row in table.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    """The table as one XLSX sheet: a bold, frozen header row; numbers as numbers, times as
    the spreadsheet's own dates; strings never taken for formulas."""
    import xlsxwriter  # only when a sheet is exported (~2 MiB)

    out = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    book = xlsxwriter.Workbook(out, options)
    sheet = book.add_worksheet(_sheet_name(table.title))
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, table.headers, bold)
    sheet.freeze_panes(1, 0)
    widths = [max(8, min(24, len(h) * 2)) for h in table.headers]
    for r, row in enumerate(table.rows, start=1):
        for c, cell in enumerate(row):
            if cell is None:
                continue
            if isinstance(cell, datetime):
                sheet.write_datetime(r, c, _local(cell, table.tz), when)
                widths[c] = max(widths[c], 19)
            elif isinstance(cell, date):
                sheet.write_datetime(r, c, datetime.combine(cell, datetime.min.time()), day)
                widths[c] = max(widths[c], 10)
            elif isinstance(cell, int | float):
                sheet.write_number(r, c, cell)
            else:
                sheet.write_string(r, c, cell)
                widths[c] = max(widths[c], min(40, len(cell) * 2))
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width)
    book.close()
    return out.getvalue()


def _sheet_name(title: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("-" if ch in "[]:*?/\\" else ch for ch in title)
    return cleaned[:31] or "Sheet1"


def filename(*parts: str | date) -> str:
    """`hall-attendance-2026-11`: ASCII (ids, dates), for Content-Disposition."""
    return "-".join(p.isoformat() if isinstance(p, date) else p for p in parts)
