"""The kiosk's self-check (`/halls/{hall}/kiosk?token=…&check=1`), opened in the kiosk's own
browser: does it print without a dialog, play sound without a tap, and do its tickets' QR
codes lead to an address residents' phones can open? The first two are measured by the page
script in that browser; the address is decided here."""

from __future__ import annotations

import ipaddress
import shlex
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import quote, urlsplit

from hall.config import HallConfig
from hall.kiosk.labels import Labeller
from hall.kiosk.page import PageInfo, Part, page_info

# The kiosk browser's flags: full screen without browser controls, print to the default
# printer without the print dialog, play sound without a tap.
KIOSK_FLAGS = ("--kiosk", "--kiosk-printing", "--autoplay-policy=no-user-gesture-required")
# window.print() returning sooner than this showed no dialog (a person closing a dialog
# takes longer; silent printing returns in a few ms). The page script reads it.
SILENT_PRINT_MS = 1500

AddressVerdict = Literal["ok", "local", "invalid"]


def public_address_verdict(url: str) -> AddressVerdict:
    """`local`: a phone cannot open it (loopback, `localhost`, 0.0.0.0: the default when
    HALL_PUBLIC_URL is unset); `invalid`: not an http(s) address with a host."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # raises on a malformed port
    except ValueError:
        return "invalid"
    if parts.scheme not in ("http", "https") or not host:
        return "invalid"
    if host == "localhost" or host.endswith(".localhost"):
        return "local"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return "ok"  # a name: the hall's network resolves it
    return "local" if ip.is_loopback or ip.is_unspecified else "ok"


@dataclass(frozen=True, slots=True)
class KioskCheckContext:
    page: PageInfo
    labels: Labeller
    hall_name: str
    public_ok: bool
    public_text: str  # the verdict on the public address, with what to fix
    command: str  # the kiosk browser's start command, with TOKEN for the token
    silent_print_ms: int

    def parts(self) -> tuple[Part, ...]:
        return ()


def kiosk_check_context(
    hall: HallConfig, lang: str, now: datetime, *, public_url: str
) -> KioskCheckContext:
    labels = Labeller(lang)
    verdict = public_address_verdict(public_url)
    url = public_url.rstrip("/") + f"/halls/{quote(hall.id)}/kiosk?token=TOKEN"
    keys: tuple[str, ...] = ("check.print_ok", "check.print_dialog", "check.print_error")
    keys += ("check.sound_ok",)
    keys += ("check.sound_blocked", "check.sound_error", "check.ok", "check.fix")
    return KioskCheckContext(
        page=page_info(
            hall,
            lang,
            now,
            title=labels("page.kiosk_check.title", hall=hall.label(labels.lang)),
            view="kiosk-check",
            ws_view=None,
            strings={k: labels(k) for k in keys},
            query={"check": "1"},
        ),
        labels=labels,
        hall_name=hall.label(labels.lang),
        public_ok=verdict == "ok",
        public_text=labels(f"check.public_{verdict}", url=public_url),
        command=shlex.join(["chromium", *KIOSK_FLAGS, url]),
        silent_print_ms=SILENT_PRINT_MS,
    )
