import type { CurvePoint, StopCause, SweepSpec } from '@lawsweep/contracts';
import type { Config, Observation } from '@lawsweep/law';

export type SweepState = 'running' | 'paused' | 'done' | 'cancelled' | 'failed';
export const SWEEP_STATES: readonly SweepState[] = ['running', 'paused', 'done', 'cancelled', 'failed'];
/** States in which a sweep plans no more runs (results of runs in flight are still recorded). */
export const FINAL_SWEEP_STATES: readonly SweepState[] = ['done', 'cancelled', 'failed'];

/**
 * queued: reserved and enqueued; running: a worker took it; done/failed: result recorded;
 * cancelled: removed from the queue before it started; unschedulable: no live worker can hold it.
 */
export type RunState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'unschedulable';
export const RUN_STATES: readonly RunState[] = ['queued', 'running', 'done', 'failed', 'cancelled', 'unschedulable'];
export const ACTIVE_RUN_STATES: readonly RunState[] = ['queued', 'running'];

export interface SweepWarning {
  code: string;
  message: string;
}

/** The fit a planner stored after its last refit, so reads never refit. */
export interface FitSummary {
  law: string;
  n: number;
  params: Record<string, number>;
  stderr: Record<string, number>;
  sigma: number;
  rmse: number;
  modes: { params: Record<string, number>; weight: number; objective: number }[];
  predictions: { config: Config; loss: number; lower: number; upper: number }[];
  /** What the runs so far cannot pin (libs/law fitWarnings); absent in fits stored before it existed. */
  warnings?: { code: string; message: string }[];
  frontier?: unknown;
  fittedAt: number;
  durationMs: number;
}

/** One point of the target prediction against spent compute (dashboard history). */
export interface HistoryPoint {
  at: number;
  spent: number;
  n: number;
  targets: { loss: number; lower: number; upper: number }[];
}

export interface SweepRecord {
  id: string;
  name: string;
  spec: SweepSpec;
  state: SweepState;
  /** Why it stopped (ended, or paused itself), for people; set and cleared with stopCause. */
  stopReason?: string;
  /** The same as a value to decide on (libs/contracts StopCause); absent on sweeps stored before it existed. */
  stopCause?: StopCause;
  budget: number;
  spent: number;
  reserved: number;
  maxRuns: number;
  /** Runs created by the planner (imports excluded). */
  planned: number;
  runs: Record<RunState, number>;
  imported: number;
  /** Bumped by every recorded result or import: a planner compares it to know whether to refit. */
  version: number;
  /** Bumped by every change to the spec (PATCH /sweeps/:id); 0 as created. A planner rebuilds its engine when it moves. */
  specRevision: number;
  /**
   * Failed runs (reported by workers) in a row since the last done run or the last (re)start: the
   * circuit breaker pauses the sweep when it reaches the spec's stop.pauseAfterFailures.
   */
  failStreak: number;
  warnings: SweepWarning[];
  /**
   * The untried candidates the budget still paid for at the planner's last pass (their cost and
   * count), and the spec revision it planned with (an update of the budget or the space makes it
   * stale until the next pass): with the runs in flight, what buying all it can still takes (time left).
   */
  untried?: { cost: number; count: number; specRevision: number };
  fit?: FitSummary;
  createdAt: number;
  updatedAt: number;
}

export interface RunRecord {
  id: string;
  sweepId: string;
  config: Config;
  configKey: string;
  state: RunState;
  cost: number;
  /** Cost moved to spent once the result was recorded. */
  spent: number;
  loss?: number;
  worker?: string;
  attempts: number;
  reason?: string;
  imported: boolean;
  /**
   * A failed run of a failure streak given back when the sweep was resumed (SweepStore.releaseFailureStreak):
   * it no longer counts against stop.maxRuns and its config may be planned again.
   */
  released?: boolean;
  /** How many times the planner enqueued it again after its job vanished before any worker took it (absent: never). */
  requeues?: number;
  gain?: number;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  durationMs?: number;
  curve?: CurvePoint[];
}

/** A page of a sweep's runs (SweepReader.listRunsPage); `next` is the `after` of the next page, absent on the last. */
export interface RunsPage {
  runs: RunRecord[];
  next?: string;
}

export interface ObservationRecord extends Observation {
  runId: string;
}

export type ReserveOutcome =
  | { ok: true; runId: string }
  | { ok: false; reason: 'missing' | 'state' | 'duplicate' | 'budget' | 'maxRuns'; detail?: string };

export interface ResultInput {
  status: 'done' | 'failed' | 'cancelled' | 'unschedulable';
  loss?: number;
  /** Who reported it: a failed result with a worker extends the sweep's failure streak (the planner's own failures, with none, do not). */
  worker?: string;
  attempts?: number;
  reason?: string;
  /** For a failed run: the fraction of its cost actually used (spent); the rest is released. */
  partialCostFraction?: number;
  durationMs?: number;
  curve?: CurvePoint[];
}

export type RecordOutcome = 'recorded' | 'duplicate' | 'missing';

/** How many of a sweep's failed runs failed for one reason (its summary: failureSummary). */
export interface FailureReasonCount {
  reason: string;
  count: number;
}

/** The contracts' shape (its parser, parseImportedRuns, makes them), named here for the store's callers. */
export type { ImportedRun } from '@lawsweep/contracts';

/**
 * A webhook message a state change leaves in the notify outbox in the same step (SweepStore.transition),
 * until the planner has queued it for delivery: `id` is unique per change, `json` what the notifier needs.
 */
export interface NotifyIntent {
  id: string;
  json: string;
}
