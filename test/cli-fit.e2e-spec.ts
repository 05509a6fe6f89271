import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '@lawsweep/store';
import { runsCsv } from '../apps/planner/src/sweeps/sweep-views';
import { ensureCliBuilt, lawsweepSync } from './support/cli';
import { describeWithEpochData, EPOCH_CSV } from './support/reference-data';

/** `lawsweep fit` as a user runs it: the built CLI in a child process. */
const epochCsv = EPOCH_CSV;
let dir: string;

const lawsweep = (...args: string[]) => lawsweepSync(args);

beforeAll(() => {
  ensureCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'lawsweep-fit-'));
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeWithEpochData('lawsweep fit', () => {
  it("reproduces Epoch AI's Chinchilla fit with --drop-highest-loss 5 (--json)", () => {
    const r = lawsweep('fit', '--data', epochCsv, '--law', 'chinchilla', '--loss', 'huber:1e-3', '--drop-highest-loss', '5', '--json');
    expect(r.code).toBe(0);
    const fit = JSON.parse(r.stdout);
    expect(fit).toMatchObject({ law: 'chinchilla', n: 240, dropped: 5, converged: true });
    expect(Math.abs(fit.params.E - 1.8172)).toBeLessThan(0.03);
    expect(Math.abs(fit.params.A - 482.01)).toBeLessThan(124.58);
    expect(Math.abs(fit.params.B - 2085.43)).toBeLessThan(1293.23);
    expect(Math.abs(fit.params.alpha - 0.3478)).toBeLessThan(0.02);
    expect(Math.abs(fit.params.beta - 0.3658)).toBeLessThan(0.02);
    for (const key of ['stderr', 'rmse', 'sigma', 'objective', 'iterations', 'modes']) expect(fit).toHaveProperty(key);
    expect(fit.modes[0].weight).toBeGreaterThan(0);
    // A well-posed fit raises no warning.
    expect(fit.warnings).toEqual([]);
  });

  it('warns when the data cannot pin the law: a variable that never varies', () => {
    const file = join(dir, 'one-d.csv');
    const rows = [1e7, 3e7, 1e8, 3e8, 1e9, 3e9, 1e10].map((n, i) => `${n},2e10,${(1.9 + 400 / n ** 0.34 + 0.01 * (i % 3)).toFixed(4)}`);
    writeFileSync(file, `N,D,loss\n${rows.join('\n')}\n`);
    const r = lawsweep('fit', '--data', file, '--law', 'chinchilla', '--json');
    expect(r.code).toBe(0);
    const codes = (JSON.parse(r.stdout).warnings as { code: string; message: string }[]).map((w) => w.code);
    expect(codes).toContain('variable-constant');
    const table = lawsweep('fit', '--data', file, '--law', 'chinchilla');
    expect(table.stdout).toMatch(/^warning: D takes one value in the data \(2\.00e\+10\): .* add runs at other values of D$/m);
    expect(table.stdout).not.toMatch(/^warning: N takes one value/m);
  });

  it('--loss huber:auto picks δ from the residuals and says which (--json and the table)', () => {
    const r = lawsweep('fit', '--data', epochCsv, '--law', 'chinchilla', '--loss', 'huber:auto', '--drop-highest-loss', '5', '--json');
    expect(r.code).toBe(0);
    const fit = JSON.parse(r.stdout);
    expect(fit.loss).toBe('huber:auto');
    const delta = Number(/^huber:([\d.e-]+)$/.exec(fit.lossUsed)?.[1]);
    // The pool's robust residual scale is ~0.5% (BENCHMARKS), so δ ≈ 1.345 × that, well above the 1e-3 floor.
    expect(delta).toBeGreaterThan(0.004);
    expect(delta).toBeLessThan(0.012);
    expect(Math.abs(fit.params.E - 1.8172)).toBeLessThan(0.05);
    const table = lawsweep('fit', '--data', epochCsv, '--law', 'chinchilla', '--loss', 'huber:auto', '--drop-highest-loss', '5');
    expect(table.stdout).toMatch(/loss huber:auto \(huber:0\.00\d+\)/);
  });

  it('prints a readable table without --json', () => {
    const r = lawsweep('fit', '--data', epochCsv, '--law', 'chinchilla', '--drop-highest-loss', '5', '--optimal', '5.76e23');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/param\s+value\s+s\.e\./);
    expect(r.stdout).toMatch(/^E\s+1\.817/m);
    expect(r.stdout).toMatch(/optimal at C=5\.76e23: N\*=/);
  });

  it('--backtest K refits without the K largest runs and checks the law predicts them', () => {
    const r = lawsweep('fit', '--data', epochCsv, '--law', 'chinchilla', '--drop-highest-loss', '5', '--backtest', '10', '--json');
    expect(r.code).toBe(0);
    const { n, backtest } = JSON.parse(r.stdout);
    expect(n).toBe(240);
    expect(backtest).toMatchObject({ holdout: 10, trainedOn: 230, level: 0.9 });
    const costs: number[] = backtest.runs.map((run: { cost: number }) => run.cost);
    expect(costs).toEqual([...costs].sort((a, b) => b - a));
    expect(Math.min(...costs)).toBeGreaterThanOrEqual(backtest.largestTrainedCost);
    // The pool's largest run (1.3e22 FLOPs) lies 2.5–4% below every chinchilla fit to the rest (BENCHMARKS.md, real pool).
    expect(costs[0]).toBeCloseTo(1.3e22, -20);
    expect(backtest.runs[0].relativeError).toBeLessThan(-0.015);
    expect(backtest.runs[0].relativeError).toBeGreaterThan(-0.04);
    expect(backtest.runs[0].inside).toBe(false);
    expect(backtest.inside).toBeGreaterThanOrEqual(7);
    const table = lawsweep('fit', '--data', epochCsv, '--law', 'chinchilla', '--drop-highest-loss', '5', '--backtest', '10');
    expect(table.stdout).toMatch(/backtest: the law fitted to the 230 smaller runs \(largest 6ND [\d.e+]+\) predicts the 10 largest/);
    expect(table.stdout).toMatch(/\d+ of 10 inside their 90% intervals/);
  });

  it.each([
    [['--backtest', '0'], /--backtest: expected how many of the largest runs to hold out \(≥ 1\), got '0'/],
    [['--backtest', 'x'], /--backtest: expected a non-negative integer, got 'x'/],
    [['--backtest', '236'], /--backtest 236: 240 runs \(after --drop-highest-loss 5\), and law chinchilla has 5 parameters, so the refit needs at least 6 runs; hold out at most 234 \(--backtest 234\)/],
    [['--expression', 'E + A / N^alpha', '--param', 'E=0.5:5', '--param', 'A=1:1e6', '--param', 'alpha=0.05:1', '--backtest', '5'], /law needs variables N and D/],
  ])('exits 1 on a backtest it cannot do: %j', (args, message) => {
    const r = lawsweep('fit', '--data', epochCsv, '--drop-highest-loss', '5', ...(args.includes('--expression') ? [] : ['--law', 'chinchilla']), ...args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });

  it('fits an expression law given with --param bounds', () => {
    const r = lawsweep('fit', '--data', epochCsv, '--drop-highest-loss', '5', '--json', '--expression', 'E + A / N^alpha + B / D^beta',
      '--param', 'E=0.5:5', '--param', 'A=1:1e6', '--param', 'B=1:1e6', '--param', 'alpha=0.05:1', '--param', 'beta=0.05:1');
    expect(r.code).toBe(0);
    const fit = JSON.parse(r.stdout);
    expect(Math.abs(fit.params.E - 1.8172)).toBeLessThan(0.03);
  });

  it.each([
    ['a non-numeric value, naming line and column', 'N,D,loss\n1e8,2e9,3.1\n2e8,lots,3.0\n', /line 3, column D: "lots" is not a number/],
    ['a missing column', 'N,loss\n1e8,3.1\n', /missing column D/],
    ['a non-positive loss', 'N,D,loss\n1e8,2e9,-3\n', /line 2, column loss: -3 must be positive/],
    ['too few rows for the law', 'N,D,loss\n1e8,2e9,3.1\n2e8,4e9,3.0\n', /2 usable rows, but law chinchilla has 5 parameters and needs at least 6/],
  ])('exits 1 on %s', (_what, csv, message) => {
    const file = join(dir, `bad-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(file, csv);
    const r = lawsweep('fit', '--data', file, '--law', 'chinchilla');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });

  it('exits 1 on an unknown law or symbol', () => {
    expect(lawsweep('fit', '--data', epochCsv, '--law', 'nope').stderr).toMatch(/unknown law "nope"/);
    const r = lawsweep('fit', '--data', epochCsv, '--expression', 'E + A / N^a + Q', '--param', 'E=0.5:5', '--param', 'A=1:1e6', '--param', 'a=0.05:1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown symbol "Q"/);
  });
});

/**
 * The documented pipeline `lawsweep sweep export ID --format csv --out runs.csv && lawsweep fit
 * --data runs.csv`: an export lists every run, failed, cancelled and running ones too (empty loss).
 * The CSV is written by the planner's own exporter (runsCsv), so a change of its columns shows here.
 */
describe('lawsweep fit and plot on a sweep export with failed runs', () => {
  // Epoch AI's Chinchilla fit: the 20 done runs lie on it exactly.
  const truth = { E: 1.8172, A: 482.01, B: 2085.43, alpha: 0.3478, beta: 0.3658 };
  const chinchilla = (N: number, D: number) => truth.E + truth.A / N ** truth.alpha + truth.B / D ** truth.beta;
  let exportCsv: string;

  beforeAll(() => {
    const runs: RunRecord[] = [];
    const add = (N: number, D: number, state: RunRecord['state']) =>
      runs.push({
        id: `run-${runs.length + 1}`,
        sweepId: 'sw-test',
        config: { N, D },
        configKey: `${N},${D}`,
        state,
        cost: 6 * N * D,
        spent: state === 'done' ? 6 * N * D : 0,
        ...(state === 'done' ? { loss: chinchilla(N, D), worker: 'w1' } : state === 'failed' ? { worker: 'w1', reason: 'exit 1' } : {}),
        attempts: state === 'done' || state === 'failed' ? 1 : 0,
        imported: false,
        createdAt: 0,
      });
    for (const N of [1e8, 3e8, 1e9, 3e9, 1e10]) {
      for (const perParam of [5, 10, 20, 40]) {
        add(N, N * perParam, 'done');
        // 10 failed runs among the done ones, as a flaky cluster leaves them.
        if (perParam === 10 || perParam === 40) add(N * 2, N * perParam, 'failed');
      }
    }
    add(2e10, 4e11, 'cancelled');
    add(2e10, 2e11, 'cancelled');
    add(3e10, 6e11, 'running');
    exportCsv = join(dir, 'export.csv');
    writeFileSync(exportCsv, runsCsv(['N', 'D'], runs));
  });

  it('fits the done runs and says on stderr how many it skipped and why', () => {
    const r = lawsweep('fit', '--data', exportCsv, '--law', 'chinchilla', '--json');
    expect(r.stderr).toBe(`lawsweep fit: --data ${exportCsv}: skipped 13 runs whose state is not done (failed 10, cancelled 2, running 1)\n`);
    expect(r.code).toBe(0);
    const fit = JSON.parse(r.stdout);
    expect(fit).toMatchObject({ law: 'chinchilla', n: 20, dropped: 0 });
    expect(Math.abs(fit.params.E - truth.E)).toBeLessThan(0.05);
    expect(Math.abs(fit.params.alpha - truth.alpha)).toBeLessThan(0.03);
    expect(Math.abs(fit.params.beta - truth.beta)).toBeLessThan(0.03);
  });

  it('plot --data draws the done runs and says the same', () => {
    const out = join(dir, 'export.svg');
    const r = lawsweep('plot', '--data', exportCsv, '--law', 'chinchilla', '--out', out, '--json');
    expect(r.stderr).toBe(`lawsweep plot: --data ${exportCsv}: skipped 13 runs whose state is not done (failed 10, cancelled 2, running 1)\n`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ out, runs: 20 });
    expect(existsSync(out)).toBe(true);
  });

  it('still exits 1 on a done run without a loss, naming the line and the column', () => {
    const file = join(dir, 'export-bad.csv');
    writeFileSync(file, 'id,N,D,loss,state,cost,worker,attempts,imported\nr1,1e8,2e9,,failed,1,w1,1,false\nr2,2e8,4e9,,done,1,w1,1,false\n');
    const r = lawsweep('fit', '--data', file, '--law', 'chinchilla');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--data .*export-bad\.csv: CSV line 3, column loss: empty value; expected a positive number/);
  });

  it('--backtest K beyond what 20 runs allow names the largest K, and that K works', () => {
    const r = lawsweep('fit', '--data', exportCsv, '--law', 'chinchilla', '--backtest', '100');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lawsweep: --backtest 100: 20 runs, and law chinchilla has 5 parameters, so the refit needs at least 6 runs; hold out at most 14 \(--backtest 14\)$/m);
    // No negative count anywhere (the temp dir's random name may hold "-5": its path is left out).
    expect(r.stderr.split(exportCsv).join('')).not.toMatch(/-\d/);
    expect(lawsweep('fit', '--data', exportCsv, '--law', 'chinchilla', '--backtest', '15').stderr).toMatch(/hold out at most 14 \(--backtest 14\)/);
    const ok = lawsweep('fit', '--data', exportCsv, '--law', 'chinchilla', '--backtest', '14', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).backtest).toMatchObject({ holdout: 14, trainedOn: 6 });
  });

  it('--backtest on too few runs for any backtest says how many it needs', () => {
    const file = join(dir, 'six.csv');
    writeFileSync(file, `N,D,loss\n${[1e8, 2e8, 4e8, 8e8, 1.6e9, 3.2e9].map((N) => `${N},${20 * N},${chinchilla(N, 20 * N)}`).join('\n')}\n`);
    const r = lawsweep('fit', '--data', file, '--law', 'chinchilla', '--backtest', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lawsweep: --backtest 1: 6 runs are too few for a backtest: law chinchilla has 5 parameters, so the refit needs at least 6 runs, plus at least 1 to hold out \(7 in all\)$/m);
  });
});

describe('lawsweep fit --expression over the CSV\'s own columns', () => {
  const truth = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
  const ptParams = ['--param', 'E=0.5:5', '--param', 'A=1:1e5', '--param', 'B=1:1e6', '--param', 'alpha=0.05:1', '--param', 'beta=0.05:1'];
  /** Runs over P (parameters) and T (tokens) in a sweep export's layout (id, variables, loss, bookkeeping), with ±0.3% deterministic wiggle. */
  const ptCsv = (): string => {
    const rows = ['id,P,T,loss,state,cost,worker,attempts,imported'];
    let i = 0;
    for (const p of [1e7, 3e7, 1e8, 3e8, 1e9]) {
      for (const r of [5, 20, 80]) {
        const t = p * r;
        const loss = (truth.E + truth.A / p ** truth.alpha + truth.B / t ** truth.beta) * (1 + 0.003 * Math.sin(1 + 7 * i));
        rows.push(`run-${i++},${p},${t},${loss},done,${6 * p * t},w1,1,false`);
      }
    }
    return `${rows.join('\n')}\n`;
  };
  const writeCsv = (text: string): string => {
    const file = join(dir, `pt-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(file, text);
    return file;
  };

  it('fits an expression over P and T, the CSV\'s columns, and recovers the parameters', () => {
    const r = lawsweep('fit', '--data', writeCsv(ptCsv()), '--json', '--loss', 'mse', '--expression', 'E + A / P^alpha + B / T^beta', ...ptParams);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const fit = JSON.parse(r.stdout);
    expect(fit.n).toBe(15);
    expect(Math.abs(fit.params.E - truth.E)).toBeLessThan(0.1);
    expect(Math.abs(fit.params.alpha - truth.alpha)).toBeLessThan(0.05);
    expect(Math.abs(fit.params.beta - truth.beta)).toBeLessThan(0.05);
  });

  it('names the CSV\'s numeric columns and the fix for a symbol that is neither a --param nor a column', () => {
    const r = lawsweep('fit', '--data', writeCsv(ptCsv()), '--expression', 'E + A / P^alpha + B / D^beta', ...ptParams);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--expression: unknown symbol "D" in "E \+ A \/ P\^alpha \+ B \/ D\^beta": it is neither a --param \(E, A, B, alpha, beta\) nor a numeric column of --data \S+ \(P, T\); give it bounds with --param D=LOWER:UPPER, or add a numeric column D to the CSV/);
  });

  it('does not take a bookkeeping column of a sweep export for a variable', () => {
    const r = lawsweep('fit', '--data', writeCsv(ptCsv()), '--expression', 'E + A / P^alpha + B / cost^beta', ...ptParams);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown symbol "cost" .*'cost' is a bookkeeping column of a sweep export, not a variable/);
  });

  it('refuses --optimal for a law without N and D, saying why', () => {
    const r = lawsweep('fit', '--data', writeCsv(ptCsv()), '--optimal', '1e22', '--expression', 'E + A / P^alpha + B / T^beta', ...ptParams);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--optimal .* needs variables N and D; law expression: E \+ A \/ P\^alpha \+ B \/ T\^beta has P, T/);
  });

  it('--law with a typo suggests the nearest law and the --expression flag (not the spec\'s { expression, params })', () => {
    const r = lawsweep('fit', '--data', writeCsv(ptCsv()), '--law', 'chinchila');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--law chinchila: unknown law "chinchila" \(did you mean --law chinchilla\?\); known laws: chinchilla, .*; for a law of your own, give its formula with --expression/);
    expect(r.stderr).not.toMatch(/\{ expression, params \}/);
  });
});
