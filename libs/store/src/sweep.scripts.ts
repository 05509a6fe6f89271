/** Scripts of a sweep's record: its state, its spec, its failure streak, its fit and spend history, its warnings. What every script shares: store-commands.ts. */

/**
 * Compare-and-set of a sweep's state. A sweep that (re)starts running starts a fresh failure streak:
 * resuming a sweep the circuit breaker paused lets it run again, rather than pause at once. With an
 * expected spec revision, a spec changed since (PATCH /sweeps/:id) answers 'revision' and nothing
 * moves: a planner that decided to end the sweep under the old spec must plan again under the new one.
 * With a notification (field, JSON), the move also leaves it in the notify outbox, in the same step:
 * a planner that stops between the move and queueing the message leaves it there for the next one.
 * The stop reason and its cause (libs/contracts stop-cause.ts) are written together: a move without a
 * reason clears both, one with a reason and no cause clears the cause, so neither outlives the other.
 * KEYS: sweep hash, streak list, streak runs list, notify outbox hash.
 * ARGV: to, reason, now, expected specRevision ('' = any), outbox field ('' = none), outbox JSON,
 * stop cause ('' = none), then allowed from-states.
 */
export const TRANSITION = `
local st = redis.call('HGET', KEYS[1], 'state')
if not st or redis.call('HEXISTS', KEYS[1], 'deletingAt') == 1 then return 'missing' end
if ARGV[4] ~= '' and (tonumber(redis.call('HGET', KEYS[1], 'specRevision')) or 0) ~= tonumber(ARGV[4]) then return 'revision' end
for i = 8, #ARGV do
  if st == ARGV[i] then
    if ARGV[5] ~= '' then redis.call('HSET', KEYS[4], ARGV[5], ARGV[6]) end
    redis.call('HSET', KEYS[1], 'state', ARGV[1], 'updatedAt', ARGV[3])
    if ARGV[1] == 'running' then
      redis.call('HSET', KEYS[1], 'failStreak', '0')
      redis.call('DEL', KEYS[2], KEYS[3])
    end
    if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'stopReason', ARGV[2]) else redis.call('HDEL', KEYS[1], 'stopReason') end
    -- The cause is kept with the reason it belongs to (stopCauseOf): an older planner that writes
    -- a reason only leaves a cause that no longer matches it, which then reads as none.
    if ARGV[2] ~= '' and ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'stopCause', ARGV[7], 'stopCauseOf', ARGV[2]) else redis.call('HDEL', KEYS[1], 'stopCause', 'stopCauseOf') end
    return 'ok'
  end
end
return st
`;

/**
 * Changes a sweep's spec in place (PATCH /sweeps/:id: budget, parallelism, stop rules), checked
 * against what is spent and planned in the same step, so a reservation cannot slip between the check
 * and the write. Compare-and-set on `specRevision`: the caller merged its change into the spec it
 * read, so a concurrent update answers 'revision' (read again and retry) instead of being lost. With
 * `reopen` (the change relaxes a rule that may have ended it: more budget, more runs, a tighter or no
 * interval rule), a sweep that had ended ('done') runs again with the new spec (its failure streak
 * starts afresh, as on any (re)start; its stop reason and cause are cleared); otherwise a done sweep only takes the new spec. A cancelled or
 * failed one cannot change.
 * KEYS: sweep hash, streak list, streak runs list. ARGV: spec JSON, budget, maxRuns (0 = none), expected specRevision, now, reopen ('1' or '0').
 * Answers 'ok', 'reopened', 'missing', 'revision', 'budget:<spent + reserved>', 'maxRuns:<planned>'
 * or the state that refuses the change.
 */
export const UPDATE_SWEEP = `
local h = redis.call('HMGET', KEYS[1], 'state', 'spent', 'reserved', 'planned', 'specRevision', 'deletingAt')
local st = h[1]
-- A sweep being deleted is gone (an update read before the deletion began would reopen it).
if not st or h[6] then return 'missing' end
if st == 'cancelled' or st == 'failed' then return st end
if (tonumber(h[5]) or 0) ~= tonumber(ARGV[4]) then return 'revision' end
local committed = tonumber(h[2]) + tonumber(h[3])
if tonumber(ARGV[2]) < committed * (1 - 1e-12) then return 'budget:' .. string.format('%.17g', committed) end
local maxRuns = tonumber(ARGV[3])
if maxRuns > 0 and maxRuns < tonumber(h[4]) then return 'maxRuns:' .. h[4] end
redis.call('HSET', KEYS[1], 'spec', ARGV[1], 'budget', ARGV[2], 'maxRuns', ARGV[3], 'specRevision', tostring((tonumber(h[5]) or 0) + 1), 'updatedAt', ARGV[5])
if st == 'done' and ARGV[6] == '1' then
  redis.call('HSET', KEYS[1], 'state', 'running', 'failStreak', '0')
  redis.call('HDEL', KEYS[1], 'stopReason', 'stopCause', 'stopCauseOf')
  redis.call('DEL', KEYS[2], KEYS[3])
  return 'reopened'
end
return 'ok'
`;

