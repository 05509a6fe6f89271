import type { LawSpec } from '@lawsweep/law';
import type { StopCause, SweepFieldChange, TimeLeft } from '@lawsweep/contracts';

/** The planner's REST shapes (ARCHITECTURE.md "REST contract"), as the CLI reads them. */
export type SweepState = 'running' | 'paused' | 'done' | 'cancelled' | 'failed';
export const FINAL_STATES: readonly SweepState[] = ['done', 'cancelled', 'failed'];

export interface TargetView {
  config: Record<string, number>;
  loss: number | null;
  lower: number | null;
  upper: number | null;
}

export interface SweepView {
  id: string;
  name: string;
  state: SweepState;
  stopReason?: string;
  /** Why it stopped, as a value to decide on (libs/contracts StopCause); older planners, and sweeps they ended, send none. */
  stopCause?: StopCause;
  /** The law's name, or an expression law's formula. */
  law: string;
  /** The law as the spec gives it (a name, or { expression, params, … }): what a client needs to draw the fitted law. Older planners send none. */
  lawSpec?: LawSpec;
  /** Cost expression of a config (e.g. "6 * N * D"), the variables, and a simulate trainer's truth. */
  cost?: string;
  variables?: string[];
  truth?: unknown;
  budget: { total: number; spent: number; reserved: number; left?: number };
  runs: { queued: number; running: number; done: number; failed: number; cancelled?: number; unschedulable?: number; imported?: number; planned?: number };
  /** Failed runs in a row (the planner pauses the sweep at pauseAfter) and, from GET /sweeps/:id, the most common reasons. */
  failures?: { inARow: number; pauseAfter: number; reasons?: { reason: string; count: number }[] };
  targets: TargetView[];
  /** `warnings`: what the runs so far cannot pin (older planners send none). */
  fit: { n: number; params: Record<string, number>; stderr: Record<string, number>; fittedAt: number; warnings?: { code: string; message: string }[] } | null;
  warnings?: { code: string; message: string }[];
  /** While running, once a spend rate is measured (GET /sweeps/:id): the rest of the budget at the last hour's rate. */
  timeLeft?: TimeLeft;
  createdAt?: string;
  updatedAt?: string;
}

/** PATCH /sweeps/:id's answer: the sweep, what changed, and whether a sweep that had ended runs again. */
/** DELETE /sweeps/:id: deleted (200), or still going on in the planner (202: `deleted` false, `runsLeft`). */
export interface SweepDeletionView {
  id: string;
  deleted: boolean;
  runs: number;
  runsLeft: number;
}

export interface SweepUpdateView extends SweepView {
  changes: SweepFieldChange[];
  reopened: boolean;
  /** Why a done sweep stays done although the update relaxed a rule (another rule still ends it). */
  staysDone?: string;
}

/** GET /sweeps/:id/forecast: per total budget asked, the runs the design would add and each target's interval after them. */
export interface ForecastView {
  budget: number;
  runs: number;
  cost: number;
  budgetBound?: boolean;
  truncated?: boolean;
  stoppedBecause?: string;
  targets: { config: Record<string, number>; loss: number; halfWidthNow: number; halfWidthAfter: number }[];
}

/** Candidates no live worker of the pool can hold, which the forecast (like the planner) leaves out. */
export interface ForecastCapacity {
  pool: string;
  excluded: number;
  candidates: number;
  message: string;
}

export interface ForecastAnswer {
  id: string;
  budget: { total: number; spent: number; reserved: number; left: number };
  forecasts: ForecastView[];
  capacity?: ForecastCapacity;
}

/** GET /sweeps/:id/forecast?interval=r: the least total budget forecast to bring every target within ±r. */
export interface IntervalBudgetAnswer {
  id: string;
  budget: { total: number; spent: number; reserved: number; left: number };
  interval: number;
  reachable: boolean;
  budgetNeeded: number;
  reason?: string;
  forecast: ForecastView;
  capacity?: ForecastCapacity;
}

export interface FitView {
  law: string;
  n: number;
  params: Record<string, number>;
  stderr: Record<string, number>;
  sigma: number | null;
  rmse: number | null;
  modes: { params: Record<string, number>; weight: number }[];
  predictions: { config: Record<string, number>; loss: number; lower: number; upper: number }[];
  /** What the runs so far cannot pin (a parameter at a bound, ambiguous modes, …); older planners send none. */
  warnings?: { code: string; message: string }[];
  frontier: { compute: number; config: Record<string, number>; loss: number }[] | null;
  fittedAt: string | null;
}

export interface RunView {
  id: string;
  config: Record<string, number>;
  state: string;
  loss: number | null;
  cost: number;
  worker: string | null;
  attempts: number;
  reason?: string | null;
  createdAt?: string;
  finishedAt?: string | null;
  durationMs?: number | null;
}

export interface HistoryPoint {
  at: number;
  spent: number;
  n: number;
  targets: { loss: number; lower: number; upper: number }[];
}

export interface SpecErrorBody {
  message?: string | string[];
  errors?: { path: string; message: string }[];
}

/** GET /workers (the planner's own type, libs/contracts). */
export type { WorkerView } from '@lawsweep/contracts';
