import type { Config, FitResult, FitWarning, Observation, Prediction } from '@lawsweep/law';

/**
 * The contract between libs/design and its callers (the planner service and `lawsweep simulate`).
 * Both drive a sweep through one `SweepEngine`, so a sweep on the cluster and a simulated one make
 * the same decisions from the same data and seed.
 */

export type DesignName = 'eig' | 'grid' | 'isoflop' | 'random' | 'oracle';

export interface ProposedRun {
  config: Config;
  cost: number;
  /** Expected information gain (nats) of this run given the runs already chosen; 0 for baselines. */
  gain: number;
}

export interface ProposeRequest {
  /** Runs with results. */
  observations: Observation[];
  /** Runs in flight (chosen, not yet reported): the proposal conditions on them. */
  pending: Config[];
  /** Budget still free: total - spent - reserved. */
  remainingBudget: number;
  /** How many runs to propose at most. */
  k: number;
  /** The current fit, if the caller already has one for these observations (saves a refit). */
  fit?: FitResult;
  /** Step counter, mixed into the seed so each step is reproducible. */
  step: number;
  /**
   * Optional filter on candidates: only configs it accepts may be proposed. The planner uses it to
   * skip configs no live worker can hold (capacity) and configs it already has (imported or tried),
   * so the engine spends its picks on runs that can actually be bought.
   */
  accept?: (config: Config) => boolean;
  /**
   * Runs the sweep has planned so far, counted against stop.maxRuns as the store counts them (imports
   * excluded, failed runs included). Without it: the runs with results plus those in flight.
   */
  planned?: number;
}

export interface Proposal {
  runs: ProposedRun[];
  /** Set when the engine judges the sweep finished (no affordable useful run). */
  exhausted?: string;
}

export interface StopDecision {
  stop: boolean;
  reason?: string;
}

export interface SweepEngine {
  readonly design: DesignName;
  /** Candidate configs (grid filtered by constraints, or the explicit pool), with their costs. */
  candidates(): readonly ProposedRun[];
  costOf(config: Config): number;
  /** Fit the spec's law to these observations (multi-start, the spec's loss). */
  fit(observations: Observation[]): FitResult | undefined;
  /** Predicted loss with a 90% interval at each of the spec's targets. */
  predictTargets(fit: FitResult | undefined): Prediction[];
  /** What the data cannot pin about the fit (libs/law fitWarnings): a variable never varied, a parameter at a bound, ambiguous modes. */
  fitWarnings(fit: FitResult, observations: Observation[]): FitWarning[];
  propose(request: ProposeRequest): Proposal;
  /** The target-interval stop rule of the spec (stop.targetRelativeInterval). */
  shouldStop(fit: FitResult | undefined): StopDecision;
  /** What `extraBudget` more would buy: the runs this design would plan with it, and the targets' intervals after them. */
  forecast(request: ForecastRequest): Forecast;
}

export interface ForecastRequest {
  observations: Observation[];
  /** Runs in flight: they will report whatever the budget, so the forecast counts them in. */
  pending: Config[];
  fit: FitResult;
  /** Budget to plan with beyond what is spent and reserved. */
  extraBudget: number;
  /** Runs per planning step (the sweep's parallelism): each step conditions on the runs before it, as the planner does. */
  k: number;
  step: number;
  accept?: (config: Config) => boolean;
  /** As in ProposeRequest: runs planned so far, for stop.maxRuns. */
  planned?: number;
  /** Date.now() after which planning stops and the forecast says it was cut short. */
  deadline?: number;
}

export interface TargetForecast {
  config: Config;
  /** The prediction as the sweep shows it now. */
  now: Prediction;
  /** Half-width of its 90% interval relative to the prediction: now, and after the planned runs. */
  halfWidthNow: number;
  halfWidthAfter: number;
}

export interface Forecast {
  /** The runs planned with the extra budget (configs, costs), in the order they would be bought. */
  runs: ProposedRun[];
  cost: number;
  targets: TargetForecast[];
  /** Why planning stopped (the budget left pays for no candidate; no useful run left; stop.maxRuns). */
  stoppedBecause?: string;
  /** Whether more budget would buy more: some config the design may still pick costs more than was left (false once stop.maxRuns is reached or no config is left). */
  budgetBound: boolean;
  /** Planning hit the step cap or the deadline before the budget or the design ran out (see stoppedBecause). */
  truncated?: boolean;
}
