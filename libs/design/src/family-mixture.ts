import { predictMixture, type Config, type FitResult, type Law, type LossFunction, type Observation, type Prediction } from '@lawsweep/law';
import type { TargetFunction } from './information-gain';
import { fitObservations } from './law-bridge';
import { flatten, MIN_MODE_WEIGHT, type Posterior, type PosteriorMode } from './posterior';
import { RunningExponentLaw } from './running-exponent.law';
import { Z90 } from './target-prediction';

/** Modes of the rival family kept in the mixture (its heaviest). */
const RIVAL_MODES = 2;
/** Default starts of the rival's own grid added to the warm and nested starts. */
const RIVAL_DEFAULT_STARTS = 2;

/** The rival family eig averages over for a spec's law, if it has one (for now: chinchilla's running-exponent extension). */
export function rivalLaw(law: Law): Law | undefined {
  return law.name === 'chinchilla' ? new RunningExponentLaw() : undefined;
}

/**
 * Model averaging for eig's gain (engine option eig.modelAveraging).
 *
 * Mechanism: eig's gain trusts the sweep's law family completely, so under misspecification it
 * buys the runs that would settle the target *if the family were right*, and its fit is
 * over-confident where it extrapolates. Here the posterior eig designs under is a mixture of two
 * families: the spec's law (its fit's modes) and a rival that nests it with one more exponent
 * (running-exponent.law.ts), weighted by a Laplace approximation of each family's evidence
 * (rivalWeight below). The information gain already counts disagreement
 * between modes at the targets (information-gain.ts, the between-mode term), so where the two
 * families predict different target losses, runs that tell them apart (for the running exponent:
 * large runs over a range of D/N at different N) gain value, and a family the data do not support
 * (a γ the data cannot tell from 0) gets a small weight and changes
 * little. With prediction averaging on, the target prediction is hedged the same way: the two
 * families' predictions mixed by the same weights (moment-matched in log-loss), so the families'
 * disagreement also widens the interval.
 */
export class FamilyMixture {
  private last?: FitResult;
  /** The spec-law fit the rival fit and weight belong to. */
  private forFit?: FitResult;
  private weight = 0;

  constructor(
    private readonly base: Law,
    private readonly rival: Law,
    private readonly rivalTargets: TargetFunction[],
    private readonly loss: LossFunction,
  ) {}

  /** Fits the rival to these observations (warm-started, and from the spec law's modes with the extra exponents 0) and weighs it against baseFit. */
  refit(observations: Observation[], baseFit: FitResult): void {
    if (this.forFit === baseFit) return;
    this.forFit = baseFit;
    const k = this.rival.theta.length;
    if (observations.length < k + 2) {
      this.weight = 0;
      return;
    }
    const nested = baseFit.modes.map((m) => [...Array.from(m.theta), ...new Array<number>(Math.max(k - m.theta.length, 0)).fill(0)]);
    const warm = (this.last?.modes ?? []).map((m) => Array.from(m.theta));
    const starts = [...warm, ...nested, ...this.rival.defaultStarts().slice(0, RIVAL_DEFAULT_STARTS)];
    this.last = fitObservations(this.rival, observations, { loss: this.loss, starts });
    this.weight = rivalWeight(baseFit, this.last, observations.length, this.base, this.rival);
  }

  /** The rival's current evidence weight (0 before it can be fitted). */
  get rivalShare(): number {
    return this.weight;
  }

  /** The spec law's posterior with the rival's modes mixed in by evidence weight; the base posterior unchanged when the rival cannot be fitted yet. */
  posterior(base: Posterior, baseFit: FitResult, observations: Observation[]): Posterior {
    this.refit(observations, baseFit);
    const fit = this.last;
    const weight = this.weight;
    const k = this.rival.theta.length;
    if (!fit || !(weight >= MIN_MODE_WEIGHT)) return base;
    const rivalModes = [...fit.modes]
      .filter((m) => m.covariance.length === k)
      .sort((a, b) => b.weight - a.weight)
      .slice(0, RIVAL_MODES);
    const total = rivalModes.reduce((s, m) => s + m.weight, 0);
    if (rivalModes.length === 0 || !(total > 0)) return base;
    const modes: PosteriorMode[] = [
      ...base.modes.map((m) => ({ ...m, weight: m.weight * (1 - weight) })),
      ...rivalModes.map((m) => ({
        theta: Float64Array.from(m.theta),
        covariance: flatten(m.covariance, k),
        weight: (weight * m.weight) / total,
        family: { law: this.rival, targets: this.rivalTargets },
      })),
    ];
    return { ...base, modes };
  }

