import type { Config } from '@lawsweep/law';
import type { ProposedRun } from './design.types';
import type { DesignContext, DesignStrategy } from './design-strategy';
import type { Posterior } from './posterior';
import { GainModel, type GainKind } from './information-gain';
import { costScore, DEFAULT_COST_RULE, type CostRule } from './cost-rule';
import { budgetedSelect } from './budgeted-selection';
import { augmentForDiscrepancy, validateGpOptions, type GpDiscrepancyOptions } from './gp-discrepancy';
import { ExtrapolationAmplitude } from './extrapolation-amplitude';

/** Below this expected gain (nats) a run is not worth buying. */
export const MIN_USEFUL_GAIN = 1e-6;

/**
 * Refinements of the eig design's gain. Defaults were chosen on the design benchmark's tuning
 * seeds (see BENCHMARKS.md, "Design efficiency"), never on the reported seeds or the real pool.
 */
export interface EigOptions {
  /**
   * Model-discrepancy scale τ (log-loss per decade): a run whose config lies d decades across the
   * cost direction (log10 of every variable) from the nearest target gets extra variance (τ·d)², so
   * runs unlike the targets (for 6ND: far in D/N) count as less informative about them than the
   * law alone claims. Off (0) by default: on the tuning seeds it helps the misspecified truth about
   * as much as it hurts the well-specified ones (BENCHMARKS.md, "Design efficiency").
   */
  discrepancy: number;
  /**
   * Covariance of the fit the gain is computed from: 'laplace' (the fit's curvature and σ) or
   * 'sandwich' (Huber–White, from the fit's residuals, so runs where the law misfits are trusted
   * less). See BENCHMARKS.md, "Design efficiency", for the tuning figures behind the default.
   */
  covariance: 'laplace' | 'sandwich';
  /**
   * Model averaging over the spec's law and a rival family weighted by evidence (family-mixture.ts):
   * 'design' designs under the mixture, so the families' disagreement at the targets is worth runs;
   * 'design-and-prediction' also reports the mixture's (hedged) target prediction. Applies where
   * the spec's law has a rival (chinchilla); the sweep engine builds the mixture.
   */
  modelAveraging: 'none' | 'design' | 'design-and-prediction';
  /**
   * Student-t predictive for a new run's log-loss in the gain (the fit and the reported prediction
   * are untouched): ν > 2 degrees of freedom, moment-matched as the variance σ²·ν/(ν−2); 0 = off
   * (Gaussian with the fit's σ). Why: under misspecification the fit's residual σ understates how far
   * a new run may land. Mechanism: only the new run's noise grows, not the posterior Σ (a uniform
   * scale of σ *and* Σ would change no gain), so runs the fit already predicts well (low leverage)
   * lose value by the full factor while runs it extrapolates to lose less. Off by default: on the
   * tuning seeds ν = 4 / 3 / 2.5 gave 7% / 7% / 19% higher errors (every truth worse, farseer too),
   * and at a 1e21 budget the picks moved the other way from the intended one (fewer runs, share of
   * compute on runs ≥ 1e20 0.50 → 0.39–0.46); bench/results/design-eig-tuning.md, "Heavy-tailed".
   */
  predictiveNu: number;
  /**
   * How a batch is picked: 'ratio' takes, one run at a time, the best gain for its cost under the
   * cost rule (a myopic ratio, which buys many cheap low-leverage runs); 'budgeted' compares whole
   * plans that spend the free budget — the ratio plan, the plain-gain plan and plans seeded with
   * each of the few most informative runs — and returns the first runs of the plan with the most
   * total targeted information (budgeted-selection.ts; the knapsack remedy of Krause & Guestrin
   * 2005). 'ratio' by default: on the tuning seeds 'budgeted' gave ≈ 6% higher errors (seeds
   * 1000–1011 and 1012–1031; without the cost floor 16%) and is ~10× slower. By the model's own
   * measure the cheap-runs-first plan is the better plan (without the floor the comparison keeps it
   * in 96% of selects), so the remedy has no knapsack failure to fix here; with the floor it only
   * tips near-ties toward a dear run (bench/results/design-eig-tuning.md, "Budgeted").
   */
  selection: 'ratio' | 'budgeted';
  /**
   * Correlated model discrepancy (Kennedy & O'Hagan 2001; gp-discrepancy.ts): log-loss = law + δ(x) + ε
   * with δ a Gaussian process over log-config space (squared-exponential, length scale in decades),
   * its amplitude s² estimated from the fit's residuals (0 unless their correlation is significant)
   * or given. The target's posterior then holds δ(target), which runs near the targets inform and far
   * cheap runs do not. Off (undefined) by default: on the tuning seeds the estimated s² was 0 in all
   * but ~0.1% of fitted selects (the fit absorbs the misspecified truth's drift; residuals stay white),
   * so the option is inert there; a first build that also estimated s² before the first fit scored
   * ≈ 15% worse from that defect alone (bench/results/design-eig-tuning.md, "GP discrepancy").
   * amplitude 'extrapolation' learns s² from out-of-sample error instead: the dearest quarter of the
   * done runs held out, a sub-fit on the rest, s² = the held-out squared error beyond the sub-fit's
   * predictive variance, 0 unless a one-sided 5% test says it is not noise (extrapolation-amplitude.ts).
   * Not a default either: on the tuning seeds ℓ = 2 scored 0.009 better (seeds 1000–1011; the rule
   * asked ≥ 0.03) and 0.018 worse (1012–1031), ℓ = 1 0.058 worse; s² > 0 in 6–11% of farseer's
   * selects but also in 1–9% of the well-specified truths' (design-eig-tuning.md, "extrapolation error").
   */
  gpDiscrepancy?: GpDiscrepancyOptions;
}

