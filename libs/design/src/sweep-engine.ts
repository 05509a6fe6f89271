import type { SweepSpec } from '@lawsweep/contracts';
import { fitWarnings, parseLossFunction, predictMixture, SeededRandom, type Config, type FitResult, type FitWarning, type Law, type Observation, type Prediction, type Truth } from '@lawsweep/law';
import type { DesignName, Forecast, ForecastRequest, Proposal, ProposeRequest, ProposedRun, StopDecision, SweepEngine } from './design.types';
import { buildCandidates, configKey, SpecExpressions, type Candidate } from './candidates';
import type { DesignStrategy } from './design-strategy';
import { EigDesign } from './eig.design';
import { GridDesign } from './grid.design';
import { IsoflopDesign } from './isoflop.design';
import { RandomDesign } from './random.design';
import { lossTarget, type GainKind, type TargetFunction } from './information-gain';
import { optimalSizeTarget } from './optimal-size.target';
import { conditionPosterior, posteriorFromFit, priorGiven, priorPosterior, type Posterior } from './posterior';
import { predictUnderPosterior, relativeHalfWidth } from './target-prediction';
import { fitObservations, specLaw, truthInLaw } from './law-bridge';
import { DEFAULT_COST_RULE, type CostRule } from './cost-rule';

export interface SweepEngineOptions {
  design?: DesignName;
  /** The true law and parameters (required by `oracle`; also its noise level). */
  truth?: Truth;
  truthNoise?: number;
  seed?: number;
  /** Replay: the engine may only pick these configs. */
  pool?: Config[];
  gain?: GainKind;
  costRule?: CostRule;
  /** Default-grid starts added to the warm starts of each refit (fewer = faster refits). */
  fitStarts?: number;
}

const DEFAULT_FIT_STARTS = 8;

/** One sweep's design engine: candidates, fits, target predictions, and the chosen design's proposals. */
export class LawSweepEngine implements SweepEngine {
  readonly design: DesignName;
  readonly law: Law;
  readonly expressions: SpecExpressions;
  private readonly all: Candidate[];
  private readonly strategy: DesignStrategy;
  private readonly targetFns: TargetFunction[];
  private readonly seed: number;
  private readonly dim: number;
  private lastFit?: FitResult;
  private candidateList?: readonly ProposedRun[];
  /** configKey per config object: a planner passes the same observation objects every pass. */
  private readonly keys = new WeakMap<Config, string>();
  private oracleTheta?: Float64Array;

  constructor(
    readonly spec: SweepSpec,
    private readonly options: SweepEngineOptions = {},
  ) {
    this.design = options.design ?? spec.design;
    this.law = specLaw(spec);
    this.dim = this.law.theta.length;
    this.expressions = new SpecExpressions(spec);
    this.all = buildCandidates(spec, this.expressions, options.pool);
    this.seed = options.seed ?? spec.seed;
    this.targetFns = [
      ...spec.targets.map((t) => lossTarget(this.law, t)),
      ...(spec.targetCompute ?? []).map((c) => optimalSizeTarget(this.law, this.expressions, c)),
    ];
    if (this.design === 'oracle' && !options.truth) throw new Error("design 'oracle' needs the true law: only a simulate trainer has one (a replay pool does not); pick eig, grid, isoflop or random");
    this.strategy = this.makeStrategy();
  }

  private makeStrategy(): DesignStrategy {
    switch (this.design) {
      case 'eig':
      case 'oracle':
        return new EigDesign(this.options.gain ?? 'targeted', this.options.costRule ?? DEFAULT_COST_RULE);
      case 'grid':
        return new GridDesign();
      case 'isoflop':
        return new IsoflopDesign();
      case 'random':
        return new RandomDesign();
    }
  }

  private keyOf(config: Config): string {
    let key = this.keys.get(config);
    if (key === undefined) this.keys.set(config, (key = configKey(config, this.expressions.variables)));
    return key;
  }

  /** Every candidate, built once (the planner asks on every pass; callers must not change it). */
  candidates(): readonly ProposedRun[] {
    this.candidateList ??= this.all.map((c) => ({ config: c.config, cost: c.cost, gain: 0 }));
    return this.candidateList;
  }

  costOf(config: Config): number {
    return this.expressions.costOf(config);
  }

