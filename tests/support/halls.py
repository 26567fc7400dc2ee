"""The one test hall, as a hall file (for real hubs) or loaded (for the pure core): windows 1
(service A), 2 (A and B) and 3 (B), posts a1/b1, a2/b2, a3/b3 and the director `boss`."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path

from hall.config import HallConfig, load_hall

ALL_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RULES = ("cover_after", "escalate_after", "arrival_grace", "issue_cutoff", "wait_sla")
RULES += ("recall_limit", "rating_within")


def _value(value: object) -> str:
    if isinstance(value, timedelta):
        return f'"{int(value.total_seconds())}s"'
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def hall_toml(
    *,
    hall_id: str = "t",
    name: str = "测试大厅",
    days: tuple[str, ...] = ALL_WEEK,
    sessions: tuple[str, ...] = ("00:00:00-23:59:59",),
    holidays: str = "none",
    closed_dates: tuple[date, ...] = (),
    public_detail: bool = False,
    shared_b: bool = False,
    b_posts: Mapping[int, str] | None = None,
    staff_name: Callable[[str], str] = lambda staff: f"员工{staff}",
    director: str = "主任",
    staff_number: Callable[[str], str] | None = None,
    service_extra: Mapping[str, str] | None = None,
    mobiles: dict[str, str] | None = None,
    notify: str = "",
    **rules: timedelta | str | int,
) -> str:
    """`holidays = "none"` by default: a test hall is open whatever the national calendar
    says, so the tests pass on any date. `shared_b`: b1 is the B-post of windows 1 and 2.
    `b_posts`: window number -> its B-post's staff id, instead of the default `b<n>`
    (e.g. `{2: "a1"}`: a1 is the A-post of window 1 and the B-post of window 2).
    `staff_number`: each staff id's 工号 (none when not given).
    `service_extra`: TOML added to service A's or B's table (`name_en`, `covers`, its
    `[[services.notices]]`). `mobiles`: staff id -> mobile; `notify`: `[[notify]]` tables,
    appended as written. `rules`: any of RULES, as a timedelta, a duration string or an
    int."""
    extra = service_extra or {}
    unknown = set(rules) - set(RULES)
    assert not unknown, f"no such rule: {unknown}"
    rule_lines = "".join(f"{key} = {_value(value)}\n" for key, value in rules.items())
    b_of = {n: "b1" if shared_b and n == 2 else f"b{n}" for n in (1, 2, 3)}
    b_of.update(b_posts or {})
    windows = "".join(
        f'[[windows]]\nnumber = {n}\nname = "窗口{n}"\nservices = {services}\n'
        f'a = "a{n}"\nb = "{b_of[n]}"\n\n'
        for n, services in ((1, '["A"]'), (2, '["A", "B"]'), (3, '["B"]'))
    )
    phones = mobiles or {}

    def mobile(staff: str) -> str:
        return f'mobile = "{phones[staff]}"\n' if staff in phones else ""

    staff = "".join(
        f'[[staff]]\nid = "{s}"\nname = "{staff_name(s)}"\n{mobile(s)}'
        + (f'number = "{staff_number(s)}"\n' if staff_number else "")
        + "\n"
        for s in ("a1", "b1", "a2", "b2", "a3", "b3")
    )
    return f"""id = "{hall_id}"
name = "{name}"
timezone = "Asia/Shanghai"
days = [{", ".join(f'"{d}"' for d in days)}]
holidays = "{holidays}"
closed_dates = [{", ".join(f'"{d}"' for d in closed_dates)}]
public_detail = {_value(public_detail)}

[rules]
{rule_lines}
[hours.all]
sessions = [{", ".join(f'"{s}"' for s in sessions)}]

[[services]]
code = "A"
name = "甲"
{extra.get("A", "")}
[[services]]
code = "B"
name = "乙"
{extra.get("B", "")}
{windows}{staff}[[staff]]
id = "boss"
name = "{director}"
role = "director"
{mobile("boss")}
{notify}"""


def make_hall(**options: object) -> HallConfig:
    """The test hall for the pure core: id `test`, Monday to Friday 08:00-12:00 and
    14:30-17:30, 2026-12-25 closed, staff named A1, B1, … and BOSS (see `hall_toml` for
    the options)."""
    defaults: dict[str, object] = {
        "hall_id": "test",
        "name": "Test hall",
        "days": ALL_WEEK[:5],
        "sessions": ("08:00-12:00", "14:30-17:30"),
        "closed_dates": (date(2026, 12, 25),),
        "staff_name": str.upper,
        "director": "BOSS",
    }
    text = hall_toml(**{**defaults, **options})  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "test.toml"
        path.write_text(text, encoding="utf-8")
        return load_hall(path)
