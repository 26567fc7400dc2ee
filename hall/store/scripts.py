"""Lua scripts. Each touches only keys of one hall (one hash tag), passed in KEYS."""

from __future__ import annotations

# The append: idempotency check, compare-and-set on the version, XADD, trim, snapshot,
# deadline and idempotency record, all or nothing.
#
# KEYS: state, events, next, archived, idem (idem only when a client id is given)
# ARGV: expected version, snapshot, next deadline ms ("" = none), retention ms,
#       idem fingerprint ("" = no idem), idem TTL seconds, doorbell channel ("" = none:
#       PUBLISHed the hall id when events were added; Redis Cluster's readers wait on it),
#       hall id, "touch" ("1": a repeat rewrites its idem record, so that a WAIT after the
#       script waits for that record to reach a replica), then type, data pairs.
# Reply: {"ok", body, version, id...} | {"repeated", body, version}
#        | {"conflict", version} | {"reused"}
#
# An event's data is a JSON object; its id is spliced in front of its first member:
#   '{"id":"' .. id .. '",' .. data without its "{"   (or '{"id":"..."}' for "{}")
APPEND = r"""
local state, stream, next_key = KEYS[1], KEYS[2], KEYS[3]
local expected, snapshot, next_ms = ARGV[1], ARGV[2], ARGV[3]
local retention = tonumber(ARGV[4])
local fingerprint, idem_ttl = ARGV[5], ARGV[6]
local bell, hall, touch = ARGV[7], ARGV[8], ARGV[9]

local version = redis.call('HGET', state, 'version') or '0-0'

if fingerprint ~= '' then
  local record = redis.call('GET', KEYS[5])
  if record then
    local cut = string.find(record, '\n', 1, true)
    if cut and string.sub(record, 1, cut - 1) == fingerprint then
      if touch == '1' then
        redis.call('SET', KEYS[5], record, 'KEEPTTL')
      end
      return {'repeated', string.sub(record, cut + 1), version}
    end
    return {'reused'}
  end
end

if version ~= expected then
  return {'conflict', version}
end

local ids, spliced = {}, {}
for i = 10, #ARGV, 2 do
  local data = ARGV[i + 1]
  local id = redis.call('XADD', stream, '*', 'type', ARGV[i], 'data', data)
  ids[#ids + 1] = id
  if string.match(data, '^{%s*}$') then
    spliced[#spliced + 1] = '{"id":"' .. id .. '"}'
  else
    spliced[#spliced + 1] = '{"id":"' .. id .. '",' .. string.sub(data, 2)
  end
end

if #ids > 0 then
  version = ids[#ids]
  -- Trim to min(retention cutoff, archived id): never an event the records database does
  -- not hold yet, and nothing at all before the first archived batch.
  local archived = redis.call('GET', KEYS[4])
  local archived_ms = archived and tonumber(string.match(archived, '^(%d+)-%d+$'))
  if archived_ms then
    local newest_ms = tonumber(string.match(version, '^(%d+)-'))
    local min_ms = newest_ms - retention
    if archived_ms < min_ms then
      redis.call('XTRIM', stream, 'MINID', '~', archived)
    elseif min_ms > 0 then
      redis.call('XTRIM', stream, 'MINID', '~', string.format('%.0f', min_ms))
    end
  end
end

redis.call('HSET', state, 'version', version, 'snapshot', snapshot)
if next_ms == '' then
  redis.call('DEL', next_key)
else
  redis.call('SET', next_key, next_ms)
end

if #ids > 0 and bell ~= '' then
  redis.call('PUBLISH', bell, hall)
end

local body = '{"events":[' .. table.concat(spliced, ',') .. ']}'
if fingerprint ~= '' then
  redis.call('SET', KEYS[5], fingerprint .. '\n' .. body, 'EX', idem_ttl)
end

local reply = {'ok', body, version}
for i = 1, #ids do
  reply[#reply + 1] = ids[i]
end
return reply
"""

