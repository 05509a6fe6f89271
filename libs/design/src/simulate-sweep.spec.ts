import { resolveTruth } from '@lawsweep/law';
import { simulateSeeds, simulateSweep } from './simulate-sweep';
import { testSpec } from './testing/spec-fixtures';

describe('simulateSweep', () => {
  const spec = testSpec({ budget: 1e20, parallelism: 3 });

  it('is deterministic: the same seed gives the same JSON', () => {
    const a = simulateSweep(spec, { design: 'eig', seed: 11, checkpoints: [3e19, 1e20] });
    const b = simulateSweep(spec, { design: 'eig', seed: 11, checkpoints: [3e19, 1e20] });
    expect(JSON.stringify(a)).toEqual(JSON.stringify(b));
    const c = simulateSweep(spec, { design: 'eig', seed: 12, checkpoints: [3e19, 1e20] });
    expect(JSON.stringify(c)).not.toEqual(JSON.stringify(a));
  });

  it('records each checkpoint within its budget, with predictions and the truth', () => {
    const { seeds } = simulateSeeds(spec, { design: 'grid', seeds: 1, checkpoints: [3e19, 1e20] });
    const [first, second] = seeds[0].checkpoints;
    expect(first.spent).toBeLessThanOrEqual(3e19);
    expect(second.spent).toBeLessThanOrEqual(1e20);
    expect(second.runs.length).toBeGreaterThanOrEqual(first.runs.length);
    const t = second.targets[0];
    expect(t.truth).toBeGreaterThan(1.5);
    expect(t.lower).toBeLessThanOrEqual(t.loss);
    expect(t.upper).toBeGreaterThanOrEqual(t.loss);
    expect(Object.keys(second.params)).toEqual(expect.arrayContaining(['E', 'A', 'B', 'alpha', 'beta']));
  });

  it('replays only runs of the pool, holding out the targets', () => {
    const pool = [1e7, 3e7, 1e8, 3e8, 1e9].flatMap((N) => [20, 60, 200].map((r) => ({ config: { N, D: N * r }, loss: 2 + 400 / N ** 0.34 + 400 / (N * r) ** 0.28 })));
    const target = pool[pool.length - 1].config;
    // A budget that buys the whole pool (≈ 1.9e21 FLOPs), so only the hold-out keeps the target (1.2e21) out.
    const replaySpec = testSpec({ budget: 1e22, targets: [target], trainer: { type: 'replay', file: 'pool.csv' } });
    const record = simulateSweep(replaySpec, { design: 'random', seed: 1, replay: pool });
    const runs = record.checkpoints[0].runs;
    const keys = new Set(pool.map((o) => JSON.stringify(o.config)));
    expect(runs).toHaveLength(pool.length - 1);
    for (const r of runs) expect(keys.has(JSON.stringify(r))).toBe(true);
    expect(runs).not.toContainEqual(target);
    expect(record.checkpoints[0].targets[0].truth).toBeCloseTo(pool[pool.length - 1].loss, 10);
    // Each run's loss beside it: the pool's measured loss for that config.
    const lossOf = new Map(pool.map((o) => [JSON.stringify(o.config), o.loss]));
    expect(record.checkpoints[0].losses).toEqual(runs.map((c) => lossOf.get(JSON.stringify(c))));
  });

  it('runs the oracle on a replay pool only when told a stand-in truth, and designs by that truth', () => {
    const pool = [1e7, 3e7, 1e8, 3e8, 1e9].flatMap((N) => [2, 6, 20, 60, 200].map((r) => ({ config: { N, D: N * r }, loss: 2 + 400 / N ** 0.34 + 400 / (N * r) ** 0.28 })));
    const target = pool[pool.length - 1].config;
    const replaySpec = testSpec({ budget: 2e18, targets: [target], trainer: { type: 'replay', file: 'pool.csv' } });
    expect(() => simulateSweep(replaySpec, { design: 'oracle', seed: 1, replay: pool })).toThrow(/needs the true law/);
    const told = (params: Record<string, number>) =>
      simulateSweep(replaySpec, { design: 'oracle', seed: 1, replay: pool, oracle: { truth: resolveTruth({ law: 'chinchilla', params }), noise: 0.005 } }).checkpoints[0].runs;
    const generator = told({ E: 2, A: 400, B: 400, alpha: 0.34, beta: 0.28 });
    const keys = new Set(pool.map((o) => JSON.stringify(o.config)));
    expect(generator.length).toBeGreaterThan(0);
    for (const r of generator) expect(keys.has(JSON.stringify(r))).toBe(true);
    // Told a law whose data term is negligible, the oracle sees nothing to learn from D and buys otherwise.
    expect(told({ E: 2, A: 400, B: 1e-3, alpha: 0.34, beta: 2 })).not.toEqual(generator);
  });
});

