import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { runQueueName } from '@lawsweep/contracts';
import { SweepStore } from '@lawsweep/store';
import { afterPlanPasses, getJson, postJson, sweepFinished, waitForSweep, type RunJson, type SweepJson } from './support/planner-api';
import { PlannerStack } from './support/planner-stack';

/**
 * Restart, routing and cancellation: a planner restarted mid-sweep resumes from Redis (results
 * that arrived while it was down are recorded, nothing is planned twice); runs only go to workers that
 * can hold them, the rest are reported; cancel removes waiting jobs and releases their budget.
 */
const base = {
  law: 'chinchilla',
  variables: { N: { min: 1e7, max: 4e8, steps: 6 }, D: { min: 2e8, max: 2e10, steps: 6 } },
  constraints: ['D / N >= 2', 'D / N <= 500'],
  budget: 3e18,
  targets: [{ N: 7e10, D: 1.4e12 }],
  parallelism: 3,
  seed: 11,
  trainer: { type: 'simulate', truth: 'chinchilla', noise: 0.005, secondsPerCost: 0 },
};

type Sweep = SweepJson;
type Run = RunJson;

describe('planner lifecycle', () => {
  let stack: PlannerStack | undefined;
  const get = <T>(path: string) => getJson<T>(`${stack!.baseUrl}${path}`);
  const post = <T = Sweep>(path: string, body: unknown = {}) => postJson<T>(`${stack!.baseUrl}${path}`, body);
  const until = (id: string, done: (s: Sweep) => boolean, what: string, ms = 30_000) => waitForSweep(stack!.baseUrl, id, done, what, ms);
  const finished = sweepFinished;

  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('a restarted planner resumes the sweep: results that arrived while it was down are recorded, nothing is planned twice', async () => {
    stack = await PlannerStack.start({ workers: [{}, {}] });
    // Runs take a few hundred ms, so some are still training when the planner goes down.
    const { id } = await post('/sweeps', { ...base, name: 'restart', trainer: { ...base.trainer, secondsPerCost: 3e-18, maxSeconds: 0.6 } });
    await until(id, (s) => s.runs.done >= 6 && s.runs.queued + s.runs.running > 0, 'six results with runs in flight');
    await stack.planner.close();

    // While the planner is down, the runs in flight finish and their results wait in Redis: the
    // return values of their completed run jobs, unrecorded (the store still has them in flight).
    const client = new Redis(stack.redis.port, '127.0.0.1');
    const inFlight = (await new SweepStore(client, { prefix: 'lawsweep:' }).activeRuns(id)).map((r) => r.id);
    client.disconnect();
    const runQueue = new Queue(runQueueName(), { connection: { host: '127.0.0.1', port: stack.redis.port } });
    const deadline = Date.now() + 10_000;
    let waiting = 0;
    while (Date.now() < deadline && waiting === 0) {
      const states = await Promise.all(inFlight.map((runId) => runQueue.getJobState(runId)));
      waiting = states.filter((state) => state === 'completed').length;
      if (waiting === 0) await new Promise((r) => setTimeout(r, 50));
    }
    await runQueue.close();
    expect(waiting).toBeGreaterThan(0);

    await stack.startPlanner();
    const sweep = await until(id, finished, 'the resumed sweep to finish');
    expect(sweep.state).toBe('done');
    const runs = await get<Run[]>(`/sweeps/${id}/runs`);
    expect(runs.every((r) => r.state === 'done')).toBe(true);
    expect(new Set(runs.map((r) => `${r.config.N},${r.config.D}`)).size).toBe(runs.length);
    expect(sweep.runs.done).toBe(runs.length);
    expect(sweep.budget.reserved).toBe(0);
    const paid = runs.reduce((s, r) => s + r.cost, 0);
    expect(sweep.budget.spent).toBeCloseTo(paid, -Math.round(Math.log10(paid)) + 9);
  });

  it('routes runs only to workers that can hold them and reports the rest as unschedulable', async () => {
    stack = await PlannerStack.start({ workers: [{ pool: 'small', capacity: { N: 1e8 } }, { pool: 'small', capacity: { N: 1e8 } }] });
    const { id } = await post('/sweeps', { ...base, name: 'routing', pool: 'small', stop: { maxRuns: 8 } });
    const sweep = await until(id, (s) => finished(s) || (s.runs.done >= 8 && s.runs.queued + s.runs.running === 0), 'the small-worker sweep to settle');
    const runs = await get<Run[]>(`/sweeps/${id}/runs`);
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((r) => r.config.N <= 1e8 && r.state === 'done')).toBe(true);
    const warning = sweep.warnings.find((w) => w.code === 'unschedulable');
    // Two workers with one limit: the limit is said once.
    expect(warning?.message).toMatch(/ exceed every live worker's capacity in pool 'small' \(\{"N":100000000\}\); they are not planned until a worker that can hold them joins$/);
  });

  it("forecasts only the configs the pool's live workers can hold, and says which it left out", async () => {
    stack = await PlannerStack.start({ workers: [{ pool: 'small', capacity: { N: 1e8 } }] });
    const { id } = await post('/sweeps', { ...base, name: 'forecast-capacity', pool: 'small' });
    const sweep = await until(id, finished, 'the small-worker sweep to end');
    type Answer = { forecasts: { runs: number; budgetBound: boolean }[]; capacity?: { pool: string; excluded: number; candidates: number; message: string } };
    // A budget that pays for every candidate: the forecast buys what the worker can hold, and no more.
    const answer = await get<Answer>(`/sweeps/${id}/forecast?budget=1e22`);
    const capacity = answer.capacity!;
    expect(capacity).toMatchObject({ pool: 'small' });
    expect(capacity.excluded).toBeGreaterThan(0);
    expect(capacity.message).toMatch(/^\d+ of \d+ candidate configs exceed every live worker's capacity in pool 'small' \(\{"N":100000000\}\): the forecast plans without them/);
    const holdable = capacity.candidates - capacity.excluded;
    expect(answer.forecasts[0].runs).toBeGreaterThan(0);
    expect(answer.forecasts[0].runs).toBeLessThanOrEqual(holdable - sweep.runs.done);
    expect(answer.forecasts[0].budgetBound).toBe(false); // the candidates ran out, not the budget
  });

  it('waits, does not end, when the only configs left are too big for every live worker', async () => {
    stack = await PlannerStack.start({ workers: [{ pool: 'tiny', capacity: { N: 1e8 } }] });
    // 4 candidates, 2 of them (N = 1e9) too big for the pool's only worker.
    const spec = { ...base, name: 'too-big-left', pool: 'tiny', variables: { N: { min: 1e7, max: 1e9, steps: 2 }, D: { min: 1e9, max: 2e9, steps: 2 } }, constraints: [], budget: 1e22 };
    const { id } = await post('/sweeps', spec);
    await until(id, (s) => s.runs.done === 2 && s.runs.queued + s.runs.running === 0, 'the two holdable runs');
    await afterPlanPasses(stack.baseUrl, 3); // plan passes (after each result, and on the tick) come and go
    const sweep = await get<Sweep & { warnings: { code: string }[] }>(`/sweeps/${id}`);
    expect(sweep.state).toBe('running');
    expect(sweep.warnings.map((w) => w.code)).toContain('unschedulable');
    expect((await get<Run[]>(`/sweeps/${id}/runs`)).every((r) => r.config.N <= 1e8)).toBe(true);
  });

  it('ends, saying so, when every config the budget pays for was tried and failed', async () => {
    stack = await PlannerStack.start({ workers: [{}] });
    // 2 candidates; the trainer reports a non-positive final loss, a failure no retry can fix.
    const trainer = { type: 'command', command: [process.execPath, '-e', 'console.log(JSON.stringify({ final: true, loss: -1 }))'] };
    const { id } = await post('/sweeps', { ...base, name: 'all-fail', variables: { N: { min: 1e7, max: 2e7, steps: 2 }, D: { min: 1e9, max: 1e9, steps: 1 } }, constraints: [], budget: 1e22, trainer });
    const sweep = await until(id, finished, 'the sweep to end');
    expect(sweep).toMatchObject({ state: 'failed', runs: { failed: 2, done: 0 }, stopCause: 'candidatesTried' });
    expect(sweep.stopReason).toMatch(/^every candidate config the budget still pays for was tried \(a failed run's config is not retried: see the runs' reasons\); no run succeeded$/);
  });

  it('a pause and a quick resume leave the sweep running: a plan pass that met the pause plans again, it does not end the sweep', async () => {
    stack = await PlannerStack.start({ workers: [{}] });
    const slow = { ...base.trainer, secondsPerCost: 1, maxSeconds: 30 };
    for (let i = 0; i < 3; i++) {
      const { id } = await post('/sweeps', { ...base, name: `pause-resume-${i}`, trainer: slow });
      expect((await post(`/sweeps/${id}/pause`)).state).toBe('paused');
      expect((await post(`/sweeps/${id}/resume`)).state).toBe('running');
      const sweep = await until(id, (s) => s.runs.queued + s.runs.running > 0 || s.state !== 'running', 'the resumed sweep to plan');
      expect(sweep).toMatchObject({ state: 'running' });
      await post(`/sweeps/${id}/cancel`);
    }
  });

  it('cancel removes the waiting jobs, releases their budget and stops planning', async () => {
    stack = await PlannerStack.start(); // no worker: the first batch waits on the queue
    const { id } = await post('/sweeps', { ...base, name: 'cancel' });
    const waiting = await until(id, (s) => s.runs.queued === 3, 'the first batch');
    expect((waiting as Sweep & { warnings: { code: string }[] }).warnings.map((w) => w.code)).toEqual(['no-live-workers']);
    const cancelled = await post(`/sweeps/${id}/cancel`);
    expect(cancelled).toMatchObject({ state: 'cancelled', budget: { reserved: 0, spent: 0 }, runs: { queued: 0, cancelled: 3 } });
    // "runs wait until a worker starts" is stale once the sweep ended.
    expect((cancelled as Sweep & { warnings: unknown[] }).warnings).toEqual([]);
    const queue = new Queue(runQueueName('default'), { connection: { host: '127.0.0.1', port: stack.redis.port } });
    expect((await queue.getJobCounts('wait')).wait).toBe(0);
    await queue.close();
    // Planning ticks pass (a second sweep, waiting for workers too, is planned on each): nothing new for the cancelled one.
    await post('/sweeps', { ...base, name: 'cancel-witness' });
    await afterPlanPasses(stack.baseUrl, 3);
    expect((await get<Run[]>(`/sweeps/${id}/runs`)).map((r) => r.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('completed run jobs (their return values are the results) stay in Redis for the keep period once recorded, then are removed', async () => {
    stack = await PlannerStack.start({ workers: [{}] });
    const { id } = await post('/sweeps', { ...base, name: 'keep', stop: { maxRuns: 4 } });
    const sweep = await until(id, finished, 'the sweep to end');
    expect(sweep.runs.done).toBe(4);
    const queue = new Queue(runQueueName('default'), { connection: { host: '127.0.0.1', port: stack.redis.port } });
    try {
      await new Promise((r) => setTimeout(r, 1_200)); // a reconcile pass (every second here) comes and goes
      expect((await queue.getJobCounts('completed')).completed).toBe(4); // kept: the default keep is an hour
      await stack.planner.close();
      await stack.startPlanner({ keepCompletedMs: 1 });
      const deadline = Date.now() + 5_000;
      while ((await queue.getJobCounts('completed')).completed > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect((await queue.getJobCounts('completed')).completed).toBe(0);
      expect((await get<Run[]>(`/sweeps/${id}/runs`)).map((r) => r.state)).toEqual(['done', 'done', 'done', 'done']);
    } finally {
      await queue.close();
    }
  });

  it('the reconciler enqueues again a queued run whose job vanished (same job), fails one that vanished too often or after a worker took it, and plans their replacements', async () => {
    stack = await PlannerStack.start(); // no worker: jobs wait, so they can be made to vanish
    const { id } = await post('/sweeps', { ...base, name: 'reconcile' });
    await until(id, (s) => s.runs.queued === 3, 'the first batch');
    const [lost, taken] = await get<Run[]>(`/sweeps/${id}/runs`);
    const queue = new Queue(runQueueName('default'), { connection: { host: '127.0.0.1', port: stack.redis.port } });
    const client = new Redis(stack.redis.port, '127.0.0.1');
    try {
      const original = (await queue.getJob(lost.id))!.data;
      // A worker took `taken` (the store says running) before its job was lost: it may be training
      // still, so it is not enqueued again but failed once its result does not come.
      expect(await new SweepStore(client, { prefix: 'lawsweep:' }).markRunning(id, taken.id)).toBe(true);
      await (await queue.getJob(taken.id))?.remove();
      // Grace 1.5 s, reconcile every 1 s (PlannerStack); a run with no job is only looked at once the
      // planner's enqueue-retry window (10 s + 2 s) is over: then `lost` is enqueued again, as it was.
      for (let time = 1; time <= 3; time++) {
        await (await queue.getJob(lost.id))?.remove();
        const again = await waitForJob(queue, lost.id, 25_000);
        expect({ time, data: again.data }).toEqual({ time, data: original });
        expect((await get<Run[]>(`/sweeps/${id}/runs`)).find((r) => r.id === lost.id)?.requeues).toBe(time);
      }
      // The fourth time it is failed (a job that keeps vanishing is not enqueued forever).
      await (await queue.getJob(lost.id))?.remove();
      const sweep = await until(id, (s) => s.runs.failed === 2 && s.runs.queued === 3, 'both lost runs to be failed and replaced', 25_000);
      const runs = await get<Run[]>(`/sweeps/${id}/runs`);
      expect(runs.find((x) => x.id === lost.id)).toMatchObject({ state: 'failed', requeues: 3, reason: expect.stringMatching(/vanished/) });
      expect(runs.find((x) => x.id === taken.id)).toMatchObject({ state: 'failed', requeues: 0, reason: expect.stringMatching(/vanished/) });
      expect(sweep.budget.reserved).toBeCloseTo(runs.filter((r) => r.state === 'queued').reduce((sum, r) => sum + r.cost, 0), -15);
      expect(sweep.budget.spent).toBe(0);
      const metrics = await (await fetch(`${stack.baseUrl}/metrics`)).text();
      for (const [action, n] of [['requeued', 3], ['failed', 2], ['recorded', 0]] as const) expect(metrics).toContain(`lawsweep_reconciled_runs_total{action="${action}"} ${n}`);
    } finally {
      await queue.close();
      client.disconnect();
    }
  }, 90_000);

  it('two planner replicas on one Redis share the sweep without planning a run twice or overspending', async () => {
    stack = await PlannerStack.start({ workers: [{}, {}] });
    const { bootstrapPlanner } = await import('../apps/planner/src/bootstrap');
    const second = await bootstrapPlanner({ redisUrl: stack.redis.url, listen: false, logger: ['error'], tickMs: 300, reconcileMs: 1000, resultGraceMs: 1500 });
    try {
      const { id } = await post('/sweeps', { ...base, name: 'replicas', parallelism: 4 });
      const sweep = await until(id, finished, 'the shared sweep to finish');
      expect(sweep.state).toBe('done');
      const runs = await get<Run[]>(`/sweeps/${id}/runs`);
      expect(new Set(runs.map((r) => `${r.config.N},${r.config.D}`)).size).toBe(runs.length);
      expect(runs.every((r) => r.state === 'done')).toBe(true);
      expect(sweep.runs.done).toBe(runs.length);
    } finally {
      await second.close();
    }
  });
});

/** The run's job, once it is in the queue again. */
async function waitForJob(queue: Queue, jobId: string, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const job = await queue.getJob(jobId);
    if (job) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} was not enqueued again within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
