import type { SweepSpec } from '@lawsweep/contracts';
import { fitLaw, getLaw, resolveTruth, type Config, type FitOptions, type FitResult, type Law, type LawSpec, type Observation, type Truth } from '@lawsweep/law';

/**
 * The law of a sweep spec. An expression law is over the spec's variables (whatever their names:
 * N and D, or P, T, lr, ...), so every place that builds a sweep's law goes through here.
 */
export function specLaw(spec: Pick<SweepSpec, 'law' | 'variables'>): Law {
  return getLaw(spec.law as LawSpec, Object.keys(spec.variables));
}

/** A simulate trainer's truth for a spec: an expression truth is over the spec's variables too. */
export function specTruth(spec: Pick<SweepSpec, 'variables'>, truth: unknown): Truth {
  return resolveTruth(truth as Parameters<typeof resolveTruth>[0], Object.keys(spec.variables));
}

/** The one place libs/design calls libs/law's fitter. */
export function fitObservations(law: Law, observations: Observation[], options: FitOptions): FitResult {
  return fitLaw(law, observations, options);
}

/**
 * The true θ in a fitted law's parameterisation. A truth of another family (e.g. farseer fitted with
 * chinchilla, or the tied law inside chinchilla) is projected: the law's best noise-free fit to the
 * truth over the given configs.
 */
export function truthInLaw(law: Law, truth: Truth, configs: Config[]): Float64Array {
  if (truth.law.name === law.name) return Float64Array.from(law.toTheta(truth.params));
  const theta = truth.law.toTheta(truth.params);
  const observations = configs.map((config) => ({ config, loss: Math.exp(truth.law.logLoss(theta, config)) }));
  const fit = fitObservations(law, observations, { loss: { kind: 'mse' }, starts: 'default' });
  return Float64Array.from(fit.theta);
}
