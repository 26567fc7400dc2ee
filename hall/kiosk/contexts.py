"""Every page's typed context and the pure function that builds it, in one place."""

from __future__ import annotations

from hall.kiosk.check import KioskCheckContext, kiosk_check_context
from hall.kiosk.counter import DisplayContext, display_context
from hall.kiosk.devices import DeviceSetupContext, device_setup_context
from hall.kiosk.director import DirectorContext, director_context
from hall.kiosk.duty import MeContext, me_context
from hall.kiosk.kiosk import KioskContext, kiosk_context
from hall.kiosk.labels import Text
from hall.kiosk.login import KioskSetupContext, LoginContext, kiosk_setup_context, login_context
from hall.kiosk.overview import OverviewContext, overview_context
from hall.kiosk.page import PageInfo, Part
from hall.kiosk.rating import RatingContext, rating_context
from hall.kiosk.records_services import ServicesContext
from hall.kiosk.records_sheet import SheetContext
from hall.kiosk.records_staff import StaffMonthContext
from hall.kiosk.replay import ReplayContext, replay_context
from hall.kiosk.resident import TicketContext, ticket_context
from hall.kiosk.slip import ticket_slip
from hall.kiosk.tablet import TabletContext, tablet_context
from hall.kiosk.wall import WallContext, wall_context

PageContext = (
    WallContext
    | TabletContext
    | KioskContext
    | DirectorContext
    | TicketContext
    | LoginContext
    | KioskSetupContext
    | MeContext
    | RatingContext
    | DisplayContext
    | DeviceSetupContext
    | KioskCheckContext
    | ReplayContext
    | OverviewContext
    | SheetContext
    | StaffMonthContext
    | ServicesContext
)

__all__ = [
    "DeviceSetupContext",
    "DirectorContext",
    "DisplayContext",
    "KioskCheckContext",
    "KioskContext",
    "KioskSetupContext",
    "LoginContext",
    "MeContext",
    "OverviewContext",
    "PageContext",
    "PageInfo",
    "Part",
    "RatingContext",
    "ReplayContext",
    "TabletContext",
    "Text",
    "TicketContext",
    "WallContext",
    "device_setup_context",
    "director_context",
    "display_context",
    "kiosk_check_context",
    "kiosk_context",
    "kiosk_setup_context",
    "login_context",
    "me_context",
    "overview_context",
    "rating_context",
    "replay_context",
    "tablet_context",
    "ticket_context",
    "ticket_slip",
    "wall_context",
]
