import type { Config, Law, Observation } from '../law.types';
import { SeededRandom } from '../random';
import { simulateLoss } from '../simulate-loss';

/**
 * A realistic sweep grid for recovery tests: model sizes 1e7…1e10 (log-spaced) × tokens-per-
 * parameter ratios 2…300, i.e. roughly 1e15…2e22 FLOPs, like the small-scale sweeps of the
 * Chinchilla and Epoch analyses.
 */
export function sweepGrid(sizes = 8, ratios = [2, 5, 10, 20, 50, 100, 300]): Config[] {
  const out: Config[] = [];
  for (let i = 0; i < sizes; i++) {
    const n = Math.pow(10, 7 + (3 * i) / (sizes - 1));
    for (const r of ratios) out.push({ N: n, D: r * n });
  }
  return out;
}

/** Noisy losses (log-noise `noise`) from a law at its natural params, seeded. */
export function synthesize(law: Law, params: Record<string, number>, configs: readonly Config[], noise: number, seed: number): Observation[] {
  const rng = new SeededRandom(seed);
  return configs.map((config) => ({ config, loss: simulateLoss(law, params, config, noise, rng) }));
}
