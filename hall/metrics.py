"""Prometheus metrics of this hub (one registry per process; `/metrics` exposes it)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

COMMANDS = Counter(
    "hall_commands", "Commands handled, by type and outcome", ["type", "outcome"], registry=REGISTRY
)
COMMAND_SECONDS = Histogram(
    "hall_command_seconds",
    "Command latency from decode to append",
    ["type"],
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
    registry=REGISTRY,
)
CONFLICTS = Counter(
    "hall_append_conflicts",
    "Appends that lost the compare-and-set and were re-decided",
    registry=REGISTRY,
)
EVENTS = Counter("hall_events_appended", "Events appended by this hub", registry=REGISTRY)
WS_CLIENTS = Gauge("hall_websocket_clients", "Open websockets", ["kind"], registry=REGISTRY)
VIEW_CHANNELS = Gauge("hall_view_channels", "Live views rendered by this hub", registry=REGISTRY)
TAILED_HALLS = Gauge(
    "hall_tailed_halls",
    "Halls whose log this hub follows: held by a socket, or lingering after the last left",
    registry=REGISTRY,
)
TICKS = Counter(
    "hall_ticks", "Deadlines this hub claimed and ticked (time rules)", registry=REGISTRY
)
FANOUT_LAG = Histogram(
    "hall_fanout_lag_seconds",
    "From an event's append (its stream id) to this hub queueing it for its sockets",
    buckets=(0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0),
    registry=REGISTRY,
)
SLOW_CLIENTS = Counter(
    "hall_slow_clients_closed", "Sockets closed with 1013 for falling behind", registry=REGISTRY
)
INBOX = Counter(
    "hall_inbox_entries", "Inbox entries applied, by outcome", ["outcome"], registry=REGISTRY
)

NOTIFICATIONS = Counter(
    "hall_notifications",
    "Notification deliveries, by channel kind and outcome: sent, failed (one attempt), "
    "given_up (after the last try), dropped (its cause ended before it could be sent)",
    ["kind", "outcome"],
    registry=REGISTRY,
)
ARCHIVED = Counter(
    "hall_archived_events",
    "Events this hub stored in the records database (a repeat already held is not counted)",
    registry=REGISTRY,
)
ARCHIVE_LAG = Gauge(
    "hall_archive_lag_seconds",
    "How long the hall's oldest event not in the records database yet has waited (0: none)",
    ["hall"],
    registry=REGISTRY,
)
ARCHIVE_DATABASE_UP = Gauge(
    "hall_archive_database_up",
    "1 while this hub's records database answers, else 0",
    registry=REGISTRY,
)


def exposition() -> bytes:
    return generate_latest(REGISTRY)
