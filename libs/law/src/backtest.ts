import { sixND, type CostModel } from './compute-optimal';
import { fitLaw, type FullFitResult } from './fit-law';
import type { Config, FitOptions, Law, Observation } from './law.types';
import { predictMixture } from './predict';

export interface BacktestOptions extends FitOptions {
  /** How many of the largest runs to hold out. */
  holdout: number;
  /** What "largest" means: a run's cost (default 6·N·D, training FLOPs). */
  cost?: CostModel;
  /** Level of the predictive intervals (default 0.9). */
  level?: number;
}

export interface BacktestRun {
  config: Config;
  cost: number;
  loss: number;
  /** The fit to the smaller runs: its prediction and the `level` predictive interval for a new run's loss (noise included). */
  predicted: number;
  lower: number;
  upper: number;
  /** (loss − predicted) / predicted. */
  relativeError: number;
  /** The log-loss error in predictive standard deviations. */
  z: number;
  inside: boolean;
}

export interface BacktestResult {
  /** The fit to every run but the held-out ones. */
  fit: FullFitResult;
  trainedOn: number;
  /** The largest cost among the runs the fit saw. */
  largestTrainedCost: number;
  level: number;
  heldOut: BacktestRun[];
  /** Mean of the held-out relative errors (sign kept: > 0 means the runs came out worse than the law said). */
  meanRelativeError: number;
  meanAbsRelativeError: number;
  /** How many held-out losses fell inside their predictive interval. */
  inside: number;
}

/** libs/law's sixND, checked: a run without positive N and D would otherwise sort as NaN, silently. */
export function trainingCompute(config: Config): number {
  if (!(config.N > 0) || !(config.D > 0)) throw new Error('backtest: the default cost is 6·N·D, so every run needs positive N and D (pass options.cost for other variables)');
  return sixND(config);
}

/**
 * An extrapolation check: does the law fitted to the smaller runs predict the largest ones? Holds out
 * the `holdout` runs of largest cost, fits the rest with the same options, and compares each held-out
 * loss with the fit's predictive interval (parameter uncertainty, modes and noise σ). The question a
 * scaling-law fit exists to answer, asked of runs already in hand: in-sample residuals cannot show a
 * law that bends away at scale (the fit absorbs it), errors beyond the largest fitted run can.
 */
export function backtestFit(law: Law, data: readonly Observation[], options: BacktestOptions): BacktestResult {
  const { holdout, cost = trainingCompute, level = 0.9, ...fitOptions } = options;
  const p = law.theta.length;
  if (!Number.isInteger(holdout) || holdout < 1) throw new Error(`backtest: the number of runs to hold out must be a positive integer, got ${holdout}`);
  if (data.length - holdout < p + 1) {
    throw new Error(`backtest: holding out ${holdout} of ${data.length} runs leaves ${data.length - holdout}, but law ${law.name} has ${p} parameters and the fit needs at least ${p + 1}`);
  }
  // Largest first; ties keep the data's order, so the split is reproducible.
  const ranked = data.map((o, i) => ({ o, i, c: cost(o.config) })).sort((a, b) => b.c - a.c || a.i - b.i);
  const held = ranked.slice(0, holdout);
  const kept = ranked.slice(holdout).sort((a, b) => a.i - b.i);
  const fit = fitLaw(law, kept.map((r) => r.o), fitOptions);
  const heldOut = held.map(({ o, c }) => {
    const pr = predictMixture(law, fit, o.config, level, { includeNoise: true });
    const z = pr.logSd > 0 ? (Math.log(o.loss) - Math.log(pr.loss)) / pr.logSd : 0;
    return {
      config: o.config,
      cost: c,
      loss: o.loss,
      predicted: pr.loss,
      lower: pr.lower,
      upper: pr.upper,
      relativeError: (o.loss - pr.loss) / pr.loss,
      z,
      inside: o.loss >= pr.lower && o.loss <= pr.upper,
    };
  });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    fit,
    trainedOn: kept.length,
    largestTrainedCost: Math.max(...kept.map((r) => r.c)),
    level,
    heldOut,
    meanRelativeError: mean(heldOut.map((r) => r.relativeError)),
    meanAbsRelativeError: mean(heldOut.map((r) => Math.abs(r.relativeError))),
    inside: heldOut.filter((r) => r.inside).length,
  };
}
