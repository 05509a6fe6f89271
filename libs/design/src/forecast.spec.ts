import { checkpointHalfWidth } from './design-comparison';
import { searchBudgetForInterval, widestAfter } from './forecast-search';
import { createSweepEngine } from './sweep-engine';
import { simulateSweep } from './simulate-sweep';
import { testSpec } from './testing/spec-fixtures';

describe('forecast: what more budget would buy', () => {
  const spec = testSpec({ budget: 3e19, parallelism: 3 });
  const first = simulateSweep(spec, { design: 'eig', seed: 7 });
  const cp = first.checkpoints[0];
  const observations = cp.runs.map((config, i) => ({ config, loss: cp.losses[i] }));
  const engineFor = (budget: number) => createSweepEngine({ ...spec, budget }, { seed: 7 });
  const fit = engineFor(3e19).fit(observations)!;
  const forecast = (budget: number, pending = [] as typeof cp.runs, accept?: (c: (typeof cp.runs)[number]) => boolean) =>
    engineFor(budget).forecast({ observations, pending, fit, extraBudget: budget - cp.spent, k: 3, step: observations.length, accept });

  it('plans nothing without more budget, and then the interval is the one shown now', () => {
    const f = forecast(cp.spent);
    expect(f.runs).toEqual([]);
    expect(f.cost).toBe(0);
    expect(f.stoppedBecause).toMatch(/remaining budget/);
    const shown = engineFor(3e19).predictTargets(fit)[0];
    expect(f.targets[0].now.loss).toBeCloseTo(shown.loss, 12);
    expect(f.targets[0].halfWidthAfter).toBeCloseTo(f.targets[0].halfWidthNow, 12);
  });

  it('narrows the interval the more budget it plans with, buying new configs within the budget', () => {
    const small = forecast(1e20);
    const large = forecast(3e20);
    expect(small.runs.length).toBeGreaterThan(0);
    expect(large.runs.length).toBeGreaterThan(small.runs.length);
    expect(small.cost).toBeLessThanOrEqual(1e20 - cp.spent);
    expect(large.cost).toBeLessThanOrEqual(3e20 - cp.spent);
    expect(small.targets[0].halfWidthAfter).toBeLessThan(small.targets[0].halfWidthNow);
    expect(large.targets[0].halfWidthAfter).toBeLessThan(small.targets[0].halfWidthAfter);
    const seen = new Set(cp.runs.map((c) => JSON.stringify(c)));
    for (const r of large.runs) expect(seen.has(JSON.stringify(r.config))).toBe(false);
  });

  it('counts runs in flight as information to come, and never plans a config `accept` refuses', () => {
    const base = forecast(1e20);
    const inFlight = base.runs.slice(0, 3).map((r) => r.config);
    const withPending = forecast(1e20, inFlight);
    for (const r of withPending.runs) expect(inFlight).not.toContainEqual(r.config);
    const refused = new Set(base.runs.slice(0, 2).map((r) => JSON.stringify(r.config)));
    const filtered = forecast(1e20, [], (c) => !refused.has(JSON.stringify(c)));
    for (const r of filtered.runs) expect(refused.has(JSON.stringify(r.config))).toBe(false);
  });

  it('says so when it is cut short by its deadline, and then does not claim more budget would buy more', () => {
    const f = engineFor(3e20).forecast({ observations, pending: [], fit, extraBudget: 3e20 - cp.spent, k: 3, step: 0, deadline: Date.now() - 1 });
    expect(f).toMatchObject({ runs: [], truncated: true, budgetBound: false });
    expect(f.stoppedBecause).toMatch(/cut short after planning 0 runs \(its time limit\)/);
  });

  it('counts stop.maxRuns as the store does when told the runs planned (imports excluded)', () => {
    // A budget far beyond what the runs left cost, so only maxRuns ends the plan.
    const limited = createSweepEngine({ ...spec, budget: 1e23, stop: { maxRuns: observations.length + 2 } }, { seed: 7 });
    const byObservations = limited.forecast({ observations, pending: [], fit, extraBudget: 1e23 - cp.spent, k: 3, step: 0 });
    expect(byObservations.runs).toHaveLength(2);
    // Were half the runs imported, the sweep has planned only the other half: more runs are left.
    const byPlanned = limited.forecast({ observations, pending: [], fit, extraBudget: 1e23 - cp.spent, k: 3, step: 0, planned: Math.floor(observations.length / 2) });
    expect(byPlanned.runs.length).toBe(observations.length + 2 - Math.floor(observations.length / 2));
    expect(byPlanned.budgetBound).toBe(false);
    expect(byPlanned.stoppedBecause).toMatch(/stop.maxRuns/);
  });

  it('comes close to the interval the sweep then shows when it goes on to the larger budget (simulated, this seed)', () => {
    const f = forecast(3e20);
    const second = simulateSweep({ ...spec, budget: 3e20 }, { design: 'eig', seed: 7, checkpoints: [3e20], start: { observations, spent: cp.spent } });
    const realised = checkpointHalfWidth(second.checkpoints[0]);
    const forecastWidth = f.targets[0].halfWidthAfter;
    expect(realised / forecastWidth).toBeGreaterThan(0.75);
    expect(realised / forecastWidth).toBeLessThan(1.25);
    // The realised interval is well below the one at the smaller budget: the test is not trivially met.
    expect(realised).toBeLessThan(0.8 * f.targets[0].halfWidthNow);
  });
});

