"""Every Redis key hall uses, with its lifetime and trimming (the arq `constants.py` habit).

All keys of one hall carry the hash tag `{<hall>}`: `hall:{kaiyuan}:events`. Redis Cluster
hashes only the tag, so a hall never spans shards and one Lua script may touch all its keys.
The layout is part of the public contract (DESIGN.md section 4, "Redis"): devices XADD to
the inbox directly.

On Redis Cluster (`redis+cluster://`), every command names keys of one hall only (the
append and the other scripts, MULTI blocks, the login counters), so each runs on its hall's
shard. Hardly a key is outside a hall: what could have been global is per hall by
design. Tokens and staff sessions are `hall:{H}:token:<sha256>` (the token text starts
with its hall, so a check knows the shard without a lookup); PIN hashes, login counters,
the ticket secret and the archived id are per hall (the archivers' leases are per bucket
of halls: see below); the deadline index
is one `hall:{H}:next` per hall (the ticker reads its halls' in one pipeline, which
redis-py splits per node), not a sorted set spanning halls. Commands over many halls
(`Store.due_halls`, `Credentials.live_tokens`, the archiver's marks) are pipelines of
single-hall commands. Only the pub/sub channels below are global, and pub/sub is not
sharded by key: a message published on any node reaches the subscribers of every node.
"""

from __future__ import annotations

import zlib

PREFIX = "hall"

# hall:{H}:events -- stream, the hall's log and source of truth. Entry fields: `type` (the
# event type) and `data` (the event JSON object without its id; the stream id is the id).
# Trimmed on every append with `XTRIM MINID ~ <min(newest id ms - EVENTS_RETENTION_MS,
# archived id)>`, so at least this much history is held (approximate trimming may keep a
# little more), and nothing the records database does not hold yet is ever trimmed: with
# no archived id, nothing is trimmed at all.
EVENTS_RETENTION_MS = 35 * 24 * 3600 * 1000

# Consumer group `notify` on hall:{H}:events: the notifier's hubs share each hall's log, so
# that every alert is sent once across hubs (hall.notify). Created at `$` (from the moment
# the first hub with notification channels starts: no history is sent), only for halls
# with channels. An entry is acknowledged once its messages are delivered or given up; it
# is never deleted (the log is the truth). Consumers idle a day with nothing pending are
# removed, so restarts do not pile them up.
NOTIFY_GROUP = "notify"
NOTIFY_CONSUMER_FORGET_MS = 24 * 3600 * 1000

# hall:{H}:archived -- string, the id of the newest event the records database holds (every
# event up to it is archived). Written by the archiver after each committed batch, only
# forward (a stale archiver cannot move it back), and reset to the database's own last id
# when an archiver takes the hall over. Read by the append script to bound the trim. No TTL.

# hall:archiver:{lease-NN} and hall:archiver-until:{lease-NN} -- hashes, hall -> the hub
# archiving it, and hall -> when that lease ends (epoch ms, the server's clock). The leases
# are the one thing of a hall kept outside its hash tag: a hub renews the leases of all its
# halls every ARCHIVER_RENEW_SECONDS, and one key per hall meant one command per hall each
# second (2,000 halls: 2,000 scripts a second, most of an idle hub's CPU). So the halls are
# spread over ARCHIVER_BUCKETS buckets (crc32 of the id), each a pair of hashes on its own
# slot, and one script renews or takes a bucket's halls at once, still hall by hall:
# normally one hub archives a hall, another takes it over within ARCHIVER_LEASE_MS of its
# holder's death, and hubs with different halls share the buckets. The database's primary
# key makes an overlap harmless. A hall no hub serves any more keeps its two fields.
ARCHIVER_LEASE_MS = 5_000
ARCHIVER_BUCKETS = 16
ARCHIVER_RENEW_SECONDS = 1.0

# hall:{H}:state -- hash. `version`: id of the last event applied to `snapshot` ("0-0"
# when the hall has no events); `snapshot`: the state JSON. Written only by the append
# script together with the events, so the two never disagree. No TTL.
STATE_VERSION_FIELD = "version"
STATE_SNAPSHOT_FIELD = "snapshot"
NO_VERSION = "0-0"

