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
    windows: int = 3,
    english: bool = False,
    name_en: str = "",
    **rules: timedelta | str | int,
) -> str:
    """`holidays = "none"` by default: a test hall is open whatever the national calendar
    says, so the tests pass on any date. `shared_b`: b1 is the B-post of windows 1 and 2.
    `b_posts`: window number -> its B-post's staff id, instead of the default `b<n>`
    (e.g. `{2: "a1"}`: a1 is the A-post of window 1 and the B-post of window 2).
    `staff_number`: each staff id's 工号 (none when not given).
    `service_extra`: TOML added to service A's or B's table (`name_en`, `covers`, its
    `[[services.notices]]`). `mobiles`: staff id -> mobile; `notify`: `[[notify]]` tables,
    appended as written. `windows`: how many (1 serves A, 2 A and B, 3 B; from 4 on, A and
    B in turn, staffed by a4/b4, ...). `english`: English names (`name_en`) for the hall,
    its windows and services (do not combine with a `service_extra` that sets `name_en`).
    `name_en`: the hall's own English name (instead of `english`'s, or alone).
    `rules`: any of RULES, as a timedelta, a duration string or an int."""
    extra = service_extra or {}
    unknown = set(rules) - set(RULES)
    assert not unknown, f"no such rule: {unknown}"
    rule_lines = "".join(f"{key} = {_value(value)}\n" for key, value in rules.items())
    b_of = {n: "b1" if shared_b and n == 2 else f"b{n}" for n in range(1, windows + 1)}
    b_of.update(b_posts or {})
    served = ['["A"]', '["A", "B"]', '["B"]'] + ['["A"]', '["B"]'] * windows
    window_lines = "".join(
        f'[[windows]]\nnumber = {n}\nname = "窗口{n}"\nservices = {served[n - 1]}\n'
        f'a = "a{n}"\nb = "{b_of[n]}"\n'
        + (f'name_en = "{WINDOWS_EN[(n - 1) % len(WINDOWS_EN)]}"\n' if english else "")
        + "\n"
        for n in range(1, windows + 1)
    )
    phones = mobiles or {}

    def mobile(staff: str) -> str:
        return f'mobile = "{phones[staff]}"\n' if staff in phones else ""

    staff = "".join(
        f'[[staff]]\nid = "{s}"\nname = "{staff_name(s)}"\n{mobile(s)}'
        + (f'number = "{staff_number(s)}"\n' if staff_number else "")
        + "\n"
        for n in range(1, windows + 1)
        for s in (f"a{n}", f"b{n}")
    )
    hall_en, service_en = "", ("", "")
    if english:
        hall_en = 'name_en = "Test Street Public Service Centre"\n'
        service_en = tuple(f'name_en = "{name}"\n' for name in SERVICES_EN)
    if name_en:
        hall_en = f'name_en = "{name_en}"\n'
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
{service_en[0]}{extra.get("A", "")}
[[services]]
code = "B"
name = "乙"
{service_en[1]}{extra.get("B", "")}
{window_lines}{staff}[[staff]]
id = "boss"
name = "{director}"
role = "director"
{mobile("boss")}
{notify}"""


def write_halls(folder: Path, n: int, **options: object) -> list[str]:
    """`n` test halls (`hall_toml(**options)`, ids h0000, h0001, …) as files in `folder`, as
    `--config FOLDER` serves them; returns their ids."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"h{i:04d}" for i in range(n)]
    for hall in ids:
        text = hall_toml(hall_id=hall, **options)  # type: ignore[arg-type]
        (folder / f"{hall}.toml").write_text(text, encoding="utf-8")
    return ids


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