/**
 * Gives back the runs of a paused sweep's current failure streak (a trainer bug the circuit breaker
 * paused it for, since fixed): each failed run of the streak stops counting against stop.maxRuns
 * (planned - 1) and its config may be planned again (its entry in the configs hash removed, where it
 * still names that run); the run itself stays, failed, with `released` set, and so does what it
 * spent. Only while paused (no plan pass reserves meanwhile). The streak itself is cleared by the
 * transition to running that follows.
 * KEYS: sweep hash, streak runs list, configs hash. ARGV: prefix.
 * Answers the number of runs given back, or -1 (missing) / -2 (not paused).
 */
export const RELEASE_STREAK = `
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return -1 end
if st ~= 'paused' then return -2 end
local released = 0
for _, runId in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  local rk = ARGV[1] .. 'run:' .. runId
  local r = redis.call('HMGET', rk, 'state', 'configKey', 'released')
  if r[1] == 'failed' and not r[3] then
    if r[2] and redis.call('HGET', KEYS[3], r[2]) == runId then redis.call('HDEL', KEYS[3], r[2]) end
    redis.call('HSET', rk, 'released', '1')
    released = released + 1
  end
end
if released > 0 then
  local planned = tonumber(redis.call('HGET', KEYS[1], 'planned') or '0')
  redis.call('HSET', KEYS[1], 'planned', tostring(math.max(0, planned - released)))
  redis.call('HINCRBY', KEYS[1], 'configsReleased', 1)
  redis.call('HINCRBY', KEYS[1], 'version', 1)
end
redis.call('DEL', KEYS[2])
return released
`;

/**
 * The spend history's points at or after a time (ARGV[1], ms), without reading the list: a binary
 * search over the list (appended in time order, one point per refit) for the first point inside the
 * window. Returns { the oldest point inside, as stored; how many are inside }, or nil when none is.
 * KEYS: history list.
 */
export const SPEND_WINDOW = `
local n = redis.call('LLEN', KEYS[1])
local cutoff = tonumber(ARGV[1])
local lo, hi = 0, n
while lo < hi do
  local mid = math.floor((lo + hi) / 2)
  -- An entry that is not a point reads as before the window (passed over).
  local ok, point = pcall(cjson.decode, redis.call('LINDEX', KEYS[1], mid))
  local at = ok and type(point) == 'table' and tonumber(point.at) or nil
  if at and at >= cutoff then hi = mid else lo = mid + 1 end
end
if lo >= n then return nil end
return { redis.call('LINDEX', KEYS[1], lo), n - lo }
`;

/**
 * A list's items from index ARGV[1] on and its length, read together (read-only scripts run while
 * Redis is at its maxmemory; a MULTI, even of reads, is refused then). KEYS: the list.
 */
export const RANGE_WITH_LENGTH = `
return { redis.call('LRANGE', KEYS[1], ARGV[1], -1), redis.call('LLEN', KEYS[1]) }
`;

/**
 * How many configs a sweep knows and how many times configs were given back, read together (for
 * SweepReader.knownConfigStamp; read-only, as RANGE_WITH_LENGTH). KEYS: configs hash, sweep hash.
 */
export const CONFIG_STAMP = `
return { redis.call('HLEN', KEYS[1]), redis.call('HGET', KEYS[2], 'configsReleased') or '0' }
`;

/**
 * Saves a sweep's fit and appends its spend-history point in one call, the point never stamped before
 * the one it follows: the history stays in time order (SPEND_WINDOW's search relies on it) when the
 * sweep's lock moves to a replica whose clock is behind. The point's JSON is built here from its `at`
 * (whole ms) and the rest of its JSON, so nothing of it is re-encoded.
 * KEYS: sweep hash, history list. ARGV: fit JSON, at ('' = no point), the point's JSON after `at`
 * (',"spent":…}' or '}'). Returns 1 when a point was appended, else 0 (also for a sweep deleted or
 * being deleted: nothing is written).
 */
export const SAVE_FIT = `
-- A deleted sweep (no record, or one being deleted) takes no fit: a plan pass that outlived its lock
-- would otherwise recreate its hash and history after the deletion, keys nothing lists or removes.
local h = redis.call('HMGET', KEYS[1], 'id', 'deletingAt')
if not h[1] or h[2] then return 0 end
local at = nil
if ARGV[2] ~= '' then
  at = tonumber(ARGV[2])
  if not at or at ~= at or at == math.huge or at == -math.huge then return redis.error_reply('history point: at must be a finite number') end
end
redis.call('HSET', KEYS[1], 'fit', ARGV[1])
if not at then return 0 end
local last = redis.call('LINDEX', KEYS[2], -1)
if last then
  -- A last entry that is not a point (hand-edited, truncated) is passed over, not fatal to every later save.
  local ok, point = pcall(cjson.decode, last)
  if ok and type(point) == 'table' then
    local lastAt = tonumber(point.at)
    if lastAt and lastAt > at and lastAt < math.huge then at = lastAt end
  end
end
redis.call('RPUSH', KEYS[2], '{"at":' .. string.format('%.0f', at) .. ARGV[3])
return 1
`;

/**
 * Sets a sweep's warnings (and its untried candidates' fields, when given) unless the sweep is gone:
 * no record, or one being deleted. A plain HSET would recreate the hash of a deleted sweep for a plan
 * pass that outlived its lock, or a resume that raced a cancel and a deletion.
 * KEYS: sweep hash. ARGV: field, value pairs. Returns 1 when written, 0 for a deleted sweep.
 */
export const SET_WARNINGS = `
local h = redis.call('HMGET', KEYS[1], 'id', 'deletingAt')
if not h[1] or h[2] then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
`;
