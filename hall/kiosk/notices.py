"""One-time notices (一次性告知单, seed Art. 9) as the kiosk prints them: one 80 mm page per
item, with the fields of Art. 9 that the hall file fills, in the article's order."""

from __future__ import annotations

from dataclasses import dataclass

from hall.config import HallConfig
from hall.config.model import Notice
from hall.kiosk.labels import Labeller

# Art. 9: 项目名称、法定依据、申请条件、申报材料、办理程序、承诺时限、收费标准、联系方式.
FIELDS = ("basis", "conditions", "materials", "procedure", "time_limit", "fee", "contact")


@dataclass(frozen=True, slots=True)
class NoticeField:
    label: str  # 法定依据
    text: str  # the hall file's text ("" for the materials, which are `items`)
    items: tuple[str, ...] = ()  # the materials, one a line


@dataclass(frozen=True, slots=True)
class NoticeSheet:
    id: str  # notice-A-1: the element the page script prints
    service: str  # its service's code
    service_name: str
    item: str  # 项目名称
    fields: tuple[NoticeField, ...]


def notice_sheets(hall: HallConfig, labels: Labeller) -> tuple[NoticeSheet, ...]:
    return tuple(
        NoticeSheet(
            id=f"notice-{service.code}-{n}",
            service=service.code,
            service_name=service.label(labels.lang),
            item=notice.item,
            fields=_fields(notice, labels),
        )
        for service in hall.services
        for n, notice in enumerate(service.notices, 1)
    )


def _fields(notice: Notice, labels: Labeller) -> tuple[NoticeField, ...]:
    out: list[NoticeField] = []
    for name in FIELDS:
        label = labels(f"notice.{name}")
        if name == "materials":
            if notice.materials:
                out.append(NoticeField(label, "", notice.materials))
        elif text := getattr(notice, name):
            out.append(NoticeField(label, text))
    return tuple(out)
