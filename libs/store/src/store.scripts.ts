/**
 * Lua scripts for the invariants that must hold across planner replicas and crashes: Redis runs a
 * script atomically, so "check the budget, then reserve" or "record a result unless already
 * recorded" cannot interleave with another client. Costs travel as the strings JavaScript printed
 * (never re-printed by Lua's tostring, which keeps only 14 digits).
 *
 * Keys are derived inside the scripts from a prefix passed in ARGV (single Redis, not Cluster).
 */

/**
 * Reserves runs of one sweep in one call, each exactly as if reserved alone and in order: the
 * budget check of a run sees the reservations of the runs before it (HINCRBYFLOAT's own sum, the
 * same number a later call would read), a config repeated within the call is a duplicate, and
 * maxRuns counts the runs already planned. (One script per run cost ~25 µs of Redis and a
 * command's worth of planner CPU each; a plan wave is up to `parallelism` runs: bench/load.bench.ts.)
 * KEYS: sweep hash, configs hash, active set, runs list.
 * ARGV: prefix, sweepId, now, then (cost, configJson, configKey, gain) per run.
 * Returns (status, detail) per run: ok runId | missing | state <state> | duplicate runId |
 * budget <free> | maxRuns (detail '' where there is none).
 */
export const RESERVE_RUNS = `
local sk = KEYS[1]
local h = redis.call('HMGET', sk, 'state', 'budget', 'spent', 'reserved', 'maxRuns', 'planned')
local state = h[1]
local out = {}
if not state then
  for i = 4, #ARGV, 4 do out[#out + 1] = 'missing'; out[#out + 1] = '' end
  return out
end
local budget, spent, reserved = tonumber(h[2]), tonumber(h[3]), tonumber(h[4])
local maxRuns, planned = tonumber(h[5] or '0'), tonumber(h[6] or '0')
local added = 0
for i = 4, #ARGV, 4 do
  local cost, cfg, key = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local status, detail = 'ok', ''
  if state ~= 'running' then
    status, detail = 'state', state
  else
    local existing = redis.call('HGET', KEYS[2], key)
    if existing then
      status, detail = 'duplicate', existing
    elseif spent + reserved + tonumber(cost) > budget * (1 + 1e-12) then
      status, detail = 'budget', string.format('%.17g', budget - spent - reserved)
    elseif maxRuns > 0 and planned >= maxRuns then
      status = 'maxRuns'
    else
      local seq = redis.call('HINCRBY', sk, 'runSeq', 1)
      local runId = ARGV[2] .. '-r' .. string.format('%05d', seq)
      planned = planned + 1
      added = added + 1
      reserved = tonumber(redis.call('HINCRBYFLOAT', sk, 'reserved', cost))
      redis.call('HSET', ARGV[1] .. 'run:' .. runId, 'id', runId, 'sweepId', ARGV[2], 'config', cfg, 'configKey', key,
        'cost', cost, 'spent', '0', 'state', 'queued', 'createdAt', ARGV[3], 'attempts', '0', 'gain', ARGV[i + 3], 'imported', '0')
      redis.call('HSET', KEYS[2], key, runId)
      redis.call('SADD', KEYS[3], runId)
      redis.call('RPUSH', KEYS[4], runId)
      detail = runId
    end
  end
  out[#out + 1] = status
  out[#out + 1] = detail
end
if added > 0 then
  redis.call('HINCRBY', sk, 'planned', added)
  redis.call('HINCRBY', sk, 'queued', added)
  redis.call('HSET', sk, 'updatedAt', ARGV[3])
end
return out
`;

/**
 * Marks runs of one sweep running, those still queued (a result that landed first wins), in one
 * call: the planner batches the run queue's `active` events (one script per run was a visible
 * share of Redis time under load).
 * KEYS: sweep hash, run hashes. ARGV: now. Returns how many runs moved from queued to running.
 */
export const MARK_RUNNING_MANY = `
local moved = 0
for i = 2, #KEYS do
  if redis.call('HGET', KEYS[i], 'state') == 'queued' then
    redis.call('HSET', KEYS[i], 'state', 'running', 'startedAt', ARGV[1])
    moved = moved + 1
  end
end
if moved > 0 then
  redis.call('HINCRBY', KEYS[1], 'queued', -moved)
  redis.call('HINCRBY', KEYS[1], 'running', moved)
end
return moved
`;

/**
 * Claims one more enqueue of a queued run whose job is gone (a planner stopped between reserving it
 * and enqueueing it; a job lost with Redis's data): only while no worker has started it, its sweep
 * runs or is paused (not being deleted), and it has been enqueued again fewer than ARGV[1] times.
 * KEYS: sweep hash, run hash. ARGV: most re-enqueues. Returns the count so far, or 0 when refused.
 */
export const CLAIM_REQUEUE = `
local h = redis.call('HMGET', KEYS[1], 'state', 'deletingAt')
if (h[1] ~= 'running' and h[1] ~= 'paused') or h[2] then return 0 end
if redis.call('HGET', KEYS[2], 'state') ~= 'queued' then return 0 end
local n = tonumber(redis.call('HGET', KEYS[2], 'requeues') or '0')
if n >= tonumber(ARGV[1]) then return 0 end
return redis.call('HINCRBY', KEYS[2], 'requeues', 1)
`;

