/** Scripts of a sweep's deletion, one per step (SweepDeletionStore). What every script shares: store-commands.ts. */

/**
 * First step of deleting a sweep (SweepDeletionStore.beginDeleteSweep): only a sweep that has ended (done,
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
