/**
 * The contract of libs/law, shared with libs/design, the planner and the CLI.
 *
 * A law predicts the (natural-log) loss of a training config. It is fitted in an internal
 * parameterisation θ ("theta") chosen for conditioning (e.g. Chinchilla's log-sum-exp form with
 * e = log E); the user sees the natural parameters (E, A, B, alpha, beta). Covariances are in θ.
 */

/** A training config: values of the named variables, e.g. { N: 1e8, D: 2e9 }. */
export type Config = Record<string, number>;

/** One observed training run. */
export interface Observation {
  config: Config;
  loss: number;
}

export interface ParamSpec {
  /** θ coordinate name, e.g. 'e' for log E. */
  name: string;
  /** Bounds on θ (inclusive); fits keep θ inside them. */
  lower: number;
  upper: number;
}

export interface Law {
  readonly name: string;
  /** Variables a config must provide, e.g. ['N', 'D']. */
  readonly variables: readonly string[];
  /** θ coordinates with their bounds. */
  readonly theta: readonly ParamSpec[];
  /** Natural parameter names as the user reads them, e.g. ['E','A','B','alpha','beta']. */
  readonly paramNames: readonly string[];
  toParams(theta: ArrayLike<number>): Record<string, number>;
  toTheta(params: Record<string, number>): Float64Array;
  /** log of the predicted loss at config x. */
  logLoss(theta: ArrayLike<number>, x: Config): number;
  /** Writes d logLoss / dθ into `grad` (length = theta.length) and returns logLoss. */
  logLossGrad(theta: ArrayLike<number>, x: Config, grad: Float64Array): number;
  /** Starting points for the multi-start fit in θ (a small default grid). */
  defaultStarts(): number[][];
  /** The full starting grid (for chinchilla: Chinchilla's 4,500 points). Defaults to defaultStarts. */
  fullStarts(): number[][];
  /**
   * Optional fast path for fitting: precomputes per-point features (log N, log D, ...) once and
   * returns an evaluator of all points' log-losses and the row-major n × k Jacobian on flat arrays.
   * Laws without it are evaluated point by point through logLossGrad.
   */
  prepare?(configs: readonly Config[]): BatchEvaluator;
}

/** Evaluates a law at a fixed set of configs (see Law.prepare). */
export interface BatchEvaluator {
  readonly n: number;
  /** Writes log-loss predictions into logPred (length n) and, when given, d/dθ into jac (n × k, row-major). */
  evaluate(theta: ArrayLike<number>, logPred: Float64Array, jac: Float64Array | null): void;
}

export type LossFunction = { kind: 'mse' } | { kind: 'huber'; delta: number };

/**
 * A loss as asked for: a LossFunction, or Huber with δ chosen from the data ('huber:auto', see
 * libs/law fit-law.ts adaptiveHuberDelta). A fit always reports the concrete LossFunction it used.
 */
export type LossChoice = LossFunction | { kind: 'huber-auto' };

export interface FitOptions {
  loss?: LossChoice;
  /** 'default' (small grid), 'full' (e.g. Chinchilla's 4,500) or explicit θ starting points. */
  starts?: 'default' | 'full' | number[][];
  maxIterations?: number;
  /** Weak Gaussian prior on θ (as a fraction of each bound's width) so covariances exist with few points. */
  priorScale?: number;
}

/** One local optimum of the multi-start fit. */
export interface FitMode {
  theta: Float64Array;
  params: Record<string, number>;
  /** Objective value (sum of per-point losses) at this optimum. */
  objective: number;
  /** Laplace covariance of θ at this optimum (row-major, dim × dim). */
  covariance: number[][];
  /** Posterior weight of this mode (weights over all modes sum to 1). */
  weight: number;
  /** How many starting points ended here. */
  starts: number;
}

export interface FitResult {
  law: string;
  n: number;
  /** Best mode's θ, natural params, and natural-parameter standard errors (delta method). */
  theta: Float64Array;
  params: Record<string, number>;
  stderr: Record<string, number>;
  covariance: number[][];
  /** Residual noise of log-loss (σ), estimated with a weak prior while data are few. */
  sigma: number;
  rmse: number;
  objective: number;
  converged: boolean;
  iterations: number;
  loss: LossFunction;
  modes: FitMode[];
}

export interface Prediction {
  config: Config;
  loss: number;
  lower: number;
  upper: number;
  /** Standard deviation of the predicted log-loss (parameter uncertainty only). */
  logSd: number;
}
