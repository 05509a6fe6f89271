import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import { cancelKey, runJobOptions, type RunJobData, type TrainerSpec } from '@lawsweep/contracts';
import { bootstrapWorker } from '../apps/worker/src/bootstrap';
import { WorkerMetrics } from '../apps/worker/src/observability/worker-metrics.service';
import { RUN_DIR_MARKER } from '../apps/worker/src/runs/run-dir';
import { RunDirRetention } from '../apps/worker/src/runs/run-dir-retention.service';
import { startRedis, type TestRedis } from './support/redis-server';
import { waitFor } from './support/wait-for';
import { WorkerHarness } from './support/worker-harness';

/**
 * Run directories on a real worker and Redis: a cancelled run's goes at once, a failed run's stays
 * until the retention sweep finds it older than WORKER_FAILED_RUN_DIR_HOURS, one whose run may
 * resume stays; and a worker whose run root is below WORKER_MIN_FREE_DISK_GIB hands runs back for
 * another worker instead of failing them.
 */
const FIXTURES = resolve(__dirname, 'fixtures/trainers');
const script = (name: string): TrainerSpec => ({ type: 'command', command: ['sh', join(FIXTURES, name), '{N}'] });
const HOUR = 3_600_000;

describe('worker: run directories and the disk floor', () => {
  let redis: TestRedis;
  let harness: WorkerHarness;
  let client: Redis;
  const roots: string[] = [];
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    harness = new WorkerHarness(redis.url);
    client = new Redis(redis.url);
  });

  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await harness?.close();
    client?.disconnect();
    await redis?.stop();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  async function worker(pool: string, id: string, options: Parameters<typeof bootstrapWorker>[0] = {}): Promise<{ app: INestApplication; runRoot: string }> {
    const runRoot = mkdtempSync(join(tmpdir(), 'lawsweep-run-dirs-'));
    roots.push(runRoot);
    const app = await bootstrapWorker({ redisUrl: redis.url, pool, id, runRoot, retryBaseMs: 50, killGraceSeconds: 0.5, cancelPollSeconds: 0.1, logger: false, ...options });
    apps.push(app);
    return { app, runRoot };
  }

  it("removes a cancelled run's directory when its trainer stops; keeps a failed run's until the sweep finds it older than the retention, and one that may resume", async () => {
    const pool = `dirs-${randomUUID().slice(0, 8)}`;
    const { app, runRoot } = await worker(pool, `w-${pool}`, { failedRunDirHours: 24 });
    const sweepId = `sweep-${randomUUID().slice(0, 8)}`;

    const hanging = await harness.enqueue(pool, { sweepId, trainer: script('hang.sh') });
    const hangingDir = join(runRoot, sweepId, hanging.runId);
    await waitFor('the trainer to start', () => existsSync(join(hangingDir, 'pids')));
    await client.set(cancelKey(sweepId), '1', 'EX', 60);
    expect(await harness.result(hanging.runId)).toMatchObject({ status: 'failed', reason: 'cancelled' });
    expect(existsSync(hangingDir)).toBe(false);
    expect(existsSync(join(runRoot, sweepId))).toBe(false); // its sweep's directory, empty, with it

    const failed = await harness.enqueue(pool, { trainer: script('garbage.sh') });
    expect(await harness.result(failed.runId)).toMatchObject({ status: 'failed', attempts: 1 });
    const failedDir = join(runRoot, 'sweep-test', failed.runId);
    expect(existsSync(join(failedDir, 'trainer.log'))).toBe(true);
    expect(existsSync(join(failedDir, RUN_DIR_MARKER))).toBe(true); // the worker marks what it made

    // A run that may resume here: its job waits (delayed: a retry's backoff, a hand-back), its directory is old.
    const waiting: RunJobData = { sweepId: 'sweep-test', runId: `run-${randomUUID()}`, config: { N: 1e6, D: 2e7 }, cost: 1, trainer: script('succeed.sh') };
    await harness.runs(pool).add('run', waiting, { ...runJobOptions(waiting.runId), delay: HOUR });
    const waitingDir = join(runRoot, 'sweep-test', waiting.runId);
    mkdirSync(waitingDir, { recursive: true });
    writeFileSync(join(waitingDir, RUN_DIR_MARKER), `${waiting.runId}\n`); // as a worker made it
    writeFileSync(join(waitingDir, 'checkpoint.pt'), 'weights');
    const old = new Date(Date.now() - 48 * HOUR);
    utimesSync(join(waitingDir, 'checkpoint.pt'), old, old);
    utimesSync(waitingDir, old, old);

    const retention = app.get(RunDirRetention);
    expect((await retention.sweep()).removed).toEqual({ cancelled: 0, finished: 0, expired: 0 }); // the failed run is young
    expect(existsSync(failedDir)).toBe(true);
    const later = await retention.sweep(Date.now() + 25 * HOUR);
    expect(later.removed).toEqual({ cancelled: 0, finished: 0, expired: 1 });
    expect(existsSync(failedDir)).toBe(false);
    expect(existsSync(join(waitingDir, 'checkpoint.pt'))).toBe(true);
    const metrics = await app.get(WorkerMetrics).registry.metrics();
    expect(metrics).toMatch(/lawsweep_worker_run_dirs_removed_total\{reason="cancelled",[^}]*\} 1/);
    expect(metrics).toMatch(/lawsweep_worker_run_dirs_removed_total\{reason="expired",[^}]*\} 1/);
  });

  it('a worker whose run root is below WORKER_MIN_FREE_DISK_GIB hands the run back, unfailed, and another worker trains it', async () => {
    const pool = `disk-${randomUUID().slice(0, 8)}`;
    // A floor of a PiB: no disk here has that much free, so this worker is "full".
    const { app: full } = await worker(pool, `full-${pool}`, { minFreeDiskGiB: 1_048_576 });
    const run = await harness.enqueue(pool, { trainer: script('succeed.sh') });
    const refusals = async () => ((await harness.runs(pool).getJob(run.runId))?.data as RunJobData | undefined)?.refusals;
    await waitFor('the full worker to hand the run back', refusals);
    // Then it takes no runs for a while (30 s), rather than take the same run again after each
    // hand-back's delay (0.5 s, 1 s, 2 s, ...) only to hand it back.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await refusals()).toBe(1);
    const metrics = await full.get(WorkerMetrics).registry.metrics();
    expect(metrics).toMatch(/lawsweep_worker_hand_backs_total\{reason="low_disk",[^}]*\} [1-9]/);
    expect(metrics).not.toMatch(/lawsweep_worker_runs_total\{outcome="(failed|retried)"/);
    await full.close();
    apps.splice(apps.indexOf(full), 1);

    await worker(pool, `roomy-${pool}`);
    const result = await harness.result(run.runId, 40_000);
    expect(result).toMatchObject({ status: 'done', worker: `roomy-${pool}`, attempts: 1 });
    expect(await harness.results.getJob(run.runId)).toBeUndefined(); // no failed result was ever posted
    expect((await harness.settled(pool, run.runId)).attemptsMade).toBe(1);
  });
});