/** KEYS: run hash, curve list. ARGV: point JSON, max points. Only while the run is in flight. */
export const APPEND_CURVE = `
local st = redis.call('HGET', KEYS[1], 'state')
if st ~= 'queued' and st ~= 'running' then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
return 1
`;

/**
 * Records a run's outcome exactly once: a second call for the same run (duplicate delivery, the
 * reconciler racing a late result) changes nothing and answers 'duplicate'.
 * Failures are also counted for the circuit breaker and for status: a failed run that a worker
 * reported (worker given) adds its reason's summary to the sweep's failure counts and extends its
 * streak (`failStreak`, and the streak's summaries and run ids, the newest 1000); a done run ends the
 * streak. The planner's own failures (an enqueue that failed, a job that vanished) say nothing about
 * the trainer: counted by reason, not in the streak.
 * KEYS: sweep hash, run hash, active set, curve list, observations list, streak list, failure-counts hash, streak runs list.
 * ARGV: status, loss, worker, attempts, reason, partialCostFraction, now, durationMs, runId,
 * reason summary, then curve points (JSON).
 */
export const RECORD_RESULT = `
local st = redis.call('HGET', KEYS[2], 'state')
if not st then return 'missing' end
if st ~= 'queued' and st ~= 'running' then return 'duplicate' end
local status = ARGV[1]
local costStr = redis.call('HGET', KEYS[2], 'cost')
local cost = tonumber(costStr)
redis.call('HINCRBY', KEYS[1], st, -1)
redis.call('HINCRBY', KEYS[1], status, 1)
redis.call('HINCRBYFLOAT', KEYS[1], 'reserved', '-' .. costStr)
local spendStr = '0'
if status == 'done' then
  spendStr = costStr
elseif status == 'failed' and ARGV[6] ~= '' then
  spendStr = string.format('%.17g', cost * tonumber(ARGV[6]))
end
if tonumber(spendStr) > 0 then redis.call('HINCRBYFLOAT', KEYS[1], 'spent', spendStr) end
redis.call('SREM', KEYS[3], ARGV[9])
-- Floating-point sums drift; with nothing in flight the reservation is exactly zero.
if redis.call('SCARD', KEYS[3]) == 0 then redis.call('HSET', KEYS[1], 'reserved', '0') end
redis.call('HSET', KEYS[2], 'state', status, 'spent', spendStr, 'finishedAt', ARGV[7], 'durationMs', ARGV[8])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], 'worker', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], 'attempts', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[2], 'reason', ARGV[5]) end
if status == 'done' then
  redis.call('HSET', KEYS[2], 'loss', ARGV[2])
  local cfg = redis.call('HGET', KEYS[2], 'config')
  redis.call('RPUSH', KEYS[5], '{"runId":"' .. ARGV[9] .. '","config":' .. cfg .. ',"loss":' .. ARGV[2] .. '}')
end
if status == 'done' then
  redis.call('HSET', KEYS[1], 'failStreak', '0')
  redis.call('DEL', KEYS[6], KEYS[8])
elseif status == 'failed' then
  redis.call('HINCRBY', KEYS[7], ARGV[10], 1)
  if ARGV[3] ~= '' then
    redis.call('HINCRBY', KEYS[1], 'failStreak', 1)
    redis.call('RPUSH', KEYS[6], ARGV[10])
    redis.call('LTRIM', KEYS[6], -1000, -1)
    redis.call('RPUSH', KEYS[8], ARGV[9])
    redis.call('LTRIM', KEYS[8], -1000, -1)
  end
end
if #ARGV > 10 then
  redis.call('DEL', KEYS[4])
  for i = 11, #ARGV do redis.call('RPUSH', KEYS[4], ARGV[i]) end
end
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[7])
return 'recorded'
`;

/**
 * Imports runs a user already has as done observations that cost nothing; a config the sweep
 * already has (imported, in flight or done) is skipped.
 * KEYS: sweep hash, configs hash, runs list, observations list.
 * ARGV: prefix, sweepId, now, then (configJson, configKey, loss) triples.
 */
export const IMPORT_RUNS = `
local sk = KEYS[1]
-- A sweep being deleted is gone: runs added behind the deletion's last chunk would outlive it.
if not redis.call('HGET', sk, 'state') or redis.call('HEXISTS', sk, 'deletingAt') == 1 then return -1 end
local added = 0
for i = 4, #ARGV, 3 do
  local cfg, key, loss = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if redis.call('HEXISTS', KEYS[2], key) == 0 then
    local seq = redis.call('HINCRBY', sk, 'runSeq', 1)
    local runId = ARGV[2] .. '-i' .. string.format('%05d', seq)
    redis.call('HSET', ARGV[1] .. 'run:' .. runId, 'id', runId, 'sweepId', ARGV[2], 'config', cfg, 'configKey', key,
      'cost', '0', 'spent', '0', 'state', 'done', 'loss', loss, 'createdAt', ARGV[3], 'finishedAt', ARGV[3], 'attempts', '0', 'imported', '1')
    redis.call('HSET', KEYS[2], key, runId)
    redis.call('RPUSH', KEYS[3], runId)
    redis.call('RPUSH', KEYS[4], '{"runId":"' .. runId .. '","config":' .. cfg .. ',"loss":' .. loss .. '}')
    added = added + 1
  end
end
if added > 0 then
  redis.call('HINCRBY', sk, 'done', added)
  redis.call('HINCRBY', sk, 'imported', added)
  redis.call('HINCRBY', sk, 'version', 1)
  redis.call('HSET', sk, 'updatedAt', ARGV[3])
end
return added
`;

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

