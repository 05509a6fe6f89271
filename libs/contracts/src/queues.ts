/**
 * Queue names and Redis key layout shared by the planner and the workers.
 *
 * Runs: one BullMQ queue per worker pool (`lawsweep-runs-<pool>`). A worker joins one pool and
 * declares its capacity (e.g. N <= 1e9) in the worker registry; the planner routes each run to a
 * pool whose live workers can all hold it, and reports a run no pool can hold instead of leaving
 * it waiting.
 *
 * Results: a run that trained to a final loss completes its run job with its `RunResult` as the
 * return value (stored by BullMQ's completion script, in the same step as the completion). The
 * planner records it from the queue's `completed` event, and, for events it missed (it was down),
 * from the completed job itself when it reconciles runs in flight; completed run jobs stay in Redis
 * until the planner has done so. Failed runs, and workers that return something else, add one job
 * per result to the `lawsweep-results` queue, with the run id as the job id. Both are durable in
 * Redis, so a result that arrives while the planner is down waits for it; the planner records a
 * run's result exactly once (idempotent by run id) in libs/store.
 */
export const RUN_QUEUE_PREFIX = 'lawsweep-runs';
export const RESULTS_QUEUE = 'lawsweep-results';
export const DEFAULT_POOL = 'default';

export function runQueueName(pool: string = DEFAULT_POOL): string {
  return `${RUN_QUEUE_PREFIX}-${pool}`;
}

/**
 * Redis hash: worker id -> JSON WorkerAdvert. Workers refresh theirs every heartbeat, its lastSeen
 * stamped with Redis's clock (redisTimeMs), not the worker's: the machines of workers and planners
 * keep their own time, and the age of an advert is only meaningful on one clock that all share.
 */
export const WORKER_REGISTRY_KEY = 'lawsweep:workers';
/** A worker whose advert is older than this, by Redis's clock, is considered gone. */
export const WORKER_ADVERT_TTL_MS = 30_000;

/** Redis's TIME reply ([seconds, microseconds], as strings) in ms since the epoch. */
export function redisTimeMs([seconds, micros]: readonly (string | number)[]): number {
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

export const POOL_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** What POOL_NAME_PATTERN asks, in words (spec and worker config errors say it the same way). */
export const POOL_NAME_RULE = 'must be lowercase letters, digits, - or _, starting with a letter or digit (at most 63), e.g. "a100"';

/**
 * Cancellation: the planner sets this key (any value, with a TTL longer than the longest run, e.g.
 * 7 days) when a sweep is cancelled. Workers poll it every few seconds while a run of that sweep
 * trains, stop the trainer, and fail the run with reason 'cancelled' (not retried). A worker also
 * checks it before starting a run, so queued runs of a cancelled sweep never start.
 */
export const CANCEL_KEY_PREFIX = 'lawsweep:cancel:';
export function cancelKey(sweepId: string): string {
  return `${CANCEL_KEY_PREFIX}${sweepId}`;
}
/** The reason a run cancelled by its sweep fails with. */
export const CANCELLED_REASON = 'cancelled';

/**
 * Whether a worker of this capacity holds the config: only the variables it limits count (a missing
 * limit is no limit). The planner routes by it; a worker guards itself with it.
 */
export function capacityHolds(capacity: Record<string, number>, config: Record<string, number>): boolean {
  return Object.entries(capacity).every(([name, max]) => config[name] === undefined || config[name] <= max);
}
