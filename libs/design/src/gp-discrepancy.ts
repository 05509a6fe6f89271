import type { Config, Law, Observation } from '@lawsweep/law';
import { EigenvalueDecomposition, Matrix, inverse } from 'ml-matrix';
import type { Posterior } from './posterior';
import type { TargetFunction } from './information-gain';

/**
 * Correlated model discrepancy in eig's gain (Kennedy & O'Hagan 2001): log-loss = law(θ; x) + δ(x) + ε,
 * δ a zero-mean Gaussian process over log-config space with a squared-exponential kernel
 * s²·exp(−|z − z'|²/(2ℓ²)), z = log10 of each target variable, ℓ fixed in decades, s² estimated from
 * the fit's residuals. A run near the targets is informative about δ(target) through the kernel's
 * correlation; a small far run is not. The target quantity becomes law(θ; t) + δ(t).
 *
 * Low-rank form (FITC with the targets as inducing points): u = δ(targets) ~ N(0, s²K_TT) joins θ
 * as extra coordinates; a run x sees δ(x) = a(x)ᵀu + a residual of variance s²(1 − q(x)), with
 * a(x) = K_TT⁻¹k_T(x), q(x) = k_T(x)ᵀa(x). Exact at the targets (δ(t) = u_t), so the target's
 * posterior holds δ(t); the residual part goes into the run's noise. The GainModel then runs
 * unchanged on the augmented (θ, u) — greedy conditioning on pending runs stays exact — at a cost
 * of T extra coordinates instead of a kernel among all candidates.
 */
export interface GpDiscrepancyOptions {
  /** Kernel length scale in decades of every target variable (log10 units). */
  lengthDecades: number;
  /**
   * s² (log-loss²); 'estimated' from the fit's residuals (boundary likelihood-ratio test, below); or
   * 'extrapolation', learnt from the error of a sub-fit extrapolated to the dearest done runs
   * (extrapolation-amplitude.ts; EigDesign resolves it to a number before calling augmentForDiscrepancy).
   */
  amplitude: 'estimated' | 'extrapolation' | number;
}

/** Critical value of the boundary LR test for s² = 0 at 5% (½χ²₀ + ½χ²₁; Self & Liang 1987). */
export const LR_CRITICAL = 2.71;
/** At most this many observed runs enter the amplitude estimate (the dearest ones, nearest the targets), to bound its O(n³) cost. */
export const MAX_ESTIMATE_RUNS = 300;

export function validateGpOptions(options: GpDiscrepancyOptions): void {
  if (!(options.lengthDecades > 0) || !Number.isFinite(options.lengthDecades)) {
    throw new Error(`eig.gpDiscrepancy.lengthDecades must be a finite number > 0 (decades; got ${options.lengthDecades})`);
  }
  const a = options.amplitude;
  if (a !== 'estimated' && a !== 'extrapolation' && !(typeof a === 'number' && a >= 0 && Number.isFinite(a))) {
    throw new Error(`eig.gpDiscrepancy.amplitude must be 'estimated', 'extrapolation' or a finite number ≥ 0 (log-loss²; got ${String(a)})`);
  }
}

function coords(config: Config, keys: string[]): number[] {
  return keys.map((k) => Math.log10(config[k]));
}

function kernel(a: number[], b: number[], length: number): number {
  let d2 = 0;
  for (let i = 0; i < a.length; i++) d2 += (a[i] - b[i]) ** 2;
  return Math.exp(-d2 / (2 * length * length));
}

/**
 * s² by maximum likelihood of the residuals under N(0, σ²(I + λK)), σ² profiled out, λ on a log grid
 * (10⁻² … 10³, and 0); s² = λ̂σ̂². The residual correlation must be significant: s² = 0 unless
 * 2·(ℓℓ(λ̂) − ℓℓ(0)) > LR_CRITICAL, so white residuals (a well-specified fit) leave eig unchanged
 * in ≈ 95% of fits rather than ≈ 50% (the plain ML estimate sits on the boundary half the time).
 */
