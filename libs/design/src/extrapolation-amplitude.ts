import type { Config, Law, LossFunction, Observation } from '@lawsweep/law';
import type { TargetFunction } from './information-gain';
import { fitObservations } from './law-bridge';
import { posteriorFromFit, type Posterior } from './posterior';

/**
 * The GP discrepancy's amplitude s² learnt from extrapolation error (eig.gpDiscrepancy.amplitude =
 * 'extrapolation'). In-sample estimates stay ≈ 0 on a misspecified truth: the fit absorbs a smooth
 * misfit, so residuals look like noise and the drift shows only when the law is extrapolated
 * (bench/results/design-eig-tuning.md, "GP discrepancy"). So: hold out the dearest done runs, refit
 * on the rest, and take s² as the held-out squared error in excess of the sub-fit's own predictive
 * variance, s² = max(0, mean(r_i² − v_i)), if a one-sided test at 5% says the excess is not noise
 * (T = mean(r_i²/v_i) against its null distribution under the sub-fit's joint covariance, nullQuantile95). Why
 * divided by 1 (no kernel factor): in eig's FITC model δ(x) has prior variance s² at every x, and the
 * sub-fit's runs inform δ at the dearest runs only through δ(targets), weakly at ℓ ≤ 2 decades; the
 * law's absorption of δ at the training runs is already in r_i, as it is in the full fit's error at
 * the targets. Every constant below was fixed before any tuning run (the adoption rule in
 * design-eig-tuning.md, "extrapolation error").
 */

/** Below this many usable done runs the estimate is 0 (the sub-fit needs ≥ 9 runs for 5 parameters and σ). */
export const MIN_EXTRAPOLATION_RUNS = 12;
/** Share of the done runs held out, the dearest ones (at least MIN_HOLDOUT). */
export const HOLDOUT_SHARE = 0.25;
export const MIN_HOLDOUT = 3;

export interface ExtrapolationInputs {
  law: Law;
  /** The current fit's posterior (its modes warm-start the sub-fit). */
  posterior: Posterior;
  observations: Observation[];
  targets: TargetFunction[];
  targetConfigs: Config[];
  lengthDecades: number;
  /** The spec's fit loss (the sub-fit uses the same). */
  loss: LossFunction;
  /** The spec's cost (which runs are the dearest); default: the product of the target variables. */
  costOf?: (config: Config) => number;
}

export interface ExtrapolationEstimate {
  s2: number;
  /** T = mean(r_i²/v_i), and its null 95% point (nullQuantile95): s² > 0 only if T exceeds it. */
  statistic: number;
  critical: number;
  heldOut: number;
}

/** Diagnostic counts for the benchmark (selects with ≥ MIN_EXTRAPOLATION_RUNS runs, and those with s² > 0); not used by any decision. */
export const extrapolationStats = { selects: 0, positive: 0, computed: 0 };

export function resetExtrapolationStats(): void {
  extrapolationStats.selects = 0;
  extrapolationStats.positive = 0;
  extrapolationStats.computed = 0;
}

const ZERO: ExtrapolationEstimate = { s2: 0, statistic: 0, critical: 0, heldOut: 0 };

function usable(input: ExtrapolationInputs): { runs: Observation[]; keys: string[] } {
  const keys = input.targetConfigs.length > 0 ? Object.keys(input.targetConfigs[0]).filter((k) => input.targetConfigs[0][k] > 0) : [];
  const runs = input.observations.filter((o) => o.loss > 0 && Number.isFinite(o.loss) && keys.every((k) => o.config[k] > 0));
  return { runs, keys };
}

/**
 * The held-out runs' errors r_i = log y_i − μ̄(x_i) against the sub-fit (μ̄ its mode-weighted mean) and
 * the sub-fit's joint predictive covariance C = Σ_m w_m (J_m Σ_m J_mᵀ + d_m d_mᵀ) + σ²I (modes
 * moment-matched, d_m = μ_m − μ̄); v_i = C_ii.
 */
function heldOutErrors(law: Law, posterior: Posterior, held: Observation[]): { r: number[]; c: number[][] } {
  const dim = posterior.dim;
  const m = held.length;
  const row = new Float64Array(dim);
  const means = posterior.modes.map((mode) => held.map((o) => law.logLoss(Array.from(mode.theta), o.config)));
  const mean = held.map((_, i) => posterior.modes.reduce((s, mode, k) => s + mode.weight * means[k][i], 0));
  const c = held.map((_, i) => held.map((__, l) => (i === l ? posterior.sigma * posterior.sigma : 0)));
  posterior.modes.forEach((mode, k) => {
    const sj = held.map((o) => {
      law.logLossGrad(mode.theta, o.config, row);
      const out = new Float64Array(dim);
      for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) out[a] += mode.covariance[a * dim + b] * row[b];
      return { j: Float64Array.from(row), sj: out };
    });
    for (let i = 0; i < m; i++) {
      for (let l = 0; l < m; l++) {
        let v = 0;
        for (let a = 0; a < dim; a++) v += sj[i].j[a] * sj[l].sj[a];
        c[i][l] += mode.weight * (v + (means[k][i] - mean[i]) * (means[k][l] - mean[l]));
      }
    }
  });
  return { r: held.map((o, i) => Math.log(o.loss) - mean[i]), c };
}

