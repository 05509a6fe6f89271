/**
 * How a run's information is weighed against its cost. Pure gain-per-cost buys the cheapest runs
 * forever (a 1e16-FLOP run is 10⁵× cheaper than a 1e21 one and never 10⁵× less informative about
 * anything), yet cheap runs have little leverage on a target far beyond the space. So each run is
 * charged at least `minShare` of the sweep's budget (of the free budget, with `floorOf: 'remaining'`)
 * — among runs cheaper than that, the most informative wins outright — and cost counts with
 * exponent γ ≤ 1, a softer penalty on the big runs that carry the extrapolation. Defaults were chosen on the tuning seeds of the design benchmark
 * (see BENCHMARKS.md), not on the reported ones.
 */
export interface CostRule {
  /** γ in gain / cost^γ. */
  exponent: number;
  /** Minimum charge per run, as a fraction of the free budget. */
  minShare: number;
  /** The floor is a share of the sweep's total budget, or of what is still free. */
  floorOf: 'total' | 'remaining';
}

export const DEFAULT_COST_RULE: CostRule = { exponent: 1, minShare: 0.02, floorOf: 'total' };

export function costScore(gain: number, cost: number, budget: { remaining: number; total: number }, rule: CostRule): number {
  const base = rule.floorOf === 'total' ? budget.total : budget.remaining;
  const charged = Math.max(cost, rule.minShare * Math.max(base, 0), Number.MIN_VALUE);
  return gain / Math.pow(charged, rule.exponent);
}