# hall:{H}:next -- string, the hall's next deadline in epoch milliseconds; absent = none.
# Set or deleted by the append script. No TTL.

# hall:{H}:tick:<deadline ms> -- string, the hub name that ticks the hall for that deadline,
# taken with SET NX PX TICK_CLAIM_MS by every hub that sees it due: one hub does the work
# (the compare-and-set would make any number safe, but each loser pays a conflict and a
# snapshot read: at 08:00 every hall of a city opens at once). The claimant dying leaves the
# deadline to the others once the claim expires. One per deadline; they expire by themselves.
TICK_CLAIM_MS = 5_000

# hall:{H}:idem:<client id> -- string `<fingerprint>\n<response body>`: the first result of
# a command that carried a client id. Written by the append script.
IDEM_TTL_SECONDS = 24 * 3600

# hall:{H}:inbox -- stream that devices XADD commands to (fields `command`, `token`).
# Read by the consumer group below, created at id 0 so entries written before any hub
# ran are applied too. An entry is deleted once acknowledged (XACK + XDEL), so the inbox
# holds only the backlog and needs no MAXLEN that could drop unapplied commands.
INBOX_GROUP = "hubs"

# hall:{H}:rejected -- stream of refused inbox commands: fields `id` (command id, "" when
# unreadable), `error`, `message`, `command` (raw text cut at REJECTED_COMMAND_MAX_BYTES).
REJECTED_MAXLEN = 10_000  # approximate (`MAXLEN ~`)
REJECTED_COMMAND_MAX_BYTES = 4096

# hall:{H}:pins -- hash staff id -> `scrypt$n$r$p$salt_b64$hash_b64`. No TTL.

# A district's supervisors (the district file, `hall.config.district`) sign in at the
# district's id: their PINs, sessions and PIN-check counters are the keys below and above
# with the district's id as the tag (`hall:{licheng}:pins`, `hall:{licheng}:token:<sha>`),
# on the district's own slot. A district's id is never a hall's (checked at load).

# hall:{H}:token:<sha256 hex of the token> -- string, JSON of the token's claims. TTL =
# the token's lifetime when it has one. The token itself is never stored.

# hall:{H}:ticket-secret -- string, 32 random bytes made once (SET NX) by the first hub that
# needs it: the key of each ticket's QR link (an HMAC of its day and number) is derived
# from it, so the link alone lets a resident follow and rate their own ticket. No TTL.

# PIN checks, counted *before* each check (so concurrent guesses cannot slip past), in a
# window fixed at the first (the TTL is not extended); a correct PIN gives its count back:
# hall:{H}:login-fail:<staff> -- checks of that staff id's PIN, from anyone;
# hall:{H}:login-client:<client> -- checks one client (its address) made, any staff id;
# hall:{H}:login-client:<client>:<staff> -- one client's checks of one staff id.
# One client alone can never use up a staff id's checks: the account stays open to others.
LOGIN_FAIL_WINDOW_SECONDS = 60
LOGIN_STAFF_CHECKS = 5
LOGIN_CLIENT_STAFF_CHECKS = 3
LOGIN_CLIENT_CHECKS = 10

# `hall reload` (DESIGN 4, CLI): every hub re-reads its hall files. None of these is a hall's
# key (no hash tag): on Redis Cluster each lives on one shard, and a pub/sub message reaches
# every node's subscribers.
# hall:reload -- pub/sub channel: the generation just bumped (its text), sent by `hall reload`.
# hall:reload-generation -- string, a counter INCRed by each `hall reload`: a hub that was cut
#   off from Redis when the message went compares it on reconnecting and reloads if it moved.
# hall:reload:<generation> -- hash, hub name -> what that hub made of it (JSON: `outcome`
#   applied | unchanged | refused, `halls` changed, `message`), read by `hall reload`.
RELOAD_CHANNEL = "hall:reload"
RELOAD_GENERATION = "hall:reload-generation"
RELOAD_RESULTS_TTL_SECONDS = 24 * 3600


def reload_results(generation: int) -> str:
    return f"{PREFIX}:reload:{generation}"


