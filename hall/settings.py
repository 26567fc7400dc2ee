"""Settings, read once (from the CLI and environment) and passed to `create_app`."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path


class Secret(str):
    """A string that never shows itself in a repr or a log line."""

    def __repr__(self) -> str:
        return "Secret('**********')"


@dataclass(frozen=True)
class Settings:
    config: Path
    redis_url: str
    data_dir: Path = Path("var")
    # The records database (`sqlite:///PATH`, `postgresql://…`); None: <data_dir>/records.sqlite3.
    database_url: Secret | None = None
    admin_token: Secret | None = None
    # Browser origins allowed to open websockets with a session cookie (besides same-host).
    origins: tuple[str, ...] = ()
    # The inbox consumer name: unique per process across machines and containers.
    hub_name: str = field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    retention_days: int = 35
    ticker_interval: float = 0.2  # the ticker is at most this late (DESIGN: <= 250 ms)
    session_hours: int = 12  # a staff login lasts one working day
    body_limit: int = 16 * 1024
    outbox_frames: int = 1024  # per socket; a client further behind is closed with 1013
    command_rate: tuple[int, float] = (30, 1.0)  # per token: 30 commands a second, burst 30
    secure_cookies: bool = False  # set behind TLS
    clock_offset: float = 0.0  # seconds added to this hub's clock (fault tests of skew)
    ws_ping: float = 20.0  # websocket ping interval and timeout: half-open sockets are dropped
    # The address residents' phones reach (QR codes, links): never taken from `Host`.
    public_url: str = "http://127.0.0.1:8000"
    # Notifications (hall.notify): the pause before the first retry, in seconds (each next
    # one 3 times longer, jittered; 5 tries), and how long a hub may leave an entry
    # unacknowledged before another hub takes it over.
    notify_backoff: float = 3.0
    notify_claim_idle: float = 60.0
    # Replicas that must hold a command's events before it is answered (WAIT; None: 1 on
    # Redis Cluster, 0 on one Redis), and how long to wait for them (docs/operations.md).
    replica_ack: int | None = None
    replica_ack_ms: int = 500
    # Seconds a hall's feed (and the tail's read of its log) outlives its last socket.
    follow_linger: float = 30.0
    # Seconds between two reads of every hall's deadline by the ticker (hall.engine.ticker).
    tick_scan: float = 5.0

    @classmethod
    def from_env(cls, **given: object) -> Settings:
        admin = os.environ.get("HALL_ADMIN_TOKEN")
        origins = tuple(o for o in os.environ.get("HALL_ORIGINS", "").split(",") if o)
        values: dict[str, object] = {
            "admin_token": Secret(admin) if admin else None,
            "origins": origins,
            "secure_cookies": os.environ.get("HALL_SECURE_COOKIES", "") == "1",
            # For fault tests of clock skew between hubs; never set in production.
            "clock_offset": float(os.environ.get("HALL_CLOCK_OFFSET", "0")),
            "ws_ping": float(os.environ.get("HALL_WS_PING", "20")),
            "retention_days": int(os.environ.get("HALL_RETENTION_DAYS", "35")),
            "public_url": os.environ.get("HALL_PUBLIC_URL") or None,
            "notify_backoff": float(os.environ.get("HALL_NOTIFY_BACKOFF", "3")),
            "notify_claim_idle": float(os.environ.get("HALL_NOTIFY_CLAIM_IDLE", "60")),
            "replica_ack": _int_or_none(os.environ.get("HALL_REPLICA_ACK")),
            "replica_ack_ms": int(os.environ.get("HALL_REPLICA_ACK_MS", "500")),
            "follow_linger": float(os.environ.get("HALL_FOLLOW_LINGER", "30")),
            "tick_scan": float(os.environ.get("HALL_TICK_SCAN", "5")),
        }
        values.update(given)
        # None: not set, so the field's default holds (e.g. `public_url` for the demo)
        return cls(**{k: v for k, v in values.items() if v is not None})  # type: ignore[arg-type]


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value else None
