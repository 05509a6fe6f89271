import type { SweepSpec } from '@lawsweep/contracts';
import { choleskyInPlace, choleskySolveInPlace, goldenSectionMin, type Config, type Law } from '@lawsweep/law';
import { inverse, Matrix } from 'ml-matrix';
import { buildCandidates, SpecExpressions } from './candidates';
import { quantile } from './design-comparison';
import { specLaw, specTruth, truthInLaw } from './law-bridge';
import { priorPosterior } from './posterior';
import type { SimulateResult } from './simulate-sweep';

/**
 * What any design could reach: a lower bound on the variance of the predicted target log-losses for
 * runs costing at most B, under the linearised model at a known θ and noise σ (what the oracle is
 * told). There V(S) = Σ_t g_tᵀ (M0 + Σ_{i∈S} a_i a_iᵀ/σ²)⁻¹ g_t (a_i = ∇θ log f(x_i), g_t = ∇θ log f
 * at target t, M0 the engine's prior precision) depends only on the set S, so no design, adaptive or
 * not, goes below the best set. Relaxing "run or not" to weights 0 ≤ n_i ≤ 1 under Σ n_i c_i ≤ B makes
 * that a convex problem (c-/A-optimal design under a knapsack), solved by Frank–Wolfe, whose duality
 * gap certifies V*(B) ≥ f(n) − gap. Written here rather than taken from a library: no maintained JS
 * package solves optimal-design problems, and with p ≤ ~10 parameters each step is a few p×p
 * products.
 *
 * Used by `lawsweep simulate --compare` (each design's efficiency against the bound) and
 * bench/design-bound.ts. A bound for the large-sample regime: measured errors also carry the fits'
 * small-sample nonlinearity and σ's estimation.
 */
export class LinearisedPrecision {
  readonly p: number;
  readonly g: number[][];
  /** The prior precision M0, row-major p×p. */
  private readonly m0: Float64Array;

  constructor(
    readonly law: Law,
    readonly theta: Float64Array,
    readonly sigma: number,
    targets: Config[],
  ) {
    this.p = theta.length;
    this.m0 = Float64Array.from(inverse(Matrix.from1DArray(this.p, this.p, Array.from(priorPosterior(law).modes[0].covariance))).to1DArray());
    this.g = targets.map((t) => this.grad(t));
  }

  grad(config: Config): number[] {
    const row = new Float64Array(this.p);
    this.law.logLossGrad(this.theta, config, row);
    return Array.from(row, (v) => (Number.isFinite(v) ? v : 0));
  }

  /** M(n) = M0 + Σ n_i a_i a_iᵀ/σ², row-major p×p. */
  information(rows: number[][], weights: ArrayLike<number>): Float64Array {
    const p = this.p;
    const m = Float64Array.from(this.m0);
    const s2 = this.sigma * this.sigma;
    for (let i = 0; i < rows.length; i++) {
      const w = weights[i] / s2;
      if (w === 0) continue;
      const a = rows[i];
      for (let r = 0; r < p; r++) for (let c = 0; c < p; c++) m[r * p + c] += w * a[r] * a[c];
    }
    return m;
  }

  /**
   * Σ_t g_tᵀ M⁻¹ g_t and the vectors M⁻¹g_t, by libs/law's Cholesky on flat arrays: Frank–Wolfe's
   * line search evaluates this thousands of times on a 5×5 matrix, where ml-matrix's object
   * allocation costs ~20× the arithmetic.
   */
  variance(m: Float64Array): { value: number; mg: number[][] } {
    const p = this.p;
    const l = Float64Array.from(m);
    if (!choleskyInPlace(l, p)) return { value: Infinity, mg: this.g.map(() => new Array<number>(p).fill(0)) };
    let value = 0;
    const mg = this.g.map((b) => {
      const x = Float64Array.from(b);
      choleskySolveInPlace(l, p, x);
      for (let i = 0; i < p; i++) value += b[i] * x[i];
      return Array.from(x);
    });
    return { value, mg };
  }

  varianceOfSet(configs: Config[]): number {
    const rows = configs.map((c) => this.grad(c));
    return this.variance(this.information(rows, rows.map(() => 1))).value;
  }
}

/** The fractional knapsack vertex that minimises ⟨∇f, s⟩ over {0 ≤ s ≤ 1, Σ s_i c_i ≤ B}: largest score per cost first. */
function knapsackVertex(score: Float64Array, costs: readonly number[], budget: number): Float64Array {
  const order = Array.from(score.keys())
    .filter((i) => score[i] > 0)
    .sort((a, b) => score[b] / costs[b] - score[a] / costs[a] || a - b);
  const s = new Float64Array(costs.length);
  let left = budget;
  for (const i of order) {
    if (left <= 0) break;
    s[i] = Math.min(1, left / costs[i]);
    left -= s[i] * costs[i];
  }
  return s;
}

/**
 * Frank–Wolfe on f(n) = V(n) over the knapsack polytope. Returns the best value found (achieved by
 * a relaxed design) and the certified lower bound max_k f(n_k) − gap_k on every design's variance.
 */
