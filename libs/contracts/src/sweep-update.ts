import type { StopCause } from './stop-cause';
import { parseSweepSpec, type SpecError, type SweepSpec } from './sweep-spec.schema';

/**
 * What may change on an existing sweep (PATCH /sweeps/:id, `lawsweep sweep update`): how much it may
 * spend and how fast, and when it stops. Everything else (law, variables, constraints, cost, targets,
 * trainer, design, pool, seed, fit) shaped the runs already made and the fits already stored, so it
 * stays: a different question is a new sweep, which can import these runs.
 */
export const UPDATABLE_SWEEP_FIELDS = ['budget', 'parallelism', 'stop.maxRuns', 'stop.targetRelativeInterval', 'stop.pauseAfterFailures'] as const;
export type UpdatableSweepField = (typeof UPDATABLE_SWEEP_FIELDS)[number];

const STOP_FIELDS = new Set(UPDATABLE_SWEEP_FIELDS.filter((f) => f.startsWith('stop.')).map((f) => f.slice('stop.'.length)));

export interface SweepFieldChange {
  field: UpdatableSweepField;
  /** undefined: the field was unset. */
  from?: number;
  to?: number;
}

export type SweepUpdateResult = { ok: true; spec: SweepSpec; changes: SweepFieldChange[] } | { ok: false; errors: SpecError[] };

/**
 * `x` rounded up to `digits` significant digits: a floor (least budget) shown to a user, who may type
 * it back and must not land below it. Positive x only; others come back as they are.
 */
export function roundUpSignificant(x: number, digits: number): number {
  if (!(x > 0)) return x;
  const scale = 10 ** (Math.floor(Math.log10(x)) - (digits - 1));
  return Math.ceil(x / scale - 1e-9) * scale;
}

/** What ended a done sweep, as GET /sweeps/:id shows it: for goOnWithMoreBudgetHint. */
export interface SweepEnd {
  /** Absent on sweeps stored before causes were: the reason's words are read then. */
  stopCause?: StopCause;
  stopReason?: string;
  /** Runs planned (runs.planned): a higher stop.maxRuns must be above it. */
  planned?: number;
}

/**
 * How to go on with a sweep that is done, by what ended it (its stop cause): more runs where
 * stop.maxRuns did, a tighter interval where the interval rule did, a new sweep where every candidate
 * config has been run, else what more budget would buy and the update that gives it (budgetText: a
 * suggested total, formatted). Self-contained, no helper outside its body and nothing TypeScript
 * leaves behind in the output: the dashboard page embeds its source.
 */
