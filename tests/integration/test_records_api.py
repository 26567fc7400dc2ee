"""The records API on a real hub with each records database (a SQLite file, a PostgreSQL
server): a past day archived as the archiver would (played through the core), today made
live through the hub's commands (a late arrival, its appeal voided, a resident served), then
read back over HTTP as each role may, as JSON, CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
import openpyxl

from hall.config import HallConfig, load_hall
from hall.records.archive import Archive
from hall.records.books import SEAL, STAFF_DAY
from hall.records.databases import archive_for
from hall.records.reports import month_days
from hall.schedule import hall_day
from hall.web.exports import ATTENDANCE_COLUMNS
from tests.support.halls import hall_toml
from tests.support.hubs import ADMIN, Hub, device_token, hubs, set_pin
from tests.support.postgres import Postgres
from tests.support.records import as_archived
from tests.support.wait import wait_for
from tests.unit.day import Day, at, cmd

API = "/api/halls/t/records"
PIN = "1357"


def seed_hall(tmp_path: Path) -> HallConfig:
    """The hubs' hall `t` with real opening hours (for the past day played by the core)."""
    path = tmp_path / "seed.toml"
    path.write_text(hall_toml(sessions=("08:00-12:00", "14:30-17:30")), encoding="utf-8")
    return load_hall(path)


def past_day(tmp_path: Path, day: date) -> list[Any]:
    """`day` at hall t: a2 late by 5 minutes, then 20.5 minutes away uncovered (their two
    records); one resident served at window 1 and rated 5; the log goes on into the next day."""
    d = Day(seed_hall(tmp_path), day=day)
    steps: list[tuple[str, str, str, dict[str, Any]]] = [
        ("07:59", "a1", "presence.set", {"window": 1, "post": "A", "state": "present"}),
        ("08:05", "a2", "presence.set", {"window": 2, "post": "A", "state": "present"}),
        ("09:00", "a2", "presence.set", {"window": 2, "post": "A", "state": "away"}),
        ("09:20:30", "a2", "presence.set", {"window": 2, "post": "A", "state": "present"}),
        ("10:00", "kiosk", "ticket.issue", {"service": "A"}),
        ("10:04", "a1", "ticket.call", {"window": 1}),
        ("10:10", "a1", "ticket.finish", {"window": 1}),
        ("10:11", "pad1", "rating.give", {"window": 1, "score": 5}),
    ]
    for when, who, kind, fields in steps:
        d.run(cmd(kind, **fields), who, at(when, day))
    d.tick(at("18:00", day))
    d.tick(at("00:00:01", day + timedelta(days=1)))
    return d.log


def seed(database_url: str, tmp_path: Path, events: list[Any]) -> None:
    async def write() -> None:
        archive = archive_for(database_url, tmp_path)
        await archive.open()
        try:
            await archive.append("t", as_archived(events))
        finally:
            await archive.close()

    anyio.run(write)


def sealed(database_url: str, tmp_path: Path, day: date) -> bool:
    async def read() -> bool:
        archive: Archive = archive_for(database_url, tmp_path)
        await archive.open()
        try:
            return any(r.key == SEAL for r in await archive.rows("t", STAFF_DAY, day, day))
        finally:
            await archive.close()

    return anyio.run(read)


def log_in(hub: Hub, staff: str) -> str:
    set_pin(hub, staff, PIN).check_returncode()
    r = httpx.post(hub.url + "/api/login", json={"hall": "t", "staff": staff, "pin": PIN})
    assert r.status_code == 200, r.text
    token: str = r.json()["token"]
    return token


def get(hub: Hub, token: str | None, path: str, **params: str) -> httpx.Response:
    with hub.client(token) as client:
        return client.get(API + path, params=params)


def command(hub: Hub, token: str, body: dict[str, Any]) -> dict[str, Any]:
    with hub.client(token) as client:
        r = client.post("/api/halls/t/commands", json=body)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def row(report: dict[str, Any], staff: str) -> dict[str, Any]:
    return next(r for r in report["staff"] if r["staff"] == staff)