describe('the budget for an interval, searched over forecasts', () => {
  it('finds a budget at which the sweep, going on, shows about the interval asked', () => {
    const spec = testSpec({ budget: 3e19, parallelism: 3 });
    const cp = simulateSweep(spec, { design: 'eig', seed: 7 }).checkpoints[0];
    const observations = cp.runs.map((config, i) => ({ config, loss: cp.losses[i] }));
    const fit = createSweepEngine(spec, { seed: 7 }).fit(observations)!;
    const at = (budget: number) => createSweepEngine({ ...spec, budget }, { seed: 7 }).forecast({ observations, pending: [], fit, extraBudget: budget - cp.spent, k: 3, step: 0 });
    const wanted = 0.5 * at(cp.spent).targets[0].halfWidthNow;
    const found = searchBudgetForInterval(wanted, cp.spent, at);
    expect(found.reachable).toBe(true);
    expect(widestAfter(found.forecast)).toBeLessThanOrEqual(wanted);
    expect(widestAfter(at(found.budget / 1.1))).toBeGreaterThan(wanted); // the least budget, within the tolerance
    const second = simulateSweep({ ...spec, budget: found.budget }, { design: 'eig', seed: 7, checkpoints: [found.budget], start: { observations, spent: cp.spent } });
    const realised = checkpointHalfWidth(second.checkpoints[0]);
    expect(realised / wanted).toBeGreaterThan(0.75);
    expect(realised / wanted).toBeLessThan(1.25);
  });
});

describe('simulateSweep start: going on from runs already made', () => {
  it('keeps the runs, counts their spend, and never buys their configs again', () => {
    const spec = testSpec({ budget: 1e20, parallelism: 3 });
    const first = simulateSweep({ ...spec, budget: 3e19 }, { design: 'eig', seed: 3 }).checkpoints[0];
    const observations = first.runs.map((config, i) => ({ config, loss: first.losses[i] }));
    const next = simulateSweep(spec, { design: 'eig', seed: 3, start: { observations, spent: first.spent } }).checkpoints[0];
    expect(next.runs.slice(0, observations.length)).toEqual(first.runs);
    expect(next.losses.slice(0, observations.length)).toEqual(first.losses);
    expect(next.runs.length).toBeGreaterThan(first.runs.length);
    expect(new Set(next.runs.map((c) => JSON.stringify(c))).size).toBe(next.runs.length);
    expect(next.spent).toBeGreaterThan(first.spent);
    expect(next.spent).toBeLessThanOrEqual(1e20);
  });
});
