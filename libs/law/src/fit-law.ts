import { batchEvaluator } from './batch-evaluator';
import type { FitMode, FitOptions, FitResult, Law, LossFunction, Observation } from './law.types';
import { logDetSpd } from './linalg';
import { LmSolver } from './lm-solver';
import { DEFAULT_PRIOR_SCALE, estimateSigma, laplaceCovariance, naturalStderr, objectiveScale } from './posterior';

const DEFAULT_HUBER_DELTA = 1e-3;
/** Huber with δ = 1e-3 on log-loss, as Chinchilla (Hoffmann et al. 2022) and Epoch AI used. */
export const DEFAULT_LOSS: LossFunction = { kind: 'huber', delta: DEFAULT_HUBER_DELTA };

/** Modes whose objective is worse than the best by more than this many τ are dropped (weight < e^-30). */
const MODE_OBJECTIVE_WINDOW = 30;
const MAX_MODES = 8;
const SCREEN_TOLERANCE = 1e-5;
const MAX_BASINS = 64;
const HOPELESS_AFTER = 20;
const HOPELESS_FACTOR = 2;
const POLISH_TOLERANCE = 1e-12;
const POLISH_ITERATIONS = 500;

interface EndPoint {
  theta: Float64Array;
  objective: number;
  iterations: number;
  converged: boolean;
  starts?: number;
}

interface Cluster {
  end: EndPoint;
  covariance: number[][];
  starts: number;
}

/**
 * Groups end points sorted by objective: an end point joins the first (better) group whose
 * representative is within one Laplace standard deviation of it in every θ coordinate; end points
 * worse than the best by more than MODE_OBJECTIVE_WINDOW·τ are dropped.
 */
function group(sorted: readonly EndPoint[], tau: number, covarianceAt: (theta: Float64Array) => number[][]): Cluster[] {
  const clusters: (Cluster & { sd: number[] })[] = [];
  const bestObjective = sorted[0].objective;
  for (const end of sorted) {
    if ((end.objective - bestObjective) / tau > MODE_OBJECTIVE_WINDOW) break;
    const home = clusters.find((c) => end.theta.every((t, j) => Math.abs(t - c.end.theta[j]) <= c.sd[j] + 1e-9));
    if (home) {
      home.starts += end.starts ?? 1;
      continue;
    }
    if (clusters.length >= 4 * MAX_MODES) continue;
    const covariance = covarianceAt(end.theta);
    clusters.push({ end, covariance, sd: covariance.map((row, j) => Math.sqrt(row[j])), starts: end.starts ?? 1 });
  }
  return clusters;
}

export interface FitExtras {
  /** Starting points run, and the total solver iterations over all of them. */
  startsRun: number;
  totalIterations: number;
  /** Fitted per-point log residuals of the best mode (log L_pred − log L_obs). */
  residuals: number[];
}

export type FullFitResult = FitResult & FitExtras;

/** Checks observations for a law: every variable finite and positive, loss finite and positive. */
export function validateObservations(law: Law, data: readonly Observation[]): void {
  if (data.length === 0) throw new Error(`fit ${law.name}: no observations`);
  data.forEach((o, i) => {
    for (const v of law.variables) {
      const x = o.config?.[v];
      if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) {
        throw new Error(`fit ${law.name}: observation ${i + 1}: variable ${v} must be a finite positive number, got ${String(x)}`);
      }
    }
    if (typeof o.loss !== 'number' || !Number.isFinite(o.loss) || o.loss <= 0) {
      throw new Error(`fit ${law.name}: observation ${i + 1}: loss must be a finite positive number, got ${String(o.loss)}`);
    }
  });
}

/**
 * Huber's δ for 'huber:auto': 1.345 robust standard deviations of the residuals (Huber 1964: 95%
 * efficiency against least squares under Gaussian noise, linear loss beyond), the scale being
 * 1.4826·median|r| (the MAD about zero, consistent for the Gaussian) with the √(n/(n−p))
 * degrees-of-freedom correction; never below the default δ₀ = 1e-3, so no fit is less robust than
 * the default's; δ₀ itself while there are ≤ p + 2 residuals to estimate the scale from. Why: δ₀ is
 * ~0.1–0.2σ at the 0.5–1% log-noise of typical runs, close to least absolute deviations, whose
 * target errors are 1.05–1.3× least squares' on Gaussian noise (bench/fit-efficiency.ts).
 */
