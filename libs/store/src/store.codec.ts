import { isStopCause, type SweepSpec } from '@lawsweep/contracts';
import type { Config } from '@lawsweep/law';
import type { FitSummary, RunRecord, RunState, SweepRecord, SweepState, SweepWarning } from './store.types';

/** Decoding of the Redis hashes written by SweepStore (all values are strings there). */
const n = (v: string | undefined): number => (v === undefined || v === '' ? 0 : Number(v));
const opt = (v: string | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number(v));

export function toSweepRecord(h: Record<string, string>): SweepRecord {
  return {
    id: h.id,
    name: h.name,
    spec: JSON.parse(h.spec) as SweepSpec,
    state: h.state as SweepState,
    stopReason: h.stopReason || undefined,
    // None on a sweep stored before causes were, or by a newer planner with a cause this one does not
    // know; and none without a reason (an older replica's reopen cleared the reason only).
    // Only with the reason it was stored for (an older planner may have written a new reason since).
    stopCause: h.stopReason && h.stopCauseOf === h.stopReason && isStopCause(h.stopCause) ? h.stopCause : undefined,
    budget: n(h.budget),
    spent: n(h.spent),
    reserved: n(h.reserved),
    maxRuns: n(h.maxRuns),
    planned: n(h.planned),
    runs: {
      queued: n(h.queued),
      running: n(h.running),
      done: n(h.done),
      failed: n(h.failed),
      cancelled: n(h.cancelled),
      unschedulable: n(h.unschedulable),
    },
    imported: n(h.imported),
    version: n(h.version),
    specRevision: n(h.specRevision),
    failStreak: n(h.failStreak),
    warnings: h.warnings ? (JSON.parse(h.warnings) as SweepWarning[]) : [],
    ...(h.untriedCost !== undefined && h.untriedCost !== '' ? { untried: { cost: Number(h.untriedCost), count: n(h.untriedCount), specRevision: n(h.untriedRevision) } } : {}),
    fit: h.fit ? (JSON.parse(h.fit) as FitSummary) : undefined,
    createdAt: n(h.createdAt),
    updatedAt: n(h.updatedAt),
  };
}

export function toRunRecord(h: Record<string, string>): RunRecord {
  return {
    id: h.id,
    sweepId: h.sweepId,
    config: JSON.parse(h.config) as Config,
    configKey: h.configKey,
    state: h.state as RunState,
    cost: n(h.cost),
    spent: n(h.spent),
    loss: opt(h.loss),
    worker: h.worker || undefined,
    attempts: n(h.attempts),
    reason: h.reason || undefined,
    imported: h.imported === '1',
    ...(h.released === '1' ? { released: true } : {}),
    ...(h.requeues ? { requeues: n(h.requeues) } : {}),
    gain: opt(h.gain),
    createdAt: n(h.createdAt),
    startedAt: opt(h.startedAt),
    finishedAt: opt(h.finishedAt),
    durationMs: opt(h.durationMs),
  };
}
