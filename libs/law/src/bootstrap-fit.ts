import { fitLaw } from './fit-law';
import type { FullFitResult } from './fit-law';
import type { FitOptions, Law, Observation } from './law.types';
import { SeededRandom } from './random';

export interface BootstrapOptions extends FitOptions {
  samples?: number;
  seed?: number;
  level?: number;
}

export interface BootstrapResult {
  fit: FullFitResult;
  /** Natural parameters of each bootstrap refit. */
  draws: Record<string, number>[];
  /** Bootstrap standard deviation of each natural parameter. */
  stderr: Record<string, number>;
  /** Percentile intervals at `level`. */
  intervals: Record<string, [number, number]>;
  level: number;
}

/**
 * Nonparametric bootstrap: resample the runs with replacement, refit, report percentile intervals.
 * The original fit uses the requested starts; each refit starts from the original fit's modes
 * (the resampled optimum is near one of them), which keeps K refits cheap.
 */
export function bootstrapFit(law: Law, data: readonly Observation[], options: BootstrapOptions = {}): BootstrapResult {
  const samples = options.samples ?? 100;
  const level = options.level ?? 0.9;
  if (!Number.isInteger(samples) || samples < 2) throw new Error(`bootstrap: samples must be an integer ≥ 2, got ${samples}`);
  const fit = fitLaw(law, data, options);
  const rng = new SeededRandom(options.seed ?? 0);
  const starts = fit.modes.map((m) => Array.from(m.theta));
  const draws: Record<string, number>[] = [];
  for (let s = 0; s < samples; s++) {
    const resample = Array.from({ length: data.length }, () => data[rng.int(data.length)]);
    draws.push(fitLaw(law, resample, { ...options, starts }).params);
  }
  const stderr: Record<string, number> = {};
  const intervals: Record<string, [number, number]> = {};
  for (const name of law.paramNames) {
    const xs = draws.map((d) => d[name]).sort((a, b) => a - b);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    stderr[name] = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
    const at = (p: number) => xs[Math.min(xs.length - 1, Math.max(0, Math.round(p * (xs.length - 1))))];
    intervals[name] = [at(0.5 - level / 2), at(0.5 + level / 2)];
  }
  return { fit, draws, stderr, intervals, level };
}
