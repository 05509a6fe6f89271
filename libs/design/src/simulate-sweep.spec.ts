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
