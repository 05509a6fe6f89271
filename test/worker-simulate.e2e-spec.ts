import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import { WORKER_REGISTRY_KEY, type RunResult } from '@lawsweep/contracts';
import { bootstrapWorker } from '../apps/worker/src/bootstrap';
import { startRedis, type TestRedis } from './support/redis-server';
import { WorkerHarness } from './support/worker-harness';

/** Four simulated workers in one process (as the demo starts them) share a pool and run side by side. */
describe('worker: simulate trainer, four workers in one process', () => {
  let redis: TestRedis;
  let harness: WorkerHarness;
  let client: Redis;
  let runRoot: string;
  const workers: INestApplication[] = [];
  const pool = `sim-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    redis = await startRedis();
    harness = new WorkerHarness(redis.url, 'lsw-test'); // a non-default BullMQ prefix, as the planner's LAWSWEEP_QUEUE_PREFIX
    client = new Redis(redis.url);
    runRoot = mkdtempSync(join(tmpdir(), 'lawsweep-worker-test-'));
    for (let i = 0; i < 4; i++) workers.push(await bootstrapWorker({ redisUrl: redis.url, queuePrefix: 'lsw-test', pool, id: `sim-${i}`, runRoot, capacity: 'N=1e10', logger: false }));
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await harness?.close();
    client?.disconnect();
    await redis?.stop();
    rmSync(runRoot, { recursive: true, force: true });
  });

  it('eight 0.4 s runs finish in about two rounds, on all four workers, each with its curve', async () => {
    expect(Object.keys(await client.hgetall(WORKER_REGISTRY_KEY)).sort()).toEqual(['sim-0', 'sim-1', 'sim-2', 'sim-3']);
    const started = Date.now();
    const jobs = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        harness.enqueue(pool, {
          config: { N: 1e8 * (i + 1), D: 2e9 * (i + 1) },
          cost: 1,
          seed: i,
          trainer: { type: 'simulate', truth: 'chinchilla', noise: 0.005, secondsPerCost: 0.4, maxSeconds: 5 },
        }),
      ),
    );
    const results = (await Promise.all(jobs.map((j) => harness.result(j.runId)))) as Extract<RunResult, { status: 'done' }>[];
    const took = Date.now() - started;
    expect(results.every((r) => r.status === 'done' && r.loss > 1 && r.loss < 5 && r.curve.length === 5)).toBe(true);
    expect(new Set(results.map((r) => r.worker)).size).toBe(4);
    expect(took).toBeGreaterThanOrEqual(800);
    expect(took).toBeLessThan(2400); // serially it would take 3.2 s
  });
});