export const DEFAULT_EIG_OPTIONS: EigOptions = { discrepancy: 0, covariance: 'laplace', modelAveraging: 'none', predictiveNu: 0, selection: 'ratio', gpDiscrepancy: undefined };

/** σ² factor of a Student-t predictive with ν degrees of freedom (1 when off). */
export function studentVarianceFactor(nu: number): number {
  if (nu === 0) return 1;
  if (!(nu > 2) || !Number.isFinite(nu)) throw new Error(`eig.predictiveNu must be 0 (off) or a finite number > 2 (got ${nu}): a t predictive has finite variance only for ν > 2`);
  return nu / (nu - 2);
}

/**
 * Expected-information-gain design: greedy picks of the best gain-for-cost run, each pick (and
 * every pending run first) conditioned on by a rank-one update, so a batch does not repeat itself.
 * The oracle is this same design handed the true parameters' posterior.
 */
export class EigDesign implements DesignStrategy {
  constructor(
    private readonly kind: GainKind = 'targeted',
    private readonly rule: CostRule = DEFAULT_COST_RULE,
    private readonly options: EigOptions = DEFAULT_EIG_OPTIONS,
  ) {
    if (options.gpDiscrepancy) validateGpOptions(options.gpDiscrepancy);
  }

  /** The 'extrapolation' amplitude, cached per set of done runs (one per design instance, i.e. per sweep). */
  private readonly extrapolation = new ExtrapolationAmplitude();

  /** The gain model over `configs`, with the opt-in refinements (all off by default) folded in. */
  private gainModel(context: DesignContext, posterior: Posterior, configs: Config[]): GainModel {
    let extraNoise = this.options.discrepancy > 0 ? discrepancyVariance(configs, context.targetConfigs ?? [], this.options.discrepancy, context.costOf) : undefined;
    const noiseScale = studentVarianceFactor(this.options.predictiveNu ?? 0);
    const gpOptions = this.options.gpDiscrepancy;
    if (!gpOptions) return new GainModel(context.law, posterior, configs, context.targets, this.kind, { extraNoise, noiseScale });
    const gpInput = { law: context.law, posterior, observations: context.observations ?? [], configs, targets: context.targets, targetConfigs: context.targetConfigs ?? [] };
    const amplitude =
      gpOptions.amplitude === 'extrapolation'
        ? this.extrapolation.estimate({ ...gpInput, lengthDecades: gpOptions.lengthDecades, loss: context.fitLoss ?? { kind: 'huber', delta: 1e-3 }, costOf: context.costOf }).s2
        : gpOptions.amplitude;
    const gp = augmentForDiscrepancy(gpInput, { ...gpOptions, amplitude });
    if (!gp) return new GainModel(context.law, posterior, configs, context.targets, this.kind, { extraNoise, noiseScale });
    extraNoise = extraNoise ? extraNoise.map((v, i) => v + gp.extraNoise[i]) : gp.extraNoise;
    return new GainModel(gp.law, gp.posterior, configs, gp.targets, this.kind, { extraNoise, noiseScale });
  }

