import { DEFAULT_PAUSE_AFTER_FAILURES, FAILING_RUNS_WARNING, type SweepSpec } from '@lawsweep/contracts';
import type { SweepWarning } from '@lawsweep/store';

/**
 * The circuit breaker of a sweep whose runs keep failing: a trainer that crashes on every config
 * would otherwise make the planner buy every candidate (with a real trainer that crashes late, hours
 * of GPU time each). After `stop.pauseAfterFailures` failed runs in a row (5 by default), no run
 * done in between, the planner pauses the sweep with a warning that names the count and the most
 * common reason; runs in flight finish and are recorded; resuming starts a fresh count.
 * (The warning's code, FAILING_RUNS_WARNING, lives in libs/contracts: `lawsweep sweep watch` stops on it.)
 */

/** The spec's limit, or the default for specs that set none (0 = never pause). */
export function pauseAfterFailures(spec: SweepSpec): number {
  return spec.stop.pauseAfterFailures ?? DEFAULT_PAUSE_AFTER_FAILURES;
}

export function shouldPauseForFailures(failuresInARow: number, limit: number): boolean {
  return limit > 0 && failuresInARow >= limit;
}

/** The most frequent summary; among equals, the most recent one. */
export function mostCommonReason(reasons: readonly string[]): { reason: string; count: number } | undefined {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  let best: { reason: string; count: number } | undefined;
  for (let i = reasons.length - 1; i >= 0; i--) {
    const count = counts.get(reasons[i])!;
    if (!best || count > best.count) best = { reason: reasons[i], count };
  }
  return best;
}

/**
 * The warning (and stop reason) of a sweep the breaker paused. `reasons`: the summaries of the
 * streak's failed runs, oldest first (the store keeps the newest 1000); `workers`: who reported each
 * (same order; '' where unknown). When every one came from the same worker (and more than one failed),
 * the node is as likely the cause as the trainer (a full disk, a broken GPU, a missing package): the
 * warning names it, so the user looks there first.
 */
export function failingRunsWarning(sweepId: string, failuresInARow: number, reasons: readonly string[], workers: readonly string[] = []): SweepWarning {
  const top = mostCommonReason(reasons);
  const why = top ? `; most common reason (${top.count} of ${reasons.length}): ${top.reason}` : '';
  const named = new Set(workers.filter((w) => w !== ''));
  const oneWorker = workers.length > 1 && named.size === 1 && !workers.includes('') ? [...named][0] : undefined;
  const where = oneWorker
    ? ` All ${workers.length} failed on worker ${oneWorker}: check that node (disk, GPUs, environment: \`lawsweep workers\`, its log) before the trainer; stop it if it is sick.`
    : named.size > 1
      ? ` They failed on ${named.size} workers, so the trainer (or what every node shares) is the likelier cause.`
      : '';
  return {
    code: FAILING_RUNS_WARNING,
    message:
      `paused: the last ${failuresInARow} finished runs all failed, none succeeded in between${why}.${where} ` +
      `Runs in flight finish; nothing more is bought. Fix the ${oneWorker ? 'worker or the trainer' : 'trainer'}, then resume: lawsweep sweep resume ${sweepId} ` +
      `(POST /sweeps/${sweepId}/resume), or cancel. (stop.pauseAfterFailures sets the count; 0 turns this off)`,
  };
}
