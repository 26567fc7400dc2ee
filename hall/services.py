"""What a running hub holds: built by the app's lifespan, closed by it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hall.auth import TicketKeys, TokenBuckets
from hall.config import HallConfig
from hall.engine import Engine
from hall.kiosk import Renderer
from hall.live.hub import Live
from hall.live.views import Views
from hall.settings import Settings
from hall.store.reader import InboxConsumer
from hall.store.store import Store


@dataclass
class Services:
    settings: Settings
    halls: dict[str, HallConfig]
    store: Store
    engine: Engine
    live: Live
    inbox: InboxConsumer
    views: Views
    renderer: Renderer
    buckets: TokenBuckets
    ticket_keys: TicketKeys
    version: str
    monotonic: Callable[[], float] = field(default=time.monotonic)
