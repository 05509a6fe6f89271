import type { BatchEvaluator, Config, Law, ParamSpec } from '../law.types';
import type { LawKernel } from './law-kernel';

/** A Law backed by a hand-written kernel (analytic Jacobian, precomputed features). */
export class BuiltInLaw implements Law {
  readonly name: string;
  readonly variables: readonly string[];
  readonly theta: readonly ParamSpec[];
  readonly paramNames: readonly string[];
  private readonly scratch: Float64Array;

  constructor(private readonly kernel: LawKernel) {
    this.name = kernel.name;
    this.variables = kernel.variables;
    this.theta = kernel.theta;
    this.paramNames = kernel.paramNames;
    this.scratch = new Float64Array(kernel.featureCount);
  }

  toParams(theta: ArrayLike<number>): Record<string, number> {
    return this.kernel.toParams(theta);
  }

  toTheta(params: Record<string, number>): Float64Array {
    for (const p of this.paramNames) {
      if (typeof params[p] !== 'number' || !Number.isFinite(params[p])) {
        throw new Error(`law ${this.name}: parameter ${p} is missing or not a finite number`);
      }
    }
    return Float64Array.from(this.kernel.toTheta(params));
  }

  logLoss(theta: ArrayLike<number>, x: Config): number {
    this.kernel.features(x, this.scratch, 0);
    return this.kernel.evaluate(theta, this.scratch, 0, null, 0);
  }

  logLossGrad(theta: ArrayLike<number>, x: Config, grad: Float64Array): number {
    this.kernel.features(x, this.scratch, 0);
    return this.kernel.evaluate(theta, this.scratch, 0, grad, 0);
  }

  defaultStarts(): number[][] {
    return this.kernel.defaultStarts();
  }

  fullStarts(): number[][] {
    return this.kernel.fullStarts ? this.kernel.fullStarts() : this.kernel.defaultStarts();
  }

  prepare(configs: readonly Config[]): BatchEvaluator {
    const nf = this.kernel.featureCount;
    const k = this.theta.length;
    const f = new Float64Array(configs.length * nf);
    configs.forEach((c, i) => this.kernel.features(c, f, i * nf));
    const kernel = this.kernel;
    const n = configs.length;
    if (kernel.evaluateBatch) {
      const batch = kernel.evaluateBatch;
      return { n, evaluate: (theta, logPred, jac) => batch(theta, f, n, logPred, jac) };
    }
    return {
      n,
      evaluate(theta, logPred, jac) {
        for (let i = 0; i < n; i++) logPred[i] = kernel.evaluate(theta, f, i * nf, jac, i * k);
      },
    };
  }
}
