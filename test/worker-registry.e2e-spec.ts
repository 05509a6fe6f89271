import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import { cancelKey, WORKER_REGISTRY_KEY, workerAdvertSchema, type RunJobData, type TrainerSpec } from '@lawsweep/contracts';
import { bootstrapWorker } from '../apps/worker/src/bootstrap';
import { freePort, startRedis, type TestRedis } from './support/redis-server';
import { WorkerHarness } from './support/worker-harness';

/** Capacity, the registry advert, GPUs per run, cancellation, /metrics and /health of a real worker. */
const FIXTURES = resolve(__dirname, 'fixtures/trainers');
const script = (name: string, env?: Record<string, string>): TrainerSpec => ({ type: 'command', command: ['sh', join(FIXTURES, name), '{N}'], ...(env ? { env } : {}) });

/** Whether a process of this id exists (signal 0 only asks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

describe('worker: capacity, registry, GPUs, cancel, metrics', () => {
  let redis: TestRedis;
  let client: Redis;
  let harness: WorkerHarness;
  let worker: INestApplication | undefined;
  let runRoot: string;
  let port: number;
  const pool = `reg-${randomUUID().slice(0, 8)}`;
  const id = `w-${pool}`;

  const startedAt = Date.now();

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    harness = new WorkerHarness(redis.url);
    runRoot = mkdtempSync(join(tmpdir(), 'lawsweep-worker-test-'));
    port = await freePort();
    worker = await bootstrapWorker({
      redisUrl: redis.url,
      pool,
      id,
      capacity: 'N=1e9',
      gpus: '0,1',
      labels: 'gpu=a100,zone=test',
      metricsPort: port,
      metricsHost: '127.0.0.1',
      runRoot,
      keepRunDirs: true, // the GPU test reads what the trainer wrote in its run directory
      heartbeatSeconds: 0.2,
      cancelPollSeconds: 0.2,
      killGraceSeconds: 0.5,
      logger: false,
    });
  });

  afterAll(async () => {
    await worker?.close();
    await harness?.close();
    client?.disconnect();
    await redis?.stop();
    rmSync(runRoot, { recursive: true, force: true });
  });

  const runDir = (sweepId: string, runId: string) => join(runRoot, sweepId, runId);

  it('advertises itself in the registry: pool, capacity, concurrency = GPUs, labels, heartbeat', async () => {
    const first = workerAdvertSchema.parse(JSON.parse((await client.hget(WORKER_REGISTRY_KEY, id)) as string));
    expect(first).toMatchObject({ id, pool, capacity: { N: 1e9 }, concurrency: 2, labels: { gpu: 'a100', zone: 'test' }, busy: 0 });
    await new Promise((r) => setTimeout(r, 500));
    const later = workerAdvertSchema.parse(JSON.parse((await client.hget(WORKER_REGISTRY_KEY, id)) as string));
    expect(later.lastSeen).toBeGreaterThan(first.lastSeen);
  });

  it('refuses a run above its capacity without starting the trainer, naming the variable', async () => {
    const job = await harness.enqueue(pool, { trainer: script('print-args.sh'), config: { N: 2e9, D: 1e10 } });
    const result = await harness.result(job.runId);
    expect(result).toMatchObject({ status: 'failed', attempts: 1 });
    expect(result.status === 'failed' && result.reason).toMatch(new RegExp(`over capacity: worker ${id} holds at most N=1000000000, this run needs N=2000000000 > 1000000000`));
    expect(existsSync(runDir(job.sweepId, job.runId))).toBe(false);
    expect(await (await harness.settled(pool, job.runId)).getState()).toBe('failed');
    // A run within capacity still runs.
    const ok = await harness.enqueue(pool, { trainer: script('succeed.sh'), config: { N: 1e9, D: 1e10 } });
    expect(await harness.result(ok.runId)).toMatchObject({ status: 'done', loss: 3 });
  });

  it('hands an over-capacity run back while a live worker of the pool can hold it; that worker runs it', async () => {
    // Its own pool and small worker, so the race between the two workers for the run is not part of
    // the test: the small one hands the run back (a bigger worker's advert is live), then leaves,
    // and a real big worker runs it.
    const handPool = `${pool}-hand`;
    const small = await bootstrapWorker({ redisUrl: redis.url, pool: handPool, id: `small-${handPool}`, capacity: 'N=1e9', runRoot, heartbeatSeconds: 0.2, logger: false });
    const fake = { id: `big-fake-${handPool}`, pool: handPool, capacity: { N: 1e10 }, concurrency: 1, labels: {}, busy: 0, lastSeen: Date.now() };
    await client.hset(WORKER_REGISTRY_KEY, fake.id, JSON.stringify(fake));
    let big: INestApplication | undefined;
    try {
      // A field this worker's contract does not know (a newer planner's): the hand-back keeps it.
      const newer = { fromNewerPlanner: { priority: 3 } } as Partial<RunJobData>;
      const job = await harness.enqueue(handPool, { trainer: script('succeed.sh'), config: { N: 2e9, D: 1e10 }, ...newer });
      const deadline = Date.now() + 10_000;
      while (!((await harness.runs(handPool).getJob(job.runId))?.data.refusals >= 1)) {
        if (Date.now() > deadline) throw new Error('the small worker never handed the run back');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await harness.runs(handPool).getJob(job.runId))?.data).toMatchObject({ refusals: 1, fromNewerPlanner: { priority: 3 } });
      await small.close();
      expect(await harness.results.getJob(job.runId)).toBeUndefined(); // not failed, nothing reported
      big = await bootstrapWorker({ redisUrl: redis.url, pool: handPool, id: `big-${handPool}`, capacity: 'N=1e10', runRoot, heartbeatSeconds: 0.2, logger: false });
      const result = await harness.result(job.runId, 30_000);
      expect(result).toMatchObject({ status: 'done', worker: `big-${handPool}`, attempts: 1 });
    } finally {
      await small.close().catch(() => undefined);
      await big?.close();
      await client.hdel(WORKER_REGISTRY_KEY, fake.id);
    }
  }, 60_000);

  it('sends the retry of a run that failed on a worker to another worker of the pool, a few times at most', async () => {
    // A sick node (its worker's environment makes the trainer fail) and, first, only a fake advert of a
    // healthy one: the sick worker hands the retry back for it 3 times, then runs it itself (and fails
    // again). Then it leaves and a real healthy worker runs the last attempt.
    const sickPool = `${pool}-sick`;
    const sickId = `sick-${sickPool}`;
    const sick = await bootstrapWorker({ redisUrl: redis.url, pool: sickPool, id: sickId, capacity: 'N=1e9', runRoot, heartbeatSeconds: 0.2, logger: false, baseEnv: { PATH: process.env.PATH ?? '', SICK: '1' } });
    const fake = { id: `healthy-fake-${sickPool}`, pool: sickPool, capacity: { N: 1e9 }, concurrency: 1, labels: {}, busy: 0, lastSeen: Date.now() };
    const keepFakeLive = setInterval(() => void client.hset(WORKER_REGISTRY_KEY, fake.id, JSON.stringify({ ...fake, lastSeen: Date.now() })), 200);
    let healthy: INestApplication | undefined;
    try {
      await client.hset(WORKER_REGISTRY_KEY, fake.id, JSON.stringify(fake));
      const job = await harness.enqueue(sickPool, { trainer: script('sick-node.sh'), config: { N: 1e8, D: 1e10 } });
      const data = async () => (await harness.runs(sickPool).getJob(job.runId))?.data as RunJobData | undefined;
      const deadline = Date.now() + 30_000;
      while ((await data())?.failedOn?.length !== 2) {
        if (Date.now() > deadline) throw new Error(`the run never failed twice on the sick worker: ${JSON.stringify(await data())}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await data()).toMatchObject({ failedOn: [sickId, sickId], avoids: 3 });
      expect(await harness.results.getJob(job.runId)).toBeUndefined(); // two attempts of three: not failed yet
      await sick.close();
      clearInterval(keepFakeLive);
      await client.hdel(WORKER_REGISTRY_KEY, fake.id);
      healthy = await bootstrapWorker({ redisUrl: redis.url, pool: sickPool, id: `healthy-${sickPool}`, capacity: 'N=1e9', runRoot, heartbeatSeconds: 0.2, logger: false });
      expect(await harness.result(job.runId, 30_000)).toMatchObject({ status: 'done', worker: `healthy-${sickPool}`, attempts: 3 });
    } finally {
      clearInterval(keepFakeLive);
      await sick.close().catch(() => undefined);
      await healthy?.close();
      await client.hdel(WORKER_REGISTRY_KEY, fake.id);
    }
  }, 60_000);

  it('gives each concurrent run its own GPU (CUDA_VISIBLE_DEVICES) and runs them side by side', async () => {
    // A barrier: each trainer leaves its run id in a shared directory, waits (10 s at most) until it
    // sees both, writes down whom it saw, then trains (gpu.sh). Only runs that train side by side
    // both see each other; one after the other, the first waits out the barrier alone.
    const barrier = mkdtempSync(join(tmpdir(), 'lawsweep-barrier-'));
    const meetThenTrain: TrainerSpec = {
      type: 'command',
      command: ['sh', '-c', 'touch "$BARRIER/$LAWSWEEP_RUN_ID"; i=0; while [ "$(ls "$BARRIER" | wc -l)" -lt 2 ] && [ "$i" -lt 200 ]; do sleep 0.05; i=$((i + 1)); done; ls "$BARRIER" > "$LAWSWEEP_RUN_DIR/met"; exec sh "$GPU_SH"'],
      env: { BARRIER: barrier, GPU_SH: join(FIXTURES, 'gpu.sh') },
    };
    try {
      const jobs = await Promise.all([0, 1].map(() => harness.enqueue(pool, { trainer: meetThenTrain })));
      const results = await Promise.all(jobs.map((j) => harness.result(j.runId, 40_000)));
      expect(results.map((r) => r.status)).toEqual(['done', 'done']);
      const both = jobs.map((j) => j.runId).sort();
      for (const j of jobs) expect(readFileSync(join(runDir(j.sweepId, j.runId), 'met'), 'utf8').trim().split('\n').sort()).toEqual(both);
      const gpus = jobs.map((j) => readFileSync(join(runDir(j.sweepId, j.runId), 'gpu'), 'utf8').trim()).sort();
      expect(gpus).toEqual(['0', '1']);
    } finally {
      rmSync(barrier, { recursive: true, force: true });
    }
  });

  it('stops a running run when its sweep is cancelled, and never starts a queued one', async () => {
    const sweepId = `sweep-${randomUUID().slice(0, 8)}`;
    // slow.sh for 20 s (100 steps, then its final loss), under a shell that leaves its pid behind
    // (exec: the same process) so the test can tell whether the trainer is still alive.
    const slowWithPid: TrainerSpec = { type: 'command', command: ['sh', '-c', 'echo $$ > "$LAWSWEEP_RUN_DIR/pid"; exec sh "$SLOW_SH"'], env: { SLOW_SH: join(FIXTURES, 'slow.sh'), SECONDS_TO_RUN: '20' } };
    const running = await harness.enqueue(pool, { sweepId, trainer: slowWithPid });
    for (let i = 0; i < 100 && !(await harness.runs(pool).getJob(running.runId))?.progress; i++) await new Promise((r) => setTimeout(r, 50));
    await client.set(cancelKey(sweepId), '1', 'EX', 60);
    const result = await harness.result(running.runId, 40_000);
    expect(result).toMatchObject({ status: 'failed', reason: 'cancelled', attempts: 1 });
    // It trained, and was stopped short: no final loss, fewer than its 100 steps.
    expect(result.curve.length).toBeGreaterThan(0);
    expect(result.curve.every((p) => p.loss === 4 && p.step! < 100)).toBe(true);
    // And the trainer is gone by the time the result is out, not left running.
    const pid = Number(readFileSync(join(runDir(sweepId, running.runId), 'pid'), 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
    const queued = await harness.enqueue(pool, { sweepId, trainer: script('print-args.sh') });
    expect(await harness.result(queued.runId)).toMatchObject({ status: 'failed', reason: 'cancelled' });
    expect(existsSync(runDir(sweepId, queued.runId))).toBe(false);
  });

  it('serves /metrics (lawsweep_worker_*) and /health', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`lawsweep_worker_runs_total\\{outcome="refused",trainer="command",worker="${id}",pool="${pool}"\\} 1`));
    expect(metrics).toMatch(/lawsweep_worker_runs_total\{outcome="done",trainer="command",[^}]*\} 3/);
    expect(metrics).toMatch(/lawsweep_worker_runs_total\{outcome="cancelled",[^}]*\} 2/);
    expect(metrics).toMatch(/lawsweep_worker_run_duration_seconds_count\{[^}]*outcome="done"[^}]*\} 3/);
    expect(metrics).toMatch(/lawsweep_worker_busy_slots\{[^}]*\} 0/);
    expect(metrics).toMatch(/lawsweep_worker_slots\{[^}]*\} 2/);
    // Set when a run starts and on each progress point: within this test file's runs, not 0 (never).
    const lastProgress = Number(new RegExp(`^lawsweep_worker_last_progress_timestamp_seconds\\{worker="${id}",pool="${pool}"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(lastProgress).toBeGreaterThan(startedAt / 1000);
    expect(lastProgress).toBeLessThanOrEqual(Date.now() / 1000);
    // Run durations: x2 buckets from 1 h up to a week (hour-long runs' quantiles are not 4x apart).
    for (const le of ['3600', '7200', '14400', '28800', '57600', '115200', '230400', '460800', '604800']) {
      expect(metrics).toMatch(new RegExp(`^lawsweep_worker_run_duration_seconds_bucket\\{le="${le}",[^}]*outcome="done"`, 'm'));
    }
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', redis: 'up', worker: { id, pool } });
  });

  it('keeps the lock of a run that outlasts the lock duration several times over (no stall, one attempt)', async () => {
    const lockPool = `lock-${randomUUID().slice(0, 8)}`;
    const short = await bootstrapWorker({ redisUrl: redis.url, pool: lockPool, id: `w-${lockPool}`, runRoot, lockSeconds: 1, logger: false });
    try {
      const job = await harness.enqueue(lockPool, { trainer: script('slow.sh', { SECONDS_TO_RUN: '4' }) });
      expect(await harness.result(job.runId)).toMatchObject({ status: 'done', attempts: 1 });
      const settled = await harness.settled(lockPool, job.runId);
      expect(await settled.getState()).toBe('completed');
      expect(settled.attemptsStarted).toBe(1);
      expect(settled.stalledCounter).toBe(0);
    } finally {
      await short.close();
    }
  });

  it('removes its advert when it closes', async () => {
    await worker?.close();
    worker = undefined;
    expect(await client.hget(WORKER_REGISTRY_KEY, id)).toBeNull();
  });
});
