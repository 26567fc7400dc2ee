"""Totals over days (pure): sums of the day rows, and rates and percentiles recomputed from
what was summed, never averages of averages."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from msgspec.structs import replace

from hall.core.model import LeaveKind
from hall.records.rows import NO_RATINGS, Ratings, ServiceDay, ServiceTotals, StaffDay, StaffTotals

_TENTH = Decimal("0.1")


def tenth(value: float) -> float:
    """One decimal, rounded half up (as the events' minutes): 2.25 -> 2.3."""
    return float(Decimal(repr(value)).quantize(_TENTH, rounding=ROUND_HALF_UP))


def percentile(values: Sequence[int | float], share: float) -> float:
    """The nearest-rank percentile of non-empty `values` (0 < share <= 1)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return float(ordered[rank - 1])


def satisfaction(ratings: Ratings) -> float | None:
    """满意率: ratings of 4 and 5 over all, in percent with one decimal."""
    total = sum(ratings)
    return tenth(100 * (ratings[3] + ratings[4]) / total) if total else None


def minutes_of(seconds: Sequence[int]) -> tuple[float | None, float | None, float | None]:
    """(p50, p90, max) of durations in seconds, as minutes; Nones when there are none."""
    if not seconds:
        return None, None, None
    return (
        tenth(percentile(seconds, 0.5) / 60),
        tenth(percentile(seconds, 0.9) / 60),
        tenth(max(seconds) / 60),
    )


def rated(ratings: Ratings, score: int) -> Ratings:
    """`ratings` with one more of `score` (1..5; anything else is not a rating)."""
    one, two, three, four, five = ratings
    return (
        one + (score == 1),
        two + (score == 2),
        three + (score == 3),
        four + (score == 4),
        five + (score == 5),
    )


def add_ratings(a: Ratings, b: Ratings) -> Ratings:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4])


def staff_totals(
    staff: str, name: str, first: date, last: date, days: Iterable[StaffDay], *, number: str = ""
) -> StaffTotals:
    """A clerk's totals over `first`..`last` from their day rows (voided records are out of
    the day rows' counts already; here they are counted as voided)."""
    counts = dict.fromkeys(_STAFF_COUNTS, 0)
    minutes = dict.fromkeys(_STAFF_MINUTES, 0.0)
    leave: dict[LeaveKind, float] = {}
    ratings = NO_RATINGS
    n = appealed = voided = 0
    for day in days:
        n += 1
        for field in _STAFF_COUNTS:
            counts[field] += getattr(day, field)
        for field in _STAFF_MINUTES:
            minutes[field] += getattr(day, field)
        for kind, value in day.leave.items():
            leave[kind] = leave.get(kind, 0.0) + value
        ratings = add_ratings(ratings, day.ratings)
        appealed += sum(1 for r in day.records if r.status == "appealed")
        voided += sum(1 for r in day.records if r.status == "voided")
    sums = StaffTotals(
        staff=staff,
        name=name,
        number=number,
        first=first,
        last=last,
        days=n,
        appealed=appealed,
        voided=voided,
        leave={kind: tenth(value) for kind, value in sorted(leave.items())},
        ratings=ratings,
        satisfaction=satisfaction(ratings),
    )
    return replace(sums, **counts, **{field: tenth(value) for field, value in minutes.items()})


_STAFF_COUNTS = ("sessions_due", "late_arrivals", "absences", "late_absences", "covers", "served")
_STAFF_MINUTES = (
    "late_arrival_minutes",
    "absence_minutes",
    "late_absence_minutes",
    "leave_minutes",
    "cover_minutes",
    "extended_minutes",
    "service_minutes",
)
_SERVICE_COUNTS = ("issued", "served", "no_shows", "transfers", "closed", "sla_breaches")


def service_totals(
    service: str, first: date, last: date, days: Iterable[ServiceDay]
) -> ServiceTotals:
    """A service's totals over `first`..`last` from its day rows: percentiles and means
    over every ticket's wait and service time of the span."""
    counts = dict.fromkeys(_SERVICE_COUNTS, 0)
    waits: list[int] = []
    times: list[int] = []
    for day in days:
        for field in _SERVICE_COUNTS:
            counts[field] += getattr(day, field)
        waits += day.waits
        times += day.service_times
    wait_p50, wait_p90, wait_max = minutes_of(waits)
    service_p50, service_p90, service_max = minutes_of(times)
    sums = ServiceTotals(
        service=service,
        first=first,
        last=last,
        called=len(waits),
        wait_mean=tenth(sum(waits) / len(waits) / 60) if waits else None,
        wait_p50=wait_p50,
        wait_p90=wait_p90,
        wait_max=wait_max,
        service_mean=tenth(sum(times) / len(times) / 60) if times else None,
        service_p50=service_p50,
        service_p90=service_p90,
        service_max=service_max,
    )
    return replace(sums, **counts)
