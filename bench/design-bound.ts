/**
 * How much compute could any design save? A bound for issue 3's "≤ 1/5 of the best fixed design's
 * compute" goal on the truths the fitted family expresses.
 *
 * Under the linearised model at the true θ with the true noise σ (what the oracle is told), a set of
 * runs S predicts the targets' log-losses with variance V(S) = Σ_t g_tᵀ (M0 + Σ_{i∈S} a_i a_iᵀ/σ²)⁻¹ g_t
 * (a_i = ∇θ log f(x_i), g_t = ∇θ log f(target t), M0 the engine's prior precision). The least V that
 * any set of candidates costing ≤ B can reach is bounded below by the continuous relaxation — weights
 * 0 ≤ n_i ≤ 1 with Σ n_i c_i ≤ B — a convex problem (c-/A-optimal design under a knapsack), solved
 * by Frank–Wolfe, whose duality gap certifies a lower bound V*(B) ≥ f(n) − gap. Adaptivity does not
 * help in this model (V depends only on the set), so no design, sequential or not, goes below it.
 *
 * For each budget B and fixed design d (its actual runs in a simulated sweep, median V over seeds),
 * the bench finds the smallest φ with V*(φB) ≤ V_d(B): every design needs at least φ·B to match d's
 * precision at B. φ > 0.2 means no design can reach d's precision with a fifth of its compute. The
 * last column is the same share for eig's runs: how close eig comes to the ideal (1 = as good).
 * Caveat: a bound on the linearised (large-sample) variance; at the smallest budgets the fits are
 * nonlinear and the measured errors can differ from √V.
 *
 *   node dist/bench/design-bound.js [--seeds 20] [--first-seed 0] [--space wide] [--truth chinchilla --noise 0.005]
 */
import { getLaw, type Config, type Law } from '@lawsweep/law';
import { buildCandidates, priorPosterior, quantile, simulateSweep, SpecExpressions, type DesignName } from '@lawsweep/design';
import { inverse, Matrix } from 'ml-matrix';
import { syntheticSpec } from './design-efficiency.bench';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const BUDGETS = [1e20, 3e20, 1e21, 3e21, 1e22];
const FIXED: DesignName[] = ['grid', 'isoflop', 'random'];
const GREEDY: DesignName[] = ['oracle', 'eig'];
/** The well-specified truths as chinchilla parameters (tied: α = β). */
const TRUTHS: Record<string, Record<string, number>> = {
  chinchilla: { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 },
  epoch: { E: 1.8172, A: 482.01, B: 2085.43, alpha: 0.3478, beta: 0.3658 },
  tied: { E: 1.8172, A: 482.01, B: 2085.43, alpha: 0.357, beta: 0.357 },
};

export class LinearisedPrecision {
  readonly p: number;
  private readonly m0: Matrix;

  constructor(
    readonly law: Law,
    readonly theta: Float64Array,
    readonly sigma: number,
    readonly targets: Config[],
  ) {
    this.p = theta.length;
    this.m0 = inverse(Matrix.from1DArray(this.p, this.p, Array.from(priorPosterior(law).modes[0].covariance)));
    this.g = targets.map((t) => this.grad(t));
  }

  readonly g: number[][];

  grad(config: Config): number[] {
    const row = new Float64Array(this.p);
    this.law.logLossGrad(this.theta, config, row);
    return Array.from(row);
  }

  /** M(n) = M0 + Σ n_i a_i a_iᵀ/σ². */
  information(rows: number[][], weights: ArrayLike<number>): Matrix {
    const m = this.m0.clone();
    const s2 = this.sigma * this.sigma;
    rows.forEach((a, i) => {
      const w = weights[i] / s2;
      if (w === 0) return;
      for (let r = 0; r < this.p; r++) for (let c = 0; c < this.p; c++) m.set(r, c, m.get(r, c) + w * a[r] * a[c]);
    });
    return m;
  }

