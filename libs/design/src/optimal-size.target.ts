import type { Law } from '@lawsweep/law';
import type { SpecExpressions } from './candidates';
import type { TargetFunction } from './information-gain';

const GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * log N*(C): the compute-optimal model size at compute C under the spec's cost model, as a target
 * quantity for the information gain. N* minimises the law's loss along the isoFLOP cost(N, D) = C
 * (D found by bisection, cost assumed increasing in D); its gradient in θ is by central
 * differences, since N* is only defined through an optimisation. Needs variables N and D.
 */
export function optimalSizeTarget(law: Law, expressions: SpecExpressions, compute: number): TargetFunction {
  const dataFor = (n: number): number => {
    let lo = 0;
    let hi = 80;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (expressions.costOf({ N: n, D: Math.exp(mid) }) < compute) lo = mid;
      else hi = mid;
    }
    return Math.exp((lo + hi) / 2);
  };
  const logOptimum = (theta: ArrayLike<number>): number => {
    const f = (ln: number) => law.logLoss(theta, { N: Math.exp(ln), D: dataFor(Math.exp(ln)) });
    let a = Math.log(1e3);
    let b = Math.log(compute);
    for (let i = 0; i < 50; i++) {
      const x1 = b - GOLDEN * (b - a);
      const x2 = a + GOLDEN * (b - a);
      if (f(x1) < f(x2)) b = x2;
      else a = x1;
    }
    return (a + b) / 2;
  };
  return (theta, grad) => {
    const value = logOptimum(theta);
    const t = Float64Array.from(theta);
    for (let i = 0; i < t.length; i++) {
      const h = 1e-4 * Math.max(1, Math.abs(theta[i]));
      t[i] = theta[i] + h;
      const up = logOptimum(t);
      t[i] = theta[i] - h;
      const down = logOptimum(t);
      t[i] = theta[i];
      grad[i] = (up - down) / (2 * h);
    }
    return value;
  };
}
