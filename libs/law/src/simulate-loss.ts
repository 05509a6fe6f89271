import type { Config, Law } from './law.types';
import { resolveTruth } from './registry';
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

/**
 * A simulator truth's noiseless loss at a config, from a spec's `truth` (a law name or
 * { law, params }); undefined when there is none or it does not resolve (a plot then draws no truth).
 * An expression truth may use the config's variables (a spec's targets name every variable).
 */
export function truthLossAt(truth: unknown, config: Config): number | undefined {
  if (!truth) return undefined;
  try {
    const t = resolveTruth(truth as Parameters<typeof resolveTruth>[0], Object.keys(config));
    return trueLoss(t.law, t.params, config);
  } catch {
    return undefined;
  }
}
