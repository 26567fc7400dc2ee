"""Discipline records and appeals (申诉, Art. 17): every late arrival and late absence gets a
record id; its clerk appeals it once; the director upholds it or voids it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hall.core import DomainError
from hall.core.model import APPEAL_DAYS

from .day import Day, at, plain


def late_day() -> Day:
    """a1 arrives at 08:05 (late), then is away 09:00-09:20:30 uncovered (late); a2 arrives
    on time and steps away 5 minutes (not a record)."""
    d = Day()
    d.do("08:00", "a2", "presence.set", window=2, post="A", state="present")
    d.do("08:05", "a1", "presence.set", window=1, post="A", state="present")
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason="break")
    d.do("09:01", "a2", "presence.set", window=2, post="A", state="away", reason="break")
    d.do("09:06", "a2", "presence.set", window=2, post="A", state="present")
    d.do("09:20:30", "a1", "presence.set", window=1, post="A", state="present")
    return d


def of_type(d: Day, kind: str) -> list[dict[str, Any]]:
    return [plain(e) for e in d.log if plain(e)["type"] == kind]


def refused(d: Day, when: str, who: str, type_: str, **fields: Any) -> tuple[int, str]:
    with pytest.raises(DomainError) as err:
        d.do(when, who, type_, **fields)
    return err.value.status, err.value.code


def test_late_arrivals_and_late_absences_are_numbered_records() -> None:
    d = late_day()
    (arrival,) = of_type(d, "arrival.late")
    absences = of_type(d, "absence.recorded")
    assert arrival["record"] == "R1"
    assert [(a["staff"], a["late"], a["record"]) for a in absences] == [
        ("a2", False, ""),  # five minutes: an absence, not a discipline record
        ("a1", True, "R2"),
    ]
    assert [(r.id, r.staff, r.kind, r.status) for r in d.state.records] == [
        ("R1", "a1", "arrival.late", "standing"),
        ("R2", "a1", "absence.recorded", "standing"),
    ]
    assert d.state.records[1].minutes == 20.5 and d.state.records[0].day == d.day


def test_records_made_in_one_step_get_their_own_numbers() -> None:
    """Two A-posts away and uncovered when the session closes: both absences end at 12:00,
    late, in one step of the clock, as R1 and R2."""
    d = Day()
    for w in (1, 2):
        d.do("08:00", f"a{w}", "presence.set", window=w, post="A", state="present")
        d.do("11:30", f"a{w}", "presence.set", window=w, post="A", state="away", reason="field")
    d.tick("12:00:01")
    late = [(a["staff"], a["record"]) for a in of_type(d, "absence.recorded")]
    assert late == [("a1", "R1"), ("a2", "R2")]
    assert d.state.record_serial == 2


def test_a_clerk_appeals_their_own_record_once() -> None:
    d = late_day()
    (filed,) = [
        plain(e) for e in d.do("10:00", "a1", "appeal.file", record="R2", reason="外出办事")
    ]
    assert filed == {
        **filed,
        "type": "appeal.filed",
        "appeal": "P1",
        "record": "R2",
        "staff": "a1",
        "window": 1,
        "kind": "absence.recorded",
        "day": d.day.isoformat(),
        "reason": "外出办事",
        "by": "a1",
    }
    assert d.state.record("R2") is not None and d.state.record("R2").status == "appealed"  # type: ignore[union-attr]
    assert refused(d, "10:01", "a1", "appeal.file", record="R2", reason="again") == (
        409,
        "already_appealed",
    )
    assert refused(d, "10:01", "a2", "appeal.file", record="R1", reason="not mine") == (
        403,
        "forbidden",
    )
    assert refused(d, "10:01", "a1", "appeal.file", record="R9", reason="x") == (
        404,
        "unknown_record",
    )
    assert refused(d, "10:01", "boss", "appeal.file", record="R1", reason="x") == (
        403,
        "forbidden",
    )
    # the admin may file for a clerk (e.g. from a paper appeal); the record is a1's
    (for_a1,) = [
        plain(e) for e in d.do("10:02", "admin", "appeal.file", record="R1", reason="纸质")
    ]
    assert (for_a1["appeal"], for_a1["staff"], for_a1.get("by")) == ("P2", "a1", None)


@pytest.mark.parametrize(("upheld", "status"), [(True, "upheld"), (False, "voided")])
def test_the_director_decides_an_appeal_once(upheld: bool, status: str) -> None:
    d = late_day()
    d.do("10:00", "a1", "appeal.file", record="R2", reason="外出办事，已报备")
    assert refused(d, "10:30", "a1", "appeal.decide", appeal="P1", upheld=False, reason="x") == (
        403,
        "forbidden",
    )
    (decided,) = [
        plain(e)
        for e in d.do("11:00", "boss", "appeal.decide", appeal="P1", upheld=upheld, reason="核实")
    ]
    assert (decided["record"], decided["staff"], decided["upheld"], decided["by"]) == (
        "R2",
        "a1",
        upheld,
        "boss",
    )
    record = d.state.record("R2")
    assert record is not None and (record.status, record.appeal) == (status, "P1")
    assert refused(d, "11:01", "boss", "appeal.decide", appeal="P1", upheld=True, reason="y") == (
        409,
        "already_decided",
    )
    assert refused(d, "11:01", "boss", "appeal.decide", appeal="P7", upheld=True, reason="y") == (
        404,
        "unknown_appeal",
    )
    assert refused(d, "11:02", "a1", "appeal.file", record="R2", reason="again") == (
        409,
        "already_appealed",
    )


def test_records_can_be_appealed_for_appeal_days_then_leave_the_state() -> None:
    d = late_day()
    last = d.day + timedelta(days=APPEAL_DAYS)
    d.tick(at("00:00:01", last))
    assert [r.id for r in d.state.records] == ["R1", "R2"]
    gone = last + timedelta(days=1)
    d.tick(at("00:00:01", gone))
    assert d.state.records == () and d.state.record_serial == 2  # numbers never restart
