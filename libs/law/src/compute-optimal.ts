import type { Config, FitMode, Law } from './law.types';
import type { SeededRandom } from './random';
import { SeededRandom as Rng } from './random';
import { goldenSectionMin } from './golden-section';

export type CostModel = (config: Config) => number;

/** Training compute C = 6·N·D (Kaplan et al. 2020; Hoffmann et al. 2022). */
export const sixND: CostModel = (c) => 6 * c.N * c.D;

export interface ComputeOptimalOptions {
  cost?: CostModel;
  /** Values of other variables held fixed (e.g. { U: 1e11 } for data-constrained). */
  fixed?: Config;
  /** Search range for N, or for the size variable of optimalConfig (default 1e3 … 1e16). */
  nRange?: [number, number];
  level?: number;
  /** Posterior draws for the intervals (default 200), seeded. */
  samples?: number;
  seed?: number;
}

export interface OptimalPoint {
  N: number;
  D: number;
  loss: number;
}

export interface ComputeOptimal extends OptimalPoint {
  compute: number;
  interval: { N: [number, number]; D: [number, number]; loss: [number, number] };
  level: number;
}

/**
 * The two variables a compute-optimal allocation trades off: `size` is searched over (in log
 * space) and `tokens` is solved from the cost. N and D for the built-in families; a sweep over its
 * own names (e.g. P parameters and T tokens) names them here.
 */
export interface AllocationVariables {
  size: string;
  tokens: string;
}

export const N_AND_D: AllocationVariables = { size: 'N', tokens: 'D' };

export interface OptimalConfig {
  /** The loss-minimising config (with options.fixed), named by the law's own variables. */
  config: Config;
  loss: number;
}

/**
 * The tokens variable such that cost = compute at the given size, by bisection in log space (cost
 * must increase with it). Closed form for the default 6ND over N and D.
 */
function tokensFor(cost: CostModel, compute: number, n: number, fixed: Config, vars: AllocationVariables): number {
  if (cost === sixND && vars.size === 'N' && vars.tokens === 'D') return compute / (6 * n);
  let lo = -30;
  let hi = 80;
  for (let i = 0; i < 100; i++) {
    const mid = 0.5 * (lo + hi);
    if (cost({ ...fixed, [vars.size]: n, [vars.tokens]: Math.exp(mid) }) < compute) lo = mid;
    else hi = mid;
  }
  return Math.exp(0.5 * (lo + hi));
}

/** The loss-minimising (N, D) on the iso-cost curve, by golden-section search over log N. */
export function optimalAllocation(law: Law, theta: ArrayLike<number>, compute: number, options: ComputeOptimalOptions = {}): OptimalPoint {
  const { config, loss } = optimalConfig(law, theta, compute, N_AND_D, options);
  return { N: config.N, D: config.D, loss };
}

/**
 * optimalAllocation over any two named variables: the config of least loss on the iso-cost curve,
 * by a coarse scan then golden-section search over log `size`, `tokens` solved from the cost.
 * Over variables other than N and D the cost must be given (the default is 6·N·D).
 */
export function optimalConfig(law: Law, theta: ArrayLike<number>, compute: number, vars: AllocationVariables, options: ComputeOptimalOptions = {}): OptimalConfig {
  const cost = options.cost ?? sixND;
  if (cost === sixND && (vars.size !== 'N' || vars.tokens !== 'D')) {
    throw new Error(`optimalConfig: the default cost is 6·N·D; pass options.cost for variables ${vars.size} and ${vars.tokens}`);
  }
  const fixed = options.fixed ?? {};
  const [nLo, nHi] = options.nRange ?? [1e3, 1e16];
  const at = (n: number): Config => ({ ...fixed, [vars.size]: n, [vars.tokens]: tokensFor(cost, compute, n, fixed, vars) });
  const f = (logN: number) => {
    const v = law.logLoss(theta, at(Math.exp(logN)));
    return Number.isFinite(v) ? v : Infinity;
  };
  // Coarse scan first (the iso-cost loss curve can be flat or multi-welled near the edges),
  // then golden-section refinement around the best scan point.
  const steps = 64;
  let a = Math.log(nLo);
  const b0 = Math.log(nHi);
  const h = (b0 - a) / steps;
  let bestI = 0;
  let bestV = Infinity;
  for (let i = 0; i <= steps; i++) {
    const v = f(a + i * h);
    if (v < bestV) [bestV, bestI] = [v, i];
  }
  const b = Math.min(b0, a + (bestI + 1) * h);
  a = Math.max(a, a + (bestI - 1) * h);
  const logN = goldenSectionMin(f, a, b, 80);
  return { config: at(Math.exp(logN)), loss: Math.exp(f(logN)) };
}

