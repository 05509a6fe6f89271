import type { Config, FitResult, Law, Observation } from '@lawsweep/law';

/**
 * The design engine's belief about the law's parameters θ: a mixture of Gaussians (the fit's modes,
 * each with its Laplace covariance and weight) and the noise σ of log-loss. Before there are enough
 * runs to fit, a wide prior conditioned (linearly) on whatever runs exist, so the first batches are
 * designed rather than random.
 */
export interface PosteriorMode {
  theta: Float64Array;
  /** Row-major dim × dim covariance of θ (dim = theta.length). */
  covariance: Float64Array;
  weight: number;
}

export interface Posterior {
  dim: number;
  modes: PosteriorMode[];
  sigma: number;
}

/** σ before any fit: 1% log-noise is a cautious guess for final training losses. */
export const PRIOR_SIGMA = 0.01;
/** Floor on σ: a fit to few points can report an implausibly tiny residual, which would make every run look decisive. */
export const MIN_SIGMA = 0.002;
/** Modes kept from a fit: the heaviest few carry the disagreement that matters. */
export const MAX_MODES = 4;
export const MIN_MODE_WEIGHT = 1e-3;

export function flatten(matrix: number[][], dim: number): Float64Array {
  const out = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) out[i * dim + j] = matrix[i]?.[j] ?? 0;
  return out;
}

/** The prior: centred on the middle of the law's starting grid, with the grid's spread (or the bounds') as sd. */
export function priorPosterior(law: Law): Posterior {
  const dim = law.theta.length;
  const starts = law.defaultStarts();
  const theta = new Float64Array(dim);
  const covariance = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    const { lower, upper } = law.theta[i];
    const values = starts.map((s) => s[i]).filter(Number.isFinite).sort((a, b) => a - b);
    const boundsWidth = Number.isFinite(upper - lower) ? upper - lower : 10;
    if (values.length > 0) {
      theta[i] = values[Math.floor(values.length / 2)];
      const spread = values[values.length - 1] - values[0];
      const sd = spread > 0 ? spread / 2 : boundsWidth / 6;
      covariance[i * dim + i] = sd * sd;
    } else {
      theta[i] = Number.isFinite(lower) && Number.isFinite(upper) ? (lower + upper) / 2 : 0;
      covariance[i * dim + i] = (boundsWidth / 6) ** 2;
    }
  }
  return { dim, modes: [{ theta, covariance, weight: 1 }], sigma: PRIOR_SIGMA };
}

export function posteriorFromFit(fit: FitResult, dim: number): Posterior {
  const source = fit.modes.length > 0 ? fit.modes : [{ theta: fit.theta, covariance: fit.covariance, weight: 1 }];
  const kept = [...source]
    .filter((m) => m.weight >= MIN_MODE_WEIGHT && m.covariance.length === dim)
    .sort((a, b) => b.weight - a.weight)
    .slice(0, MAX_MODES);
  const modes = (kept.length > 0 ? kept : [{ theta: fit.theta, covariance: fit.covariance, weight: 1 }]).map((m) => ({
    theta: Float64Array.from(m.theta),
    covariance: flatten(m.covariance, dim),
    weight: m.weight,
  }));
  const total = modes.reduce((s, m) => s + m.weight, 0);
  for (const m of modes) m.weight = total > 0 ? m.weight / total : 1 / modes.length;
  return { dim, modes, sigma: Math.max(MIN_SIGMA, Number.isFinite(fit.sigma) ? fit.sigma : PRIOR_SIGMA) };
}

/**
 * Rank-one (Sherman–Morrison) conditioning of a covariance on one run with Jacobian row j:
 * Σ ← Σ − Σj jᵀΣ / (σ² + jᵀΣj). Under the linearised model the update does not depend on the
 * run's loss, which is why runs still in flight can be conditioned on exactly.
 */
export function conditionCovariance(cov: Float64Array, dim: number, j: ArrayLike<number>, noiseVar: number): void {
  const a = new Float64Array(dim);
  let q = 0;
  for (let r = 0; r < dim; r++) {
    let s = 0;
    for (let c = 0; c < dim; c++) s += cov[r * dim + c] * j[c];
    a[r] = s;
    q += j[r] * s;
  }
  const denom = noiseVar + q;
  for (let r = 0; r < dim; r++) for (let c = 0; c < dim; c++) cov[r * dim + c] -= (a[r] * a[c]) / denom;
}

/** A copy of the posterior with each mode's covariance conditioned on these configs (runs done without a fit, or pending). */
export function conditionPosterior(law: Law, posterior: Posterior, configs: Config[]): Posterior {
  const { dim, sigma } = posterior;
  const grad = new Float64Array(dim);
  const modes = posterior.modes.map((m) => {
    const covariance = Float64Array.from(m.covariance);
    for (const config of configs) {
      law.logLossGrad(m.theta, config, grad);
      if (grad.every(Number.isFinite)) conditionCovariance(covariance, dim, grad, sigma * sigma);
    }
    return { theta: m.theta, covariance, weight: m.weight };
  });
  return { dim, modes, sigma };
}

/** The prior, conditioned on the runs seen so far: the belief used while too few runs exist to fit. */
export function priorGiven(law: Law, observations: Observation[]): Posterior {
  return conditionPosterior(law, priorPosterior(law), observations.map((o) => o.config));
}
