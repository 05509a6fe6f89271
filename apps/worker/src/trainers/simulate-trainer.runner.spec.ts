import type { CurvePoint, RunJobData } from '@lawsweep/contracts';
import { resolveTruth, trueLoss } from '@lawsweep/law';
import { RunFailure } from '../runs/run-failure';
import { RunStopped } from '../runs/run-stopped';
import { SimulateTrainerRunner } from './simulate-trainer.runner';
import type { TrainerContext } from './trainer.types';

const spec = (over: Record<string, unknown> = {}) => ({ type: 'simulate' as const, truth: 'chinchilla', noise: 0.01, secondsPerCost: 0, maxSeconds: 5, ...over });

function context(job: Partial<RunJobData>, signal = new AbortController().signal) {
  const points: CurvePoint[] = [];
  const ctx: TrainerContext = {
    job: { sweepId: 's', runId: 'r1', config: { N: 1e8, D: 2e9 }, cost: 1.2e18, trainer: spec(), seed: 7, ...job },
    attempt: 1,
    runDir: '/nonexistent',
    env: {},
    signal,
    onProgress: (p) => points.push(p),
  };
  return { ctx, points };
}

describe('simulate trainer', () => {
  const runner = new SimulateTrainerRunner();

  it('is reproducible under the job seed, and the seed matters', async () => {
    const a = await runner.run(spec(), context({ seed: 7 }).ctx);
    const b = await runner.run(spec(), context({ seed: 7 }).ctx);
    const c = await runner.run(spec(), context({ seed: 8 }).ctx);
    expect(a.loss).toBe(b.loss);
    expect(c.loss).not.toBe(a.loss);
  });

  it('without noise gives the truth', async () => {
    const { law, params } = resolveTruth('chinchilla');
    const { loss } = await runner.run(spec({ noise: 0 }), context({}).ctx);
    expect(loss).toBeCloseTo(trueLoss(law, params, { N: 1e8, D: 2e9 }), 12);
  });

  /** A runner whose waits are recorded, not slept: the durations it asks for, in order with its progress. */
  function recorded() {
    const sleeps: number[] = [];
    const sequence: string[] = [];
    const runner = new SimulateTrainerRunner(async (ms) => {
      sleeps.push(ms);
      sequence.push('wait');
    });
    const run = async (over: Record<string, unknown>, job: Partial<RunJobData>) => {
      const { ctx, points } = context(job);
      const onProgress = ctx.onProgress;
      ctx.onProgress = (p) => {
        sequence.push('point');
        onProgress(p);
      };
      const { loss } = await runner.run(spec(over), ctx);
      return { loss, points };
    };
    return { sleeps, sequence, run };
  }
  const total = (ms: number[]) => ms.reduce((a, b) => a + b, 0);

  it('takes min(maxSeconds, cost x secondsPerCost) in five equal waits, reporting a falling learning curve after each', async () => {
    const timed = recorded();
    const { loss, points } = await timed.run({ secondsPerCost: 0.003, maxSeconds: 5 }, { cost: 100 });
    expect(total(timed.sleeps)).toBeCloseTo(300, 9); // 100 x 0.003 s
    expect(timed.sleeps).toHaveLength(5);
    for (const ms of timed.sleeps) expect(ms).toBeCloseTo(60, 9);
    expect(timed.sequence).toEqual(['wait', 'point', 'wait', 'point', 'wait', 'point', 'wait', 'point', 'wait', 'point']);
    expect(points).toHaveLength(5);
    expect(points.map((p) => p.tokens)).toEqual([0.4e9, 0.8e9, 1.2e9, 1.6e9, 2e9]);
    for (let i = 1; i < 4; i++) expect(points[i].loss).toBeLessThan(points[i - 1].loss);
    expect(points[4].loss).toBe(loss);

    const capped = recorded();
    await capped.run({ secondsPerCost: 1, maxSeconds: 0.2 }, { cost: 1e20 });
    expect(total(capped.sleeps)).toBeCloseTo(200, 9); // maxSeconds, not 1e20 s
    for (const ms of capped.sleeps) expect(ms).toBeCloseTo(40, 9);

    const instant = recorded();
    expect((await instant.run({ secondsPerCost: 0 }, { cost: 100 })).points).toHaveLength(1);
    expect(instant.sleeps).toEqual([]);
  });

  it('runs on the real timer by default (a short run, untimed)', async () => {
    const { ctx, points } = context({ cost: 100 });
    const { loss } = await runner.run(spec({ secondsPerCost: 0.0005, maxSeconds: 5 }), ctx);
    expect(points).toHaveLength(5);
    expect(points[4].loss).toBe(loss);
  });

  it('stops when the run is cancelled', async () => {
    const controller = new AbortController();
    const { ctx } = context({ cost: 10 }, controller.signal);
    setTimeout(() => controller.abort('cancelled'), 50);
    await expect(runner.run(spec({ secondsPerCost: 1, maxSeconds: 10 }), ctx)).rejects.toEqual(new RunStopped('cancelled'));
  });

  it('fails for good on an unknown truth, naming it', async () => {
    const err = await runner.run(spec({ truth: 'nope' }), context({}).ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunFailure);
    expect((err as RunFailure).retryable).toBe(false);
    expect((err as RunFailure).message).toMatch(/^trainer.truth: unknown truth "nope"/);
  });

  it('a truth written as an expression over the sweep\'s own variables (P, T) is evaluated at the run\'s config', async () => {
    const bounds = { E: [0.5, 5], A: [1, 1e5], B: [1, 1e6], alpha: [0.05, 1], beta: [0.05, 1] } as Record<string, [number, number]>;
    const truth = { law: { expression: 'E + A / P^alpha + B / T^beta', params: bounds }, params: { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 } };
    const { loss } = await runner.run(spec({ truth, noise: 0 }), context({ config: { P: 1e8, T: 2e9 } }).ctx);
    expect(loss).toBeCloseTo(1.69 + 406.4 / 1e8 ** 0.34 + 410.7 / 2e9 ** 0.28, 12);
  });
});
