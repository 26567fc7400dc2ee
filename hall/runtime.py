"""What a running hub holds: built by the app's lifespan (`hall.app`), closed by it. The
routes reach it as `request.app.state.runtime`; the sockets through the narrower
`hall.live.sockets.SocketHub`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from hall.config import District, HallConfig
from hall.engine import Engine, Ticker
from hall.kiosk import Renderer
from hall.limits import TokenBuckets
from hall.live.channels import Channels
from hall.live.hub import Live
from hall.live.overview import Overviews
from hall.live.revocations import Revocations
from hall.notify import Notifier
from hall.records.archive import Archive
from hall.records.archiver import Archiver
from hall.reloading import Reloader
from hall.settings import Settings
from hall.store.credentials import Credentials, TicketKeys
from hall.store.reader import InboxConsumer
from hall.store.store import Store


@dataclass
class Runtime:
    settings: Settings
    halls: dict[str, HallConfig]
    store: Store
    credentials: Credentials
    engine: Engine
    live: Live
    inbox: InboxConsumer
    archive: Archive  # the records database
    archiver: Archiver  # copies the halls' logs into it
    channels: Channels
    revocations: Revocations
    notifier: Notifier
    renderer: Renderer
    buckets: TokenBuckets
    ticket_keys: TicketKeys
    version: str
    overviews: Overviews  # the district's overview pages, live
    ticker: Ticker  # the time rules of every hall
    reloader: Reloader  # `hall reload`, SIGHUP
    district: District | None = None  # the district file beside the hall files, if any
    monotonic: Callable[[], float] = field(default=time.monotonic)

    def now(self) -> datetime:
        """The hub's clock (the demo's simulated one under `hall demo`)."""
        return self.engine.clock()
