import { costScore, DEFAULT_COST_RULE, type CostRule } from './cost-rule';

const budget = { remaining: 4e20, total: 1e21 };

describe('costScore', () => {
  it('charges every run at least minShare of the total budget, so among cheap runs the most informative wins', () => {
    const rule: CostRule = { exponent: 1, minShare: 0.02, floorOf: 'total' };
    // 1e16 and 1e19 FLOPs both sit under the 2e19 floor: same charge, so gain alone decides.
    expect(costScore(1, 1e16, budget, rule)).toBeCloseTo(costScore(1, 1e19, budget, rule), 30);
    expect(costScore(2, 1e16, budget, rule)).toBeGreaterThan(costScore(1, 1e19, budget, rule));
    // Above the floor the real cost counts.
    expect(costScore(1, 4e19, budget, rule)).toBeCloseTo(1 / 4e19, 30);
  });

  it("takes the floor from what is still free with floorOf 'remaining'", () => {
    const rule: CostRule = { exponent: 1, minShare: 0.1, floorOf: 'remaining' };
    expect(costScore(1, 1e16, budget, rule)).toBeCloseTo(1 / 4e19, 30);
    // Nothing free: no floor, the run's own cost.
    expect(costScore(1, 1e16, { remaining: 0, total: 1e21 }, rule)).toBeCloseTo(1e-16, 30);
  });

  it('softens the penalty on big runs with an exponent below 1', () => {
    const linear: CostRule = { exponent: 1, minShare: 0, floorOf: 'total' };
    const soft: CostRule = { exponent: 0.5, minShare: 0, floorOf: 'total' };
    // A run 100x dearer and 20x more informative loses under γ = 1 and wins under γ = 0.5.
    expect(costScore(20, 1e20, budget, linear)).toBeLessThan(costScore(1, 1e18, budget, linear));
    expect(costScore(20, 1e20, budget, soft)).toBeGreaterThan(costScore(1, 1e18, budget, soft));
  });

  it('default: runs under 5% of the total budget are charged alike, dearer ones by their cost (γ = 1)', () => {
    const atFloor = costScore(1, 0.05 * budget.total, budget, DEFAULT_COST_RULE);
    expect(costScore(1, 1e16, budget, DEFAULT_COST_RULE)).toBeCloseTo(atFloor, 30);
    // A run at 3% of the budget was charged its cost under the old 2% floor; now it pays the floor,
    // so it no longer beats an equally informative run at 5%.
    expect(costScore(1, 0.03 * budget.total, budget, DEFAULT_COST_RULE)).toBeCloseTo(atFloor, 30);
    expect(costScore(1, 0.1 * budget.total, budget, DEFAULT_COST_RULE) / atFloor).toBeCloseTo(0.5, 12);
  });
});