# hall:revoked -- pub/sub channel: the SHA-256 (hex) of each token revoked, so that every hub
# closes that token's websockets at once. Not a hall's key (no hash tag): Redis Cluster
# broadcasts pub/sub messages to every node.
REVOKED_CHANNEL = "hall:revoked"

# Doorbells for the cluster's readers (`shards.ShardedCluster`): a multi-key XREAD BLOCK
# cannot span hash slots, so on Redis Cluster the readers wait for these instead and then
# read the halls that rang. hall:appended -- pub/sub channel, the hall id, published by the
# append script after it added events (only on a cluster). hall:inbox -- the hall id,
# published after an XADD to the hall's inbox (by `Store.inbox_add`; a device should too,
# else its command waits for the readers' sweep, `shards.SWEEP_SECONDS`).
APPENDED_CHANNEL = "hall:appended"
INBOX_CHANNEL = "hall:inbox"


def check_hall(hall: str) -> str:
    """`hall`, if it can be a hash tag (non-empty, no braces); else ValueError."""
    if not hall or "{" in hall or "}" in hall:
        raise ValueError(f"invalid hall id for a Redis key: {hall!r}")
    return hall


def hall_of(key: str) -> str | None:
    """The hall whose hash tag `key` carries, or None."""
    head, brace, rest = key.partition(":{")
    hall, close, _ = rest.partition("}")
    return hall if head == PREFIX and brace and close and hall else None


def doorbell(stream: str) -> str | None:
    """The channel that rings for new entries of the stream key `stream` (None: none)."""
    if hall_of(stream) is None:
        return None
    if stream.endswith(":events"):
        return APPENDED_CHANNEL
    if stream.endswith(":inbox"):
        return INBOX_CHANNEL
    return None


def rung(channel: str, hall: str) -> str | None:
    """The stream key a doorbell message names (None: not a doorbell, or a bad hall id)."""
    if "{" in hall or "}" in hall or not hall:
        return None
    if channel == APPENDED_CHANNEL:
        return events(hall)
    if channel == INBOX_CHANNEL:
        return inbox(hall)
    return None


def _base(hall: str) -> str:
    return f"{PREFIX}:{{{check_hall(hall)}}}"


def events(hall: str) -> str:
    return f"{_base(hall)}:events"


def state(hall: str) -> str:
    return f"{_base(hall)}:state"


def archived(hall: str) -> str:
    return f"{_base(hall)}:archived"


def archiver_bucket(hall: str) -> int:
    return zlib.crc32(check_hall(hall).encode()) % ARCHIVER_BUCKETS


def archiver(hall: str) -> str:
    """The hash of the archivers' leases holding `hall`'s (field: the hall id)."""
    return f"{PREFIX}:archiver:{{lease-{archiver_bucket(hall):02d}}}"


def archiver_until(hall: str) -> str:
    """The hash of when those leases end (field: the hall id)."""
    return f"{PREFIX}:archiver-until:{{lease-{archiver_bucket(hall):02d}}}"


def next_deadline(hall: str) -> str:
    return f"{_base(hall)}:next"


def tick_claim(hall: str, deadline_ms: int) -> str:
    return f"{_base(hall)}:tick:{deadline_ms}"


def idem(hall: str, client_id: str) -> str:
    return f"{_base(hall)}:idem:{client_id}"


def inbox(hall: str) -> str:
    return f"{_base(hall)}:inbox"


def rejected(hall: str) -> str:
    return f"{_base(hall)}:rejected"


def pins(hall: str) -> str:
    return f"{_base(hall)}:pins"


def token(hall: str, token_sha256_hex: str) -> str:
    return f"{_base(hall)}:token:{token_sha256_hex}"


def ticket_secret(hall: str) -> str:
    return f"{_base(hall)}:ticket-secret"


def login_fail(hall: str, staff: str) -> str:
    return f"{_base(hall)}:login-fail:{staff}"


def login_client(hall: str, client: str, staff: str | None = None) -> str:
    tail = f":{staff}" if staff is not None else ""
    return f"{_base(hall)}:login-client:{client}{tail}"
