import type { Config, Law } from './law.types';
import { SeededRandom } from './random';
import { builtInLawNames, getLaw } from './registry';

/** Scenario: every analytic Jacobian against central finite differences at random interior θ. */
function configFor(law: Law, rng: SeededRandom): Config {
  const n = Math.exp(Math.log(1e7) + rng.next() * Math.log(1e4));
  const d = n * Math.exp(Math.log(2) + rng.next() * Math.log(200));
  return { N: n, D: d, U: d / Math.exp(rng.next() * Math.log(50)), C: 6 * n * d };
}

function randomTheta(law: Law, rng: SeededRandom): Float64Array {
  // Stay in the middle of each bound so finite differences do not cross a bound or overflow.
  return Float64Array.from(law.theta, (p) => p.lower + (0.3 + 0.4 * rng.next()) * (p.upper - p.lower));
}

function checkJacobian(law: Law, theta: Float64Array, x: Config): void {
  const grad = new Float64Array(theta.length);
  const value = law.logLossGrad(theta, x, grad);
  expect(value).toBeCloseTo(law.logLoss(theta, x), 12);
  for (let j = 0; j < theta.length; j++) {
    const h = 1e-6 * Math.max(1, Math.abs(theta[j]));
    const plus = Float64Array.from(theta);
    const minus = Float64Array.from(theta);
    plus[j] += h;
    minus[j] -= h;
    const fd = (law.logLoss(plus, x) - law.logLoss(minus, x)) / (2 * h);
    expect(Math.abs(grad[j] - fd)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fd)));
  }
}

describe('analytic Jacobians agree with finite differences', () => {
  it.each(builtInLawNames())('%s', (name) => {
    const law = getLaw(name);
    const rng = new SeededRandom(7);
    for (let trial = 0; trial < 25; trial++) checkJacobian(law, randomTheta(law, rng), configFor(law, rng));
  });

  it('the batch evaluator matches logLossGrad point by point', () => {
    for (const name of builtInLawNames()) {
      const law = getLaw(name);
      const rng = new SeededRandom(3);
      const configs = Array.from({ length: 10 }, () => configFor(law, rng));
      const theta = randomTheta(law, rng);
      const k = theta.length;
      const pred = new Float64Array(10);
      const jac = new Float64Array(10 * k);
      law.prepare!(configs).evaluate(theta, pred, jac);
      const grad = new Float64Array(k);
      configs.forEach((c, i) => {
        expect(pred[i]).toBeCloseTo(law.logLossGrad(theta, c, grad), 12);
        for (let j = 0; j < k; j++) expect(jac[i * k + j]).toBeCloseTo(grad[j], 10);
      });
    }
  });

  it.each([
    ['chinchilla form', 'E + A / N^alpha + B / D^beta', { E: [0.5, 5], A: [1, 1e5], B: [1, 1e6], alpha: [0.05, 1], beta: [0.05, 1] }],
    ['exp, log, sqrt, pow', 'exp(c) + pow(N, -a) * sqrt(B) + log(D) / D^b', { c: [-1, 1], a: [0.05, 1], B: [1, 1e4], b: [0.05, 1] }],
  ] as const)('expression law: %s', (_name, expression, params) => {
    const law = getLaw({ expression, params: params as unknown as Record<string, [number, number]> });
    const rng = new SeededRandom(11);
    for (let trial = 0; trial < 25; trial++) checkJacobian(law, randomTheta(law, rng), configFor(law, rng));
  });
});
