"""The set-up (401) page of a counter device opened without its token: the rating pad and
the window display say how to make their token and which address to open."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from hall.config import HallConfig
from hall.kiosk.labels import Labeller
from hall.kiosk.page import PageInfo, Part, page_info

CounterDevice = Literal["rating", "display"]


@dataclass(frozen=True, slots=True)
class DeviceSetupContext:
    page: PageInfo
    labels: Labeller
    device: CounterDevice
    heading: str  # 此评价器尚未授权
    token_command: str  # hall token --hall kaiyuan --role rating --window 1
    device_url: str  # http://host/halls/kaiyuan/windows/1/rating?token=TOKEN

    def parts(self) -> tuple[Part, ...]:
        return ()


def device_setup_context(
    hall: HallConfig, device: CounterDevice, window: int, lang: str, *, base_url: str = ""
) -> DeviceSetupContext:
    labels = Labeller(lang)
    path = f"/halls/{quote(hall.id)}/windows/{window}/{device}?token=TOKEN"
    command = f"hall token --hall {shlex.quote(hall.id)} --role {device} --window {window}"
    return DeviceSetupContext(
        page=page_info(
            hall,
            lang,
            None,
            title=labels("page.device_setup.title", hall=hall.label(labels.lang)),
            view="device-setup",
            ws_view=None,
        ),
        labels=labels,
        device=device,
        heading=labels(f"setup.{device}.heading"),
        token_command=command,
        device_url=base_url.rstrip("/") + path,
    )
