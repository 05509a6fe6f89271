import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CurvePoint, RunJobData } from '@lawsweep/contracts';
import { RunFailure } from '../runs/run-failure';
import { ReplayTrainerRunner } from './replay-trainer.runner';

describe('replay trainer', () => {
  let dir: string;
  let file: string;
  const runner = new ReplayTrainerRunner();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lawsweep-replay-'));
    file = join(dir, 'runs.csv');
    writeFileSync(file, 'run,N,D,loss\na,1e8,2e9,3.1\nb,1.4e12,7e10,2.2\nc,1e8,4e9,2.9\na2,1e8,2e9,3.3\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (config: Record<string, number>, path = file) => {
    const points: CurvePoint[] = [];
    const job: RunJobData = { sweepId: 's', runId: 'r', config, cost: 1, trainer: { type: 'replay', file: path } };
    const result = runner.run({ type: 'replay', file: path }, { job, attempt: 1, runDir: dir, env: {}, signal: new AbortController().signal, onProgress: (p) => points.push(p) });
    return { result, points };
  };

  it('returns the loss of the first row with the exact config', async () => {
    const { result, points } = run({ N: 1e8, D: 2e9 });
    expect(await result).toEqual({ loss: 3.1 });
    expect(points).toEqual([{ tokens: 2e9, loss: 3.1 }]);
    expect((await run({ D: 4e9, N: 1e8 }).result).loss).toBe(2.9);
  });

  it('matches within a relative tolerance of 1e-9, not beyond', async () => {
    expect((await run({ N: 1.4e12 * (1 + 5e-10), D: 7e10 }).result).loss).toBe(2.2);
    const err = await run({ N: 1.4e12 * (1 + 5e-9), D: 7e10 }).result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunFailure);
  });

  it('fails for good on a config the file lacks, naming the config', async () => {
    const err = (await run({ N: 3e8, D: 2e9 }).result.catch((e: unknown) => e)) as RunFailure;
    expect(err.retryable).toBe(false);
    expect(err.message).toBe(`replay: no run in ${file} matches config D=2000000000, N=300000000 (relative tolerance 1e-9)`);
  });

  it('replays only the done runs of a sweep export, and says which rows it skipped when none matches', async () => {
    const exported = join(dir, 'export.csv');
    writeFileSync(exported, 'id,N,D,loss,state,cost,worker,attempts,imported\nr1,1e8,2e9,3.1,done,1,w,1,false\nr2,2e8,2e9,,failed,,w,3,false\n');
    expect((await run({ N: 1e8, D: 2e9 }, exported).result).loss).toBe(3.1);
    const err = (await run({ N: 2e8, D: 2e9 }, exported).result.catch((e: unknown) => e)) as RunFailure;
    expect(err.retryable).toBe(false);
    expect(err.message).toBe(`replay: no run in ${exported} matches config D=2000000000, N=200000000 (relative tolerance 1e-9); skipped 1 run whose state is not done (failed 1)`);
  });

  it('fails for good on a missing file or a missing column', async () => {
    expect(((await run({ N: 1e8 }, join(dir, 'nope.csv')).result.catch((e: unknown) => e)) as RunFailure).message).toMatch(/^trainer.file: cannot read/);
    expect(((await run({ N: 1e8, T: 3 }).result.catch((e: unknown) => e)) as RunFailure).message).toMatch(/missing column T/);
  });
});
