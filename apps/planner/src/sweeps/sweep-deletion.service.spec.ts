import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import Redis from 'ioredis';
import { runQueueName, type RunJobData, type SweepSpec } from '@lawsweep/contracts';
import { PlanLock, SweepDeletionStore, SweepStore } from '@lawsweep/store';
import { scanKeys, startRedis, type TestRedis } from '../../../../test/support/redis-server';
import { PlannerConfig } from '../config/planner-config';
import type { MetricsService } from '../metrics/metrics.service';
import { NotifierService } from '../notify/notifier.service';
import { RunQueuesService } from '../queues/run-queues.service';
import { redisOptionsFromUrl } from '../redis/redis-options';
import type { SweepCachesService } from './sweep-caches.service';
import { SweepDeletionService } from './sweep-deletion.service';
import { SweepJobsService } from './sweep-jobs.service';
import { minimalSpec } from '../../../../test/support/minimal-spec';

function spec(pool: string): SweepSpec {
  return minimalSpec('held-jobs', { pool });
}

const keysNaming = (redis: Redis, text: string) => scanKeys(redis, `*${text}*`);

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * SweepDeletionService with the real store, run queues and a real BullMQ worker on a real Redis (the
 * engine and forecast caches and the metrics stubbed): a run job a worker still holds when the
 * deletion comes is removed once it lets go.
 */
describe('SweepDeletionService: run jobs a worker holds (real Redis, real BullMQ worker)', () => {
  let server: TestRedis;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    await redis.quit();
    await server.stop();
  });

  it('removes the jobs a worker still held (its results recorded first) once they leave active: within the deletion, or by the resume after', async () => {
    const warnings: string[] = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((m: unknown) => void warnings.push(String(m)));
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const pool = `held-${randomUUID().slice(0, 8)}`;
    const queuePrefix = `bull-${randomUUID().slice(0, 8)}`;
    const config = new PlannerConfig(server.url, 0, '127.0.0.1', undefined, `test-${randomUUID()}:`, queuePrefix, 5_000, 15_000, 30_000, '10mb', 5_000);
    const store = new SweepStore(redis, { prefix: config.keyPrefix });
    const metrics = { forgetSweep: () => undefined } as unknown as MetricsService;
    const queues = new RunQueuesService(config);
    const deletions = new SweepDeletionStore(redis, { prefix: config.keyPrefix });
    const jobs = new SweepJobsService(queues, new NotifierService(config, store, metrics), deletions);
    const caches = { forget: () => undefined } as unknown as SweepCachesService;
    const deletion = new SweepDeletionService(deletions, new PlanLock(redis, { prefix: config.keyPrefix }), jobs, caches, config);

    // A worker whose trainer runs until the test lets it finish: the first run completes, the second fails.
    const release = new Map<string, () => void>();
    const worker = new Worker<RunJobData>(
      runQueueName(pool),
      async (job: Job<RunJobData>) => {
        await new Promise<void>((r) => release.set(job.data.runId, r));
        if (job.data.runId.endsWith('2')) throw new UnrecoverableError('cancelled by its sweep');
        return { status: 'done', loss: 3 };
      },
      { connection: { ...redisOptionsFromUrl(server.url), maxRetriesPerRequest: null }, prefix: queuePrefix, concurrency: 2 },
    );
    try {
      const id = await store.createSweep(spec(pool));
      const runIds = (await store.reserveRuns(id, [1, 2].map((k) => ({ config: { N: 1e8 * k, D: 1e9 }, cost: 1 })))).map((r) => (r.ok ? r.runId : ''));
      for (const runId of runIds) await queues.enqueue(pool, { sweepId: id, runId, config: { N: 1, D: 1 }, cost: 1, trainer: { type: 'simulate', truth: 'chinchilla', noise: 0, secondsPerCost: 0, maxSeconds: 5 } });
      await until('both runs to be taken', () => release.size === 2);
      // The worker posted each run's result before its job left active; the planner recorded them; the
      // sweep was cancelled. Nothing is in flight to the store: the deletion may begin.
      for (const runId of runIds) expect(await store.recordResult(id, runId, { status: 'cancelled', reason: 'cancelled', worker: 'w1' })).toBe('recorded');
      expect(await store.transition(id, ['running'], 'cancelled')).toBe('ok');
      expect(await queues.queue(pool).getJobState(runIds[0])).toBe('active');

      const deleting = deletion.delete(id);
      await new Promise((r) => setTimeout(r, 150));
      release.get(runIds[0])?.(); // lets go within the deletion's tries
      expect(await deleting).toEqual({ id, deleted: true, runs: 2, runsLeft: 0 });
      // The second is still held: remembered, and its job is all that is left of the sweep.
      expect(await queues.queue(pool).getJobState(runIds[1])).toBe('active');
      expect((await keysNaming(redis, id)).every((k) => k.includes(runIds[1]))).toBe(true);
      expect(warnings.some((w) => w.includes(`sweep ${id}: 1 queue job(s) still held by a worker (run ${runIds[1]})`))).toBe(true);
      await deletion.resumeUnfinished();
      expect(await deletions.heldJobs()).toHaveLength(1); // still held: tried again later

      release.get(runIds[1])?.(); // fails for good: kept 7 days in `failed` unless removed
      await until('the job to leave active', async () => (await queues.queue(pool).getJobState(runIds[1])) === 'failed');
      await deletion.resumeUnfinished();
      expect(await deletions.heldJobs()).toEqual([]);
      expect(await keysNaming(redis, id)).toEqual([]);
    } finally {
      for (const r of release.values()) r();
      await worker.close();
      await deletion.onModuleDestroy();
      await queues.beforeApplicationShutdown();
      jest.restoreAllMocks();
    }
  });
});
