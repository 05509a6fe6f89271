import type { Config, FitResult, Law, Prediction } from '@lawsweep/law';
import { posteriorFromFit, type Posterior } from './posterior';

/** z for a two-sided 90% interval. */
export const Z90 = 1.6448536269514722;

/**
 * Predicted loss at a config under a posterior mixture: mean and variance of log-loss over the
 * modes (each mode's linearised parameter variance gᵀΣg plus the spread between modes), with a 90%
 * interval exp(μ ± z·sd). Parameter uncertainty only: the target is the law's loss, not a noisy run.
 */
export function predictUnderPosterior(law: Law, posterior: Posterior, config: Config): Prediction {
  const p = posterior.dim;
  const grad = new Float64Array(p);
  let mean = 0;
  let second = 0;
  for (const mode of posterior.modes) {
    const mu = law.logLossGrad(mode.theta, config, grad);
    let v = 0;
    for (let r = 0; r < p; r++) for (let c = 0; c < p; c++) v += grad[r] * mode.covariance[r * p + c] * grad[c];
    v = Number.isFinite(v) ? Math.max(v, 0) : 0;
    mean += mode.weight * mu;
    second += mode.weight * (v + mu * mu);
  }
  const sd = Math.sqrt(Math.max(second - mean * mean, 0));
  return { config, loss: Math.exp(mean), lower: Math.exp(mean - Z90 * sd), upper: Math.exp(mean + Z90 * sd), logSd: sd };
}

export function predictWithFit(law: Law, fit: FitResult, configs: Config[]): Prediction[] {
  const posterior = posteriorFromFit(fit, law.theta.length);
  return configs.map((c) => predictUnderPosterior(law, posterior, c));
}

/** Half-width of the 90% interval relative to the predicted loss (of a prediction, or a stored fit summary's). */
export function relativeHalfWidth(p: Pick<Prediction, 'loss' | 'lower' | 'upper'>): number {
  return (p.upper - p.lower) / 2 / p.loss;
}
