import { SeededRandom, type Config, type Law } from '@lawsweep/law';
import { budgetedSelect, greedyPlan, MIN_PLAN_LENGTH, PLAN_WORK } from './budgeted-selection';
import type { Candidate } from './candidates';
import { DEFAULT_COST_RULE, type CostRule } from './cost-rule';
import { EigDesign, DEFAULT_EIG_OPTIONS } from './eig.design';
import { GainModel, lossTarget } from './information-gain';
import type { Posterior } from './posterior';

/**
 * Scenario: one parameter θ, log-loss = θ·x, so a run at x has leverage x² and the gain about a
 * target at x_t is ½ log(precision after / before) — the textbook case where the knapsack bites.
 * Budget 100. Ten cheap runs (x = 1, cost 1): each alone ½ log 2 = 0.35 nats for cost 1. One dear run
 * (x = 10, cost 100): ½ log 101 = 2.31 nats for cost 100. Ratio-greedy takes a cheap run first
 * (0.35 per unit against 0.023), after which the dear run no longer fits, and ends with all ten:
 * ½ log 11 = 1.20 nats. The budgeted plan with the dear run is worth 2.31 nats and must win.
 */
const linearLaw: Law = {
  name: 'linear-1d',
  variables: ['x'],
  theta: [{ name: 't', lower: -10, upper: 10 }],
  paramNames: ['t'],
  toParams: (t) => ({ t: t[0] }),
  toTheta: (p) => Float64Array.from([p.t]),
  logLoss: (t, x) => t[0] * x.x,
  logLossGrad: (t, x, grad) => {
    grad[0] = x.x;
    return t[0] * x.x;
  },
  defaultStarts: () => [[0]],
  fullStarts: () => [[0]],
};

const sigma = 0.1;
// Prior variance σ²: a run at x = 1 doubles the precision, the x = 10 run multiplies it by 101.
const posterior: Posterior = { dim: 1, sigma, modes: [{ theta: Float64Array.from([1]), covariance: Float64Array.from([sigma * sigma]), weight: 1 }] };
const cheap: Candidate[] = Array.from({ length: 10 }, (_, i) => ({ config: { x: 1, i }, cost: 1, key: `cheap${i}` }));
const dear: Candidate = { config: { x: 10, i: 99 }, cost: 100, key: 'dear' };
const candidates = [...cheap, dear];
const target: Config = { x: 50 };
const pureRatio: CostRule = { exponent: 1, minShare: 0, floorOf: 'total' };
const budget = 100;

function model(): GainModel {
  return new GainModel(linearLaw, posterior, candidates.map((c) => c.config), [lossTarget(linearLaw, target)]);
}

function context(k: number) {
  return { law: linearLaw, open: candidates, all: candidates, pending: [], remainingBudget: budget, totalBudget: budget, k, rng: new SeededRandom(1), posterior, targets: [lossTarget(linearLaw, target)] };
}

describe('budgeted selection: one dear informative run against many cheap weak ones', () => {
  it('ratio-greedy buys the ten cheap runs (1.20 nats); the plan seeded with the dear run is worth 2.31 nats', () => {
    const settings = { budget, totalBudget: budget, rule: pureRatio, minGain: 1e-6, maxLength: 100 };
    const ratio = greedyPlan(model(), candidates, settings, 'ratio');
    expect(ratio.picks).toHaveLength(10);
    expect(ratio.picks).not.toContain(10);
    expect(ratio.total).toBeCloseTo(0.5 * Math.log(11), 10);
    const seeded = greedyPlan(model(), candidates, settings, 'ratio', 10);
    expect(seeded.picks).toEqual([10]);
    expect(seeded.total).toBeCloseTo(0.5 * Math.log(101), 10);
  });

  it.each([
    ['pure gain / cost', pureRatio],
    ['the default cost rule (5% floor)', DEFAULT_COST_RULE],
  ])("with %s, eig's 'ratio' selection picks a cheap run and 'budgeted' the dear one", (_, rule) => {
    const ratio = new EigDesign('targeted', rule, { ...DEFAULT_EIG_OPTIONS, selection: 'ratio' }).select(context(1));
    const budgeted = new EigDesign('targeted', rule, { ...DEFAULT_EIG_OPTIONS, selection: 'budgeted' }).select(context(1));
    expect(ratio[0].config.x).toBe(1);
    expect(budgeted.map((r) => r.config.x)).toEqual([10]);
    expect(budgeted[0].gain).toBeCloseTo(0.5 * Math.log(101), 10);
  });

  it('keeps the ratio plan (today\'s picks, in order) when no other plan carries more information', () => {
    // Without the dear run the ratio plan is the best one: budgeted must return exactly ratio's batch.
    const only = cheap.slice(0, 6);
    const ctx = { ...context(4), open: only, all: only };
    const ratio = new EigDesign('targeted', DEFAULT_COST_RULE, { ...DEFAULT_EIG_OPTIONS, selection: 'ratio' }).select(ctx);
    const budgeted = new EigDesign('targeted', DEFAULT_COST_RULE, { ...DEFAULT_EIG_OPTIONS, selection: 'budgeted' }).select(ctx);
    expect(budgeted.map((r) => r.config.i)).toEqual(ratio.map((r) => r.config.i));
    expect(budgeted.map((r) => r.gain)).toEqual(ratio.map((r) => r.gain));
  });

  it('does not alter the model it plans on (plans condition a clone)', () => {
    const m = model();
    const before = Array.from(m.gains());
    budgetedSelect(m, candidates, { budget, totalBudget: budget, rule: pureRatio, minGain: 1e-6 }, 3);
    expect(Array.from(m.gains())).toEqual(before);
  });

  it('bounds plan length by the work limit at large pools', () => {
    const many: Candidate[] = Array.from({ length: 4000 }, (_, i) => ({ config: { x: 0.01 + i * 1e-6, i }, cost: 1, key: `c${i}` }));
    const m = new GainModel(linearLaw, posterior, many.map((c) => c.config), [lossTarget(linearLaw, target)]);
    const runs = budgetedSelect(m, many, { budget: 1e6, totalBudget: 1e6, rule: pureRatio, minGain: 0 }, 1000);
    expect(runs).toHaveLength(Math.max(MIN_PLAN_LENGTH, Math.floor(PLAN_WORK / many.length)));
  });

  it('rejects an unknown selection with a message naming the option', () => {
    const design = new EigDesign('targeted', DEFAULT_COST_RULE, { ...DEFAULT_EIG_OPTIONS, selection: 'knapsack' as 'ratio' });
    expect(() => design.select(context(1))).toThrow(/eig\.selection must be 'ratio' or 'budgeted'/);
  });
});
