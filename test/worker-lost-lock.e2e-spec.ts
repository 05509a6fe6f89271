import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runQueueName, type TrainerSpec } from '@lawsweep/contracts';
import { liveGroupMembers } from '../apps/worker/src/trainers/process-group';
import { ROOT } from './support/built';
import { waitFor } from './support/wait-for';
import { WorkerProcesses, type WorkerProcess } from './support/worker-processes';

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

linux('worker: a lost lock stops the trainer', () => {
  let w: WorkerProcesses;
  const tag = randomUUID().slice(0, 8);

  beforeAll(async () => {
    w = await WorkerProcesses.start('lawsweep-lost-lock-');
  }, 60_000);
  afterAll(async () => {
    await w?.close();
  });

  /** Starts the built worker as its own process and waits until it takes runs. */
  const startWorker = (id: string, pool: string) => w.start(id, pool, { WORKER_LOCK_SECONDS: String(LOCK_SECONDS) });

  /** Enqueues a run and waits until its first trainer trains (has reported progress); its process group. */
  async function startRun(pool: string): Promise<{ runId: string; runDir: string; pgid: number }> {
    const job = await w.harness.enqueue(pool, { trainer });
    const runDir = join(w.runRoot, 'sweep-test', job.runId);
    const pid = await waitFor(`the trainer of ${job.runId}`, () => existsSync(join(runDir, 'first.pid')) && readFileSync(join(runDir, 'first.pid'), 'utf8').trim());
    const pgid = Number(pid);
    w.trackGroup(pgid);
    await waitFor(`progress of ${job.runId}`, async () => (await w.harness.runs(pool).getJob(job.runId))?.progress);
    return { runId: job.runId, runDir, pgid };
  }

  const running = (pgid: number) => (liveGroupMembers(pgid) ?? []).length > 0;
  const lostLockCount = (metrics: string) => Number(/lawsweep_worker_runs_total\{[^}]*outcome="lost_lock"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);

  /** The run completed once, by its second start (it resumed): one result, no failed one. */
  async function expectCompletedOnceResumed(pool: string, run: { runId: string; runDir: string }, worker: WorkerProcess, id: string): Promise<void> {
    const result = await w.harness.result(run.runId, 20_000);
    expect(result).toMatchObject({ status: 'done', runId: run.runId, worker: id, loss: 3, attempts: 1 });
    expect(await (await w.harness.settled(pool, run.runId)).getState()).toBe('completed');
    expect(await w.harness.results.getJob(run.runId)).toBeUndefined(); // where a failed attempt's result would be
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
    expect(await w.client.del(`bull:${runQueueName(pool)}:${run.runId}:lock`)).toBe(1);
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
    await w.client.call('CLIENT', 'PAUSE', String(pauseMs), 'ALL');
    // Nothing of Redis is read here until the pause ends: /proc says when the trainer is gone.
    await waitFor(`the trainer (group ${run.pgid}) to be stopped`, () => !running(run.pgid), pauseMs + 5_000);
    const stoppedAfter = Date.now() - paused;
    // Its lock was last confirmed at most half a lock before the pause: stopped about one lock into it.
    expect(stoppedAfter).toBeLessThan(pauseMs);
    await waitFor('the warning', () => new RegExp(`run ${run.runId} \\(job ${run.runId}\\): lock lost: not renewed for \\d+\\.\\d s, longer than the ${LOCK_SECONDS} s lock`).test(worker.log()), 5_000);

    await expectCompletedOnceResumed(pool, run, worker, id);
  }, 30_000);
});