export function estimateAmplitude(residuals: number[], points: number[][], length: number): { s2: number; sigma2: number; lr: number } {
  const n = residuals.length;
  if (n < 3) return { s2: 0, sigma2: 0, lr: 0 };
  const k = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) k.set(i, j, kernel(points[i], points[j], length)).set(j, i, k.get(i, j));
  const eig = new EigenvalueDecomposition(k, { assumeSymmetric: true });
  const values = eig.realEigenvalues.map((v) => Math.max(v, 0));
  const proj = eig.eigenvectorMatrix.transpose().mmul(Matrix.columnVector(residuals)).to1DArray();
  const loglik = (lambda: number): [number, number] => {
    let quad = 0;
    let logdet = 0;
    for (let i = 0; i < n; i++) {
      const f = 1 + lambda * values[i];
      quad += (proj[i] * proj[i]) / f;
      logdet += Math.log(f);
    }
    const sigma2 = quad / n;
    return [-0.5 * n * Math.log(Math.max(sigma2, 1e-300)) - 0.5 * logdet, sigma2];
  };
  const [ll0, sigma0] = loglik(0);
  let best = { ll: ll0, lambda: 0, sigma2: sigma0 };
  for (let g = 0; g <= 25; g++) {
    const lambda = 10 ** (-2 + 0.2 * g);
    const [ll, sigma2] = loglik(lambda);
    if (ll > best.ll) best = { ll, lambda, sigma2 };
  }
  const lr = 2 * (best.ll - ll0);
  return lr > LR_CRITICAL ? { s2: best.lambda * best.sigma2, sigma2: best.sigma2, lr } : { s2: 0, sigma2: sigma0, lr };
}

/** The gain's inputs with (θ, u) in place of θ; undefined when s² = 0 (eig unchanged). */
export interface GpAugmentation {
  law: Law;
  posterior: Posterior;
  targets: TargetFunction[];
  /** s²(1 − q(x)) per config: the part of δ(x) the targets' values do not explain. */
  extraNoise: Float64Array;
  s2: number;
}

export interface GpInputs {
  law: Law;
  posterior: Posterior;
  /** Runs done (residuals for the amplitude; they also inform u). */
  observations: Observation[];
  /** Candidates then pending runs, as the GainModel gets them. */
  configs: Config[];
  /** Target functions; the first targetConfigs.length are the losses at targetConfigs, in order. */
  targets: TargetFunction[];
  targetConfigs: Config[];
}

