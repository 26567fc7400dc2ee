"""The one test hall, as a hall file (for real hubs) or loaded (for the pure core): windows 1
(service A), 2 (A and B) and 3 (B), posts a1/b1, a2/b2, a3/b3 and the director `boss`."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from hall.config import HallConfig, load_hall

ALL_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RULES = ("cover_after", "escalate_after", "arrival_grace", "issue_cutoff", "wait_sla")
RULES += ("recall_limit", "rating_within")
# English names for `english=True`: long ones, as real halls have (the Kaiyuan hall's).
WINDOWS_EN = (
    "Party Office",
    "Disabled Persons' Federation",
    "Urban Management Office",
    "Finance Office",
    "Labour Office",
    "Judicial Office",
    "Health Office",
)
SERVICES_EN = ("Civil affairs and veterans", "Labour and social security")


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
    staff_name: Callable[[str], str] = lambda staff: f"员工{staff}",
    director: str = "主任",
    windows: int = 3,
    english: bool = False,
    **rules: timedelta | str | int,
) -> str:
    """`holidays = "none"` by default: a test hall is open whatever the national calendar
    says, so the tests pass on any date. `shared_b`: b1 is the B-post of windows 1 and 2.
    `windows`: how many (1 serves A, 2 A and B, 3 B; from 4 on, A and B in turn, staffed by
    a4/b4, ...). `english`: English names (`name_en`) for the hall, its windows and
    services. `rules`: any of RULES, as a timedelta, a duration string or an int."""
    unknown = set(rules) - set(RULES)
    assert not unknown, f"no such rule: {unknown}"
    rule_lines = "".join(f"{key} = {_value(value)}\n" for key, value in rules.items())
    served = ['["A"]', '["A", "B"]', '["B"]'] + ['["A"]', '["B"]'] * windows
    window_lines = "".join(
        f'[[windows]]\nnumber = {n}\nname = "窗口{n}"\nservices = {served[n - 1]}\n'
        f'a = "a{n}"\nb = "{"b1" if shared_b and n == 2 else f"b{n}"}"\n'
        + (f'name_en = "{WINDOWS_EN[(n - 1) % len(WINDOWS_EN)]}"\n' if english else "")
        + "\n"
        for n in range(1, windows + 1)
    )
    staff = "".join(
        f'[[staff]]\nid = "{s}"\nname = "{staff_name(s)}"\n\n'
        for n in range(1, windows + 1)
        for s in (f"a{n}", f"b{n}")
    )
    hall_en, service_en = "", ("", "")
    if english:
        hall_en = 'name_en = "Test Street Public Service Centre"\n'
        service_en = tuple(f'name_en = "{name}"\n' for name in SERVICES_EN)
    return f"""id = "{hall_id}"
name = "{name}"
{hall_en}timezone = "Asia/Shanghai"
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
{service_en[0]}
[[services]]
code = "B"
name = "乙"
{service_en[1]}
{window_lines}{staff}[[staff]]
id = "boss"
name = "{director}"
role = "director"
"""


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
