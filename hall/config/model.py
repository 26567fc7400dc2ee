"""The frozen types of a hall: what the rest of hall uses, built by `hall.config.loading`."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import msgspec

Role = Literal["clerk", "director"]
Holidays = Literal["cn", "none"]
RATING_WITHIN_MAX = timedelta(hours=1)  # the core keeps finished tickets rateable this long


class Session(msgspec.Struct, frozen=True):
    start: time
    end: time


class Season(msgspec.Struct, frozen=True):
    name: str
    sessions: tuple[Session, ...]
    start: tuple[int, int] | None = None  # (month, day) of "from", inclusive
    until: tuple[int, int] | None = None  # (month, day) of "until", inclusive

    def covers(self, day: date) -> bool:
        """Whether `day` falls in this season's from..until range (never for the fallback)."""
        if self.start is None or self.until is None:
            return False
        return _in_range((day.month, day.day), self.start, self.until)


class Rules(msgspec.Struct, frozen=True):
    cover_after: timedelta = timedelta(minutes=10)
    escalate_after: timedelta = timedelta(minutes=2)
    arrival_grace: timedelta = timedelta(0)
    issue_cutoff: timedelta = timedelta(0)
    wait_sla: timedelta = timedelta(minutes=30)
    recall_limit: int = 3
    rating_within: timedelta = timedelta(minutes=10)


class Notice(msgspec.Struct, frozen=True):
    """One item's one-time notice (一次性告知单, seed Art. 9): what a resident must bring
    and know, printable at the kiosk."""

    item: str
    basis: str = ""  # 法定依据
    conditions: str = ""  # 申请条件
    materials: tuple[str, ...] = ()  # 申报材料
    procedure: str = ""  # 办理程序
    time_limit: str = ""  # 承诺时限
    fee: str = ""  # 收费标准
    contact: str = ""  # 联系方式


class Service(msgspec.Struct, frozen=True):
    code: str
    name: str
    name_en: str = ""
    covers: str = ""  # what it covers, in a line, for the kiosk's button
    covers_en: str = ""
    notices: tuple[Notice, ...] = ()

    def label(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


class Window(msgspec.Struct, frozen=True):
    number: int
    name: str
    services: tuple[str, ...]
    a: str
    b: str
    name_en: str = ""

    def label(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


class Staff(msgspec.Struct, frozen=True):
    id: str
    name: str
    title: str = ""
    role: Role = "clerk"
    number: str = ""  # 工号, shown at the counter when given
    mobile: str = ""  # for @-mentions in group-robot notifications


NotifyKind = Literal["wecom", "dingtalk", "webhook"]
NOTIFY_EVENTS = ("cover.needed", "cover.requested", "cover.escalated", "stranded", "overdue")


class NotifyChannel(msgspec.Struct, frozen=True):
    """Where the rules' alerts reach people away from the screens: a 企业微信 or 钉钉 group
    robot, or any HTTPS endpoint (signed with HMAC-SHA256). Reaches the alerts concerning
    `staff` (e.g. the B-post told to cover) and those for `roles` (e.g. the director)."""

    id: str
    kind: NotifyKind
    url: str
    secret: str = ""  # DingTalk's signing secret (SEC…), or the webhook's HMAC key
    staff: tuple[str, ...] = ()
    roles: tuple[Role, ...] = ()
    events: tuple[str, ...] = NOTIFY_EVENTS


class HallConfig(msgspec.Struct, frozen=True):
    id: str
    name: str
    timezone: str
    tz: ZoneInfo
    days: frozenset[int]  # weekday numbers, Monday = 0
    closed_dates: frozenset[date]
    rules: Rules
    seasons: tuple[Season, ...]
    services: tuple[Service, ...]
    windows: tuple[Window, ...]
    staff: tuple[Staff, ...]
    source: str = ""  # the file it came from, for messages
    open_dates: frozenset[date] = frozenset()
    holidays: Holidays = "none"  # "cn": China's public holidays and make-up working days
    public_detail: bool = False  # away reasons and minutes on public screens
    name_en: str = ""
    notify: tuple[NotifyChannel, ...] = ()
    version: str = ""  # SHA-256 (hex) of the file's bytes: `hall.configured {version}`

    def label(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name

    def window(self, number: int) -> Window | None:
        for w in self.windows:
            if w.number == number:
                return w
        return None

    def service(self, code: str) -> Service | None:
        for s in self.services:
            if s.code == code:
                return s
        return None

    def person(self, staff_id: str) -> Staff | None:
        for s in self.staff:
            if s.id == staff_id:
                return s
        return None


class ConfigError(Exception):
    """A hall file that cannot be used; the message names the file, the field and the problem."""

    def __init__(self, source: str, field: str, problem: str) -> None:
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.field = field
        self.problem = problem


def _in_range(month_day: tuple[int, int], start: tuple[int, int], until: tuple[int, int]) -> bool:
    if start <= until:
        return start <= month_day <= until
    return month_day >= start or month_day <= until  # wraps the new year, e.g. 11-01..02-28