export function goOnWithMoreBudgetHint(sweepId: string, budgetText: string, end?: SweepEnd): string {
  const forecast = `lawsweep sweep forecast ${sweepId} --budget ${budgetText}`;
  const reason = (end && end.stopReason) || '';
  let cause = end && end.stopCause;
  let planned = end && end.planned;
  if (!cause) {
    // A sweep ended by a planner older than stop causes: only its reason's words say why.
    const runs = /^maxRuns \((\d+)\) reached/.exec(reason);
    if (runs) {
      cause = 'maxRuns';
      planned = Number(runs[1]);
    } else if (/^every target's 90% interval is within/.test(reason)) cause = 'interval';
  }
  if (cause === 'maxRuns') {
    const above = planned === undefined ? 'the runs planned' : planned;
    return `lawsweep sweep update ${sweepId} --max-runs M (above ${above}, or 'none'); add --budget B if the budget is spent too (${forecast} says what it buys)`;
  }
  if (cause === 'interval') {
    return `lawsweep sweep forecast ${sweepId} --interval R (what a tighter interval costs), then lawsweep sweep update ${sweepId} --target-interval R --budget B`;
  }
  // No update gives it a config to run: goOnFromRunsHint's words (the page cannot call it).
  if (cause === 'candidatesRun') {
    return `every candidate config has been run: create a new sweep and import these runs (lawsweep sweep export ${sweepId} --format csv, then \`runs:\` beside the new spec)`;
  }
  return `${forecast} (what more budget buys), then lawsweep sweep update ${sweepId} --budget B`;
}

/** How to go on from a sweep's runs under what an update cannot change: a new sweep that imports them. */
export function goOnFromRunsHint(sweepId = 'ID'): string {
  return `create a new sweep and import these runs (lawsweep sweep export ${sweepId} --format csv, then \`runs:\` beside the new spec)`;
}

/**
 * Whether a change relaxes a rule that may have ended a sweep (more budget, more or unlimited runs,
 * a tighter or no interval rule): only such an update reopens a sweep that is done. A new
 * parallelism or circuit-breaker count, or a budget cut to what is spent, gives it nothing to do.
 */
export function reopensSweep(changes: readonly SweepFieldChange[]): boolean {
  return changes.some(({ field, from, to }) => {
    if (field === 'budget') return (to ?? 0) > (from ?? 0);
    if (field === 'stop.maxRuns') return to === undefined || (from !== undefined && to > from);
    if (field === 'stop.targetRelativeInterval') return to === undefined || (from !== undefined && to < from);
    return false;
  });
}

/** Where a done sweep stands, for stillEnded. */
export interface EndedSweepProgress {
  /** Named in the way on it gives when no update can reopen it. */
  sweepId?: string;
  /** Runs planned (stop.maxRuns counts these). */
  planned: number;
  /** The widest relative 90% half-width of its targets under its last fit, if it has one. */
  widestInterval?: number;
  /** Why it ended (its stop cause, and the reason in words), and whether the update raises its budget. */
  stopCause?: StopCause;
  stopReason?: string;
  budgetRaised?: boolean;
}

/**
 * The cause of a done sweep stored before causes were, read from its reason's words (the planner's
 * own, SweepPlanner.plan, as they were then): only the ends stillEnded decides on. Records with a
 * cause never come here, so a rewording of a reason changes nothing.
 */
function causeFromOlderReason(stopReason: string | undefined): StopCause | undefined {
  if (/^budget exhausted/.test(stopReason ?? '')) return 'budget';
  if (/^every candidate config the budget still pays for was tried/.test(stopReason ?? '')) return 'candidatesTried';
  return undefined;
}

/**
 * Why a done sweep would end again at once under `spec` (stop.maxRuns still reached, every target
 * already within stop.targetRelativeInterval, its budget spent and not raised, or every candidate
 * config run), or undefined. An update that relaxes one rule but leaves another one met does not
 * reopen the sweep: it would run no run and end again (and notify). The rules are read from the new
 * spec and the sweep's progress; what the budget or the candidates allowed, from its stop cause.
 */
export function stillEnded(spec: SweepSpec, progress: EndedSweepProgress): string | undefined {
  const { maxRuns, targetRelativeInterval } = spec.stop;
  if (maxRuns !== undefined && progress.planned >= maxRuns) {
    return `stop.maxRuns (${maxRuns}) is still reached (${progress.planned} runs planned): raise it too (--max-runs, or 'none')`;
  }
  if (targetRelativeInterval !== undefined && progress.widestInterval !== undefined && progress.widestInterval <= targetRelativeInterval) {
    const pct = (x: number) => `±${+(x * 100).toPrecision(3)}%`;
    return `every target is already within stop.targetRelativeInterval (${pct(progress.widestInterval)} of ${pct(targetRelativeInterval)}): tighten it too (--target-interval, or 'none')`;
  }
  // No cause: a sweep stored by an older planner, whose reason's words are all there is.
  const cause = progress.stopCause ?? causeFromOlderReason(progress.stopReason);
  const why = progress.stopReason ?? cause;
  if (!progress.budgetRaised && (cause === 'budget' || cause === 'candidatesTried')) {
    return `it ended because ${why}: raise the budget too (--budget)`;
  }
  if (cause === 'candidatesRun') return `it ended because ${why}: no update adds a config to run; to go on, ${goOnFromRunsHint(progress.sweepId)}`;
  return undefined;
}

function valueAt(spec: SweepSpec, field: UpdatableSweepField): number | undefined {
  if (field === 'budget') return spec.budget;
  if (field === 'parallelism') return spec.parallelism;
  return spec.stop[field.slice('stop.'.length) as keyof SweepSpec['stop']];
}

/**
 * Merges an update into a sweep's current spec and validates the result as a whole spec, so each
 * field obeys exactly the rules it obeys at creation (budget as a number or a string like "2e21",
 * maxRuns a positive integer, …), with errors naming the field. `null` under `stop` removes that
 * rule. Fields that may not change are errors that say why and what to do instead. Checks against
 * the sweep's progress (a budget below what is already spent) are the store's, made atomically.
 */
export function parseSweepUpdate(body: unknown, current: SweepSpec): SweepUpdateResult {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, errors: [{ path: '(body)', message: `must be a JSON object with any of ${UPDATABLE_SWEEP_FIELDS.join(', ')}` }] };
  }
  const update = body as Record<string, unknown>;
  const errors: SpecError[] = [];
  for (const key of Object.keys(update)) {
    if (key === 'budget' || key === 'parallelism' || key === 'stop') continue;
    if (key === 'runs') {
      errors.push({ path: key, message: 'runs are added to a sweep with POST /sweeps/:id/runs (a JSON array of {config, loss}), not by an update' });
      continue;
    }
    errors.push(
      key in current || key === 'constraints' || key === 'candidates' || key === 'targetCompute' || key === 'pool'
        ? { path: key, message: `'${key}' cannot change on an existing sweep (its runs and fits were made under it; only ${UPDATABLE_SWEEP_FIELDS.join(', ')} can): ${goOnFromRunsHint()}` }
        : { path: key, message: `unknown field '${key}': an update takes ${UPDATABLE_SWEEP_FIELDS.join(', ')}` },
    );
  }
  const stop: Record<string, unknown> = { ...current.stop };
  if (update.stop !== undefined) {
    if (!update.stop || typeof update.stop !== 'object' || Array.isArray(update.stop)) {
      errors.push({ path: 'stop', message: `must be an object with any of ${[...STOP_FIELDS].join(', ')} (null removes a rule)` });
    } else {
      for (const [key, value] of Object.entries(update.stop as Record<string, unknown>)) {
        if (!STOP_FIELDS.has(key)) errors.push({ path: `stop.${key}`, message: `unknown stop rule '${key}': an update takes ${[...STOP_FIELDS].join(', ')}` });
        else if (value === null) delete stop[key];
        else stop[key] = value;
      }
    }
  }
  if (Object.keys(update).length === 0) errors.push({ path: '(body)', message: `nothing to change: give any of ${UPDATABLE_SWEEP_FIELDS.join(', ')}` });
  if (errors.length) return { ok: false, errors };

  const parsed = parseSweepSpec({
    ...current,
    ...(update.budget !== undefined ? { budget: update.budget } : {}),
    ...(update.parallelism !== undefined ? { parallelism: update.parallelism } : {}),
    stop,
  });
  if (!parsed.ok) return parsed;
  const changes: SweepFieldChange[] = [];
  for (const field of UPDATABLE_SWEEP_FIELDS) {
    const from = valueAt(current, field);
    const to = valueAt(parsed.spec, field);
    if (from !== to) changes.push({ field, from, to });
  }
  return { ok: true, spec: parsed.spec, changes };
}