export function adaptiveHuberDelta(residuals: ArrayLike<number>, parameters: number): number {
  const n = residuals.length;
  if (n <= parameters + 2) return DEFAULT_HUBER_DELTA;
  const abs = Array.from(residuals, Math.abs).sort((a, b) => a - b);
  const median = n % 2 ? abs[(n - 1) / 2] : 0.5 * (abs[n / 2 - 1] + abs[n / 2]);
  const scale = 1.4826 * median * Math.sqrt(n / (n - parameters));
  return Number.isFinite(scale) ? Math.max(DEFAULT_HUBER_DELTA, 1.345 * scale) : DEFAULT_HUBER_DELTA;
}

/**
 * Multi-start fit of a law (see fitWithLoss). 'huber:auto' is two fits: the default Huber δ₀ fit,
 * then, with δ from its residuals (adaptiveHuberDelta), a refit started from its modes.
 */
export function fitLaw(law: Law, data: readonly Observation[], options: FitOptions = {}): FullFitResult {
  const asked = options.loss ?? DEFAULT_LOSS;
  if (asked.kind !== 'huber-auto') return fitWithLoss(law, data, options, asked);
  const first = fitWithLoss(law, data, options, DEFAULT_LOSS);
  const delta = adaptiveHuberDelta(first.residuals, law.theta.length);
  if (delta === DEFAULT_HUBER_DELTA) return first;
  const second = fitWithLoss(law, data, { ...options, starts: first.modes.map((m) => Array.from(m.theta)) }, { kind: 'huber', delta });
  return { ...second, startsRun: first.startsRun + second.startsRun, totalIterations: first.totalIterations + second.totalIterations };
}

/**
 * Multi-start fit of a law. Every start runs the bounded LM solver; end points are merged into
 * modes (an end point joins a better mode when it lies within one Laplace standard deviation of
 * it in every θ coordinate). Each mode carries its Laplace covariance and a posterior weight
 *   w_m ∝ exp(−(objective_m − objective_best)/τ) · sqrt(det Σ_m)
 * (peak height times Laplace volume; τ from objectiveScale), normalised over the kept modes.
 */