def test_the_records_over_http(redis_url: str, database_url: str, tmp_path: Path) -> None:
    hall = seed_hall(tmp_path)
    today = hall_day(hall, datetime.now(hall.tz))
    past = today - timedelta(days=2)
    seed(database_url, tmp_path, past_day(tmp_path, past))
    month, this_month = f"{past:%Y-%m}", f"{today:%Y-%m}"
    with hubs(redis_url, tmp_path, 1, database=database_url) as (hub,):
        boss, a1 = log_in(hub, "boss"), log_in(hub, "a1")
        kiosk = device_token(hub, "kiosk")

        # Today, live: a1 arrives late (the session opened at midnight), appeals, and the
        # director voids the record; a1 serves one resident.
        done = command(
            hub, a1, {"type": "presence.set", "window": 1, "post": "A", "state": "present"}
        )
        (late,) = [e for e in done["events"] if e["type"] == "arrival.late"]
        filed = command(
            hub, a1, {"type": "appeal.file", "record": late["record"], "reason": "堵车"}
        )
        appeal = filed["events"][0]["appeal"]
        decision = {"type": "appeal.decide", "appeal": appeal, "upheld": False, "reason": "属实"}
        command(hub, boss, decision)
        command(hub, kiosk, {"type": "ticket.issue", "service": "A"})
        command(hub, a1, {"type": "ticket.call", "window": 1})
        command(hub, a1, {"type": "ticket.finish", "window": 1})

        # The past day, sealed on its first read.
        sheet = get(hub, boss, "/attendance", month=month).json()
        assert (sheet["month"], sheet["first"]) == (month, f"{past:%Y-%m}-01")
        a2 = row(sheet, "a2")
        assert (a2["late_arrivals"], a2["late_arrival_minutes"]) == (1, 5.0)
        assert (a2["late_absences"], a2["late_absence_minutes"], a2["absences"]) == (1, 20.5, 1)
        assert sealed(database_url, tmp_path, past)
        assert {r["staff"] for r in sheet["staff"]} >= {"a1", "a2", "a3", "b1", "b2", "b3"}

        # Today: folded live once the archive has the hub's events (it trails by ~1 s).
        def today_row() -> dict[str, Any] | None:
            live = get(hub, boss, "/attendance", month=this_month).json()
            mine = row(live, "a1")
            return mine if mine["served"] >= 1 and mine["voided"] == 1 else None

        mine = wait_for(today_row, 10, "today's records archived")
        assert (mine["late_arrivals"], mine["late_arrival_minutes"]) == (0, 0.0)
        assert get(hub, boss, "/attendance", month=this_month).json()["live"] is True

        # The clerk: their own row, their own month with the appeal's trail; nothing else.
        own = get(hub, a1, "/attendance", month=this_month).json()
        assert [r["staff"] for r in own["staff"]] == ["a1"]
        month_a1 = get(hub, a1, "/staff/a1", month=this_month).json()
        record = next(r for r in month_a1["records"] if r["record"] == late["record"])
        assert (record["status"], record["kind"], record["day"]) == (
            "voided",
            "arrival.late",
            today.isoformat(),
        )
        assert record["appeal"]["reason"] == "堵车" and record["appeal"]["decision"] == "属实"
        assert (record["appeal"]["filed_by"], record["appeal"]["decided_by"]) == ("a1", "boss")
        assert record["events"][-1]["id"] == record["event"] == late["id"]
        assert month_a1["totals"]["voided"] == 1

        # The services' figures and the tickets over both days.
        span = {"from": past.isoformat(), "until": today.isoformat()}
        figures = get(hub, boss, "/services", **span).json()
        service_a = next(s for s in figures["services"] if s["service"] == "A")
        assert (service_a["issued"], service_a["served"]) == (2, 2)
        held = get(hub, boss, "/tickets", **span).json()["tickets"]
        assert [(t["day"], t["number"], t["outcome"]) for t in held] == [
            (past.isoformat(), "A001", "finished"),
            (today.isoformat(), "A001", "finished"),
        ]

        check_access(hub, {"boss": boss, "a1": a1, "kiosk": kiosk}, month)
        check_exports(hub, boss, month, span)


