import type { Config, FitMode, FitResult, Law, Prediction } from './law.types';
import { quadForm } from './linalg';
import { normalCdf, normalQuantile } from './normal-quantile';

/** What predict needs from a fit: a θ and its covariance (a FitResult or one FitMode). */
export interface ThetaPosterior {
  theta: ArrayLike<number>;
  covariance: number[][];
  sigma?: number;
}

export interface PredictOptions {
  /**
   * Include observation noise σ (the spread of a new run's loss) in the interval. Default false:
   * the interval is for the law's mean loss at the config (parameter uncertainty only), which is
   * what the design engine and target intervals need.
   */
  includeNoise?: boolean;
  /** σ to use with includeNoise when the posterior does not carry one. */
  sigma?: number;
}

/**
 * Prediction at a config: loss = exp(log-loss at θ̂) and a central `level` interval from the
 * delta method in log space, sd² = gᵀ Σ g (+ σ² with includeNoise), g = ∂ log L/∂θ.
 */
export function predict(law: Law, fit: ThetaPosterior, config: Config, level = 0.9, options: PredictOptions = {}): Prediction {
  const grad = new Float64Array(law.theta.length);
  const mean = law.logLossGrad(fit.theta, config, grad);
  let variance = Math.max(quadForm(fit.covariance, grad), 0);
  if (options.includeNoise) {
    const s = options.sigma ?? fit.sigma;
    if (s === undefined) throw new Error('predict: includeNoise needs a sigma (pass a FitResult or options.sigma)');
    variance += s * s;
  }
  const sd = Math.sqrt(variance);
  const z = normalQuantile(0.5 + level / 2);
  return { config, loss: Math.exp(mean), lower: Math.exp(mean - z * sd), upper: Math.exp(mean + z * sd), logSd: sd };
}

/**
 * Prediction under the fit's mixture of modes (weights): a mixture of normals in log-loss; loss is
 * exp of the mixture mean, the interval is the mixture's central quantiles (found by bisection),
 * logSd the mixture's standard deviation. With one mode this equals predict.
 */
export function predictMixture(
  law: Law,
  fit: Pick<FitResult, 'modes'> & { sigma?: number },
  config: Config,
  level = 0.9,
  options: PredictOptions = {},
): Prediction {
  const modes: FitMode[] = fit.modes;
  if (modes.length === 0) throw new Error('predictMixture: the fit has no modes');
  const parts = modes.map((m) => ({ w: m.weight, p: predict(law, { ...m, sigma: fit.sigma }, config, level, options) }));
  const totalW = parts.reduce((s, x) => s + x.w, 0);
  const comps = parts.map(({ w, p }) => ({ w: w / totalW, mu: Math.log(p.loss), sd: p.logSd }));
  const mean = comps.reduce((s, c) => s + c.w * c.mu, 0);
  const variance = comps.reduce((s, c) => s + c.w * (c.sd * c.sd + (c.mu - mean) ** 2), 0);
  const cdf = (x: number) => comps.reduce((s, c) => s + c.w * (c.sd > 0 ? normalCdf((x - c.mu) / c.sd) : x >= c.mu ? 1 : 0), 0);
  const lo = Math.min(...comps.map((c) => c.mu - 10 * c.sd)) - 1e-12;
  const hi = Math.max(...comps.map((c) => c.mu + 10 * c.sd)) + 1e-12;
  const quantile = (q: number) => {
    let a = lo;
    let b = hi;
    for (let i = 0; i < 80; i++) {
      const m = 0.5 * (a + b);
      if (cdf(m) < q) a = m;
      else b = m;
    }
    return 0.5 * (a + b);
  };
  return {
    config,
    loss: Math.exp(mean),
    lower: Math.exp(quantile(0.5 - level / 2)),
    upper: Math.exp(quantile(0.5 + level / 2)),
    logSd: Math.sqrt(variance),
  };
}