function fitWithLoss(law: Law, data: readonly Observation[], options: FitOptions, loss: LossFunction): FullFitResult {
  validateObservations(law, data);
  const priorScale = options.priorScale ?? DEFAULT_PRIOR_SCALE;
  const starts = resolveStarts(law, options.starts);
  const evaluator = batchEvaluator(law, data.map((o) => o.config));
  const logObs = Float64Array.from(data, (o) => Math.log(o.loss));
  const residualsAt = (theta: Float64Array) => {
    const pred = new Float64Array(data.length);
    evaluator.evaluate(theta, pred, null);
    return Float64Array.from(pred, (p, i) => p - logObs[i]);
  };
  const sigmaAt = (theta: Float64Array) => estimateSigma(residualsAt(theta), law.theta.length);
  const solver = new LmSolver({
    evaluator,
    logObs,
    lower: law.theta.map((p) => p.lower),
    upper: law.theta.map((p) => p.upper),
    loss,
  });
  // Two phases (same optima as running every start to full precision, at a fraction of the
  // cost): every start is run to a loose tolerance, end points are grouped, and only the best end
  // point of each group is polished to full precision. The IRLS tail for Huber converges
  // linearly, so polishing 4,500 end points that mostly coincide would dominate the run time.
  // Basin merging: once a start's iterate is within half a Laplace standard deviation (in every θ
  // coordinate, capped at 1% of the bound's width) of an end point already reached, and its
  // objective within one τ of that end point's, it would converge there too; it stops and is
  // counted with it. This removes most of the slow Huber tails of the 4,500 starts, including
  // the many that end in the same poor optima. (The cap matters there: a poor optimum's
  // prior-dominated standard deviations are wide and would otherwise stop starts passing by.)
  const basins: { theta: Float64Array; sd: number[]; objective: number; tau: number }[] = [];
  // Hopeless starts: after HOPELESS_AFTER iterations a start still HOPELESS_FACTOR times worse than
  // the best end point so far, and outside its mode window, is abandoned (not converged); it could
  // at best crawl to an optimum the other starts reach directly, and such crawls are most of the
  // grid's cost. (The window keeps this off while data are few and every objective is tiny.)
  let bestSoFar = Infinity;
  let hopelessAbove = Infinity;
  const stopEarly = (theta: Float64Array, objective: number, iterations: number) =>
    (iterations >= HOPELESS_AFTER && objective > hopelessAbove) || inBasin(theta, objective);
  const inBasin = (theta: Float64Array, objective: number) =>
    basins.some((b) => objective - b.objective <= b.tau && theta.every((t, j) => Math.abs(t - b.theta[j]) <= 0.5 * b.sd[j]));
  const screened = starts.map((s) => {
    const end = solver.solve(s, options.maxIterations ?? 100, SCREEN_TOLERANCE, stopEarly);
    if (end.converged && end.objective < bestSoFar) {
      bestSoFar = end.objective;
      const tau = objectiveScale(loss, sigmaAt(end.theta));
      hopelessAbove = Math.max(HOPELESS_FACTOR * bestSoFar, bestSoFar + MODE_OBJECTIVE_WINDOW * tau);
    }
    if (end.converged && Number.isFinite(end.objective) && basins.length < MAX_BASINS && !inBasin(end.theta, end.objective)) {
      const sigma = sigmaAt(end.theta);
      const covariance = laplaceCovariance(law, evaluator, end.theta, sigma, priorScale, loss);
      const sd = covariance.map((row, j) => Math.min(Math.sqrt(row[j]), 0.01 * (law.theta[j].upper - law.theta[j].lower)));
      basins.push({ theta: end.theta, sd, objective: end.objective, tau: objectiveScale(loss, sigma) });
    }
    return end;
  });
  let totalIterations = screened.reduce((s, e) => s + e.iterations, 0);
  const finite = screened.filter((e) => Number.isFinite(e.objective)).sort((x, y) => x.objective - y.objective);
  if (finite.length === 0) throw new Error(`fit ${law.name}: the law is undefined (non-positive or non-finite) at every starting point`);
  const screenSigma = sigmaAt(finite[0].theta);
  const screenGroups = group(finite, objectiveScale(loss, screenSigma), (t) => laplaceCovariance(law, evaluator, t, screenSigma, priorScale, loss));

  const polished = screenGroups.map((g) => {
    const end = solver.solve(g.end.theta, POLISH_ITERATIONS, POLISH_TOLERANCE);
    totalIterations += end.iterations;
    return { ...end, iterations: g.end.iterations + end.iterations, starts: g.starts };
  });
  polished.sort((x, y) => x.objective - y.objective);
  const best = polished[0];
  const residuals = residualsAt(best.theta);
  const sigma = estimateSigma(residuals, law.theta.length);
  const tau = objectiveScale(loss, sigma);
  const clusters = group(polished, tau, (t) => laplaceCovariance(law, evaluator, t, sigma, priorScale, loss));
  const logW = clusters.map((c) => -(c.end.objective - best.objective) / tau + 0.5 * logDetSpd(c.covariance));
  const maxLogW = Math.max(...logW);
  const kept = clusters
    .map((c, i) => ({ c, w: Math.exp(logW[i] - maxLogW) }))
    .filter((m, i) => i === 0 || m.w > 1e-6)
    .slice(0, MAX_MODES);
  const total = kept.reduce((s, m) => s + m.w, 0);
  const modes: FitMode[] = kept.map(({ c, w }) => ({
    theta: c.end.theta,
    params: law.toParams(c.end.theta),
    objective: c.end.objective,
    covariance: c.covariance,
    weight: w / total,
    starts: c.starts,
  }));
  const top = modes[0];
  let rss = 0;
  for (const r of residuals) rss += r * r;
  return {
    law: law.name,
    n: data.length,
    theta: top.theta,
    params: top.params,
    stderr: naturalStderr(law, top.theta, top.covariance),
    covariance: top.covariance,
    sigma,
    rmse: Math.sqrt(rss / data.length),
    objective: top.objective,
    converged: best.converged,
    iterations: best.iterations,
    loss,
    modes,
    startsRun: starts.length,
    totalIterations,
    residuals: Array.from(residuals),
  };
}

function resolveStarts(law: Law, starts: FitOptions['starts']): number[][] {
  if (starts === undefined || starts === 'default') return law.defaultStarts();
  if (starts === 'full') return law.fullStarts();
  if (!Array.isArray(starts) || starts.length === 0) throw new Error('fit: starts must be "default", "full" or a non-empty list of θ points');
  for (const s of starts) {
    if (s.length !== law.theta.length) throw new Error(`fit ${law.name}: each start needs ${law.theta.length} θ values (${law.theta.map((p) => p.name).join(', ')})`);
  }
  return starts;
}