  /** Σ_t g_tᵀ M⁻¹ g_t and the M⁻¹g_t vectors. */
  variance(m: Matrix): { value: number; mg: number[][] } {
    const inv = inverse(m);
    const mg = this.g.map((g) => inv.mmul(Matrix.columnVector(g)).getColumn(0));
    const value = mg.reduce((acc, v, t) => acc + v.reduce((s, x, r) => s + x * this.g[t][r], 0), 0);
    return { value, mg };
  }

  varianceOfSet(configs: Config[]): number {
    const rows = configs.map((c) => this.grad(c));
    return this.variance(this.information(rows, rows.map(() => 1))).value;
  }
}

/** The fractional knapsack vertex that minimises ⟨grad, s⟩ over {0 ≤ s ≤ 1, Σ s_i c_i ≤ B}. */
function knapsackVertex(score: Float64Array, costs: number[], budget: number): Float64Array {
  const order = Array.from(score.keys())
    .filter((i) => score[i] > 0)
    .sort((a, b) => score[b] / costs[b] - score[a] / costs[a]);
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
 * Frank–Wolfe on f(n) = V(n) over the knapsack polytope: returns the best value found and the
 * certified lower bound max_k f(n_k) − gap_k.
 */
export function varianceBound(model: LinearisedPrecision, rows: number[][], costs: number[], budget: number, iterations = 4000): { value: number; lower: number } {
  const n = rows.length;
  const s2 = model.sigma * model.sigma;
  const f = (w: Float64Array) => model.variance(model.information(rows, w));
  const gradient = (mg: number[][]) => {
    // ∂f/∂n_i = −Σ_t (a_iᵀ M⁻¹ g_t)²/σ²; the LMO maximises the negated gradient.
    const score = new Float64Array(n);
    rows.forEach((a, i) => {
      let acc = 0;
      for (const v of mg) {
        const d = a.reduce((s, x, r) => s + x * v[r], 0);
        acc += d * d;
      }
      score[i] = acc / s2;
    });
    return score;
  };
  let w = knapsackVertex(gradient(f(new Float64Array(n)).mg), costs, budget);
  let current = f(w);
  let lower = -Infinity;
  for (let k = 0; k < iterations; k++) {
    const score = gradient(current.mg);
    const s = knapsackVertex(score, costs, budget);
    // gap = ⟨∇f, w − s⟩ = Σ score_i (s_i − w_i) ≥ f(w) − f*.
    let gap = 0;
    for (let i = 0; i < n; i++) gap += score[i] * (s[i] - w[i]);
    lower = Math.max(lower, current.value - gap);
    if (gap <= 1e-4 * current.value) break;
    // Exact-enough line search on the convex 1-D restriction (golden section).
    const at = (gamma: number) => {
      const x = new Float64Array(n);
      for (let i = 0; i < n; i++) x[i] = w[i] + gamma * (s[i] - w[i]);
      return x;
    };
    let lo = 0;
    let hi = 1;
    const phi = (Math.sqrt(5) - 1) / 2;
    let x1 = hi - phi * (hi - lo);
    let x2 = lo + phi * (hi - lo);
    let f1 = f(at(x1)).value;
    let f2 = f(at(x2)).value;
    for (let it = 0; it < 40; it++) {
      if (f1 < f2) {
        hi = x2;
        x2 = x1;
        f2 = f1;
        x1 = hi - phi * (hi - lo);
        f1 = f(at(x1)).value;
      } else {
        lo = x1;
        x1 = x2;
        f1 = f2;
        x2 = lo + phi * (hi - lo);
        f2 = f(at(x2)).value;
      }
    }
    const next = at((lo + hi) / 2);
    const value = f(next);
    if (value.value > current.value) break;
    w = next;
    current = value;
  }
  return { value: current.value, lower: Math.max(lower, 0) };
}

function main(): void {
  const seeds = Number(arg('seeds') ?? 20);
  const first = Number(arg('first-seed') ?? 0);
  const truths = arg('truth') ? [arg('truth') as string] : Object.keys(TRUTHS);
  const noises = arg('noise') ? [Number(arg('noise'))] : [0.005, 0.01];
  const law = getLaw('chinchilla');
  process.stdout.write(`design-bound bench: ${new Date().toISOString()}, node ${process.version}, seeds ${first}..${first + seeds - 1}${arg('space') === 'wide' ? ', wide space' : ''}\n`);
  for (const truth of truths) {
    for (const noise of noises) {
      const spec = syntheticSpec(truth, noise);
      const candidates = buildCandidates(spec, new SpecExpressions(spec));
      const model = new LinearisedPrecision(law, law.toTheta(TRUTHS[truth]), noise, spec.targets);
      const rows = candidates.map((c) => model.grad(c.config));
      const costs = candidates.map((c) => c.cost);
      const sd = (v: number) => `${(100 * Math.sqrt(v / spec.targets.length)).toFixed(3)}%`;
      const bound = new Map<number, { value: number; lower: number }>();
      const boundAt = (b: number) => {
        const key = Number(b.toPrecision(6));
        let r = bound.get(key);
        if (!r) bound.set(key, (r = varianceBound(model, rows, costs, key)));
        return r;
      };
      /** Smallest φ in [1e-3, 1] (bisection in log φ) whose certified bound V*(φB) reaches v. */
      const fractionNeeded = (b: number, v: number): number => {
        if (boundAt(b * 1e-3).lower <= v) return 1e-3;
        if (boundAt(b).lower > v) return 1;
        let lo = Math.log(1e-3);
        let hi = 0;
        for (let it = 0; it < 14; it++) {
          const mid = (lo + hi) / 2;
          if (boundAt(b * Math.exp(mid)).lower <= v) hi = mid;
          else lo = mid;
        }
        return Math.exp(hi);
      };
      process.stdout.write(`\n### truth ${truth}, noise ${noise} (${candidates.length} candidates)\n\n`);
      process.stdout.write('linearised sd of the target log-loss (rms over targets): the bound for any design spending ≤ B (Frank–Wolfe value / certified lower bound), and each design\'s runs (median over seeds)\n\n');
      process.stdout.write(
        `| budget | bound | ${[...GREEDY, ...FIXED].join(' | ')} | best fixed | any design needs ≥ (× B) to match it | the bound's design matches eig with (× B) |\n|---|---|${[...GREEDY, ...FIXED].map(() => '---|').join('')}---|---|---|\n`,
      );
      const perDesign = new Map<DesignName, number[][]>();
      for (const design of [...GREEDY, ...FIXED]) {
        const deterministic = design === 'grid' || design === 'isoflop';
        const count = deterministic ? 1 : seeds;
        // As in the efficiency bench: one sweep per budget level, each told its budget.
        perDesign.set(
          design,
          BUDGETS.map((budget) =>
            Array.from({ length: count }, (_, i) => model.varianceOfSet(simulateSweep({ ...spec, budget }, { design, seed: first + i, checkpoints: [budget] }).checkpoints[0].runs)),
          ),
        );
      }
      BUDGETS.forEach((b, k) => {
        const r = boundAt(b);
        const medians = [...GREEDY, ...FIXED].map((d) => quantile((perDesign.get(d) as number[][])[k], 0.5));
        const fixed = medians.slice(GREEDY.length);
        const best = Math.min(...fixed);
        const bestName = FIXED[fixed.indexOf(best)];
        const phi = fractionNeeded(b, best);
        // eig's efficiency: the budget share at which the bound's (relaxed, ideal) design is as precise as eig at B.
        const eigShare = fractionNeeded(b, medians[GREEDY.indexOf('eig')]);
        process.stdout.write(`| ${b.toExponential(1)} | ${sd(r.value)} / ${sd(r.lower)} | ${medians.map(sd).join(' | ')} | ${bestName} | ${phi.toFixed(3)} (1/${(1 / phi).toFixed(1)}) | ${eigShare.toFixed(3)} |\n`);
      });
    }
  }
}

if (require.main === module) main();
