import type { BatchEvaluator, LossFunction } from './law.types';
import { choleskyInPlace, choleskySolveInPlace } from './linalg';

// Math functions bound once: under Jest's vm sandbox every global lookup of `Math` is ~30x slower.
const { abs, max, min, pow, sqrt } = Math;

/**
 * Bounded Levenberg–Marquardt on log-loss residuals r = log L_pred − log L_obs, minimising
 * Σ ρ(r) with ρ = r²/2 (mse) or Huber(δ).
 *
 * Why hand-written rather than ml-levenberg-marquardt: that package differentiates by finite
 * differences (k + 1 model sweeps per iteration instead of one analytic sweep), allocates
 * matrices per iteration, has no bounds-aware active set, no robust loss, and returns no
 * curvature for a covariance; Chinchilla's 4,500-start grid needs ~0.3 ms per start. This solver
 * uses the law's analytic Jacobian on flat Float64Arrays, work buffers reused across starts.
 *
 * Huber is handled by iteratively reweighted least squares: each iteration solves the weighted
 * Gauss–Newton system with w_i = ρ'(r_i)/r_i = min(1, δ/|r_i|), whose gradient Σ w r J equals the
 * Huber gradient exactly, and whose quadratic majorises Huber (so steps are descent steps for a
 * linearised model). Marquardt damping λ·diag(JᵀWJ) makes steps invariant to parameter scale.
 * Bounds: coordinates at a bound whose gradient points outward are frozen (active set) and the
 * step is projected back into the box.
 */
export interface LmProblem {
  evaluator: BatchEvaluator;
  logObs: Float64Array;
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
  loss: LossFunction;
}

export interface LmResult {
  theta: Float64Array;
  objective: number;
  iterations: number;
  converged: boolean;
}

export class LmSolver {
  private readonly n: number;
  private readonly k: number;
  private pred: Float64Array;
  private jac: Float64Array;
  private trialPred: Float64Array;
  private trialJac: Float64Array;
  private readonly a: Float64Array;
  private readonly g: Float64Array;
  private readonly step: Float64Array;
  private readonly free: Int32Array;
  /** Decrease of the (IRLS) quadratic model predicted for the last damped step. */
  private predicted = 0;

  constructor(private readonly problem: LmProblem) {
    this.n = problem.evaluator.n;
    this.k = problem.lower.length;
    this.pred = new Float64Array(this.n);
    this.jac = new Float64Array(this.n * this.k);
    this.trialPred = new Float64Array(this.n);
    this.trialJac = new Float64Array(this.n * this.k);
    this.a = new Float64Array(this.k * this.k);
    this.g = new Float64Array(this.k);
    this.step = new Float64Array(this.k);
    this.free = new Int32Array(this.k);
  }

  /** Σ ρ(r) for predictions `pred` (NaN/Infinity when the law is undefined somewhere). */
  objective(pred: Float64Array): number {
    const { logObs, loss } = this.problem;
    let s = 0;
    if (loss.kind === 'mse') {
      for (let i = 0; i < this.n; i++) {
        const r = pred[i] - logObs[i];
        s += 0.5 * r * r;
      }
    } else {
      const d = loss.delta;
      for (let i = 0; i < this.n; i++) {
        const r = abs(pred[i] - logObs[i]);
        s += r <= d ? 0.5 * r * r : d * (r - 0.5 * d);
      }
    }
    return Number.isFinite(s) ? s : Infinity;
  }

