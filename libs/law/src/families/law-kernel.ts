import type { ParamSpec } from '../law.types';

/**
 * What a built-in family hand-writes: per-point features (precomputed once per data set, e.g.
 * log N and log D) and a kernel computing log-loss and its analytic gradient from them.
 * BuiltInLaw turns a kernel into a Law with a fast batch evaluator.
 */
export interface LawKernel {
  name: string;
  variables: readonly string[];
  theta: readonly ParamSpec[];
  paramNames: readonly string[];
  toParams(theta: ArrayLike<number>): Record<string, number>;
  toTheta(params: Record<string, number>): number[];
  /** Number of features per point. */
  featureCount: number;
  /** Writes the features of a (validated) config into f at offset. */
  features(config: Record<string, number>, f: Float64Array, offset: number): void;
  /** log-loss at features f[offset..]; writes d/dθ into grad[goffset..] when grad is non-null. */
  evaluate(theta: ArrayLike<number>, f: Float64Array, offset: number, grad: Float64Array | null, goffset: number): number;
  defaultStarts(): number[][];
  fullStarts?(): number[][];
  /**
   * Optional fused loop over all points (features f, stride featureCount), for the hottest laws:
   * lets a kernel hoist per-θ work (e.g. exp(e)) out of the point loop.
   */
  evaluateBatch?(theta: ArrayLike<number>, f: Float64Array, n: number, logPred: Float64Array, jac: Float64Array | null): void;
}

/** Reads a required, finite, positive variable from a config, with an error naming it. */
export function positiveVariable(config: Record<string, number>, name: string, law: string): number {
  const v = config[name];
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new Error(`law ${law}: variable ${name} must be a finite positive number, got ${String(v)}`);
  }
  return v;
}
