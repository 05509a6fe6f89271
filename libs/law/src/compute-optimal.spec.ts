import { computeOptimal, optimalAllocation } from './compute-optimal';
import { fitLaw } from './fit-law';
import { resolveTruth } from './registry';
import { sweepGrid, synthesize } from './testing/synthetic-runs';

/**
 * Scenario: compute-optimal allocation for chinchilla under C = 6ND against the closed form
 * (Hoffmann et al. 2022, eq. 4): N* = G (C/6)^(β/(α+β)), D* = G⁻¹ (C/6)^(α/(α+β)),
 * G = (αA/(βB))^(1/(α+β)).
 */
describe('compute-optimal allocation', () => {
  const truth = resolveTruth('epoch');
  const { A, B, alpha, beta } = truth.params;
  const G = Math.pow((alpha * A) / (beta * B), 1 / (alpha + beta));

  it.each([1e19, 1e21, 5.76e23, 1e25])('matches the closed form at C = %d', (c) => {
    const point = optimalAllocation(truth.law, truth.law.toTheta(truth.params), c);
    expect(point.N / (G * Math.pow(c / 6, beta / (alpha + beta)))).toBeCloseTo(1, 6);
    expect(point.D / (Math.pow(c / 6, alpha / (alpha + beta)) / G)).toBeCloseTo(1, 6);
    expect(6 * point.N * point.D).toBeCloseTo(c, -Math.floor(Math.log10(c)) + 6);
  });

  it('gives intervals that contain the estimate and the truth, from a fit to synthetic runs', () => {
    const fit = fitLaw(truth.law, synthesize(truth.law, truth.params, sweepGrid(), 0.005, 1), { loss: { kind: 'mse' } });
    const c = 1e22;
    const opt = computeOptimal(truth.law, fit, c, { samples: 200, seed: 1 });
    expect(opt.interval.N[0]).toBeLessThanOrEqual(opt.N);
    expect(opt.interval.N[1]).toBeGreaterThanOrEqual(opt.N);
    const nTrue = G * Math.pow(c / 6, beta / (alpha + beta));
    expect(nTrue).toBeGreaterThan(opt.interval.N[0]);
    expect(nTrue).toBeLessThan(opt.interval.N[1]);
    // An interval, not a point: 0.5% noise on 56 runs leaves N*(1e22) uncertain by several percent.
    expect(opt.interval.N[1] / opt.interval.N[0]).toBeGreaterThan(1.05);
    expect(opt.interval.N[1] / opt.interval.N[0]).toBeLessThan(2);
    // Seeded: the same call gives the same interval.
    expect(computeOptimal(truth.law, fit, c, { samples: 200, seed: 1 }).interval).toEqual(opt.interval);
  });

  it('accepts a custom cost model', () => {
    const theta = truth.law.toTheta(truth.params);
    // 6ND as a custom function takes the bisection path for D, and must agree with the closed path.
    const point = optimalAllocation(truth.law, theta, 1e21, { cost: (x) => 6 * x.N * x.D });
    const fast = optimalAllocation(truth.law, theta, 1e21);
    expect(point.N / fast.N).toBeCloseTo(1, 4);
    // A dearer cost (12ND, e.g. counting the backward pass twice): C buys what C/2 buys under 6ND.
    const dear = optimalAllocation(truth.law, theta, 1e21, { cost: (x) => 12 * x.N * x.D });
    const half = optimalAllocation(truth.law, theta, 5e20);
    expect((12 * dear.N * dear.D) / 1e21).toBeCloseTo(1, 6);
    expect(dear.N / half.N).toBeCloseTo(1, 4);
    expect(dear.D / half.D).toBeCloseTo(1, 4);
  });
});
