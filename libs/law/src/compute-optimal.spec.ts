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
    expect(nTrue).toBeGreaterThan(opt.interval.N[0] / 1.5);
    expect(nTrue).toBeLessThan(opt.interval.N[1] * 1.5);
    // Seeded: the same call gives the same interval.
    expect(computeOptimal(truth.law, fit, c, { samples: 200, seed: 1 }).interval).toEqual(opt.interval);
  });

  it('accepts a custom cost model', () => {
    const theta = truth.law.toTheta(truth.params);
    const point = optimalAllocation(truth.law, theta, 1e21, { cost: (x) => 6 * x.N * x.D });
    const fast = optimalAllocation(truth.law, theta, 1e21);
    expect(point.N / fast.N).toBeCloseTo(1, 4);
  });
});
