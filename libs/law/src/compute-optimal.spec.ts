import { computeOptimal, optimalAllocation, optimalConfig } from './compute-optimal';
import { fitLaw } from './fit-law';
import { getLaw, resolveTruth } from './registry';
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

/**
 * Scenario: the same allocation over a sweep's own names, an expression law over P (parameters)
 * and T (tokens) with cost 6·P·T: the names are only names, so it lands where chinchilla's
 * optimalAllocation over N and D does.
 */
describe('compute-optimal config over variables P and T', () => {
  const bounds: Record<string, [number, number]> = { E: [0.5, 5], A: [1, 1e5], B: [1, 1e6], alpha: [0.05, 1], beta: [0.05, 1] };
  const params = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
  const pt = getLaw({ expression: 'E + A / P^alpha + B / T^beta', params: bounds }, ['P', 'T']);
  const nd = getLaw({ expression: 'E + A / N^alpha + B / D^beta', params: bounds }, ['N', 'D']);

  it.each([1e19, 1e21, 1e23])('matches the same law over N and D at C = %d', (c) => {
    const p = optimalConfig(pt, pt.toTheta(params), c, { size: 'P', tokens: 'T' }, { cost: (x) => 6 * x.P * x.T });
    const n = optimalAllocation(nd, nd.toTheta(params), c);
    expect(Object.keys(p.config)).toEqual(['P', 'T']);
    expect(p.config.P / n.N).toBeCloseTo(1, 4);
    expect(p.config.T / n.D).toBeCloseTo(1, 4);
    expect(p.loss / n.loss).toBeCloseTo(1, 8);
    expect((6 * p.config.P * p.config.T) / c).toBeCloseTo(1, 6);
  });

  it('refuses the default 6·N·D cost for other names, saying to pass one', () => {
    expect(() => optimalConfig(pt, pt.toTheta(params), 1e21, { size: 'P', tokens: 'T' })).toThrow(/default cost is 6·N·D; pass options.cost for variables P and T/);
  });
});
