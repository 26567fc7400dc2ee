from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hall.config import (
    ConfigError,
    HallConfig,
    Session,
    default_hall_path,
    load_hall,
    load_halls,
    parse_duration,
    parse_time,
)

# A small valid hall; each error case below breaks it in one place.
BASE = """\
id = "test-hall"
name = "Test hall"
timezone = "Asia/Shanghai"

[rules]
cover_after = "2s"

[hours.all]
sessions = ["13:00-17:00", "08:00-12:00"]

[[services]]
code = "A"
name = "Alpha"

[[services]]
code = "B"
name = "Beta"

[[windows]]
number = 1
name = "One"
services = ["A"]
a = "ann"
b = "bob"

[[windows]]
number = 2
name = "Two"
services = ["B", "A"]
a = "cat"
b = "dan"

[[staff]]
id = "ann"
name = "Ann"

[[staff]]
id = "bob"
name = "Bob"
title = "clerk of window 1"

[[staff]]
id = "cat"
name = "Cat"
role = "clerk"

[[staff]]
id = "dan"
name = "Dan"

[[staff]]
id = "boss"
name = "Boss"
role = "director"
"""

SUMMER_WINTER = """\
[hours.summer]
from = "05-01"
until = "09-30"
sessions = ["08:00-12:00"]
[hours.winter]
"""


NOTIFY = """\
[[notify]]
id = "b-posts"
kind = "wecom"
url = "https://x.example/robot?key=1"
staff = ["bob"]

[rules]
"""


