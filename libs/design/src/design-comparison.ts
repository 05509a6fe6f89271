import type { CheckpointRecord, SimulateResult } from './simulate-sweep';

/** Linear-interpolation quantile (q in [0, 1]) of a non-empty list. */
export function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Relative error of each predicted target loss that has a truth (a replay pool's target may have none). */
export function targetErrors(cp: CheckpointRecord): number[] {
  return cp.targets.filter((t) => t.truth !== undefined).map((t) => Math.abs(t.loss - (t.truth as number)) / (t.truth as number));
}

/** Mean relative error of a checkpoint's predicted target losses against their truth; undefined where no target has one. */
export function checkpointError(cp: CheckpointRecord): number | undefined {
  const errs = targetErrors(cp);
  return errs.length > 0 ? errs.reduce((a, b) => a + b, 0) / errs.length : undefined;
}

/** Mean over targets of the 90% interval's half-width, relative to the prediction. */
export function checkpointHalfWidth(cp: CheckpointRecord): number {
  return cp.targets.reduce((a, t) => a + (t.upper - t.lower) / 2 / t.loss, 0) / Math.max(cp.targets.length, 1);
}

export interface DesignComparisonRow {
  design: string;
  budget: number;
  /** Medians over seeds. */
  runs: number;
  spent: number;
  /** Median and interquartile range over seeds of the target error; absent when the targets' truth is unknown. */
  error?: { median: number; q25: number; q75: number };
  halfWidth: number;
}

/** One row per checkpoint and design: what `lawsweep simulate --compare` prints. */
export function compareDesigns(results: SimulateResult[]): DesignComparisonRow[] {
  const budgets = results[0]?.seeds[0]?.checkpoints.map((cp) => cp.budget) ?? [];
  return budgets.flatMap((budget, j) =>
    results.map((result) => {
      const cps = result.seeds.map((seed) => seed.checkpoints[j]);
      const errors = cps.map(checkpointError).filter((e): e is number => e !== undefined);
      return {
        design: result.design,
        budget,
        runs: quantile(cps.map((cp) => cp.runs.length), 0.5),
        spent: quantile(cps.map((cp) => cp.spent), 0.5),
        ...(errors.length === cps.length && errors.length > 0 ? { error: { median: quantile(errors, 0.5), q25: quantile(errors, 0.25), q75: quantile(errors, 0.75) } } : {}),
        halfWidth: quantile(cps.map(checkpointHalfWidth), 0.5),
      };
    }),
  );
}