/**
 * N*(C), D*(C) and the loss there at the fit's best θ, with `level` intervals from draws of the
 * Laplace posterior (a mixture over the fit's modes by weight), each draw clamped to the bounds.
 */
export function computeOptimal(
  law: Law,
  fit: { theta: ArrayLike<number>; modes?: FitMode[]; covariance: number[][] },
  compute: number,
  options: ComputeOptimalOptions = {},
): ComputeOptimal {
  if (!(compute > 0) || !Number.isFinite(compute)) throw new Error(`computeOptimal: compute must be a finite positive number, got ${compute}`);
  if (!law.variables.includes('N') || !law.variables.includes('D')) throw new Error(`computeOptimal: law ${law.name} has no N and D variables`);
  const level = options.level ?? 0.9;
  const point = optimalAllocation(law, fit.theta, compute, options);
  const rng = new Rng(options.seed ?? 0);
  const modes: { theta: ArrayLike<number>; covariance: number[][]; weight: number }[] =
    fit.modes && fit.modes.length > 0 ? fit.modes : [{ theta: fit.theta, covariance: fit.covariance, weight: 1 }];
  const draws: OptimalPoint[] = [];
  const samples = options.samples ?? 200;
  for (let s = 0; s < samples; s++) {
    const mode = pickMode(modes, rng);
    draws.push(optimalAllocation(law, drawTheta(law, mode.theta, mode.covariance, rng), compute, options));
  }
  const q = (xs: number[]): [number, number] => {
    const sorted = xs.slice().sort((x, y) => x - y);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(p * (sorted.length - 1))))];
    return [at(0.5 - level / 2), at(0.5 + level / 2)];
  };
  return {
    compute,
    ...point,
    level,
    interval: { N: q(draws.map((p) => p.N)), D: q(draws.map((p) => p.D)), loss: q(draws.map((p) => p.loss)) },
  };
}

function pickMode<T extends { weight: number }>(modes: readonly T[], rng: SeededRandom): T {
  let u = rng.next() * modes.reduce((s, m) => s + m.weight, 0);
  for (const m of modes) {
    u -= m.weight;
    if (u <= 0) return m;
  }
  return modes[modes.length - 1];
}

/** θ ~ N(mean, Σ) by Cholesky (with jitter if needed), clamped to the law's bounds. */
export function drawTheta(law: Law, mean: ArrayLike<number>, covariance: number[][], rng: SeededRandom): Float64Array {
  const k = mean.length;
  const l = choleskyRows(covariance);
  const z = Array.from({ length: k }, () => rng.normal());
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let v = mean[i];
    for (let j = 0; j <= i; j++) v += l[i][j] * z[j];
    out[i] = Math.min(law.theta[i].upper, Math.max(law.theta[i].lower, v));
  }
  return out;
}

function choleskyRows(m: number[][]): number[][] {
  const k = m.length;
  for (let jitter = 0; ; jitter = jitter === 0 ? 1e-12 : jitter * 100) {
    const l = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    let ok = true;
    for (let i = 0; i < k && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let s = m[i][j] + (i === j ? jitter * (Math.abs(m[i][i]) + 1e-300) : 0);
        for (let p = 0; p < j; p++) s -= l[i][p] * l[j][p];
        if (i === j) {
          if (!(s > 0)) ok = false;
          else l[i][i] = Math.sqrt(s);
        } else l[i][j] = s / l[j][j];
      }
    }
    if (ok) return l;
    if (jitter > 1) throw new Error('drawTheta: covariance is not positive semi-definite');
  }
}