  /**
   * The spec law's predictions hedged with the rival's: per target, mean and variance of log-loss
   * over the two families (each family's own mean and sd, plus the spread between them), with a
   * 90% interval exp(μ ± z·sd). Unchanged unless the rival was fitted for this very fit.
   */
  predict(base: Prediction[], baseFit: FitResult): Prediction[] {
    const fit = this.last;
    const w = this.weight;
    if (this.forFit !== baseFit || !fit || fit.modes.length === 0 || !(w >= MIN_MODE_WEIGHT)) return base;
    return base.map((p) => {
      const r = predictMixture(this.rival, fit, p.config, 0.9);
      return combine(p.config, [
        { w: 1 - w, mu: Math.log(p.loss), sd: p.logSd },
        { w, mu: Math.log(r.loss), sd: r.logSd },
      ]);
    });
  }
}

function combine(config: Config, parts: { w: number; mu: number; sd: number }[]): Prediction {
  const mean = parts.reduce((s, c) => s + c.w * c.mu, 0);
  const variance = parts.reduce((s, c) => s + c.w * (c.sd * c.sd + (c.mu - mean) ** 2), 0);
  const sd = Math.sqrt(Math.max(variance, 0));
  return { config, loss: Math.exp(mean), lower: Math.exp(mean - Z90 * sd), upper: Math.exp(mean + Z90 * sd), logSd: sd };
}

type EvidenceFit = Pick<FitResult, 'rmse' | 'theta' | 'covariance'>;

/**
 * The rival family's posterior probability under equal prior odds, from the Laplace approximation
 * of each family's evidence with θ uniform over the law's bounds:
 *   ln Z ≈ −(n/2)·ln(rmse²) − Σᵢ ln(widthᵢ) + (k/2)·ln 2π + ½·ln det Σ.
 * Unlike BIC's flat ½·ln n per parameter, the Occam factor of the extra exponent is
 * ln(width / (√(2π)·sd)): an exponent the data pin near 0 with a small sd but no better fit costs
 * more than BIC charges (on the tuning seeds BIC gave the rival 10–50% weight on chinchilla-true
 * data, enough to spend runs on an exponent that is 0).
 */
export function rivalWeight(base: EvidenceFit, rival: EvidenceFit, n: number, baseLaw: Law, rivalLaw: Law): number {
  const delta = logEvidence(rival, rivalLaw, n) - logEvidence(base, baseLaw, n);
  if (!Number.isFinite(delta)) return 0;
  return 1 / (1 + Math.exp(-delta));
}

export function logEvidence(fit: EvidenceFit, law: Law, n: number): number {
  const k = fit.theta.length;
  let logPrior = 0;
  for (const { lower, upper } of law.theta) if (Number.isFinite(upper - lower) && upper > lower) logPrior -= Math.log(upper - lower);
  return -(n / 2) * Math.log(Math.max(fit.rmse, 1e-12) ** 2) + logPrior + (k / 2) * Math.log(2 * Math.PI) + 0.5 * logDet(fit.covariance);
}

/** ln det of a small symmetric positive-definite matrix (Cholesky); −Infinity if it is not positive definite. */
function logDet(m: number[][]): number {
  const k = m.length;
  const l = m.map((row) => [...row]);
  let sum = 0;
  for (let j = 0; j < k; j++) {
    let d = l[j][j];
    for (let p = 0; p < j; p++) d -= l[j][p] * l[j][p];
    if (!(d > 0)) return -Infinity;
    const root = Math.sqrt(d);
    l[j][j] = root;
    sum += Math.log(root);
    for (let i = j + 1; i < k; i++) {
      let v = l[i][j];
      for (let p = 0; p < j; p++) v -= l[i][p] * l[j][p];
      l[i][j] = v / root;
    }
  }
  return 2 * sum;
}
