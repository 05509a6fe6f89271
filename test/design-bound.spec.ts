import { getLaw } from '@lawsweep/law';
import { LinearisedPrecision, varianceBound } from '../bench/design-bound';

// The bound behind BENCHMARKS' "no design can reach 1/5 of the best fixed design's compute" claim:
// it must never exceed what an actual set of runs achieves, and its certificate must hold.
describe('design bound (bench/design-bound.ts)', () => {
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
    expect(bound.value - bound.lower).toBeLessThan(1e-3 * bound.value);
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
    // varianceOfSet agrees with the information form evaluated at weights 0/1.
    const weights = configs.map((_, i) => (i % 3 === 0 ? 1 : 0));
    const direct = model.variance(model.information(rows, weights)).value;
    expect(model.varianceOfSet(configs.filter((_, i) => i % 3 === 0))).toBeCloseTo(direct, 14);
  });
});
