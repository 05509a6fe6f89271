import type { BatchEvaluator, Law, LossFunction } from './law.types';
import { invertSpd } from './linalg';
import { normalCdf } from './normal-quantile';

/** Default width of the weak Gaussian prior on θ, as a fraction of each bound's width. */
export const DEFAULT_PRIOR_SCALE = 0.5;

/**
 * Prior on the log-noise σ while data are few: an inverse-gamma prior on σ² worth NU0 pseudo-
 * observations centred on 1% log-noise (typical of final training losses across seeds), so σ is
 * sane with 2 points and the data dominate once there are dozens.
 */
export const SIGMA_PRIOR = { nu0: 4, s0: 0.01 };

/** Posterior-mean σ² = (ν0 s0² + RSS) / (ν0 + max(n − k, 0)), returned as σ. */
export function estimateSigma(residuals: Float64Array, k: number): number {
  let rss = 0;
  for (const r of residuals) rss += r * r;
  const { nu0, s0 } = SIGMA_PRIOR;
  return Math.sqrt((nu0 * s0 * s0 + rss) / (nu0 + Math.max(residuals.length - k, 0)));
}

/**
 * The objective scale τ that turns objective differences into log-likelihood differences:
 * σ² for mse (objective = Σ r²/2), and for Huber, whose small-δ objective ≈ δ Σ|r| is a Laplace
 * likelihood with scale b ≈ σ·√(2/π), τ = min(σ², δ·σ·√(2/π)).
 */
export function objectiveScale(loss: LossFunction, sigma: number): number {
  const s2 = sigma * sigma;
  return loss.kind === 'mse' ? s2 : Math.min(s2, loss.delta * sigma * Math.sqrt(2 / Math.PI));
}

/**
 * Variance inflation of the Huber M-estimator relative to least squares under Gaussian noise
 * (Huber 1981, the asymptotic covariance E[ψ²]/E[ψ']² · (JᵀJ)⁻¹), with c = δ/σ:
 *   [(2Φ(c) − 1) − 2cφ(c) + 2c²(1 − Φ(c))] / (2Φ(c) − 1)²,
 * 1 for mse or δ ≫ σ, π/2 as δ/σ → 0 (the L1 limit). Computed from σ rather than from the
 * residuals, so it is stable with few points.
 */
export function huberVarianceFactor(loss: LossFunction, sigma: number): number {
  if (loss.kind === 'mse' || !(sigma > 0)) return 1;
  const c = loss.delta / sigma;
  if (c > 8) return 1;
  if (c < 1e-4) return Math.PI / 2;
  const phi = Math.exp(-0.5 * c * c) / Math.sqrt(2 * Math.PI);
  const inside = 2 * normalCdf(c) - 1;
  return (inside - 2 * c * phi + 2 * c * c * (1 - normalCdf(c))) / (inside * inside);
}

/**
 * Laplace covariance of θ at θ̂: (JᵀJ/(σ²·f) + P)⁻¹ with P the weak prior precision
 * diag(1/(priorScale·width_j)²) and f = huberVarianceFactor (1 for mse): for a Huber fit the
 * Gaussian curvature alone would understate the estimator's spread by up to √(π/2).
 */
export function laplaceCovariance(
  law: Law,
  evaluator: BatchEvaluator,
  theta: Float64Array,
  sigma: number,
  priorScale: number,
  loss: LossFunction = { kind: 'mse' },
): number[][] {
  const jac = jacobianAt(evaluator, theta);
  const s2 = sigma * sigma * huberVarianceFactor(loss, sigma);
  return invertSpd(weightedPrecision(law, jac, evaluator.n, () => 1 / s2, priorScale));
}

/** The Jacobian of log-loss at θ, row-major n × k. */
export function jacobianAt(evaluator: BatchEvaluator, theta: Float64Array): Float64Array {
  const jac = new Float64Array(evaluator.n * theta.length);
  evaluator.evaluate(theta, new Float64Array(evaluator.n), jac);
  return jac;
}

/**
 * Σ_i w_i j_i j_iᵀ + P over the rows of a Jacobian (rows with a non-finite entry skipped), with P the
 * weak prior precision diag(1/(priorScale·width_j)²): the Laplace precision.
 */
export function weightedPrecision(law: Law, jac: Float64Array, n: number, rowWeight: (i: number) => number, priorScale: number): number[][] {
  const k = law.theta.length;
  const h: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let finite = true;
    for (let p = 0; p < k; p++) if (!Number.isFinite(jac[o + p])) finite = false;
    if (!finite) continue;
    const w = rowWeight(i);
    for (let p = 0; p < k; p++) {
      const jp = jac[o + p] * w;
      for (let q = 0; q <= p; q++) h[p][q] += jp * jac[o + q];
    }
  }
  for (let p = 0; p < k; p++) {
    for (let q = 0; q < p; q++) h[q][p] = h[p][q];
    const width = (law.theta[p].upper - law.theta[p].lower) * priorScale;
    h[p][p] += 1 / (width * width);
  }
  return h;
}

/** Natural-parameter standard errors by the delta method (central differences of toParams). */
export function naturalStderr(law: Law, theta: Float64Array, covariance: number[][]): Record<string, number> {
  const k = theta.length;
  const names = law.paramNames;
  const grads: number[][] = names.map(() => new Array<number>(k).fill(0));
  for (let j = 0; j < k; j++) {
    const h = 1e-6 * Math.max(1, Math.abs(theta[j]));
    const plus = Float64Array.from(theta);
    const minus = Float64Array.from(theta);
    plus[j] += h;
    minus[j] -= h;
    const pp = law.toParams(plus);
    const pm = law.toParams(minus);
    names.forEach((name, i) => (grads[i][j] = (pp[name] - pm[name]) / (2 * h)));
  }
  const out: Record<string, number> = {};
  names.forEach((name, i) => {
    let v = 0;
    for (let p = 0; p < k; p++) for (let q = 0; q < k; q++) v += grads[i][p] * covariance[p][q] * grads[i][q];
    out[name] = Math.sqrt(Math.max(v, 0));
  });
  return out;
}
