"""What the director's records pages share (the month's attendance sheet, a clerk's month,
the services' figures): the bar's links between them, the month picker, and how figures
are written (minutes with one decimal at most, a rate as a percentage, nothing as a dash).

Built from plain data (the reports of `hall.records.reports` as JSON builtins), like every
screen context; the pages are still (no socket)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlencode

from hall.config import HallConfig
from hall.i18n import MONTHS_EN, error_catalog
from hall.kiosk.labels import Labeller

DASH = "–"
# Words the records pages' script shows: the refusals of appeals, a missing reason.
SCRIPT_STRINGS = ("records.reason_needed", "records.sending")


@dataclass(frozen=True, slots=True)
class NavLink:
    href: str
    label: str
    current: bool


@dataclass(frozen=True, slots=True)
class MonthNav:
    """The month picker: the month shown, links to the months before and after (none after
    this month), and the month input's value and bounds."""

    title: str  # 2026年3月
    value: str  # 2026-03
    max: str  # this month
    prev_href: str
    prev_label: str
    next_href: str  # "" for none
    next_label: str


def base(hall: HallConfig) -> str:
    return f"/halls/{quote(hall.id, safe='')}"


def sheet_href(hall: HallConfig, month: str | None = None) -> str:
    return f"{base(hall)}/records" + (f"?{urlencode({'month': month})}" if month else "")


def staff_href(hall: HallConfig, staff: str, month: str | None = None) -> str:
    path = f"{base(hall)}/records/staff/{quote(staff, safe='')}"
    return path + (f"?{urlencode({'month': month})}" if month else "")


def services_href(hall: HallConfig, first: date | None = None, last: date | None = None) -> str:
    path = f"{base(hall)}/records/services"
    if first is None or last is None:
        return path
    return f"{path}?{urlencode({'from': first.isoformat(), 'until': last.isoformat()})}"


def replay_href(hall: HallConfig, day: date | None = None) -> str:
    path = f"{base(hall)}/records/replay"
    return path + (f"?{urlencode({'day': day.isoformat()})}" if day else "")


def nav_links(
    hall: HallConfig, labels: Labeller, current: str, *, director: bool = True
) -> tuple[NavLink, ...]:
    """The bar's links: the sheet, the services, the replay and the director's page (for
    the director and the admin); a clerk gets none (their own month is all they may see)."""
    if not director:
        return ()
    links = (
        ("sheet", sheet_href(hall), "records.nav.sheet"),
        ("services", services_href(hall), "records.nav.services"),
        ("replay", replay_href(hall), "records.nav.replay"),
        ("director", f"{base(hall)}/director", "records.nav.director"),
    )
    return tuple(NavLink(href, labels(key), name == current) for name, href, key in links)


def month_title(labels: Labeller, month: date) -> str:
    return labels(
        "date.month", year=month.year, month=month.month, month_name=MONTHS_EN[month.month - 1]
    )


def shift_month(month: date, step: int) -> date:
    """The first day of the month `step` months from `month`'s."""
    index = month.year * 12 + month.month - 1 + step
    return date(index // 12, index % 12 + 1, 1)


def month_nav(labels: Labeller, month: date, today: date, href: Callable[[str], str]) -> MonthNav:
    """`href(YYYY-MM)`: the page's address for another month."""
    month = month.replace(day=1)
    this_month = today.replace(day=1)
    before, after = shift_month(month, -1), shift_month(month, 1)
    return MonthNav(
        title=month_title(labels, month),
        value=f"{month:%Y-%m}",
        max=f"{this_month:%Y-%m}",
        prev_href=href(f"{before:%Y-%m}"),
        prev_label=labels("records.month.prev", month=month_title(labels, before)),
        next_href=href(f"{after:%Y-%m}") if after <= this_month else "",
        next_label=labels("records.month.next", month=month_title(labels, after)),
    )


def figure(value: object) -> str:
    """A count or minutes as the sheet writes them: 3, 12.5, 0; nothing as a dash."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    return str(value)


def rate(value: object) -> str:
    """满意率: 96.5%, or a dash without ratings."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return DASH
    return f"{figure(float(value))}%"


def script_strings(labels: Labeller) -> dict[str, str]:
    """The refusal sentences (`error.<code>`, for the page script's toasts and the form's
    message) and the records pages' own words."""
    strings = {f"error.{k}": v for k, v in error_catalog(labels.lang).items()}
    return strings | {key: labels(key) for key in SCRIPT_STRINGS}


def person_line(hall: HallConfig, labels: Labeller, staff: str) -> str:
    """The clerk's name and 工号 as the pages head them: 陈少丽（工号 KY-001）."""
    person = hall.person(staff)
    if person is None:
        return staff
    if person.number:
        return labels("records.person", name=person.name, number=person.number)
    return person.name


def who(hall: HallConfig, labels: Labeller, staff: object) -> str:
    """Who did something in a trail: a person's name, or the admin token (no staff id)."""
    if not isinstance(staff, str) or not staff:
        return labels("records.by_admin")
    person = hall.person(staff)
    return person.name if person else staff