  /** Multi-start fit, warm-started from the previous fit's modes plus a few default starts. */
  fit(observations: Observation[]): FitResult | undefined {
    if (observations.length < this.dim + 1) return undefined;
    const defaults = this.law.defaultStarts();
    const count = Math.min(defaults.length, this.options.fitStarts ?? DEFAULT_FIT_STARTS);
    const sampled = Array.from({ length: count }, (_, i) => defaults[Math.floor((i * defaults.length) / count)]);
    const warm = (this.lastFit?.modes ?? []).map((m) => Array.from(m.theta));
    const fit = fitObservations(this.law, observations, { loss: parseLossFunction(this.spec.fit.loss), starts: [...warm, ...sampled] });
    this.lastFit = fit;
    return fit;
  }

  /** The belief designs use: the fit's modes, or the prior conditioned on the runs so far. */
  posterior(observations: Observation[], fit: FitResult | undefined): Posterior {
    if (!fit) return priorGiven(this.law, observations);
    return posteriorFromFit(fit, this.dim);
  }

  /** With a fit: libs/law's mixture prediction (the same numbers the planner's /fit shows); before one, the prior's. */
  fitWarnings(fit: FitResult, observations: Observation[]): FitWarning[] {
    return fitWarnings(this.law, fit, observations);
  }

  predictTargets(fit: FitResult | undefined): Prediction[] {
    if (fit && fit.modes.length > 0) return this.spec.targets.map((t) => predictMixture(this.law, fit, t, 0.9));
    const posterior = fit ? posteriorFromFit(fit, this.dim) : priorPosterior(this.law);
    return this.spec.targets.map((t) => predictUnderPosterior(this.law, posterior, t));
  }

  shouldStop(fit: FitResult | undefined): StopDecision {
    const wanted = this.spec.stop.targetRelativeInterval;
    if (wanted === undefined || !fit) return { stop: false };
    const widest = Math.max(...this.predictTargets(fit).map(relativeHalfWidth));
    return widest <= wanted
      ? { stop: true, reason: `every target's 90% interval is within ±${(widest * 100).toFixed(2)}% (asked ±${(wanted * 100).toFixed(2)}%)` }
      : { stop: false };
  }

  /** The oracle's belief: linearised at the true θ, the prior conditioned on every run at the true noise. */
  private oraclePosterior(observations: Observation[]): Posterior {
    const theta = (this.oracleTheta ??= truthInLaw(this.law, this.options.truth as Truth, this.all.map((c) => c.config)));
    const prior = priorPosterior(this.law);
    const sigma = Math.max(this.options.truthNoise ?? 0.005, 1e-4);
    const centred: Posterior = { dim: this.dim, sigma, modes: [{ theta, covariance: prior.modes[0].covariance, weight: 1 }] };
    return conditionPosterior(this.law, centred, observations.map((o) => o.config));
  }

  propose(request: ProposeRequest): Proposal {
    const maxRuns = this.spec.stop.maxRuns;
    const used = request.planned ?? request.observations.length + request.pending.length;
    if (maxRuns !== undefined && used >= maxRuns) return { runs: [], exhausted: `reached stop.maxRuns (${maxRuns})` };
    const taken = new Set([...request.observations.map((o) => o.config), ...request.pending].map((c) => this.keyOf(c)));
    // One pass over the candidates (up to 200,000, every plan pass): what is left, whether the budget
    // pays for any of it, and what `accept` takes. What `accept` refuses is not an end: no live
    // worker may hold a config yet (a bigger one may join); the caller decides whether to wait or stop.
    let untaken = 0;
    let cheapest = Infinity;
    const open: Candidate[] = [];
    for (const c of this.all) {
      if (taken.has(c.key)) continue;
      untaken++;
      cheapest = Math.min(cheapest, c.cost);
      if (!request.accept || request.accept(c.config)) open.push(c);
    }
    if (untaken === 0) return { runs: [], exhausted: `every candidate config (${this.all.length}) has been run or is in flight` };
    if (cheapest > request.remainingBudget) {
      const sci = (x: number) => x.toExponential(2).replace('e+', 'e');
      return { runs: [], exhausted: `no candidate run fits the remaining budget (${sci(request.remainingBudget)}; the cheapest left costs ${sci(cheapest)})` };
    }
    if (open.length === 0) return { runs: [] };
    const k = maxRuns !== undefined ? Math.min(request.k, maxRuns - used) : request.k;
    const needsPosterior = this.design === 'eig' || this.design === 'oracle';
    let posterior: Posterior | undefined;
    if (this.design === 'oracle') posterior = this.oraclePosterior(request.observations);
    else if (needsPosterior) posterior = this.posterior(request.observations, request.fit ?? this.fit(request.observations));
    const runs = this.strategy.select({
      law: this.law,
      open,
      all: this.all,
      pending: request.pending,
      remainingBudget: request.remainingBudget,
      totalBudget: this.spec.budget,
      k,
      rng: new SeededRandom(this.seed * 1_000_003 + request.step * 7919 + 17),
      posterior,
      targets: this.targetFns,
    });
    if (runs.length > 0) return { runs };
    return { runs, exhausted: needsPosterior ? 'no affordable candidate adds information' : `the ${this.design} design has no affordable run left` };
  }