/** KEYS: lock. ARGV: token, ttl ms. Extends the lock only if this token still holds it. */
export const RENEW_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** KEYS: lock. ARGV: token. Releases the lock only if this token still holds it. */
export const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
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

/**
 * First step of deleting a sweep (SweepStore.deleteSweep): only a sweep that has ended (done,
 * cancelled, failed) with no run in flight. It is marked (`deletingAt`), taken out of the sweeps
 * index (GET /sweeps no longer lists it, getSweep no longer finds it) and added to the set of
 * sweeps being deleted, so that a planner stopped midway leaves something the next one finishes.
 * A sweep already marked answers 'ok' again (the deletion goes on).
 * KEYS: sweep hash, active set, sweeps zset, deleting set. ARGV: sweepId, now.
 * Answers 'ok', 'missing', 'inflight:<n>' or the state that refuses it (running, paused).
 */
export const BEGIN_DELETE = `
local h = redis.call('HMGET', KEYS[1], 'state', 'deletingAt')
if not h[1] then return 'missing' end
if h[2] then return 'ok' end
local st = h[1]
if st ~= 'done' and st ~= 'cancelled' and st ~= 'failed' then return st end
local inFlight = redis.call('SCARD', KEYS[2])
if inFlight > 0 then return 'inflight:' .. inFlight end
redis.call('HSET', KEYS[1], 'deletingAt', ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[1])
return 'ok'
`;

/**
 * Deletes one chunk of a sweep being deleted: the runs at the head of its runs list (their hash
 * and curve), then trims them from the list, in one step. The caller names the ids it read (and
 * removed the queue jobs of); if the head is not those ids (another replica deleted them meanwhile)
 * nothing is deleted and the caller reads again. UNLINK: a curve's memory is freed off the main
 * thread where it is large. Appends (an import) go to the tail, so they never move the head.
 * KEYS: runs list, sweep hash. ARGV: prefix, then the run ids.
 * Answers the number of runs deleted, -1 (the head moved) or -2 (the sweep is not being deleted).
 */
export const DELETE_RUN_CHUNK = `
if redis.call('HEXISTS', KEYS[2], 'deletingAt') == 0 then return -2 end
local n = #ARGV - 1
if n == 0 then return 0 end
local head = redis.call('LRANGE', KEYS[1], 0, n - 1)
if #head ~= n then return -1 end
for i = 1, n do
  if head[i] ~= ARGV[i + 1] then return -1 end
end
for i = 1, n do
  local rk = ARGV[1] .. 'run:' .. head[i]
  redis.call('UNLINK', rk, rk .. ':curve')
end
redis.call('LTRIM', KEYS[1], n, -1)
return n
`;

/**
 * Last step of deleting a sweep, once its runs list is empty: its record and every key of its own
 * (configs, observations, history, failure counts and streak) go, and so do its messages in the
 * notify outbox (entries whose JSON names it) and the keys outside the store's prefix the caller
 * names (the workers' cancel key). The record goes last, so a deletion stopped midway is still
 * found (the deleting set and `deletingAt`).
 * KEYS: sweep hash, runs list, active set, configs hash, obs list, history list, streak list,
 * streak runs list, failures hash, sweeps zset, deleting set, notify outbox hash.
 * ARGV: sweepId, then other keys to delete.
 * Answers 'ok', 'missing' (no such sweep: also forgotten from the deleting set), 'runs-left' or
 * 'not-deleting'.
 */
export const FINISH_DELETE = `
if redis.call('HEXISTS', KEYS[1], 'deletingAt') == 0 then
  if redis.call('EXISTS', KEYS[1]) == 0 then
    redis.call('SREM', KEYS[11], ARGV[1])
    return 'missing'
  end
  return 'not-deleting'
end
if redis.call('LLEN', KEYS[2]) > 0 then return 'runs-left' end
redis.call('UNLINK', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9])
local outbox = redis.call('HGETALL', KEYS[12])
for i = 1, #outbox, 2 do
  local ok, entry = pcall(cjson.decode, outbox[i + 1])
  if ok and type(entry) == 'table' and entry.sweepId == ARGV[1] then redis.call('HDEL', KEYS[12], outbox[i]) end
end
for i = 2, #ARGV do redis.call('UNLINK', ARGV[i]) end
redis.call('ZREM', KEYS[10], ARGV[1])
redis.call('SREM', KEYS[11], ARGV[1])
redis.call('UNLINK', KEYS[1])
return 'ok'
`;
