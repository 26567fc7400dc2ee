"""Every page's typed context and the pure function that builds it, in one place."""

from __future__ import annotations

from hall.kiosk.director import DirectorContext, director_context
from hall.kiosk.duty import MeContext, me_context
from hall.kiosk.kiosk import KioskContext, kiosk_context, ticket_slip
from hall.kiosk.labels import Text
from hall.kiosk.login import KioskSetupContext, LoginContext, kiosk_setup_context, login_context
from hall.kiosk.page import PageInfo, Part
from hall.kiosk.resident import TicketContext, ticket_context
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
)

__all__ = [
    "DirectorContext",
    "KioskContext",
    "KioskSetupContext",
    "LoginContext",
    "MeContext",
    "PageContext",
    "PageInfo",
    "Part",
    "TabletContext",
    "Text",
    "TicketContext",
    "WallContext",
    "director_context",
    "kiosk_context",
    "kiosk_setup_context",
    "login_context",
    "me_context",
    "tablet_context",
    "ticket_context",
    "ticket_slip",
    "wall_context",
]
