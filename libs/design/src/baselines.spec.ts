import { isoflopPlan } from './isoflop.design';
import { spaceFillingOrder } from './grid.design';
import type { DesignName } from './design.types';
import { createSweepEngine } from './sweep-engine';
import { resolveTruth } from '@lawsweep/law';
import { testSpec } from './testing/spec-fixtures';

const designs: DesignName[] = ['grid', 'isoflop', 'random', 'eig', 'oracle'];

describe('every design proposes affordable runs inside the constraints', () => {
  const spec = testSpec({ budget: 3e20 });
  const truth = resolveTruth('chinchilla');

  it.each(designs)('%s', (design) => {
    const engine = createSweepEngine(spec, { design, truth, seed: 3 });
    const keys = new Set(engine.candidates().map((c) => JSON.stringify(c.config)));
    const remaining = 5e19;
    const pending = [engine.candidates()[0].config];
    const { runs } = engine.propose({ observations: [], pending, remainingBudget: remaining, k: 6, step: 0 });
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.reduce((s, r) => s + r.cost, 0)).toBeLessThanOrEqual(remaining);
    for (const run of runs) {
      expect(keys.has(JSON.stringify(run.config))).toBe(true);
      expect(run.config.D / run.config.N).toBeGreaterThanOrEqual(1);
      expect(run.config.D / run.config.N).toBeLessThanOrEqual(1000 * (1 + 1e-12));
      expect(run.cost).toBeCloseTo(engine.costOf(run.config), -3);
      expect(run.config).not.toEqual(pending[0]);
    }
    expect(new Set(runs.map((r) => JSON.stringify(r.config))).size).toBe(runs.length);
  });

  it("grid's space-filling order does not depend on float noise in the candidates (ties broken by index)", () => {
    const engine = createSweepEngine(spec, { design: 'grid' });
    const base = engine.candidates().map((c, i) => ({ config: c.config, cost: c.cost, key: String(i) }));
    const wobble = (x: number, i: number) => x * (1 + (i % 3 === 0 ? 3e-16 : i % 3 === 1 ? -3e-16 : 0));
    const noisy = base.map((c, i) => ({ ...c, config: Object.fromEntries(Object.entries(c.config).map(([k, v], j) => [k, wobble(v, i + j)])) }));
    expect(spaceFillingOrder(noisy).map((c) => c.key)).toEqual(spaceFillingOrder(base).map((c) => c.key));
  });

  it('grid and isoflop order 130,000 candidates (more than a spread call takes)', () => {
    const all = Array.from({ length: 130_000 }, (_, i) => {
      const config = { N: 1e7 * 1.02 ** (i % 360), D: 1e8 * 1.025 ** Math.floor(i / 360) };
      return { config, cost: 6 * config.N * config.D, key: String(i) };
    });
    expect(spaceFillingOrder(all)).toHaveLength(all.length);
    expect(isoflopPlan(all, 1e22).length).toBeGreaterThan(0);
  });

  it('respects the accept filter (the planner skips configs no worker can hold)', () => {
    const engine = createSweepEngine(spec, { design: 'eig', seed: 3 });
    const { runs } = engine.propose({ observations: [], pending: [], remainingBudget: 1e20, k: 4, step: 0, accept: (c) => c.N <= 1e8 });
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) expect(run.config.N).toBeLessThanOrEqual(1e8);
  });

  it('is not exhausted when only the accept filter refuses (a worker that holds the rest may join)', () => {
    const engine = createSweepEngine(spec, { design: 'random', seed: 3 });
    const proposal = engine.propose({ observations: [], pending: [], remainingBudget: 1e20, k: 4, step: 0, accept: () => false });
    expect(proposal).toEqual({ runs: [] });
  });

  it('says every candidate was run when none is left, whatever the budget', () => {
    const engine = createSweepEngine(spec, { design: 'random', seed: 3 });
    const configs = engine.candidates().map((c) => c.config);
    const proposal = engine.propose({ observations: configs.slice(1).map((config) => ({ config, loss: 3 })), pending: configs.slice(0, 1), remainingBudget: 1e30, k: 4, step: 0 });
    expect(proposal.runs).toEqual([]);
    expect(proposal.exhausted).toMatch(/every candidate config \(\d+\) has been run or is in flight/);
  });

  it('says the sweep is exhausted when nothing fits the budget', () => {
    const engine = createSweepEngine(spec, { design: 'grid' });
    const proposal = engine.propose({ observations: [], pending: [], remainingBudget: 1, k: 4, step: 0 });
    expect(proposal.runs).toEqual([]);
    const cheapest = Math.min(...engine.candidates().map((c) => c.cost));
    expect(proposal.exhausted).toBe(`no candidate run fits the remaining budget (1.00e0; the cheapest left costs ${cheapest.toExponential(2).replace('e+', 'e')})`);
  });
});