def check_access(hub: Hub, tokens: dict[str, str], month: str) -> None:
    boss, a1, kiosk = tokens["boss"], tokens["a1"], tokens["kiosk"]
    # (token, path, params): status
    cases: list[tuple[str | None, str, dict[str, str], int]] = [
        (ADMIN, "/attendance", {"month": month}, 200),
        (ADMIN, "/staff/a2", {"month": month}, 200),
        (None, "/attendance", {"month": month}, 401),
        (kiosk, "/attendance", {"month": month}, 403),
        (kiosk, "/staff/a1", {}, 403),
        (a1, "/staff/a2", {"month": month}, 403),
        (a1, "/services", {}, 403),
        (a1, "/tickets", {}, 403),
        (a1, "/tickets.csv", {}, 403),
        (a1, "/attendance.csv", {"month": month}, 200),
        (boss, "/attendance", {"month": "2026-13"}, 400),
        (boss, "/attendance", {"month": "2026-1"}, 400),
        (boss, "/attendance", {"month": "２０２６-01"}, 400),
        (boss, "/services", {"from": "2026-02-30"}, 400),
        (boss, "/services", {"from": "2026-03-02", "until": "2026-03-01"}, 400),
        (boss, "/tickets", {"from": "2025-01-01", "until": "2026-01-02"}, 400),  # 367 days
        (boss, "/tickets", {"from": "2024-01-01", "until": "2024-12-31"}, 200),  # 366
        (boss, "/staff/nobody", {"month": month}, 404),
        (boss, "/staff/A1", {}, 404),
        (kiosk, "/attendance", {"month": "x"}, 400),  # 400 before 403, as the contract orders
        (kiosk, "/services", {"from": "x"}, 400),
    ]
    for token, path, params, status in cases:
        r = get(hub, token, path, **params)
        assert r.status_code == status, (token, path, params, r.text)
        if status != 200:
            assert set(r.json()) >= {"error", "message"}
        if status == 400:
            assert r.json()["error"] == "invalid_field"
    with hub.client(ADMIN) as client:
        r = client.get("/api/halls/nope/records/attendance")
    assert (r.status_code, r.json()["error"]) == (404, "unknown_hall")


def check_exports(hub: Hub, boss: str, month: str, span: dict[str, str]) -> None:
    sheet = get(hub, boss, "/attendance", month=month).json()
    for lang, name_header in (("zh-CN", "姓名"), ("en", "Name")):
        r = get(hub, boss, "/attendance.csv", month=month, lang=lang)
        assert r.headers["content-type"].startswith("text/csv")
        assert f'filename="t-attendance-{month}.csv"' in r.headers["content-disposition"]
        assert r.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
        header, *lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert header[1] == name_header and len(header) == len(ATTENDANCE_COLUMNS)
        assert [line[0] for line in lines] == [s["staff"] for s in sheet["staff"]]
        for line, expected in zip(lines, sheet["staff"], strict=True):
            assert line == [_csv_cell(expected[c]) for c in ATTENDANCE_COLUMNS]
    assert "迟到（离岗未顶岗）次" in get(hub, boss, "/attendance.csv", month=month).text

    r = get(hub, boss, "/attendance.xlsx", month=month)
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][5] == "迟到（到岗）分钟"
    for values, expected in zip(rows[1:], sheet["staff"], strict=True):
        assert list(values) == [expected[c] for c in ATTENDANCE_COLUMNS]

    tickets = get(hub, boss, "/tickets", **span).json()["tickets"]
    text = get(hub, boss, "/tickets.csv", lang="en", **span).content.decode("utf-8-sig")
    header, *lines = list(csv.reader(io.StringIO(text)))
    assert header[:3] == ["Date", "Ticket", "Service"]
    assert [(line[0], line[1], line[8]) for line in lines] == [
        (t["day"], t["number"], "Served") for t in tickets
    ]
    assert [float(line[10]) for line in lines] == [t["wait_minutes"] for t in tickets]
    book = openpyxl.load_workbook(io.BytesIO(get(hub, boss, "/tickets.xlsx", **span).content))
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 1 + len(tickets)
    first = rows[1]
    issued = datetime.fromisoformat(tickets[0]["issued"]).replace(tzinfo=None, microsecond=0)
    assert (first[1], first[4], first[6], first[12]) == ("A001", issued, 1, 5)
    assert first[8] == "办结" and first[10] == tickets[0]["wait_minutes"]


def _csv_cell(value: Any) -> str:
    return "" if value is None else str(value)


def test_the_records_database_down_is_503_and_the_hall_goes_on(
    redis_url: str, own_postgres: Postgres, tmp_path: Path
) -> None:
    url = own_postgres.create_database()
    with hubs(redis_url, tmp_path, 1, database=url) as (hub,):
        first, _ = month_days(date.today())  # any month: the database is asked either way
        assert get(hub, ADMIN, "/attendance", month=f"{first:%Y-%m}").status_code == 200
        own_postgres.stop()
        r = get(hub, ADMIN, "/attendance", month=f"{first:%Y-%m}")
        assert (r.status_code, r.json()["error"]) == (503, "unavailable")
        with hub.client() as client:  # the live hall does not need it
            issued = client.post(
                "/api/halls/t/commands", json={"type": "ticket.issue", "service": "A"}
            )
        assert issued.status_code == 200
        own_postgres.start()
        wait_for(
            lambda: get(hub, ADMIN, "/attendance", month=f"{first:%Y-%m}").status_code == 200,
            30,
            "the records back with the database",
        )
