import type { JobsOptions } from 'bullmq';

/**
 * Job options in one place. Run jobs retry transient failures with exponential backoff (BullMQ
 * adds no jitter to 'exponential', so the worker's backoff strategy adds it: see `runBackoff`).
 * Completed and failed jobs are kept for a while for inspection; the durable record of a run is
 * the planner's store, not the queue.
 */
export const RUN_JOB_ATTEMPTS = 3;

export function runJobOptions(runId: string): JobsOptions {
  return {
    jobId: runId,
    attempts: RUN_JOB_ATTEMPTS,
    backoff: { type: 'jitter' },
    // A completed run job holds its result (the return value) until the planner has recorded it;
    // the planner removes completed run jobs an hour after a reconcile pass saw them recorded
    // (ReconcilerService), never by count, so none is trimmed while the planner is down.
    removeOnComplete: false,
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}

/** Exponential backoff with full jitter: base * 2^(attempt-1) * U(0.5, 1.5), capped. */
export function runBackoff(attemptsMade: number, random: () => number = Math.random, baseMs = 1000, capMs = 60_000): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(exp * (0.5 + random()));
}

/**
 * A result job is removed as soon as the planner has recorded it: from then on the store holds the
 * result (recording is idempotent by run id, so a duplicate posted later is counted once without the
 * queue's help), and keeping completed result jobs cost Redis memory (a curve of up to ~2,000 points
 * each) and a trim by age on every completion (bench/load.bench.ts: BullMQ's finishing script
 * ~20% dearer).
 *
 * Failed result jobs (malformed, out of retries) are kept, but not for ever: each holds a result
 * with its curve (up to ~148 KB), and a month of a trainer that prints bad results would fill
 * Redis. What reads them is the reconciler (RunQueuesService.failedResultReason): for a run still in
 * flight whose job failed, completed without a result or vanished, after the result grace period
 * (minutes), it fails the run saying why its result could not be recorded. It does so on its first
 * pass after the grace period, so a failed result job is needed for minutes while a planner is up,
 * and for as long as the planner is down otherwise: a week covers a planner down over a long
 * weekend, as for the run jobs (runJobOptions). The count bounds a flood (a trainer bug failing
 * every result): beyond it, the oldest go, and a run whose failed result job was trimmed before the
 * reconciler saw it is still failed and its cost released, only with the vaguer reason of its run
 * job ("its job failed without posting a result", "vanished"): accounting never depends on them.
 */
export const FAILED_RESULT_JOBS_KEPT = { age: 7 * 24 * 3600, count: 10_000 } as const;

export function resultJobOptions(runId: string): JobsOptions {
  return {
    jobId: runId,
    attempts: 10,
    backoff: { type: 'exponential', delay: 500 },
    removeOnComplete: true,
    removeOnFail: { ...FAILED_RESULT_JOBS_KEPT },
  };
}
