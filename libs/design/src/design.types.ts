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
}
