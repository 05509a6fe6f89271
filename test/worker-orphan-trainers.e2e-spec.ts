import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainerSpec } from '@lawsweep/contracts';
import { liveGroupMembers } from '../apps/worker/src/trainers/process-group';
import { procStat } from '../apps/worker/src/trainers/proc-info';
import { thisWorkerProcess } from '../apps/worker/src/trainers/trainer-marker';
import { ROOT } from './support/built';
import { waitFor } from './support/wait-for';
import { WorkerProcesses, type WorkerProcess } from './support/worker-processes';

/**
 * kill -9 of a worker (the built worker process) leaves its trainers running: each is the leader
 * of its own process group, re-parented to PID 1. The next worker on the node stops them, from the
 * markers in their run directories: when it starts, and before it starts a requeued run's trainer
 * again in the same directory. A live worker's trainers are never touched. Linux only (/proc).
 */
const trainer = (script: string): TrainerSpec => ({ type: 'command', command: ['sh', join(ROOT, 'test/fixtures/trainers', script)] });
const linux = existsSync('/proc/self/stat') ? describe : describe.skip;

linux('worker: trainers orphaned by kill -9', () => {
  let w: WorkerProcesses;
  const tag = randomUUID().slice(0, 8);

  beforeAll(async () => {
    w = await WorkerProcesses.start('lawsweep-orphans-');
  }, 60_000);
  afterAll(async () => {
    await w?.close();
  });

  /** Starts the built worker as its own process and waits until it takes runs. */
  const startWorker = (id: string, pool: string) => w.start(id, pool, { WORKER_LOCK_SECONDS: '3', WORKER_GRACE_SECONDS: '0' });

  /** Enqueues a run and waits for its trainer to start; its process group id (the leader's pid). */
  async function startRun(pool: string, script: string): Promise<{ runId: string; runDir: string; pgid: number }> {
    const job = await w.harness.enqueue(pool, { trainer: trainer(script) });
    const runDir = join(w.runRoot, 'sweep-test', job.runId);
    const pids = await waitFor(`the trainer of ${job.runId}`, () => existsSync(join(runDir, 'pids')) && readFileSync(join(runDir, 'pids'), 'utf8').trim());
    const pgid = Number(pids.split(' ')[0]);
    w.trackGroup(pgid);
    return { runId: job.runId, runDir, pgid };
  }

  const markers = (runDir: string) => readdirSync(runDir).filter((n) => n.startsWith('.lawsweep-trainer-'));
  const running = (pgid: number) => (liveGroupMembers(pgid) ?? []).length > 0;

  async function kill9(worker: WorkerProcess): Promise<void> {
    worker.proc.kill('SIGKILL');
    await worker.exited;
  }

  it("a worker that starts stops the trainers of a worker killed with -9, and leaves a live worker's alone", async () => {
    const killed = await startWorker(`killed-${tag}`, `a-${tag}`);
    const alive = await startWorker(`alive-${tag}`, `d-${tag}`);
    const orphan = await startRun(`a-${tag}`, 'hang.sh');
    const other = await startRun(`d-${tag}`, 'hang.sh');

    await kill9(killed);
    await new Promise((r) => setTimeout(r, 500));
    expect(running(orphan.pgid)).toBe(true); // the problem: the trainer outlived its worker

    const restarted = await startWorker(`restarted-${tag}`, `c-${tag}`);
    expect(running(orphan.pgid)).toBe(false); // stopped before the worker took runs
    expect(markers(orphan.runDir)).toEqual([]);
    expect(restarted.log()).toMatch(new RegExp(`stopped an orphaned trainer in ${orphan.runDir}: process group ${orphan.pgid} \\(run ${orphan.runId}, attempt 1\\), started \\S+ by worker killed-${tag} \\(pid ${killed.proc.pid}\\), which is gone; stopped with SIGTERM`));
    // The live worker's trainer trains on, its marker in place.
    expect(running(other.pgid)).toBe(true);
    expect(markers(other.runDir)).toHaveLength(1);
    expect(restarted.log()).not.toContain(other.runId);
    expect(alive.proc.exitCode).toBeNull();
  }, 60_000);

  it('a worker taking over the run of a worker killed with -9 stops the orphan before it starts the trainer again', async () => {
    const pool = `b-${tag}`;
    const first = await startWorker(`first-${tag}`, pool);
    const run = await startRun(pool, 'hang-then-finish.sh');
    // A second worker of the pool starts while the first lives: the first's trainer is not its business.
    const second = await startWorker(`second-${tag}`, pool);
    expect(running(run.pgid)).toBe(true);
    expect(second.log()).not.toMatch(/orphaned/);

    await kill9(first);
    // BullMQ requeues the run once the dead worker's lock expires (3 s here: with 1 s, a renewal late on a
    // loaded CI machine hands a live worker's run to the other one); the second worker takes it.
    const result = await w.harness.result(run.runId, 30_000);
    expect(result).toMatchObject({ status: 'done', worker: `second-${tag}`, loss: 2 });
    expect(readFileSync(join(run.runDir, 'first-trainer-at-restart'), 'utf8').trim()).toBe('gone');
    expect(running(run.pgid)).toBe(false);
    expect(second.log()).toMatch(new RegExp(`stopped an orphaned trainer in ${run.runDir}: process group ${run.pgid} \\(run ${run.runId}, attempt 1\\)`));
  }, 60_000);

  it("a run whose directory a live worker's trainer still holds is handed back to wait, without using an attempt, and runs once that trainer ends", async () => {
    const pool = `e-${tag}`;
    const worker = await startWorker(`waiter-${tag}`, pool);
    // Another live worker (this test process) still trains the run there: it lost the lock, the run was requeued.
    const runId = `run-${randomUUID()}`;
    const runDir = join(w.runRoot, 'sweep-test', runId);
    mkdirSync(runDir, { recursive: true });
    const holder = spawn('sh', ['-c', 'sleep 60 & wait'], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH, LAWSWEEP_RUN_DIR: runDir } });
    holder.unref();
    const pgid = holder.pid!;
    w.trackGroup(pgid);
    const leaderStart = await waitFor('the holder to run', () => procStat(pgid)?.startTime);
    const marker = join(runDir, `.lawsweep-trainer-${pgid}-0123456789abcdef.json`);
    writeFileSync(marker, JSON.stringify({ pgid, leaderStart, ...thisWorkerProcess()!, workerId: 'lost-lock-worker', runId, attempt: 1, startedAt: new Date().toISOString() }));

    await w.harness.enqueue(pool, { runId, trainer: trainer('succeed.sh') });
    const waiting = await waitFor('the run to be handed back', async () => {
      const job = await w.harness.runs(pool).getJob(runId);
      return job && (job.data as { dirWaits?: number }).dirWaits ? job : undefined;
    });
    expect(waiting.attemptsMade).toBe(0);
    expect(worker.log()).toMatch(new RegExp(`run ${runId} handed back, to wait \\(1 of 150\\): the run directory ${runDir} is in use: worker lost-lock-worker`));
    expect(running(pgid)).toBe(true); // not ours to stop

    // That trainer ends (its worker reports or drops it): the run goes on, on its first attempt.
    process.kill(-pgid, 'SIGKILL');
    rmSync(marker);
    const result = await w.harness.result(runId, 30_000);
    expect(result).toMatchObject({ status: 'done', worker: `waiter-${tag}`, attempts: 1 });
  }, 60_000);
});
