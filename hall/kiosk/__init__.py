"""Screens of the hall: typed page contexts built from the public state, and their rendering.

renderer = Renderer()
ctx = wall_context(hall, state, calls, lang, now)
html = renderer.page("wall", ctx)            # the full page
parts = renderer.fragments("wall", ctx)      # {"window-3": "<article id=\"window-3\" ...>"}
"""

from hall.kiosk.calls import call_clips, speech
from hall.kiosk.contexts import (
    DeviceSetupContext,
    DirectorContext,
    DisplayContext,
    KioskCheckContext,
    KioskContext,
    KioskSetupContext,
    LoginContext,
    MeContext,
    PageContext,
    RatingContext,
    TabletContext,
    TicketContext,
    WallContext,
    device_setup_context,
    director_context,
    display_context,
    kiosk_check_context,
    kiosk_context,
    kiosk_setup_context,
    login_context,
    me_context,
    rating_context,
    tablet_context,
    ticket_context,
    ticket_slip,
    wall_context,
)
from hall.kiosk.counters import DayCounts, average_service_minutes, count_day
from hall.kiosk.duty import home_path
from hall.kiosk.kiosk import no_printing
from hall.kiosk.paths import static_dir, templates_dir
from hall.kiosk.qr import qr_svg
from hall.kiosk.render import PAGES, Renderer, make_environment
from hall.kiosk.slip import slip_for

__all__ = [
    "PAGES",
    "DayCounts",
    "DeviceSetupContext",
    "DirectorContext",
    "DisplayContext",
    "KioskCheckContext",
    "KioskContext",
    "KioskSetupContext",
    "LoginContext",
    "MeContext",
    "PageContext",
    "RatingContext",
    "Renderer",
    "TabletContext",
    "TicketContext",
    "WallContext",
    "average_service_minutes",
    "call_clips",
    "count_day",
    "device_setup_context",
    "director_context",
    "display_context",
    "home_path",
    "kiosk_check_context",
    "kiosk_context",
    "kiosk_setup_context",
    "login_context",
    "make_environment",
    "me_context",
    "no_printing",
    "qr_svg",
    "rating_context",
    "slip_for",
    "speech",
    "static_dir",
    "tablet_context",
    "templates_dir",
    "ticket_context",
    "ticket_slip",
    "wall_context",
]
