import { DEFAULT_PAUSE_AFTER_FAILURES, RUN_EXPORT_COLUMNS, type RunExportColumn } from '@lawsweep/contracts';
import type { FailureReasonCount, RunRecord, SweepRecord } from '@lawsweep/store';

/**
 * The JSON shapes of the REST API (ARCHITECTURE.md "REST contract"), built from store records.
 * `failureReasons`: the most common reasons of the sweep's failed runs, with counts (GET /sweeps/:id).
 */
export function sweepView(s: SweepRecord, failureReasons?: FailureReasonCount[]) {
  const predictions = s.fit?.predictions;
  return {
    id: s.id,
    name: s.name,
    state: s.state,
    stopReason: s.stopReason,
    // What stopped it as a value (libs/contracts StopCause), beside the words; none on sweeps stored before it existed.
    stopCause: s.stopCause,
    law: typeof s.spec.law === 'string' ? s.spec.law : s.spec.law.expression,
    // The law as the spec gives it: a client drawing the fitted law needs an expression law's parameters too.
    lawSpec: s.spec.law,
    design: s.spec.design,
    // For clients that draw the sweep (lawsweep plot, the dashboard): the cost of a config, and the simulator's truth.
    cost: s.spec.cost,
    variables: Object.keys(s.spec.variables),
    truth: s.spec.trainer.type === 'simulate' ? s.spec.trainer.truth : null,
    pool: s.spec.pool ?? 'default',
    parallelism: s.spec.parallelism,
    budget: { total: s.budget, spent: s.spent, reserved: s.reserved, left: Math.max(0, s.budget - s.spent - s.reserved) },
    runs: { ...s.runs, imported: s.imported, planned: s.planned },
    // The circuit breaker's count (it pauses the sweep at pauseAfter) and why runs failed.
    failures: { inARow: s.failStreak, pauseAfter: s.spec.stop.pauseAfterFailures ?? DEFAULT_PAUSE_AFTER_FAILURES, ...(failureReasons ? { reasons: failureReasons } : {}) },
    targets: s.spec.targets.map((config, i) => ({
      config,
      loss: predictions?.[i]?.loss ?? null,
      lower: predictions?.[i]?.lower ?? null,
      upper: predictions?.[i]?.upper ?? null,
    })),
    // With what the runs so far cannot pin (libs/law fitWarnings): said beside the prediction it qualifies.
    fit: s.fit ? { n: s.fit.n, params: s.fit.params, stderr: s.fit.stderr, fittedAt: s.fit.fittedAt, warnings: s.fit.warnings ?? [] } : null,
    // 'no-live-workers' speaks of runs waiting now: stale once the sweep ended. 'unschedulable' stays:
    // it explains why the sweep never bought the configs no worker could hold.
    warnings: s.state === 'running' || s.state === 'paused' ? s.warnings : s.warnings.filter((w) => w.code !== 'no-live-workers'),
    createdAt: new Date(s.createdAt).toISOString(),
    updatedAt: new Date(s.updatedAt).toISOString(),
  };
}

export function fitView(s: SweepRecord, frontier: unknown) {
  const f = s.fit;
  return {
    law: f?.law ?? (typeof s.spec.law === 'string' ? s.spec.law : 'expression'),
    n: f?.n ?? 0,
    params: f?.params ?? {},
    stderr: f?.stderr ?? {},
    sigma: f?.sigma ?? null,
    rmse: f?.rmse ?? null,
    modes: f?.modes ?? [],
    predictions: f?.predictions ?? [],
    warnings: f?.warnings ?? [],
    frontier,
    fittedAt: f ? new Date(f.fittedAt).toISOString() : null,
  };
}

/** A run as GET /sweeps/:id/runs gives it; without `curve` when the caller asked curves=false. */
export function runView(r: RunRecord, withCurve = true) {
  const view = {
    id: r.id,
    config: r.config,
    state: r.state,
    loss: r.loss ?? null,
    cost: r.cost,
    spent: r.spent,
    worker: r.worker ?? null,
    attempts: r.attempts,
    requeues: r.requeues ?? 0,
    imported: r.imported,
    released: r.released ?? false,
    gain: r.gain ?? null,
    reason: r.reason ?? null,
    createdAt: new Date(r.createdAt).toISOString(),
    finishedAt: r.finishedAt ? new Date(r.finishedAt).toISOString() : null,
    durationMs: r.durationMs ?? null,
  };
  return withCurve ? { ...view, curve: r.curve ?? [] } : view;
}

const csvCell = (v: unknown): string => {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One row per run: variables as columns (so `lawsweep fit --data` reads it back), then the rest. */
export function runsCsv(variables: string[], runs: RunRecord[]): string {
  const field: Record<RunExportColumn, (r: RunRecord) => unknown> = {
    id: (r) => r.id,
    loss: (r) => r.loss,
    state: (r) => r.state,
    cost: (r) => r.cost,
    worker: (r) => r.worker,
    attempts: (r) => r.attempts,
    imported: (r) => r.imported,
  };
  const [first, ...after] = RUN_EXPORT_COLUMNS;
  const header = [first, ...variables, ...after];
  const rows = runs.map((r) => [field[first](r), ...variables.map((v) => r.config[v]), ...after.map((c) => field[c](r))]);
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}
