import { getLaw } from '@lawsweep/law';
import { inverse, Matrix, solve } from 'ml-matrix';
import { parseSweepSpec } from '@lawsweep/contracts';
import { buildCandidates, SpecExpressions } from './candidates';
import { designEfficiencies, LinearisedPrecision, varianceBound } from './design-bound';
import { priorPosterior } from './posterior';
import type { SimulateResult } from './simulate-sweep';

// The bound behind BENCHMARKS' "no design can reach 1/5 of the best fixed design's compute" claim:
// it must never exceed what an actual set of runs achieves, and its certificate must hold.
describe('design bound (design-bound.ts)', () => {
  const law = getLaw('chinchilla');
  const theta = law.toTheta({ E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 });
  const targets = [{ N: 3e10, D: 6e11 }, { N: 7e10, D: 1.4e12 }];
  const model = new LinearisedPrecision(law, theta, 0.005, targets);
  const configs = [1e7, 3e7, 1e8, 3e8, 1e9, 3e9].flatMap((N) => [5, 50].map((r) => ({ N, D: N * r })));
  const rows = configs.map((c) => model.grad(c));
  const costs = configs.map((c) => 6 * c.N * c.D);

  it('lies below every set of runs within the budget, and close to the best one (brute force over all 4,096 sets)', () => {
    const budget = 0.3 * costs.reduce((a, b) => a + b, 0);
    const bound = varianceBound(model, rows, costs, budget);
    expect(bound.lower).toBeLessThanOrEqual(bound.value);
    expect(bound.value - bound.lower).toBeLessThanOrEqual(1e-3 * bound.value);
    let best = Infinity;
    for (let mask = 0; mask < 1 << configs.length; mask++) {
      const set = configs.filter((_, i) => mask & (1 << i));
      const cost = costs.reduce((acc, c, i) => acc + (mask & (1 << i) ? c : 0), 0);
      if (cost > budget) continue;
      best = Math.min(best, model.varianceOfSet(set));
    }
    expect(bound.lower).toBeLessThanOrEqual(best);
    // The relaxation is not vacuous: the best 0/1 set is within a factor 2 of it here.
    expect(best).toBeLessThan(2 * bound.lower);
  });

  it('falls as the budget grows and matches a direct computation of the variance', () => {
    const total = costs.reduce((a, b) => a + b, 0);
    const small = varianceBound(model, rows, costs, 0.1 * total);
    const large = varianceBound(model, rows, costs, 0.3 * total);
    expect(large.lower).toBeLessThan(small.lower);
    // varianceOfSet against V(S) = Σ_t g_tᵀ (M0 + JᵀJ/σ²)⁻¹ g_t computed apart, with ml-matrix, from the
    // law's gradients and the prior's covariance.
    const set = configs.filter((_, i) => i % 3 === 0);
    const gradOf = (c: { N: number; D: number }) => {
      const row = new Float64Array(theta.length);
      law.logLossGrad(theta, c, row);
      return Array.from(row);
    };
    const p = theta.length;
    const m0 = inverse(Matrix.from1DArray(p, p, Array.from(priorPosterior(law).modes[0].covariance)));
    const j = new Matrix(set.map(gradOf));
    const m = m0.add(j.transpose().mmul(j).div(0.005 * 0.005));
    const direct = targets.reduce((acc, t) => {
      const g = Matrix.columnVector(gradOf(t));
      return acc + g.transpose().mmul(solve(m, g)).get(0, 0);
    }, 0);
    expect(model.varianceOfSet(set) / direct).toBeCloseTo(1, 8);
    // …and the information form at weights 0/1 is the same set.
    const weights = configs.map((_, i) => (i % 3 === 0 ? 1 : 0));
    expect(model.variance(model.information(rows, weights)).value / direct).toBeCloseTo(1, 8);
  });

  it("rates runs of every candidate at their total cost as fully efficient, and a subset of them below", () => {
    const parsed = parseSweepSpec({
      name: 'bound',
      law: 'chinchilla',
      variables: { N: { min: 1e7, max: 1e9, steps: 5, scale: 'log' }, D: { min: 1e8, max: 1e11, steps: 6, scale: 'log' } },
      constraints: ['D / N >= 2'],
      cost: '6 * N * D',
      budget: 1e20,
      targets: [{ N: 7e10, D: 1.4e12 }],
      trainer: { type: 'simulate', truth: 'tied', noise: 0.005 },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const spec = parsed.spec;
    const all = buildCandidates(spec, new SpecExpressions(spec));
    const total = all.reduce((a, c) => a + c.cost, 0);
    const half = all.filter((_, i) => i % 2 === 0);
    const result = (runs: typeof all, budget: number): SimulateResult => ({
      design: 'grid',
      seeds: [{ seed: 0, ended: 'budget', checkpoints: [{ budget, spent: runs.reduce((a, c) => a + c.cost, 0), runs: runs.map((c) => c.config), losses: runs.map(() => 3), params: {}, targets: [] }] }],
    });
    const out = designEfficiencies(spec, [result(all, total), result(half, total)]);
    if (!out || !('designs' in out)) throw new Error(`expected efficiencies, got ${JSON.stringify(out)}`);
    expect(out.projected).toBe(true); // the tied law fitted as chinchilla: projected (exactly, α = β)
    const [full, partial] = out.designs.map((d) => d.checkpoints[0].share);
    expect(full).toBeGreaterThan(0.99);
    expect(full).toBeLessThanOrEqual(1);
    expect(partial).toBeLessThan(0.9);
    expect(designEfficiencies({ ...spec, trainer: { type: 'replay', file: 'x.csv' } } as typeof spec, [])).toBeUndefined();
    // Too many candidates for the bound: skipped, saying why and how to make it run.
    expect(designEfficiencies(spec, [result(all, total)], all.length - 1)).toEqual({ skipped: expect.stringMatching(new RegExp(`^${all.length} candidates, more than the ${all.length - 1} .*fewer steps make it run$`)) });
  });
});