  /**
   * What more budget would buy, before it is spent: plans the runs this design would make with
   * `extraBudget` (k per step, each step conditioning on every run before it, as the planner does
   * when workers free up; no losses needed, since under the linearised model a run's information
   * does not depend on its loss), then conditions the posterior of the current fit on the runs in
   * flight and the planned ones and reports each target's 90% half-width before and after. The
   * shown interval is scaled by the ratio of the linearised sds, so "now" is what the sweep shows.
   * A forecast, not a promise: it assumes the law and the fit's noise level hold, and modes the
   * runs cannot tell apart stay apart (bench/forecast-calibration.ts measures how it compares with
   * the intervals sweeps then reach).
   */
  forecast(request: ForecastRequest): Forecast {
    const { observations, fit } = request;
    const pending = [...request.pending];
    const runs: ProposedRun[] = [];
    let remaining = request.extraBudget;
    let stoppedBecause: string | undefined;
    let truncated = false;
    for (let step = 0; ; step++) {
      if (step >= MAX_FORECAST_STEPS || (request.deadline !== undefined && Date.now() > request.deadline)) {
        truncated = true;
        stoppedBecause = `the forecast was cut short after planning ${runs.length} runs (${step >= MAX_FORECAST_STEPS ? `${MAX_FORECAST_STEPS} planning steps` : 'its time limit'}): ask about a smaller budget`;
        break;
      }
      const planned = request.planned === undefined ? undefined : request.planned + runs.length;
      const proposal = this.propose({ observations, pending, remainingBudget: remaining, k: request.k, fit, step: request.step + step, accept: request.accept, planned });
      if (proposal.runs.length === 0) {
        stoppedBecause = proposal.exhausted ?? 'no run left that the design would buy';
        break;
      }
      for (const run of proposal.runs) {
        runs.push(run);
        pending.push(run.config);
        remaining -= run.cost;
      }
    }
    // The shown prediction is the fit's, which knows nothing of the runs in flight: both they and the
    // planned runs are what the sweep learns from here on.
    const before = this.posterior(observations, fit);
    const after = conditionPosterior(this.law, before, pending);
    const shown = this.predictTargets(fit);
    const targets = this.spec.targets.map((config, i) => {
      const sdBefore = predictUnderPosterior(this.law, before, config).logSd ?? 0;
      const sdAfter = predictUnderPosterior(this.law, after, config).logSd ?? 0;
      const halfWidthNow = relativeHalfWidth(shown[i]);
      return { config, now: shown[i], halfWidthNow, halfWidthAfter: sdBefore > 0 ? halfWidthNow * Math.min(sdAfter / sdBefore, 1) : halfWidthNow };
    });
    // Would more budget buy more? Only if some config the design may still pick costs more than what is left.
    const taken = new Set([...observations.map((o) => o.config), ...pending].map((c) => this.keyOf(c)));
    const maxRuns = this.spec.stop.maxRuns;
    const used = request.planned === undefined ? observations.length + pending.length : request.planned + runs.length;
    const budgetBound =
      !truncated && !(maxRuns !== undefined && used >= maxRuns) && this.all.some((c) => c.cost > remaining && !taken.has(c.key) && (!request.accept || request.accept(c.config)));
    return { runs, cost: request.extraBudget - remaining, targets, budgetBound, ...(truncated ? { truncated } : {}), ...(stoppedBecause ? { stoppedBecause } : {}) };
  }
}

/** Planning steps a forecast makes at most (each proposes up to k runs, as one plan pass does): bounds a request on a huge budget. */
const MAX_FORECAST_STEPS = 500;

export function createSweepEngine(spec: SweepSpec, options: SweepEngineOptions = {}): SweepEngine {
  return new LawSweepEngine(spec, options);
}
