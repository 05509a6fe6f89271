import type { BatchEvaluator, Law, LossFunction } from './law.types';
import { invertSpd } from './linalg';
import { huberVarianceFactor, jacobianAt, weightedPrecision } from './posterior';
import { normalCdf } from './normal-quantile';

/** Cap on the small-sample factor n/(n − k): with n barely above k the residuals are fitted to ~0 and no factor can recover them. */
const MAX_SMALL_SAMPLE_FACTOR = 3;

/**
 * Misspecification-robust (sandwich, Huber–White) covariance of θ at θ̂:
 *   Σ = Λ⁻¹ M Λ⁻¹,  Λ = g·JᵀJ + P,  M = c·w²·Σ_i ψ(r_i)² j_i j_iᵀ + P,
 * with P the weak prior precision (kept in both, as a known pseudo-observation, so Σ exists with
 * few points), g = 1/(σ²·f) the Laplace data precision (f = huberVarianceFactor), w = g/a the
 * weight that makes Λ the slope of the weighted estimating equation (a = E[ψ′] = 2Φ(δ/σ) − 1 for
 * Huber, 1 for mse), and c = n/(n − k) (capped) for the degrees of freedom the fit used up.
 * Under a well-specified model E[ψ²] = a²σ²f, so E[M] = Λ and Σ ≈ the Laplace covariance; where
 * the law misfits, the large residuals ψ(r_i)² widen Σ in the directions those points pin down,
 * which the Laplace covariance (built from σ alone) cannot see. It sees only misfit that shows in
 * the residuals: a smooth misfit that the fit absorbs and that appears only in extrapolation (e.g.
 * farseer data fitted with chinchilla) leaves it at or below Laplace, and so does noise below σ's
 * prior centre, which holds the Laplace σ up while data are few. Hand-written: it needs the same
 * Jacobian, prior and Huber scaling as laplaceCovariance, which no library shares.
 */
export function sandwichCovariance(
  law: Law,
  evaluator: BatchEvaluator,
  theta: Float64Array,
  residuals: ArrayLike<number>,
  sigma: number,
  priorScale: number,
  loss: LossFunction = { kind: 'mse' },
): number[][] {
  const n = evaluator.n;
  const k = theta.length;
  const jac = jacobianAt(evaluator, theta);
  const g = 1 / (sigma * sigma * huberVarianceFactor(loss, sigma));
  const a = loss.kind === 'mse' ? 1 : Math.max(2 * normalCdf(loss.delta / sigma) - 1, 1e-12);
  const w = g / a;
  const c = n > k ? Math.min(n / (n - k), MAX_SMALL_SAMPLE_FACTOR) : MAX_SMALL_SAMPLE_FACTOR;
  const psi = (r: number) => (loss.kind === 'mse' ? r : Math.max(-loss.delta, Math.min(loss.delta, r)));
  const bread = weightedPrecision(law, jac, n, () => g, priorScale);
  const meat = weightedPrecision(law, jac, n, (i) => c * (w * psi(residuals[i])) ** 2, priorScale);
  const inv = invertSpd(bread);
  return symmetrise(multiply(multiply(inv, meat), inv));
}

function zeros(k: number): number[][] {
  return Array.from({ length: k }, () => new Array<number>(k).fill(0));
}

function multiply(x: number[][], y: number[][]): number[][] {
  const k = x.length;
  const out = zeros(k);
  for (let i = 0; i < k; i++) for (let l = 0; l < k; l++) for (let j = 0; j < k; j++) out[i][j] += x[i][l] * y[l][j];
  return out;
}

function symmetrise(m: number[][]): number[][] {
  return m.map((row, i) => row.map((v, j) => 0.5 * (v + m[j][i])));
}
