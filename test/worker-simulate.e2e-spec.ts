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

  it('eight 0.4 s runs go side by side on all four workers, one at a time on each, each with its curve', async () => {
    expect(Object.keys(await client.hgetall(WORKER_REGISTRY_KEY)).sort()).toEqual(['sim-0', 'sim-1', 'sim-2', 'sim-3']);
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
    expect(results.every((r) => r.status === 'done' && r.loss > 1 && r.loss < 5 && r.curve.length === 5)).toBe(true);
    expect(new Set(results.map((r) => r.worker)).size).toBe(4);

    // When each trainer was training, from what the workers recorded, not from a clock: the queue's
    // event stream (one order, Redis's) holds each progress point a trainer reported; a run's span
    // runs from its first point to its last (the final loss), inside the time its trainer ran.
    const queue = harness.runs(pool);
    const spans = new Map<string, { first: number; last: number }>();
    (await client.xrange(queue.keys.events, '-', '+')).forEach(([, fields], i) => {
      const event = Object.fromEntries(fields.flatMap((f, k) => (k % 2 === 0 ? [[f, fields[k + 1]]] : [])));
      if (event.event !== 'progress') return;
      const span = spans.get(event.jobId);
      if (span) span.last = i;
      else spans.set(event.jobId, { first: i, last: i });
    });
    expect([...spans.keys()].sort()).toEqual(jobs.map((j) => j.runId).sort());
    const overlap = (a: { first: number; last: number }, b: { first: number; last: number }) => a.first < b.last && b.first < a.last;
    // Side by side: some runs trained at the same time (one after the other, no two spans would meet).
    const atOnce = Math.max(...[...spans.values()].map((s) => [...spans.values()].filter((t) => t.first <= s.first && s.first <= t.last).length));
    expect(atOnce).toBeGreaterThanOrEqual(2);
    expect(atOnce).toBeLessThanOrEqual(4);
    // Each worker (concurrency 1) trains one run at a time.
    for (const worker of new Set(results.map((r) => r.worker))) {
      const own = results.filter((r) => r.worker === worker).map((r) => spans.get(r.runId)!);
      for (const [i, a] of own.entries()) for (const b of own.slice(i + 1)) expect(overlap(a, b)).toBe(false);
    }
  });
});
