"""Fuzzing the hall-file loader: whatever the file holds, `load_hall` returns a HallConfig or
raises ConfigError (whose message starts with the file's path), never anything else.

Three kinds of input: random bytes; random text made of TOML's punctuation and the hall
file's own keys; and a valid hall file with random mutations (a value replaced by one of
another type or an odd one, a key removed, an unknown key added), written as TOML."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hall.config import ConfigError, HallConfig, load_hall

pytestmark = pytest.mark.timeout(300)

FUZZ = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def check(path: Path) -> HallConfig | None:
    """The contract: a HallConfig, or a ConfigError naming the file."""
    try:
        return load_hall(path)
    except ConfigError as e:
        assert str(e).startswith(str(path)), str(e)
        return None


# -- a TOML writer for any value the fuzzer makes (inline tables and arrays only) ----------


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        text = repr(value)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
        )
    raise TypeError(type(value))


def toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_document(doc: dict[str, Any]) -> str:
    return "".join(f"{toml_string(k)} = {toml_value(v)}\n" for k, v in doc.items())


def valid_hall() -> dict[str, Any]:
    return {
        "id": "fuzz",
        "name": "测试大厅",
        "timezone": "Asia/Shanghai",
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "closed_dates": ["2026-10-01", date(2026, 10, 2)],
        "rules": {"cover_after": "10m", "escalate_after": "2m", "issue_cutoff": "5m"},
        "hours": {
            "summer": {"from": "05-01", "until": "09-30", "sessions": ["08:00-12:00"]},
            "winter": {"sessions": ["08:00-12:00", "14:30-17:30:30"]},
        },
        "services": [{"code": "A", "name": "甲"}, {"code": "B", "name": "乙"}],
        "windows": [
            {"number": 1, "name": "一", "services": ["A"], "a": "a1", "b": "b1"},
            {"number": 2, "name": "二", "services": ["A", "B"], "a": "b1", "b": "a1"},
        ],
        "staff": [
            {"id": "a1", "name": "甲一", "title": "办事员", "role": "clerk"},
            {"id": "b1", "name": "乙一", "role": "director"},
        ],
    }


# Values a hall file might wrongly hold: other types, edge numbers, near-miss strings.
# fmt: off
odd_strings = st.sampled_from([
    "", " ", "\x00", "0m", "0s", "1h30m", "99999999999999999999h", "-1m", "10", "m", "25:00",
    "24:00", "08:00-08:00", "12:00-08:00", "08:00-12:00-13:00", "00:00-23:59:59", "02-29",
    "02-30", "00-00", "13-01", "Asia/Nowhere", "../../etc/passwd", "UTC", "mon", "MON",
    "clerk", "admin", "A", "AA", "a", "1", "2026-02-30", "9999-12-31",
])
# fmt: on
scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, 1, -1, 999, 1000, 2**31]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=20),
    odd_strings,
    st.dates(),
    st.times(),
    st.datetimes(timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=8))])),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["id", "name", "x", "sessions", "code"]), inner, max_size=3
        ),
    ),
    max_leaves=8,
)


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside `doc` (dict keys and list indexes)."""
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += paths(v, (*prefix, i))
    return out


def mutate(doc: dict[str, Any], data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(paths(doc)), label="path")
    parent: Any = doc
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    action = data.draw(st.sampled_from(["odd", "replace", "remove", "add"]), label="action")
    if action == "odd":  # the right type, a wrong or edge value: reaches the deeper checks
        parent[last] = data.draw(odd_strings, label="odd")
    elif action == "replace":
        parent[last] = data.draw(values, label="value")
    elif action == "remove":
        del parent[last]
    elif isinstance(parent, dict):
        key = data.draw(st.sampled_from(["title", "role", "extra", "from", "number"]))
        parent[key] = data.draw(values, label="added")
    else:
        parent.append(data.draw(values, label="appended"))


MUTATIONS = settings(FUZZ, max_examples=1500)


def test_the_unmutated_hall_loads(tmp_path: Path) -> None:
    path = tmp_path / "hall.toml"
    path.write_text(toml_document(valid_hall()))
    hall = check(path)
    assert hall is not None and hall.id == "fuzz" and len(hall.windows) == 2


@MUTATIONS
@given(data=st.data())
def test_mutated_halls(tmp_path: Path, data: st.DataObject) -> None:
    doc = valid_hall()
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        mutate(doc, data)
    path = tmp_path / "hall.toml"
    path.write_text(toml_document(doc), encoding="utf-8")
    check(path)


# fmt: off
TOKENS = st.sampled_from([
    "[", "]", "[[", "]]", "{", "}", "=", ",", ".", '"', "'", '"""', "\n", " ", "#", "\r",
    "id", "name", "timezone", "days", "rules", "hours", "all", "sessions", "services",
    "windows", "staff", "code", "number", "a", "b", "role", "from", "until",
    '"t"', '"x"', '"A"', "1", "-1", "1.5", "true", "nan", "inf", "1979-05-27", "07:32:00",
    "1979-05-27T07:32:00Z", '"08:00-12:00"', '"10m"', '"Asia/Shanghai"',
    "\\", "\\u0000", "\x00", "é", "中",
])
# fmt: on


@FUZZ
@given(tokens=st.lists(TOKENS, max_size=120))
def test_random_toml_like_text(tmp_path: Path, tokens: list[str]) -> None:
    path = tmp_path / "hall.toml"
    path.write_text("".join(tokens), encoding="utf-8")
    check(path)


@FUZZ
@given(text=st.text(max_size=400))
def test_random_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    check(path)


@FUZZ
@given(raw=st.binary(max_size=400))
def test_random_bytes(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "hall.toml"
    path.write_bytes(raw)
    check(path)


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "hall.toml"
    path.write_bytes(toml_document(valid_hall()).encode("gb18030"))  # a Chinese legacy encoding
    check(path)


@pytest.mark.parametrize("opening", ["[", "{a = "])
def test_deeply_nested_values(tmp_path: Path, opening: str) -> None:
    closing = "]" if opening == "[" else "}"
    path = tmp_path / "hall.toml"
    path.write_text("name = " + opening * 5000 + "1" + closing * 5000 + "\n")
    check(path)


@pytest.mark.parametrize("name", ["missing.toml", "."])
def test_a_missing_file_or_a_folder(tmp_path: Path, name: str) -> None:
    assert check(tmp_path / name if name != "." else tmp_path) is None
