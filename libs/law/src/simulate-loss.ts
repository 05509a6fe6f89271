import type { Config, Law } from './law.types';
import type { SeededRandom } from './random';

/** A simulated final loss: the law's loss at config times exp(noise · z), z ~ N(0, 1). */
export function simulateLoss(law: Law, params: Record<string, number>, config: Config, noise: number, rng: SeededRandom): number {
  const logLoss = law.logLoss(law.toTheta(params), config);
  if (!Number.isFinite(logLoss)) throw new Error(`simulateLoss: ${law.name} is undefined at ${JSON.stringify(config)}`);
  return Math.exp(logLoss + noise * rng.normal());
}

/** The noiseless loss of a truth at a config. */
export function trueLoss(law: Law, params: Record<string, number>, config: Config): number {
  return Math.exp(law.logLoss(law.toTheta(params), config));
}
