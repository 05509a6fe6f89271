import type { Config } from '@lawsweep/law';
import type { Forecast } from './design.types';
import { searchBudgetForInterval, widestAfter } from './forecast-search';

/** A forecast whose half-width falls as 1/sqrt(1 + extra/1e20) from 4%, buying a run per 1e19, up to `cap` runs. */
function fake(committed: number, cap = Infinity) {
  const calls: number[] = [];
  const at = (budget: number): Forecast => {
    calls.push(budget);
    const runs = Math.min(Math.floor((budget - committed) / 1e19), cap);
    const cost = runs * 1e19;
    const width = 0.04 / Math.sqrt(1 + cost / 1e20);
    const config: Config = { N: 1, D: 1 };
    return {
      runs: Array.from({ length: runs }, () => ({ config, cost: 1e19, gain: 0 })),
      cost,
      targets: [{ config, now: { config, loss: 2, lower: 1.9, upper: 2.1, logSd: 0.03 }, halfWidthNow: 0.04, halfWidthAfter: width }],
      budgetBound: runs < cap,
      ...(runs === cap ? { stoppedBecause: 'every candidate config has been run or is in flight' } : {}),
    };
  };
  return { at, calls };
}

describe('searchBudgetForInterval', () => {
  it('finds the least total budget whose forecast reaches the interval, to within the tolerance', () => {
    const { at } = fake(1e20);
    // 0.04 / sqrt(1 + x/1e20) <= 0.01  <=>  x >= 15e20: a total of 1.6e21.
    const r = searchBudgetForInterval(0.01, 1e20, at);
    expect(r.reachable).toBe(true);
    expect(widestAfter(r.forecast)).toBeLessThanOrEqual(0.01);
    expect(r.budget).toBeGreaterThanOrEqual(1.6e21);
    expect(r.budget).toBeLessThanOrEqual(1.6e21 * 1.05 + 1e19);
  });

  it('answers what is committed when the interval is already reached', () => {
    const r = searchBudgetForInterval(0.05, 1e20, fake(1e20).at);
    expect(r).toMatchObject({ reachable: true, budget: 1e20 });
  });

  it('is out of reach, with the reason, when the design stops buying before the budget is used', () => {
    const r = searchBudgetForInterval(0.01, 1e20, fake(1e20, 50).at);
    expect(r.reachable).toBe(false);
    expect(r.reason).toBe('every candidate config has been run or is in flight');
    expect(widestAfter(r.forecast)).toBeGreaterThan(0.01);
  });

  it('starts from the sweep budget when nothing is committed yet (imported runs only), and ends', () => {
    const { at, calls } = fake(0);
    const r = searchBudgetForInterval(0.01, 0, at, { scale: 1e20 });
    expect(r.reachable).toBe(true);
    expect(r.budget).toBeGreaterThanOrEqual(1.5e21);
    expect(r.budget).toBeLessThanOrEqual(1.5e21 * 1.05 + 1e19);
    expect(calls.length).toBeLessThan(40);
    expect(() => searchBudgetForInterval(0.01, 0, at)).toThrow(/give options.scale/);
  });

  it('is out of reach when a forecast was cut short, saying so', () => {
    const cut = (budget: number): Forecast => ({ ...fake(1e20).at(budget), budgetBound: false, truncated: true, stoppedBecause: 'the forecast was cut short after planning 9 runs (its time limit): ask about a smaller budget' });
    const r = searchBudgetForInterval(0.001, 1e20, cut);
    expect(r).toMatchObject({ reachable: false, reason: expect.stringContaining('cut short') });
  });

  it('stops at the largest budget it may try', () => {
    const { at, calls } = fake(1e20);
    const r = searchBudgetForInterval(0.001, 1e20, at, { maxBudget: 1e22 });
    expect(r.reachable).toBe(false);
    expect(r.reason).toMatch(/not within 100× the sweep's budget/);
    expect(Math.max(...calls)).toBe(1e22);
  });
});