/**
 * The 95% point of T = mean(r_i²/v_i) when r ~ N(0, C) (no discrepancy): T = rᵀWr, W = diag(1/v)/m, a
 * quadratic form whose null distribution depends on how correlated the held-out errors are (they
 * share the sub-fit's parameter error). Satterthwaite's two-moment match T ≈ g·χ²_h with E[T] =
 * tr(WC) = 1 and Var[T] = 2 tr((WC)²), the χ² quantile by Wilson–Hilferty. Between χ²_m/m's quantile
 * (independent errors) and χ²₁'s 3.84 (perfectly correlated ones).
 */
export function nullQuantile95(c: number[][]): number {
  const m = c.length;
  let var2 = 0;
  for (let i = 0; i < m; i++) for (let l = 0; l < m; l++) var2 += (c[i][l] * c[l][i]) / (c[i][i] * c[l][l] * m * m);
  const variance = 2 * var2;
  const g = variance / 2;
  const h = 2 / variance;
  const z = 1.6449;
  const wh = h * (1 - 2 / (9 * h) + z * Math.sqrt(2 / (9 * h))) ** 3;
  return g * wh;
}

/** One estimate, uncached (see the class below for the cached one the design uses). */
export function estimateFromExtrapolation(input: ExtrapolationInputs): ExtrapolationEstimate {
  const { runs, keys } = usable(input);
  if (runs.length < MIN_EXTRAPOLATION_RUNS || input.posterior.modes.some((m) => m.family)) return ZERO;
  const cost = input.costOf ?? ((c: Config) => keys.reduce((p, k) => p * c[k], 1));
  const order = runs.map((o, i) => ({ o, i, c: cost(o.config) })).sort((a, b) => b.c - a.c || a.i - b.i);
  const m = Math.max(MIN_HOLDOUT, Math.ceil(HOLDOUT_SHARE * runs.length));
  const held = order.slice(0, m).map((e) => e.o);
  const train = order.slice(m).sort((a, b) => a.i - b.i).map((e) => e.o);
  let sub: Posterior;
  try {
    const fit = fitObservations(input.law, train, { loss: input.loss, starts: input.posterior.modes.map((mode) => Array.from(mode.theta)), covariance: 'laplace' });
    sub = posteriorFromFit(fit, input.posterior.dim);
  } catch {
    return { ...ZERO, heldOut: m };
  }
  const { r, c } = heldOutErrors(input.law, sub, held);
  const v = c.map((row, i) => row[i]);
  if (!r.every(Number.isFinite) || !v.every((x) => x > 0 && Number.isFinite(x))) return { ...ZERO, heldOut: m };
  const statistic = r.reduce((s, x, i) => s + (x * x) / v[i], 0) / m;
  const critical = nullQuantile95(c);
  const excess = r.reduce((s, x, i) => s + x * x - v[i], 0) / m;
  return { s2: statistic > critical ? Math.max(0, excess) : 0, statistic, critical, heldOut: m };
}

/**
 * The estimate, recomputed only when the done runs change (a planner asks for more runs whenever a
 * worker frees up; the sub-fit is the expensive part). One per EigDesign, i.e. per sweep.
 */
export class ExtrapolationAmplitude {
  private key?: string;
  private last: ExtrapolationEstimate = ZERO;
  /** How many estimates were computed (not served from the cache). */
  computed = 0;

  estimate(input: ExtrapolationInputs): ExtrapolationEstimate {
    const { runs } = usable(input);
    if (runs.length < MIN_EXTRAPOLATION_RUNS) return ZERO;
    let checksum = 0;
    for (const o of runs) {
      checksum = (checksum * 31 + Math.log(o.loss)) % 1e9;
      for (const k of Object.keys(o.config)) checksum = (checksum * 31 + Math.log(Math.abs(o.config[k]) + 1)) % 1e9;
    }
    const key = `${runs.length}:${checksum}`;
    if (key !== this.key) {
      this.last = estimateFromExtrapolation(input);
      this.key = key;
      this.computed++;
      extrapolationStats.computed++;
    }
    extrapolationStats.selects++;
    if (this.last.s2 > 0) extrapolationStats.positive++;
    return this.last;
  }
}