# An idempotency record, for a command decided before (`Store.idem_lookup`). With "touch"
# ("1") the record is written again, so that a WAIT after the script waits for it to reach
# a replica. KEYS: idem. ARGV: touch. Reply: the record, or false.
IDEM_LOOKUP = r"""
local record = redis.call('GET', KEYS[1])
if record and ARGV[1] == '1' then
  redis.call('SET', KEYS[1], record, 'KEEPTTL')
end
return record
"""

# Reserve a PIN check: if every counter is below its limit, count the check on each (the
# window starts at the first and is not extended), all in one step, so that concurrent
# guesses are counted before any is checked; a check refused is not counted (hammering
# past one's own limit must not use up another's).
# KEYS: counters. ARGV: window seconds, then each counter's limit.
# Reply: {1} (go ahead) | {0, seconds until the limiting counter's window ends}.
RESERVE_CHECK = r"""
for i, key in ipairs(KEYS) do
  local n = tonumber(redis.call('GET', key) or '0')
  if n >= tonumber(ARGV[i + 1]) then
    return {0, redis.call('TTL', key)}
  end
end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  if redis.call('TTL', key) < 0 then
    redis.call('EXPIRE', key, ARGV[1])
  end
end
return {1}
"""


# The archiver's leases on a bucket's halls (`keys.archiver`): for each hall, renew it if
# `owner` holds it, take it if nobody does or its holder let it run out. The time is the
# server's (one clock for every hub). KEYS: the bucket's holders, their ends. ARGV: owner,
# lifetime ms, then the halls. Reply: per hall 1 renewed, 2 taken, 0 held by another.
LEASE = r"""
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local owner, ends = ARGV[1], now + tonumber(ARGV[2])
local out = {}
for i = 3, #ARGV do
  local hall = ARGV[i]
  local holder = redis.call('HGET', KEYS[1], hall)
  local got = 0
  if holder == owner then
    got = 1
  elseif not holder or tonumber(redis.call('HGET', KEYS[2], hall) or '0') <= now then
    got = 2
    redis.call('HSET', KEYS[1], hall, owner)
  end
  if got > 0 then
    redis.call('HSET', KEYS[2], hall, ends)
  end
  out[#out + 1] = got
end
return out
"""

# Give back those of a bucket's halls' leases `owner` holds. KEYS: as LEASE. ARGV: owner,
# then the halls. Reply: how many were given back.
RELEASE = r"""
local n = 0
for i = 2, #ARGV do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('HDEL', KEYS[2], ARGV[i])
    n = n + 1
  end
end
return n
"""

# Move the archived id forward to ARGV[1] ("<ms>-<seq>"); never back, unless ARGV[2] is
# "reset" (an archiver taking a hall over states what its database holds; "" = nothing,
# which deletes the key). KEYS: archived. Reply: the archived id after the call, or false.
MARK = r"""
local given, mode = ARGV[1], ARGV[2]
if mode == 'reset' then
  if given == '' then
    redis.call('DEL', KEYS[1])
    return false
  end
  redis.call('SET', KEYS[1], given)
  return given
end
local current = redis.call('GET', KEYS[1])
if current then
  local c_ms, c_seq = string.match(current, '^(%d+)-(%d+)$')
  local g_ms, g_seq = string.match(given, '^(%d+)-(%d+)$')
  c_ms, c_seq, g_ms, g_seq = tonumber(c_ms), tonumber(c_seq), tonumber(g_ms), tonumber(g_seq)
  if c_ms and (g_ms < c_ms or (g_ms == c_ms and g_seq <= c_seq)) then
    return current
  end
end
redis.call('SET', KEYS[1], given)
return given
"""

# The oldest event not archived yet: the first entry after the archived id (from the start
# with none). KEYS: archived, events. Reply: its id, or false when everything is archived.
FIRST_UNARCHIVED = r"""
local archived = redis.call('GET', KEYS[1])
local start = '-'
if archived then
  start = '(' .. archived
end
local first = redis.call('XRANGE', KEYS[2], start, '+', 'COUNT', 1)
if #first == 0 then
  return false
end
return first[1][1]
"""