export function augmentForDiscrepancy(input: GpInputs, options: GpDiscrepancyOptions): GpAugmentation | undefined {
  validateGpOptions(options);
  if (options.amplitude === 'extrapolation') {
    throw new Error("eig.gpDiscrepancy.amplitude 'extrapolation' needs a refit: resolve it with ExtrapolationAmplitude (EigDesign does) and pass the number");
  }
  const { law, posterior, observations, configs, targetConfigs } = input;
  const nt = targetConfigs.length;
  if (nt === 0) return undefined;
  if (posterior.modes.some((m) => m.family)) throw new Error('eig.gpDiscrepancy cannot be combined with eig.modelAveraging (a mode of another family has no discrepancy coordinates)');
  const keys = Object.keys(targetConfigs[0]).filter((key) => targetConfigs[0][key] > 0);
  const length = options.lengthDecades;
  const valid = observations.filter((o) => o.loss > 0 && keys.every((key) => o.config[key] > 0));
  const used = valid.length > MAX_ESTIMATE_RUNS ? [...valid].sort((a, b) => keys.reduce((s, key) => s + Math.log(b.config[key] / a.config[key]), 0)).slice(0, MAX_ESTIMATE_RUNS) : valid;
  const lead = posterior.modes[0].theta;
  let s2: number;
  if (options.amplitude === 'estimated' && valid.length <= posterior.dim) {
    // No fit yet (the engine fits from dim + 1 runs): the posterior is the prior, and residuals
    // against its centre are the prior's error, not the law's misfit. Estimating from them gave
    // s² ≈ 0.16 before every first fit in the tuning runs, which moved the first batches (the only
    // effect the option had there; bench/results/design-eig-tuning.md, "GP discrepancy").
    s2 = 0;
  } else if (options.amplitude === 'estimated') {
    const residuals = used.map((o) => Math.log(o.loss) - law.logLoss(lead, o.config));
    const ok = residuals.map(Number.isFinite);
    s2 = estimateAmplitude(residuals.filter((_, i) => ok[i]), used.filter((_, i) => ok[i]).map((o) => coords(o.config, keys)), length).s2;
  } else {
    s2 = options.amplitude;
  }
  if (!(s2 > 0)) return undefined;

  const tz = targetConfigs.map((t) => coords(t, keys));
  const ktt = new Matrix(nt, nt);
  for (let i = 0; i < nt; i++) for (let j = 0; j < nt; j++) ktt.set(i, j, kernel(tz[i], tz[j], length) + (i === j ? 1e-8 : 0));
  const kttInv = inverse(ktt);
  /** a(x) = K_TT⁻¹k_T(x) and q(x) = k_T(x)ᵀa(x). */
  const project = (config: Config): { a: Float64Array; q: number } => {
    const z = coords(config, keys);
    const kx = tz.map((t) => kernel(z, t, length));
    const a = new Float64Array(nt);
    let q = 0;
    for (let i = 0; i < nt; i++) {
      for (let j = 0; j < nt; j++) a[i] += kttInv.get(i, j) * kx[j];
      q += kx[i] * a[i];
    }
    return { a, q: Math.min(Math.max(q, 0), 1) };
  };
  const cache = new Map<Config, Float64Array>();
  const aOf = (config: Config) => {
    let a = cache.get(config);
    if (!a) cache.set(config, (a = project(config).a));
    return a;
  };
  const extraNoise = Float64Array.from(configs, (c) => s2 * (1 - project(c).q));

  const p = posterior.dim;
  const dim = p + nt;
  const augLaw: Law = Object.create(law, {
    logLossGrad: {
      value: (theta: ArrayLike<number>, x: Config, grad: Float64Array): number => {
        const v = law.logLossGrad(Array.prototype.slice.call(theta, 0, p) as number[], x, grad.subarray(0, p));
        const a = aOf(x);
        let d = 0;
        for (let i = 0; i < nt; i++) {
          grad[p + i] = a[i];
          d += a[i] * (theta[p + i] ?? 0);
        }
        return v + d;
      },
    },
  });
  const targets = input.targets.map((fn, t): TargetFunction => (theta, grad) => {
    const v = fn(theta.subarray(0, p), grad.subarray(0, p));
    for (let i = 0; i < nt; i++) grad[p + i] = t < nt && i === t ? 1 : 0;
    return t < nt ? v + theta[p + t] : v;
  });

  const sigma2 = posterior.sigma * posterior.sigma;
  const priorU = inverse(ktt.clone().mul(s2));
  const modes = posterior.modes.map((mode) => {
    const sigma = Matrix.from1DArray(p, p, Array.from(mode.covariance));
    const h = inverse(sigma.clone().add(sigma.transpose()).mul(0.5));
    const rows: { j: Float64Array; a: Float64Array; q: number }[] = [];
    const row = new Float64Array(p);
    for (const o of valid) {
      law.logLossGrad(mode.theta, o.config, row);
      if (!row.every(Number.isFinite)) continue;
      rows.push({ j: Float64Array.from(row), ...project(o.config) });
    }
    // The fit's Σ already holds the runs' information about θ under white noise of some effective
    // variance σ_e² (σ² times the Huber factor, unknown here). σ_e² is the smallest variance with
    // JᵀJ/σ_e² ⪯ Σ⁻¹ (the largest generalised eigenvalue), so removing that white-noise information
    // and adding it back under the discrepancy model keeps the precision positive definite.
    const jtj = new Matrix(p, p);
    for (const r of rows) for (let i = 0; i < p; i++) for (let k = 0; k < p; k++) jtj.set(i, k, jtj.get(i, k) + r.j[i] * r.j[k]);
    const ratio = rows.length > 0 ? new EigenvalueDecomposition(sigma.mmul(jtj).div(sigma2)).realEigenvalues.reduce((m, v) => Math.max(m, v), 0) : 0;
    const sigmaE2 = sigma2 * Math.max(1, ratio * (1 + 1e-9));
    const hAug = new Matrix(dim, dim);
    for (let i = 0; i < p; i++) for (let k = 0; k < p; k++) hAug.set(i, k, h.get(i, k));
    for (let i = 0; i < nt; i++) for (let k = 0; k < nt; k++) hAug.set(p + i, p + k, priorU.get(i, k));
    for (const r of rows) {
      const w = 1 / (sigmaE2 + s2 * (1 - r.q));
      const w0 = 1 / sigmaE2;
      for (let i = 0; i < p; i++) {
        for (let k = 0; k < p; k++) hAug.set(i, k, hAug.get(i, k) + (w - w0) * r.j[i] * r.j[k]);
        for (let k = 0; k < nt; k++) {
          const c = w * r.j[i] * r.a[k];
          hAug.set(i, p + k, hAug.get(i, p + k) + c);
          hAug.set(p + k, i, hAug.get(p + k, i) + c);
        }
      }
      for (let i = 0; i < nt; i++) for (let k = 0; k < nt; k++) hAug.set(p + i, p + k, hAug.get(p + i, p + k) + w * r.a[i] * r.a[k]);
    }
    const cov = inverse(hAug);
    const covariance = new Float64Array(dim * dim);
    for (let i = 0; i < dim; i++) for (let k = 0; k < dim; k++) covariance[i * dim + k] = 0.5 * (cov.get(i, k) + cov.get(k, i));
    const theta = new Float64Array(dim);
    theta.set(mode.theta);
    return { theta, covariance, weight: mode.weight };
  });
  return { law: augLaw, posterior: { dim, modes, sigma: posterior.sigma }, targets, extraNoise, s2 };
}
