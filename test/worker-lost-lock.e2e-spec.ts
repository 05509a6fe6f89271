import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { runQueueName, WORKER_REGISTRY_KEY, type TrainerSpec } from '@lawsweep/contracts';
import { liveGroupMembers } from '../apps/worker/src/trainers/process-group';
import { BUILT, ensureBuilt, ROOT } from './support/built';
import { freePort, startRedis, type TestRedis } from './support/redis-server';
import { waitFor } from './support/wait-for';
import { WorkerHarness } from './support/worker-harness';

/**
 * A worker (the built worker process) that loses a run's BullMQ lock stops the run's trainer, reports
 * no result for that attempt, and leaves the run to be requeued; the next attempt resumes from the
 * run directory and completes. The lock is lost the two ways it happens: Redis refuses the renewal
 * (here the lock key is deleted, as when it expired during a stall), or Redis does not answer for
 * longer than the lock (here CLIENT PAUSE ALL). Linux only (/proc tells when the trainer is gone).
 */
const trainer: TrainerSpec = { type: 'command', command: ['sh', join(ROOT, 'test/fixtures/trainers/resume-after-stop.sh')] };
const LOCK_SECONDS = 2;
const linux = existsSync('/proc/self/stat') ? describe : describe.skip;

interface WorkerProcess {
  proc: ChildProcess;
  log: () => string;
  metrics: () => Promise<string>;
  exited: Promise<unknown>;
}

linux('worker: a lost lock stops the trainer', () => {
  let redis: TestRedis;
  let client: Redis;
  let harness: WorkerHarness;
  let runRoot: string;
  const workers: WorkerProcess[] = [];
  const groups: number[] = [];
  const tag = randomUUID().slice(0, 8);

  beforeAll(async () => {
    ensureBuilt(BUILT.worker);
    redis = await startRedis();
    client = new Redis(redis.url);
    harness = new WorkerHarness(redis.url);
    runRoot = mkdtempSync(join(tmpdir(), 'lawsweep-lost-lock-'));
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
    await harness?.close();
    client?.disconnect();
    await redis?.stop();
    rmSync(runRoot, { recursive: true, force: true });
  });

  async function startWorker(id: string, pool: string): Promise<WorkerProcess> {
    const port = await freePort();
    let log = '';
    const proc = spawn('node', [BUILT.worker], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        REDIS_URL: redis.url,
        WORKER_POOL: pool,
        WORKER_ID: id,
        WORKER_RUN_DIR: runRoot,
        WORKER_LOCK_SECONDS: String(LOCK_SECONDS),
        WORKER_KILL_GRACE_SECONDS: '1',
        WORKER_KEEP_RUN_DIRS: 'true',
        WORKER_METRICS_PORT: String(port),
        WORKER_METRICS_HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d) => (log += d));
    proc.stderr!.on('data', (d) => (log += d));
    const worker = { proc, log: () => log, metrics: () => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()), exited: new Promise((r) => proc.once('exit', r)) };
    workers.push(worker);
    await waitFor(`${id} to serve its queue`, () => log.includes(`worker ${id} serving`) && client.hget(WORKER_REGISTRY_KEY, id));
    return worker;
  }

  /** Enqueues a run and waits until its first trainer trains (has reported progress); its process group. */
  async function startRun(pool: string): Promise<{ runId: string; runDir: string; pgid: number }> {
    const job = await harness.enqueue(pool, { trainer });
    const runDir = join(runRoot, 'sweep-test', job.runId);
    const pid = await waitFor(`the trainer of ${job.runId}`, () => existsSync(join(runDir, 'first.pid')) && readFileSync(join(runDir, 'first.pid'), 'utf8').trim());
    const pgid = Number(pid);
    groups.push(pgid);
    await waitFor(`progress of ${job.runId}`, async () => (await harness.runs(pool).getJob(job.runId))?.progress);
    return { runId: job.runId, runDir, pgid };
  }

  const running = (pgid: number) => (liveGroupMembers(pgid) ?? []).length > 0;
  const lostLockCount = (metrics: string) => Number(/lawsweep_worker_runs_total\{[^}]*outcome="lost_lock"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);

  /** The run completed once, by its second start (it resumed): one result, no failed one. */
  async function expectCompletedOnceResumed(pool: string, run: { runId: string; runDir: string }, worker: WorkerProcess, id: string): Promise<void> {
    const result = await harness.result(run.runId, 20_000);
    expect(result).toMatchObject({ status: 'done', runId: run.runId, worker: id, loss: 3, attempts: 1 });
    expect(await (await harness.settled(pool, run.runId)).getState()).toBe('completed');
    expect(await harness.results.getJob(run.runId)).toBeUndefined(); // where a failed attempt's result would be
    expect(readFileSync(join(run.runDir, 'starts'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(worker.log().match(/lock lost/g)).toHaveLength(1); // one warning, not BullMQ's "could not renew lock" errors besides
    expect(worker.log()).not.toMatch(/ERROR/);
    expect(lostLockCount(await worker.metrics())).toBe(1);
  }

  it('renewal refused (the lock key is gone): the trainer is stopped within seconds, no result, and the run is trained again and completes', async () => {
    const pool = `refused-${tag}`;
    const id = `w-refused-${tag}`;
    const worker = await startWorker(id, pool);
    const run = await startRun(pool);

    // As if the lock had expired during a stall: the next renewal finds no lock (extendLocks-1.lua).
    expect(await client.del(`bull:${runQueueName(pool)}:${run.runId}:lock`)).toBe(1);
    const lost = Date.now();
    await waitFor(`the trainer (group ${run.pgid}) to be stopped`, () => !running(run.pgid), 10_000);
    // Renewals come every quarter to half of the lock; the trainer stops on SIGTERM within 0.2 s.
    expect(Date.now() - lost).toBeLessThan(5_000);
    // The worker wrote its warning before it stopped the trainer; this process may not have read it yet.
    await waitFor('the warning', () => new RegExp(`run ${run.runId} \\(job ${run.runId}\\): lock lost: renewal refused by Redis`).test(worker.log()), 5_000);

    await expectCompletedOnceResumed(pool, run, worker, id);
  }, 30_000);

  it('Redis unanswered for 3x the lock (CLIENT PAUSE ALL): the trainer is stopped during the pause, and the run completes once after it', async () => {
    const pool = `paused-${tag}`;
    const id = `w-paused-${tag}`;
    const worker = await startWorker(id, pool);
    const run = await startRun(pool);

    const pauseMs = 3 * LOCK_SECONDS * 1000;
    const paused = Date.now();
    await client.call('CLIENT', 'PAUSE', String(pauseMs), 'ALL');
    // Nothing of Redis is read here until the pause ends: /proc says when the trainer is gone.
    await waitFor(`the trainer (group ${run.pgid}) to be stopped`, () => !running(run.pgid), pauseMs + 5_000);
    const stoppedAfter = Date.now() - paused;
    // Its lock was last confirmed at most half a lock before the pause: stopped about one lock into it.
    expect(stoppedAfter).toBeLessThan(pauseMs);
    await waitFor('the warning', () => new RegExp(`run ${run.runId} \\(job ${run.runId}\\): lock lost: not renewed for \\d+\\.\\d s, longer than the ${LOCK_SECONDS} s lock`).test(worker.log()), 5_000);

    await expectCompletedOnceResumed(pool, run, worker, id);
  }, 30_000);
});