def write(tmp_path: Path, text: str, name: str = "hall.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edited(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


# --- the shipped Kaiyuan hall ---------------------------------------------------------------


@pytest.fixture(scope="module")
def kaiyuan() -> HallConfig:
    return load_hall(default_hall_path())


def test_kaiyuan_loads(kaiyuan: HallConfig) -> None:
    assert kaiyuan.id == "kaiyuan"
    assert kaiyuan.name == "开元街道便民服务中心"
    assert str(kaiyuan.tz) == "Asia/Shanghai"
    assert kaiyuan.days == frozenset({0, 1, 2, 3, 4})
    assert [w.number for w in kaiyuan.windows] == [1, 2, 3, 4, 5, 6, 7]
    assert len(kaiyuan.staff) == 15
    assert kaiyuan.source == str(default_hall_path())


def test_kaiyuan_rules_and_hours(kaiyuan: HallConfig) -> None:
    rules = kaiyuan.rules
    assert rules.cover_after == timedelta(minutes=10)
    assert rules.escalate_after == timedelta(minutes=2)
    assert rules.issue_cutoff == timedelta(0)
    assert rules.wait_sla == timedelta(minutes=30)
    summer, winter = kaiyuan.seasons
    assert (summer.name, summer.start, summer.until) == ("summer", (6, 1), (9, 30))
    assert [(s.start, s.end) for s in summer.sessions] == [
        (time(8), time(12)),
        (time(15), time(18)),
    ]
    assert (winter.name, winter.start, winter.until) == ("winter", None, None)
    assert winter.sessions[1] == Session(time(14, 30), time(17, 30))


def test_kaiyuan_director(kaiyuan: HallConfig) -> None:
    directors = [s for s in kaiyuan.staff if s.role == "director"]
    assert [(d.id, d.name) for d in directors] == [("wang-manshu", "王曼姝")]


def test_kaiyuan_every_service_served_and_every_person_titled(kaiyuan: HallConfig) -> None:
    assert len(kaiyuan.services) == 7
    served = {code for w in kaiyuan.windows for code in w.services}
    assert served == {s.code for s in kaiyuan.services}
    assert all(s.title for s in kaiyuan.staff)


@pytest.mark.parametrize(
    ("number", "department", "service", "a", "b"),
    [
        (1, "党政办", "党群服务", "陈少丽", "许轻轻"),
        (2, "财经办", "企业服务", "魏小晶", "蔡琼瑶"),
        (3, "卫计办", "卫生计生", "苏炜瑜", "刘文智"),
        (4, "劳保所", "劳动保障", "杨志荣", "蔡文铿"),
        (5, "残联", "民政优抚", "陈建伟", "华静娴"),
        (6, "司法所", "公共法律援助", "谢珊红", "林温明"),
        (7, "城管办", "城管城建", "吴国豪", "吴明云"),
    ],
)
def test_kaiyuan_windows(
    kaiyuan: HallConfig, number: int, department: str, service: str, a: str, b: str
) -> None:
    window = kaiyuan.window(number)
    assert window is not None
    assert window.name == department
    assert [s.name for s in kaiyuan.services if s.code in window.services] == [service]
    person_a, person_b = kaiyuan.person(window.a), kaiyuan.person(window.b)
    assert person_a is not None and person_b is not None
    assert (person_a.name, person_b.name) == (a, b)


# --- a valid file -----------------------------------------------------------------------------


def test_base_loads_with_defaults(tmp_path: Path) -> None:
    hall = load_hall(write(tmp_path, BASE))
    assert hall.days == frozenset(range(5))  # mon-fri by default
    assert hall.closed_dates == frozenset()
    assert hall.rules.cover_after == timedelta(seconds=2)
    assert hall.rules.wait_sla == timedelta(minutes=30)
    assert hall.rules.recall_limit == 3
    assert hall.rules.arrival_grace == timedelta(0)
    assert (hall.holidays, hall.open_dates, hall.public_detail) == ("cn", frozenset(), False)
    assert hall.windows[1].services == ("B", "A")  # in the file's order
    assert [(s.title, s.role) for s in hall.staff] == [
        ("", "clerk"),
        ("clerk of window 1", "clerk"),
        ("", "clerk"),
        ("", "clerk"),
        ("", "director"),
    ]


def test_holidays_default_to_china_only_for_a_hall_in_china(tmp_path: Path) -> None:
    berlin = BASE.replace('"Asia/Shanghai"', '"Europe/Berlin"')
    assert load_hall(write(tmp_path, berlin)).holidays == "none"
    text = BASE.replace("[rules]\n", 'holidays = "none"\nopen_dates = [2026-10-10]\n[rules]\n')
    hall = load_hall(write(tmp_path, text))
    assert (hall.holidays, hall.open_dates) == ("none", frozenset({date(2026, 10, 10)}))


def test_sessions_come_out_sorted(tmp_path: Path) -> None:
    (season,) = load_hall(write(tmp_path, BASE)).seasons
    assert [s.start for s in season.sessions] == [time(8), time(13)]


def test_optional_fields(tmp_path: Path) -> None:
    text = edited('timezone = "Asia/Shanghai"\n', 'timezone = "Europe/Berlin"\n')
    text = text.replace(
        "[rules]\n",
        'days = ["sat", "sun"]\nclosed_dates = ["2026-12-26", 2026-12-27]\n\n[rules]\n'
        'recall_limit = 0\nrating_within = "45m"\nissue_cutoff = "15m"\n',
    )
    text = text.replace('"08:00-12:00"', '"08:00:00-12:00:30"')
    hall = load_hall(write(tmp_path, text))
    assert hall.days == frozenset({5, 6})
    assert hall.closed_dates == frozenset({date(2026, 12, 26), date(2026, 12, 27)})
    assert hall.rules.recall_limit == 0
    assert hall.rules.rating_within == timedelta(minutes=45)
    assert hall.rules.issue_cutoff == timedelta(minutes=15)
    assert hall.seasons[0].sessions[0] == Session(time(8), time(12, 0, 30))


@pytest.mark.parametrize(
    "hours",
    [
        # a range that wraps the new year, plus the rest of the year
        '[hours.winter]\nfrom = "11-01"\nuntil = "02-29"\nsessions = ["09:00-12:00"]\n'
        '[hours.rest]\nfrom = "03-01"\nuntil = "10-31"\nsessions = ["08:00-12:00"]\n',
        # ranges with a fallback for the days between them
        '[hours.july]\nfrom = "07-01"\nuntil = "07-31"\nsessions = ["08:00-11:00"]\n'
        '[hours.dec]\nfrom = "12-01"\nuntil = "12-31"\nsessions = ["08:00-11:00"]\n'
        '[hours.all]\nsessions = ["08:00-12:00"]\n',
        # one range that is the whole year
        '[hours.year]\nfrom = "01-01"\nuntil = "12-31"\nsessions = ["08:00-12:00"]\n',
    ],
)
def test_valid_season_layouts(tmp_path: Path, hours: str) -> None:
    text = edited('[hours.all]\nsessions = ["13:00-17:00", "08:00-12:00"]\n', hours)
    assert load_hall(write(tmp_path, text)).seasons


# --- every error names the file, the field and the problem ------------------------------------

ERRORS = [
    # (old, new, field, problem)
    ('a = "cat"', 'a = "cta"', "windows[1].a", "unknown staff id 'cta'"),
    ('b = "bob"', 'b = "ann"', "windows[0].b", "cannot be both A-post and B-post"),
    ("number = 2", "number = 1", "windows[1].number", "duplicate window number 1"),
    ("number = 2", "number = 0", "windows[1].number", "must be at least 1"),
    ("number = 2", "number = true", "windows[1].number", "must be an integer, not a boolean"),
    ('name = "Two"', 'name = ""', "windows[1].name", "must not be empty"),
    ('services = ["B", "A"]', 'services = ["B", "C"]', "windows[1].services[1]", "unknown"),
    ('services = ["B", "A"]', "services = []", "windows[1].services", "must not be empty"),
    ('services = ["B", "A"]', 'services = ["B", "B"]', "windows[1].services[1]", "duplicate"),
    ('code = "B"', 'code = "b"', "services[1].code", "'b' is not one capital letter A-Z"),
    ('code = "B"', 'code = "BB"', "services[1].code", "'BB' is not one capital letter A-Z"),
    ('code = "B"', 'code = "A"', "services[1].code", "duplicate service 'A'"),
    ('services = ["B", "A"]', 'services = ["A"]', "services[1]", "'B' (Beta) has no window"),
    (
        '"13:00-17:00", "08:00-12:00"',
        '"08:00-12:00", "11:00-13:00"',
        "hours.all.sessions[1]",
        "11:00-13:00 overlaps hours.all.sessions[0] 08:00-12:00",
    ),
    ('"13:00-17:00"', '"17:00-13:00"', "hours.all.sessions[0]", "must start before it ends"),
    ('"13:00-17:00"', '"13:00-13:00"', "hours.all.sessions[0]", "must start before it ends"),
    ('"13:00-17:00"', '"1pm-5pm"', "hours.all.sessions[0]", "'1pm' is not a time"),
    ('"13:00-17:00"', '"8:00-17:00"', "hours.all.sessions[0]", "'8:00' is not a time"),
    ('"13:00-17:00"', '"13:00"', "hours.all.sessions[0]", "is not a session like"),
    ('"13:00-17:00", "08:00-12:00"', "", "hours.all.sessions", "at least one session"),
    ('cover_after = "2s"', 'cover_after = "10 min"', "rules.cover_after", "is not a duration"),
    ('cover_after = "2s"', "cover_after = 10", "rules.cover_after", "must be a string"),
    (
        'cover_after = "2s"',
        'cover_afer = "2s"',
        "rules.cover_afer",
        "unknown key (did you mean 'cover_after'?)",
    ),
    ('cover_after = "2s"', "recall_limit = -1", "rules.recall_limit", "must be at least 0"),
    (
        'cover_after = "2s"',
        'issue_cutoff = "4h"',
        "rules.issue_cutoff",
        "4:00:00 is not shorter than session 08:00-12:00 of hours.all",
    ),
    ('"Asia/Shanghai"', '"Asia/Shangai"', "timezone", "unknown time zone 'Asia/Shangai'"),
    ('timezone = "Asia/Shanghai"\n', "", "timezone", "is missing"),
    ('id = "test-hall"', 'id = "Test Hall"', "id", "lowercase letters, digits and '-' only"),
    ('name = "Test hall"', 'name = " "', "name", "must not be empty"),
    (
        'name = "Test hall"',
        'name = "Test hall"\nclosed_date = []',
        "closed_date",
        "unknown key (did you mean 'closed_dates'?)",
    ),
    ('name = "Test hall"', 'name = "Test hall"\ncolour = "red"', "colour", "unknown key"),
    (
        'name = "Test hall"',
        'name = "Test hall"\ndays = ["mon", "Tue"]',
        "days[1]",
        "'Tue' is not one of mon, tue",
    ),
    ('name = "Test hall"', 'name = "Test hall"\ndays = ["mon", "mon"]', "days[1]", "duplicate"),
    ('name = "Test hall"', 'name = "Test hall"\ndays = []', "days", "at least one day"),
    (
        'name = "Test hall"',
        'name = "Test hall"\nclosed_dates = ["2026-02-30"]',
        "closed_dates[0]",
        "'2026-02-30' is not a date",
    ),
    (
        'name = "Test hall"',
        'name = "Test hall"\nclosed_dates = ["20261001"]',
        "closed_dates[0]",
        "'20261001' is not a date",
    ),
    ('a = "ann"', 'a = "ann"\nphone = "123"', "windows[0].phone", "unknown key"),
    ('role = "director"', 'role = "boss"', "staff[4].role", "'boss' is not one of clerk, director"),
    ('id = "dan"', 'id = "cat"', "staff[3].id", "duplicate staff id 'cat'"),
    ('id = "dan"', 'id = "Dan"', "staff[3].id", "lowercase"),
    ("[hours.all]\n", '[hours.all]\nfrom = "01-01"\n', "hours.all.until", "give both"),
    ("[hours.all]\n", '[hours.all]\nuntil = "01-01"\n', "hours.all.from", "give both"),
    (
        "[hours.all]\n",
        '[hours.all]\nfrom = "02-30"\nuntil = "03-01"\n',
        "hours.all.from",
        "'02-30' is not a day of the year",
    ),
    ("[hours.all]\n", "[hours.all]\nstart = 1\n", "hours.all.start", "unknown key"),
    (
        "[hours.all]\n",
        '[hours.rest]\nsessions = ["08:00-09:00"]\n[hours.all]\n',
        "hours.all",
        "only one season may lack from/until; hours.rest already does",
    ),
    # every date must be covered: summer alone leaves October to April out
    (
        "[hours.all]\n",
        '[hours.all]\nfrom = "05-01"\nuntil = "09-30"\n',
        "hours",
        "01-01 is in no season",
    ),
    (
        "[hours.all]\n",
        SUMMER_WINTER.replace(
            "[hours.winter]\n", '[hours.winter]\nfrom = "09-30"\nuntil = "04-30"\n'
        ),
        "hours.winter",
        "09-30..04-30 overlaps hours.summer 05-01..09-30 on 09-30",
    ),
    ("[[staff]]\n", "[staff]\n", "", "invalid TOML"),
    ("[rules]\n", 'holidays = "us"\n[rules]\n', "holidays", "'us' is not one of cn, none"),
    ("[rules]\n", "public_detail = 1\n[rules]\n", "public_detail", "must be true or false"),
    ("[rules]\n", 'open_dates = ["2026-13-01"]\n[rules]\n', "open_dates[0]", "not a date"),
    (
        "[rules]\n",
        'closed_dates = ["2026-10-09"]\nopen_dates = ["2026-10-09"]\n[rules]\n',
        "open_dates",
        "2026-10-09 is also in closed_dates",
    ),
    ('cover_after = "2s"', 'arrival_grace = "5"', "rules.arrival_grace", "not a duration"),
    ('cover_after = "2s"', 'rating_within = "2h"', "rules.rating_within", "at most 1:00:00"),
    ('id = "dan"', 'id = "dan"\nmobile = "13x"', "staff[3].mobile", "not a phone number"),
    ('name = "Beta"', 'name = "Beta"\nnotices = [{}]', "services[1].notices[0].item", "missing"),
    (
        'name = "Beta"',
        'name = "Beta"\nnotices = [{item = "X", materials = [""]}]',
        "services[1].notices[0].materials[0]",
        "must not be empty",
    ),
    ("[rules]\n", NOTIFY.replace("wecom", "sms"), "notify[0].kind", "'sms' is not one of"),
    ("[rules]\n", NOTIFY.replace('"bob"', '"bo"'), "notify[0].staff[0]", "unknown staff id"),
    ("[rules]\n", NOTIFY.replace('"bob"', ""), "notify[0]", "names nobody"),
    ("[rules]\n", NOTIFY.replace("https://", "ftp://"), "notify[0].url", "http:// or https://"),
    ("[rules]\n", NOTIFY.replace("https://x", "env:1X"), "notify[0].url", "variable name"),
    (
        "[rules]\n",
        NOTIFY.replace('"wecom"', '"webhook"'),
        "notify[0].secret",
        "a webhook needs a secret",
    ),
    (
        "[rules]\n",
        NOTIFY.replace('staff = ["bob"]', 'staff = ["bob"]\nevents = ["ticket.called"]'),
        "notify[0].events[0]",
        "unknown event",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"), ERRORS, ids=[f"{c[2]}: {c[3]}" for c in ERRORS]
)
def test_errors_name_file_field_and_problem(
    tmp_path: Path, old: str, new: str, field: str, problem: str
) -> None:
    path = write(tmp_path, edited(old, new))
    with pytest.raises(ConfigError) as caught:
        load_hall(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {field}: " if field else f"{path}: ")
    assert problem in message
    assert caught.value.source == str(path)
    assert caught.value.field == field


def test_english_names_notices_and_notify_channels(tmp_path: Path) -> None:
    text = edited('name = "Test hall"', 'name = "Test hall"\nname_en = "The hall"')
    text = text.replace(
        'name = "Alpha"',
        'name = "Alpha"\nname_en = "A-en"\ncovers = "a, b"\n'
        '[[services.notices]]\nitem = "Permit"\nmaterials = ["ID card", "Form"]\nfee = "free"',
    )
    text = text.replace('name = "One"', 'name = "One"\nname_en = "One-en"')
    text = text.replace('name = "Bob"', 'name = "Bob"\nnumber = "007"\nmobile = "13800000000"')
    text = text.replace("[rules]\n", NOTIFY.replace('staff = ["bob"]', 'roles = ["director"]'))
    hall = load_hall(write(tmp_path, text))
    assert (hall.label("en"), hall.label("zh")) == ("The hall", "Test hall")
    alpha, beta = hall.services
    assert (alpha.label("en"), beta.label("en")) == ("A-en", "Beta")  # falls back to the name
    assert alpha.covers == "a, b" and alpha.notices[0].materials == ("ID card", "Form")
    assert alpha.notices[0].fee == "free" and beta.notices == ()
    assert hall.windows[0].label("en") == "One-en"
    bob = hall.person("bob")
    assert bob is not None and (bob.number, bob.mobile) == ("007", "13800000000")
    (channel,) = hall.notify
    assert (channel.kind, channel.roles, channel.staff) == ("wecom", ("director",), ())
    assert "cover.needed" in channel.events


def test_leap_day_must_be_covered(tmp_path: Path) -> None:
    hours = (
        '[hours.cold]\nfrom = "11-01"\nuntil = "02-28"\nsessions = ["09:00-12:00"]\n'
        '[hours.warm]\nfrom = "03-01"\nuntil = "10-31"\nsessions = ["08:00-12:00"]\n'
    )
    path = write(
        tmp_path, edited('[hours.all]\nsessions = ["13:00-17:00", "08:00-12:00"]\n', hours)
    )
    with pytest.raises(ConfigError, match=r"hall\.toml: hours: 02-29 is in no season"):
        load_hall(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: cannot read the file"):
        load_hall(tmp_path / "nope.toml")


# --- several halls ----------------------------------------------------------------------------


def test_load_halls_from_a_file() -> None:
    assert list(load_halls(default_hall_path())) == ["kaiyuan"]


def test_load_halls_from_a_folder(tmp_path: Path) -> None:
    write(tmp_path, BASE, "one.toml")
    write(tmp_path, edited('id = "test-hall"', 'id = "other"'), "two.toml")
    write(tmp_path, "not a hall", "notes.txt")
    halls = load_halls(tmp_path)
    assert sorted(halls) == ["other", "test-hall"]
    assert halls["other"].source == str(tmp_path / "two.toml")


def test_load_halls_duplicate_id(tmp_path: Path) -> None:
    write(tmp_path, BASE, "a.toml")
    second = write(tmp_path, BASE, "b.toml")
    with pytest.raises(ConfigError) as caught:
        load_halls(tmp_path)
    assert str(caught.value) == (
        f"{second}: id: duplicate hall id 'test-hall' (also in {tmp_path / 'a.toml'})"
    )


def test_load_halls_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no \*\.toml hall files"):
        load_halls(tmp_path)


# --- durations and times ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10m", timedelta(minutes=10)),
        ("2s", timedelta(seconds=2)),
        ("1h", timedelta(hours=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("90s", timedelta(seconds=90)),
        ("0m", timedelta(0)),
        ("1h0m5s", timedelta(hours=1, seconds=5)),
        ("2m30s", timedelta(minutes=2, seconds=30)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "10", "m", "10 m", " 10m", "10M", "1.5h", "-1m", "30m1h", "1h1h", "10min", "1d", "PT1M"],
)
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def test_parse_duration_rejects_overflow() -> None:
    with pytest.raises(ValueError, match="too long"):
        parse_duration("99999999999999h")


@given(
    hours=st.none() | st.integers(0, 10_000),
    minutes=st.none() | st.integers(0, 10_000),
    seconds=st.none() | st.integers(0, 100_000),
)
def test_parse_duration_round_trips(
    hours: int | None, minutes: int | None, seconds: int | None
) -> None:
    parts = [(hours, "h"), (minutes, "m"), (seconds, "s")]
    text = "".join(f"{n}{unit}" for n, unit in parts if n is not None)
    if not text:
        text = "0s"
    expected = timedelta(hours=hours or 0, minutes=minutes or 0, seconds=seconds or 0)
    assert parse_duration(text) == expected


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)))
def test_whole_second_durations_round_trip(value: timedelta) -> None:
    total = int(value.total_seconds())
    hours, rest = divmod(total, 3600)
    text = f"{hours}h{rest // 60}m{rest % 60}s"
    assert parse_duration(text) == timedelta(seconds=total)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:00", time(8)),
        ("00:00", time(0)),
        ("23:59", time(23, 59)),
        ("08:00:30", time(8, 0, 30)),
        ("17:29:59", time(17, 29, 59)),
    ],
)
def test_parse_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text", ["8:00", "24:00", "12:60", "12:00:60", "12", "12:00:00:00", "12.00", " 12:00", "noon"]
)
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="is not a time"):
        parse_time(text)