describe('simulateSweep from imported runs (a live sweep that starts from the runs a user has)', () => {
  const spec = testSpec({ budget: 1e20, parallelism: 3 });
  const key = (c: Record<string, number>) => JSON.stringify(c);
  const costOf = (c: Record<string, number>) => 6 * c.N * c.D;
  // The runs the grid design buys first (so a grid sweep would buy them again if it did not know them),
  // with losses off the truth by 2%: a simulate trainer must keep them as measured, not draw them anew.
  const head = simulateSweep({ ...spec, budget: 1e19 }, { design: 'grid', seed: 3 }).checkpoints[0];
  const imported = head.runs.map((config, i) => ({ config, loss: head.losses[i] * 1.02 }));
  const fromImports = (overrides: Parameters<typeof testSpec>[0] = {}, start = { observations: imported, spent: 0, imported: true }) =>
    simulateSweep(testSpec({ budget: 1e20, parallelism: 3, ...overrides }), { design: 'grid', seed: 3, checkpoints: [1e15, 1e20], start });

  it('lists the imported runs first with their losses, never buys their configs again, and counts only what it buys', () => {
    expect(imported.length).toBeGreaterThanOrEqual(6);
    const record = fromImports();
    const last = record.checkpoints[1];
    expect(last.runs.slice(0, imported.length)).toEqual(imported.map((o) => o.config));
    expect(last.losses.slice(0, imported.length)).toEqual(imported.map((o) => o.loss));
    const bought = last.runs.slice(imported.length);
    expect(bought.length).toBeGreaterThan(0);
    const importedKeys = new Set(imported.map((o) => key(o.config)));
    for (const c of bought) expect(importedKeys.has(key(c))).toBe(false);
    expect(new Set(last.runs.map(key)).size).toBe(last.runs.length);
    expect(last.spent).toBeCloseTo(bought.reduce((sum, c) => sum + costOf(c), 0), -10);
    expect(last.spent).toBeLessThanOrEqual(1e20);
  });

  it('fits the imported runs before it buys any run', () => {
    // 1e15 is below the cheapest candidate's cost (6e15): nothing bought yet at that checkpoint.
    const [early] = fromImports().checkpoints;
    expect(early.runs).toHaveLength(imported.length);
    expect(early.spent).toBe(0);
    expect(Object.keys(early.params)).toEqual(expect.arrayContaining(['E', 'A', 'B', 'alpha', 'beta']));
    const [fresh] = simulateSweep(spec, { design: 'grid', seed: 3, checkpoints: [1e15, 1e20] }).checkpoints;
    expect(fresh.params).toEqual({});
  });

  it('does not count imported runs against stop.maxRuns (it counts the runs the sweep plans), but counts runs of an earlier sweep', () => {
    const run = (isImported: boolean) => fromImports({ stop: { maxRuns: 4 } }, { observations: imported, spent: 0, imported: isImported }).checkpoints[1];
    expect(run(true).runs.length - imported.length).toBe(4);
    expect(run(false).runs).toHaveLength(imported.length);
  });

  it('ends before buying anything when the imported runs already meet the stop rule, as the planner does', () => {
    const record = fromImports({ stop: { targetRelativeInterval: 10 } });
    expect(record.checkpoints[1].runs).toHaveLength(imported.length);
    expect(record.ended).toMatch(/90% interval is within/);
  });
});