  /**
   * Runs LM from `start`. Converged: an accepted step decreased the objective by at most
   * `tolerance` relative, or no damping gave a decrease, or the scaled gradient vanished.
   * `stopAt`, called after each accepted step, ends the run early (not converged) when it returns true.
   */
  solve(start: ArrayLike<number>, maxIterations = 200, tolerance = 1e-10, stopAt?: (theta: Float64Array, objective: number, iterations: number) => boolean): LmResult {
    const { evaluator, lower, upper } = this.problem;
    const k = this.k;
    const theta = new Float64Array(k);
    const trial = new Float64Array(k);
    for (let j = 0; j < k; j++) theta[j] = min(upper[j], max(lower[j], start[j]));
    evaluator.evaluate(theta, this.pred, this.jac);
    let obj = this.objective(this.pred);
    if (!Number.isFinite(obj)) return { theta, objective: Infinity, iterations: 0, converged: false };
    let lambda = 1e-3;
    let nu = 2;
    let iterations = 0;
    let converged = false;
    while (iterations < maxIterations) {
      iterations++;
      this.normalEquations();
      const nFree = this.activeSet(theta);
      if (nFree === 0 || this.gradientNegligible(nFree, obj)) {
        converged = true;
        break;
      }
      let accepted = false;
      while (lambda < 1e12) {
        if (!this.dampedStep(nFree, lambda)) {
          lambda *= 10;
          continue;
        }
        let moved = 0;
        for (let j = 0; j < k; j++) {
          trial[j] = min(upper[j], max(lower[j], theta[j] + this.step[j]));
          moved = max(moved, abs(trial[j] - theta[j]) / (1 + abs(theta[j])));
        }
        evaluator.evaluate(trial, this.trialPred, this.trialJac);
        const trialObj = this.objective(this.trialPred);
        if (trialObj < obj) {
          const decrease = obj - trialObj;
          // Nielsen's damping update (Madsen, Nielsen & Tingleff 2004, §3.2): shrink λ by up to 3x
          // when the model predicted the decrease well (gain ratio near 1), less when it did not.
          const gain = decrease / max(this.predicted, 1e-300);
          lambda = max(lambda * max(1 / 3, 1 - pow(2 * min(gain, 1) - 1, 3)), 1e-12);
          nu = 2;
          theta.set(trial);
          [this.pred, this.trialPred] = [this.trialPred, this.pred];
          [this.jac, this.trialJac] = [this.trialJac, this.jac];
          obj = trialObj;
          accepted = true;
          if (decrease <= tolerance * (obj + 1e-300) || moved < 1e-12) converged = true;
          break;
        }
        if (moved < 1e-12) break;
        lambda *= nu;
        nu *= 2;
      }
      if (!accepted) {
        // No damping gives a decrease: a (local) minimum to working precision.
        converged = true;
        break;
      }
      if (converged) break;
      if (stopAt && stopAt(theta, obj, iterations)) break;
    }
    return { theta, objective: obj, iterations, converged };
  }

  /** A = Jᵀ W J and g = Jᵀ W r (W = IRLS weights; identity for mse). */
  private normalEquations(): void {
    const { logObs, loss } = this.problem;
    const { n, k, a, g, jac, pred } = this;
    a.fill(0);
    g.fill(0);
    const huber = loss.kind === 'huber';
    const delta = huber ? loss.delta : 0;
    for (let i = 0; i < n; i++) {
      const r = pred[i] - logObs[i];
      const w = huber && abs(r) > delta ? delta / abs(r) : 1;
      const row = i * k;
      for (let p = 0; p < k; p++) {
        const jp = w * jac[row + p];
        g[p] += jp * r;
        for (let q = 0; q <= p; q++) a[p * k + q] += jp * jac[row + q];
      }
    }
    for (let p = 0; p < k; p++) for (let q = 0; q < p; q++) a[q * k + p] = a[p * k + q];
  }

  /** Frees coordinates not pinned at a bound by an outward gradient; returns how many are free. */
  private activeSet(theta: Float64Array): number {
    const { lower, upper } = this.problem;
    let m = 0;
    for (let j = 0; j < this.k; j++) {
      const atLower = theta[j] <= lower[j] && this.g[j] > 0;
      const atUpper = theta[j] >= upper[j] && this.g[j] < 0;
      if (!atLower && !atUpper) this.free[m++] = j;
    }
    return m;
  }

  private gradientNegligible(nFree: number, obj: number): boolean {
    // Scaled gradient: |g_j| / sqrt(A_jj) is the objective change per unit of natural scale.
    let worst = 0;
    for (let f = 0; f < nFree; f++) {
      const j = this.free[f];
      const scale = sqrt(this.a[j * this.k + j]) || 1;
      worst = max(worst, abs(this.g[j]) / scale);
    }
    return worst * worst <= 1e-14 * (obj + 1e-14);
  }

  /** Solves (A + λ diag A) step = −g over the free coordinates; false if not positive definite. */
  private dampedStep(nFree: number, lambda: number): boolean {
    const k = this.k;
    const m = nFree;
    const sys = new Float64Array(m * m);
    const rhs = new Float64Array(m);
    for (let p = 0; p < m; p++) {
      const jp = this.free[p];
      for (let q = 0; q < m; q++) sys[p * m + q] = this.a[jp * k + this.free[q]];
      const d = this.a[jp * k + jp];
      sys[p * m + p] = d + lambda * max(d, 1e-12) + 1e-300;
      rhs[p] = -this.g[jp];
    }
    if (!choleskyInPlace(sys, m)) return false;
    choleskySolveInPlace(sys, m, rhs);
    this.step.fill(0);
    for (let p = 0; p < m; p++) {
      if (!Number.isFinite(rhs[p])) return false;
      this.step[this.free[p]] = rhs[p];
    }
    // Model decrease −(gᵀδ + ½ δᵀAδ) over the free coordinates.
    let gd = 0;
    let quad = 0;
    for (let p = 0; p < m; p++) {
      const jp = this.free[p];
      gd += this.g[jp] * rhs[p];
      for (let q = 0; q < m; q++) quad += rhs[p] * this.a[jp * k + this.free[q]] * rhs[q];
    }
    this.predicted = -(gd + 0.5 * quad);
    return true;
  }
}
