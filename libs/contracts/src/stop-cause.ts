/**
 * Why a sweep stopped (ended, or paused itself), as a value programs decide on; the stop reason beside
 * it is the same thing in words, for people, and may be reworded. Stored with the reason in one step
 * (libs/store), shown as `stopCause` in GET /sweeps/:id and in webhook messages. Sweeps stored before
 * it existed have a reason and no cause.
 *
 * - maxRuns: stop.maxRuns runs were planned.
 * - interval: every target's 90% interval is within stop.targetRelativeInterval.
 * - budget: no candidate config left fits in what is left of the budget.
 * - candidatesTried: every candidate config the budget still pays for was tried (a failed run's config
 *   is not retried); more budget pays for dearer ones.
 * - candidatesRun: every candidate config has been run: more budget or runs buy nothing more.
 * - noUsefulRun: the design would buy no run with what is left (none adds information, or none its
 *   plan still has).
 * - breaker: the circuit breaker paused it (stop.pauseAfterFailures failed runs in a row).
 * - user: the user cancelled it.
 * - engineFailed: its design engine could not be built (the sweep failed).
 */
export const STOP_CAUSES = ['maxRuns', 'interval', 'budget', 'candidatesTried', 'candidatesRun', 'noUsefulRun', 'breaker', 'user', 'engineFailed'] as const;
export type StopCause = (typeof STOP_CAUSES)[number];

const KNOWN = new Set<string>(STOP_CAUSES);

/** Whether `x` is a cause this version knows (one written by a newer planner is not: read as none). */
export function isStopCause(x: unknown): x is StopCause {
  return typeof x === 'string' && KNOWN.has(x);
}

/** A stop reason for people with the cause programs read (SweepStore.transition takes either this or bare text). */
export interface StopReason {
  text: string;
  cause?: StopCause;
}
