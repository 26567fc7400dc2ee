"""A hall for benchmarks: the Kaiyuan layout (7 windows, A/B posts), open around the clock."""

from __future__ import annotations

from pathlib import Path

WINDOWS = 7


def write_bench_hall(folder: Path, hall_id: str = "bench") -> Path:
    lines = [
        f'id = "{hall_id}"',
        'name = "基准大厅"',
        'timezone = "Asia/Shanghai"',
        'days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]',
        'holidays = "none"',
        "[rules]",
        'wait_sla = "8h"',
        "[hours.all]",
        'sessions = ["00:00:00-23:59:59"]',
    ]
    for code in "ABCDEFG":
        lines += ["[[services]]", f'code = "{code}"', f'name = "服务{code}"']
    for n in range(1, WINDOWS + 1):
        code = "ABCDEFG"[n - 1]
        lines += ["[[windows]]", f"number = {n}", f'name = "窗口{n}"', f'services = ["{code}"]']
        lines += [f'a = "a{n}"', f'b = "b{n}"']
    for n in range(1, WINDOWS + 1):
        for post in "ab":
            lines += ["[[staff]]", f'id = "{post}{n}"', f'name = "员工{post}{n}"']
    path = folder / f"{hall_id}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def service_cycle() -> list[dict[str, object]]:
    """Per window: issue a ticket, call it, finish it: one event each, always valid."""
    out: list[dict[str, object]] = []
    for n in range(1, WINDOWS + 1):
        code = "ABCDEFG"[n - 1]
        out += [
            {"type": "ticket.issue", "service": code},
            {"type": "ticket.call", "window": n},
            {"type": "ticket.finish", "window": n},
        ]
    return out
