import { fitLaw, type FullFitResult } from '../fit-law';
import type { Config } from '../law.types';
import { predict } from '../predict';
import { resolveTruth, type Truth } from '../registry';
import { trueLoss } from '../simulate-loss';
import { sweepGrid, synthesize } from './synthetic-runs';

export const RECOVERY_NOISE = 0.005;
export const RECOVERY_SEEDS = [1, 2, 3];
/** Chinchilla-70B's config, an extrapolation of ~30x in compute beyond the grid. */
export const TARGET: Config = { N: 7e10, D: 1.4e12, U: 1e12 };

export interface Recovery {
  seed: number;
  truth: Truth;
  fit: FullFitResult;
  /** Relative error of each natural parameter, and its error in fitted standard errors. */
  relError: Record<string, number>;
  absError: Record<string, number>;
  zScore: Record<string, number>;
  /** Relative error of the predicted loss at TARGET. */
  targetError: number;
}

/** Fits synthetic runs from a named truth (mse on log-loss, default starts), one per seed. */
export function recover(truthName: string, configs: Config[] = sweepGrid()): Recovery[] {
  const truth = resolveTruth(truthName);
  return RECOVERY_SEEDS.map((seed) => {
    const fit = fitLaw(truth.law, synthesize(truth.law, truth.params, configs, RECOVERY_NOISE, seed), { loss: { kind: 'mse' } });
    const relError: Record<string, number> = {};
    const absError: Record<string, number> = {};
    const zScore: Record<string, number> = {};
    for (const p of truth.law.paramNames) {
      absError[p] = Math.abs(fit.params[p] - truth.params[p]);
      relError[p] = absError[p] / Math.abs(truth.params[p]);
      zScore[p] = absError[p] / fit.stderr[p];
    }
    const targetError = Math.abs(predict(truth.law, fit, TARGET).loss / trueLoss(truth.law, truth.params, TARGET) - 1);
    return { seed, truth, fit, relError, absError, zScore, targetError };
  });
}
