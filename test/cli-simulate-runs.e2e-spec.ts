import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCliBuilt, lawsweepSync } from './support/cli';

/**
 * `lawsweep simulate` from the runs beside a spec (`runs:`, what `sweep create` imports): every seed
 * starts from them, as a live sweep does. Through the built CLI; no Redis.
 */
const demoSpec = join(__dirname, '..', 'examples/specs/chinchilla-demo.yaml');
const lawsweep = (...args: string[]) => lawsweepSync(args, { LAWSWEEP_PLANNER_URL: '' });

type Config = Record<string, number>;
interface SimulateJson {
  imported?: number;
  seeds: { checkpoints: { budget: number; spent: number; runs: Config[]; losses: number[] }[] }[];
}

const key = (c: Config) => `${c.N.toPrecision(10)},${c.D.toPrecision(10)}`;
const runLines = (runs: { config: Config; loss: number }[]) => runs.map((r) => `  - { N: ${r.config.N}, D: ${r.config.D}, loss: ${r.loss} }`).join('\n');
let dir: string;

beforeAll(() => {
  ensureCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'lawsweep-sim-runs-'));
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lawsweep simulate: runs beside the spec', () => {
  it('starts every seed from them: listed first with their own losses, free, and never bought again', () => {
    // The runs a grid sweep buys first, with losses 2% off the truth: a grid sweep from them would buy them again if it did not know them.
    const fresh = JSON.parse(lawsweep('simulate', '--spec', demoSpec, '--design', 'grid', '--checkpoints', '1e18,1e19', '--json').stdout) as SimulateJson;
    const head = fresh.seeds[0].checkpoints[0];
    const imported = head.runs.map((config, i) => ({ config, loss: Number((head.losses[i] * 1.02).toFixed(6)) }));
    expect(imported.length).toBeGreaterThanOrEqual(3);
    const spec = join(dir, 'with-runs.yaml');
    writeFileSync(spec, `${readFileSync(demoSpec, 'utf8')}\nruns:\n${runLines(imported)}\n`);

    const r = lawsweep('simulate', '--spec', spec, '--design', 'grid', '--seeds', '2', '--checkpoints', '1e18,1e19', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as SimulateJson;
    expect(out.imported).toBe(imported.length);
    const importedKeys = new Set(imported.map((o) => key(o.config)));
    for (const seed of out.seeds) {
      const [first, last] = seed.checkpoints;
      expect(first.runs.slice(0, imported.length)).toEqual(imported.map((o) => o.config));
      expect(first.losses.slice(0, imported.length)).toEqual(imported.map((o) => o.loss));
      const bought = last.runs.slice(imported.length);
      expect(bought.length).toBeGreaterThan(0);
      for (const c of bought) expect(importedKeys.has(key(c))).toBe(false);
      // Spent is what the sweep bought (6 N D each): the imported runs cost nothing.
      const cost = (runs: Config[]) => runs.reduce((sum, c) => sum + 6 * c.N * c.D, 0);
      expect(first.spent / cost(first.runs.slice(imported.length))).toBeCloseTo(1, 9);
    }
    // Without the runs the same grid sweep buys them, so by 1e18 it has fewer runs than one that starts from them.
    expect(fresh.seeds[0].checkpoints[0].runs.length).toBeLessThan(out.seeds[0].checkpoints[0].runs.length);

    const table = lawsweep('simulate', '--spec', spec, '--design', 'grid', '--checkpoints', '1e19');
    expect(table.stdout).toContain(`starts from ${imported.length} imported runs (cost not counted; included in runs)`);
  });

  it('on a replay trainer, keeps the imported losses and does not buy the pool rows at their configs', () => {
    const rows = ['N,D,loss'];
    for (const N of [1e7, 3e7, 1e8, 3e8]) for (const r of [5, 20, 80]) rows.push(`${N},${N * r},${(1.69 + 406.4 / N ** 0.34 + 410.7 / (N * r) ** 0.28).toFixed(5)}`);
    writeFileSync(join(dir, 'pool.csv'), rows.join('\n'));
    const imported = [{ config: { N: 1e7, D: 5e7 }, loss: 9.5 }, { config: { N: 1e8, D: 2e9 }, loss: 8.5 }];
    const spec = join(dir, 'replay-with-runs.yaml');
    writeFileSync(spec, ['name: r', 'law: chinchilla', 'variables:', '  N: { min: 1e7, max: 1e9 }', '  D: { min: 1e7, max: 1e11 }', 'budget: 1e22',
      'targets: [{ N: 3e8, D: 2.4e10 }]', 'trainer: { type: replay, file: pool.csv }', 'runs:', runLines(imported)].join('\n'));
    const r = lawsweep('simulate', '--spec', spec, '--design', 'random', '--json');
    expect(r.stderr).toBe('');
    const { runs, losses } = (JSON.parse(r.stdout) as SimulateJson).seeds[0].checkpoints[0];
    expect(runs.slice(0, 2)).toEqual(imported.map((o) => o.config));
    expect(losses.slice(0, 2)).toEqual([9.5, 8.5]);
    // A budget that buys the whole pool: every row but the 2 imported configs and the held-out target, once each.
    expect(runs).toHaveLength(12 - 1);
    expect(new Set(runs.map(key)).size).toBe(runs.length);
  });

  it("names the field of a bad run with the planner's words, and says how many repeated configs it skipped", () => {
    const spec = join(dir, 'bad-runs.yaml');
    writeFileSync(spec, `${readFileSync(demoSpec, 'utf8')}\nruns:\n  - { N: 1e8, D: 2e9, loss: 3.1 }\n  - { N: 1e8, D: x, loss: -1 }\n  - { config: { N: 1e8 }, loss: 3 }\n`);
    const r = lawsweep('simulate', '--spec', spec);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`lawsweep: invalid spec ${spec}:\n`);
    expect(r.stderr).toContain('  runs.1.loss: must be a finite number > 0 (got -1)\n');
    expect(r.stderr).toContain('  runs.1.D: must be a finite number > 0 (got "x")\n');
    expect(r.stderr).toContain('  runs.2.config.D: must be a finite number > 0 (got undefined)');

    const repeated = join(dir, 'repeated-runs.yaml');
    writeFileSync(repeated, `${readFileSync(demoSpec, 'utf8')}\nruns:\n  - { N: 1e8, D: 2e9, loss: 3.1 }\n  - { config: { N: 1e8, D: 2e9 }, loss: 3.2 }\n`);
    const ok = lawsweep('simulate', '--spec', repeated, '--design', 'grid', '--checkpoints', '1e18', '--json');
    expect(ok.stderr).toBe('lawsweep simulate: runs: skipped 1 run whose config an earlier run has (a sweep imports each config once)\n');
    const out = JSON.parse(ok.stdout) as SimulateJson;
    expect(out.imported).toBe(1);
    expect(out.seeds[0].checkpoints[0].losses[0]).toBe(3.1);
  });
});

describe('lawsweep simulate --help', () => {
  it('says the runs beside the spec are where every seed starts', () => {
    const help = lawsweep('simulate', '--help').stdout.replace(/\s+/g, ' ');
    expect(help).toContain('runs beside it (runs: [{N, D, loss}, ...], as `sweep create` imports them) are where every seed starts');
    expect(help).toContain('runs (the imported ones first)');
  });
});