  select(context: DesignContext): ProposedRun[] {
    const { posterior, open, pending } = context;
    if (!posterior) throw new Error('eig design needs a posterior');
    const affordable = open.filter((c) => c.cost <= context.remainingBudget);
    if (affordable.length === 0) return [];
    const configs = [...affordable.map((c) => c.config), ...pending];
    const model = this.gainModel(context, posterior, configs);
    for (let i = affordable.length; i < configs.length; i++) model.condition(i);
    const selection = this.options.selection ?? 'ratio';
    if (selection === 'budgeted') {
      return budgetedSelect(model, affordable, { budget: context.remainingBudget, totalBudget: context.totalBudget, rule: this.rule, minGain: MIN_USEFUL_GAIN }, context.k);
    }
    if (selection !== 'ratio') throw new Error(`eig.selection must be 'ratio' or 'budgeted' (got '${String(selection)}')`);
    const taken = new Uint8Array(affordable.length);
    const out: ProposedRun[] = [];
    let budget = context.remainingBudget;
    while (out.length < context.k) {
      const gains = model.gains();
      let best = -1;
      let bestScore = -Infinity;
      for (let c = 0; c < affordable.length; c++) {
        if (taken[c] || affordable[c].cost > budget || !(gains[c] > MIN_USEFUL_GAIN)) continue;
        const score = costScore(gains[c], affordable[c].cost, { remaining: budget, total: context.totalBudget }, this.rule);
        if (score > bestScore) {
          bestScore = score;
          best = c;
        }
      }
      if (best < 0) break;
      taken[best] = 1;
      out.push({ config: affordable[best].config, cost: affordable[best].cost, gain: gains[best] });
      budget -= affordable[best].cost;
      model.condition(best);
    }
    return out;
  }
}

/**
 * (τ·d)² per config: d is the log10-distance to the nearest target, leaving out the direction in
 * which cost grows (when `costOf` is given). Every candidate is far below the targets in compute by
 * construction, so distance along cost says nothing about a run's fitness; distance across it (for
 * cost 6ND: how far D/N is from the targets' D/N) is where the fitted family and the truth drift
 * apart (a full-distance variant, tried first, penalised every small run and did worse).
 */
export function discrepancyVariance(configs: Config[], targets: Config[], tau: number, costOf?: (config: Config) => number): Float64Array {
  const out = new Float64Array(configs.length);
  if (targets.length === 0) return out;
  const keys = targets.map((t) => Object.keys(t).filter((k) => t[k] > 0));
  const costDirections = targets.map((t, i) => (costOf ? logCostDirection(t, keys[i], costOf) : undefined));
  configs.forEach((config, c) => {
    let nearest = Infinity;
    targets.forEach((t, i) => {
      let d2 = 0;
      let along = 0;
      keys[i].forEach((key, k) => {
        const delta = config[key] > 0 ? Math.log10(config[key] / t[key]) : 0;
        d2 += delta * delta;
        along += delta * (costDirections[i]?.[k] ?? 0);
      });
      nearest = Math.min(nearest, Math.max(d2 - along * along, 0));
    });
    out[c] = tau * tau * nearest;
  });
  return out;
}

/** Unit vector of ∂ log cost / ∂ log x at a config (central differences); undefined if cost is flat or not finite there. */
function logCostDirection(config: Config, keys: string[], costOf: (config: Config) => number): number[] | undefined {
  const h = 0.01;
  const grad = keys.map((key) => {
    const up = costOf({ ...config, [key]: config[key] * Math.exp(h) });
    const down = costOf({ ...config, [key]: config[key] * Math.exp(-h) });
    return (Math.log(up) - Math.log(down)) / (2 * h);
  });
  const norm = Math.hypot(...grad);
  return norm > 0 && Number.isFinite(norm) ? grad.map((g) => g / norm) : undefined;
}