export function varianceBound(model: LinearisedPrecision, rows: number[][], costs: readonly number[], budget: number, iterations = 4000): { value: number; lower: number; weights: Float64Array } {
  const n = rows.length;
  const p = model.p;
  const s2 = model.sigma * model.sigma;
  const info = (x: Float64Array) => model.information(rows, x);
  const mix = (a: Float64Array, b: Float64Array, gamma: number) => {
    const m = new Float64Array(p * p);
    for (let i = 0; i < m.length; i++) m[i] = (1 - gamma) * a[i] + gamma * b[i];
    return m;
  };
  const scores = (mg: number[][]) => {
    // −∂f/∂n_i = Σ_t (a_iᵀ M⁻¹ g_t)²/σ².
    const score = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = rows[i];
      let acc = 0;
      for (const v of mg) {
        let d = 0;
        for (let r = 0; r < p; r++) d += a[r] * v[r];
        acc += d * d;
      }
      score[i] = acc / s2;
    }
    return score;
  };
  let w = knapsackVertex(scores(model.variance(info(new Float64Array(n))).mg), costs, budget);
  let mw = info(w);
  let current = model.variance(mw);
  let lower = -Infinity;
  for (let k = 0; k < iterations; k++) {
    const score = scores(current.mg);
    const s = knapsackVertex(score, costs, budget);
    // gap = ⟨∇f, w − s⟩ = Σ score_i (s_i − w_i) ≥ f(w) − f*.
    let gap = 0;
    for (let i = 0; i < n; i++) gap += score[i] * (s[i] - w[i]);
    lower = Math.max(lower, current.value - gap);
    if (current.value - lower <= 1e-3 * current.value) break;
    // M is affine in the weights, so the line search needs only M(w) and M(s): golden section on γ.
    const ms = info(s);
    const along = (gamma: number) => model.variance(mix(mw, ms, gamma)).value;
    const gamma = goldenSectionMin(along, 0, 1, 40);
    const mNext = mix(mw, ms, gamma);
    const value = model.variance(mNext);
    if (value.value > current.value) break;
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) next[i] = w[i] + gamma * (s[i] - w[i]);
    w = next;
    mw = mNext;
    current = value;
  }
  return { value: current.value, lower: Math.max(lower, 0), weights: w };
}

/**
 * The bound as a function of the budget, solved once per budget asked (cached), and the least share
 * φ of a budget B at which the certified bound reaches a variance v: any design needs ≥ φ·B to be as
 * precise as v. Bisection in log φ over [1e-3, 1].
 */
export class DesignBound {
  private readonly rows: number[][];
  private readonly costs: number[];
  private readonly cache = new Map<number, { value: number; lower: number }>();

  constructor(
    readonly model: LinearisedPrecision,
    candidates: ReadonlyArray<{ config: Config; cost: number }>,
  ) {
    this.rows = candidates.map((c) => model.grad(c.config));
    this.costs = candidates.map((c) => c.cost);
  }

  at(budget: number): { value: number; lower: number } {
    const key = Number(budget.toPrecision(6));
    let r = this.cache.get(key);
    if (!r) this.cache.set(key, (r = varianceBound(this.model, this.rows, this.costs, key)));
    return r;
  }

  shareToMatch(budget: number, variance: number, steps = 14): number {
    if (this.at(budget * 1e-3).lower <= variance) return 1e-3;
    if (this.at(budget).lower > variance) return 1;
    let lo = Math.log(1e-3);
    let hi = 0;
    for (let it = 0; it < steps; it++) {
      const mid = (lo + hi) / 2;
      if (this.at(budget * Math.exp(mid)).lower <= variance) hi = mid;
      else lo = mid;
    }
    return Math.exp(hi);
  }
}

/**
 * The linearised precision at a simulate trainer's truth (projected onto the spec's law when it is of
 * another family) and noise, over the given candidates; undefined for a trainer with no truth.
 */
export function precisionAtTruth(spec: SweepSpec, candidates: ReadonlyArray<{ config: Config }>): LinearisedPrecision | undefined {
  const trainer = spec.trainer;
  if (trainer.type !== 'simulate') return undefined;
  const law = specLaw(spec);
  const truth = specTruth(spec, trainer.truth);
  const theta = truthInLaw(law, truth, candidates.map((c) => c.config));
  return new LinearisedPrecision(law, theta, Math.max(trainer.noise, 1e-4), spec.targets);
}

/** Above this many candidates `designEfficiencies` skips the bound (each solve is O(candidates)). */
export const MAX_BOUND_CANDIDATES = 5000;

/** One design's efficiency per checkpoint (the `efficiency` of `lawsweep simulate --compare --json`). */
export interface DesignEfficiency {
  design: string;
  checkpoints: { budget: number; share: number }[];
}

/**
 * Each design's efficiency against the bound, for `lawsweep simulate --compare` on a simulate
 * trainer: per result and checkpoint, the share φ of the checkpoint's budget at which the best any
 * design could do is as precise (linearised at the true law, noise known) as the median of the
 * design's runs over seeds. 1 = as good as any design could be. Undefined for a replay trainer (no
 * true law). `projected` when the truth is not in the fitted family: the bound is then about the
 * law's best approximation to the truth, and says nothing of the misfit.
 */
export function designEfficiencies(
  spec: SweepSpec,
  results: SimulateResult[],
  maxCandidates = MAX_BOUND_CANDIDATES,
): { designs: DesignEfficiency[]; projected: boolean } | { skipped: string } | undefined {
  if (spec.trainer.type !== 'simulate') return undefined;
  const candidates = buildCandidates(spec, new SpecExpressions(spec));
  if (candidates.length > maxCandidates) {
    return { skipped: `${candidates.length} candidates, more than the ${maxCandidates} the bound is computed for (about a second per design and budget at 2,000); fewer steps make it run` };
  }
  const model = precisionAtTruth(spec, candidates) as LinearisedPrecision;
  const bound = new DesignBound(model, candidates);
  const designs = results.map((result) => ({
    design: result.design,
    checkpoints: (result.seeds[0]?.checkpoints ?? []).map(({ budget }, j) => ({
      budget,
      share: bound.shareToMatch(budget, quantile(result.seeds.map((seed) => model.varianceOfSet(seed.checkpoints[j].runs)), 0.5)),
    })),
  }));
  return { designs, projected: specTruth(spec, spec.trainer.truth).law.name !== model.law.name };
}
