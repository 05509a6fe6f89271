/** Scripts of a run's life: reserved, started, enqueued again, its curve and its result; and imported runs. What every script shares: store-commands.ts. */

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
