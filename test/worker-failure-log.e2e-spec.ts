import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { WORKER_REGISTRY_KEY, type TrainerSpec } from '@lawsweep/contracts';
import { BUILT, ensureBuilt, ROOT } from './support/built';
import { startRedis, type TestRedis } from './support/redis-server';
import { waitFor } from './support/wait-for';
import { WorkerHarness } from './support/worker-harness';

/**
 * What an operator reads in a worker's own log (stdout of the built worker process) when a run
 * fails: the reason with its stderr tail, indented and bounded, not only its first line.
 */
const trainer = (script: string): TrainerSpec => ({ type: 'command', command: ['sh', join(ROOT, 'test/fixtures/trainers', script)] });

describe("worker: a failed run's reason in the worker's log", () => {
  let redis: TestRedis;
  let client: Redis;
  let harness: WorkerHarness;
  let worker: ChildProcess;
  let runRoot: string;
  let log = '';
  const pool = `flog-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    ensureBuilt(BUILT.worker);
    redis = await startRedis();
    client = new Redis(redis.url);
    harness = new WorkerHarness(redis.url);
    runRoot = mkdtempSync(join(tmpdir(), 'lawsweep-worker-test-'));
    worker = spawn('node', [BUILT.worker], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, REDIS_URL: redis.url, WORKER_POOL: pool, WORKER_ID: 'worker-log', WORKER_RUN_DIR: runRoot, WORKER_RETRY_BASE_MS: '50' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (d) => (log += d));
    worker.stderr!.on('data', (d) => (log += d));
    await waitFor('the worker to advertise itself', () => client.hget(WORKER_REGISTRY_KEY, 'worker-log'));
  }, 60_000);

  afterAll(async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((r) => worker.once('exit', r));
      worker.kill('SIGTERM');
      await exited;
    }
    await harness?.close();
    client?.disconnect();
    await redis?.stop();
    rmSync(runRoot, { recursive: true, force: true });
  });

  it('a crash: each attempt is logged with the stderr tail, indented under its first line', async () => {
    const job = await harness.enqueue(pool, { trainer: trainer('crash.sh') });
    expect(await harness.result(job.runId)).toMatchObject({ status: 'failed', attempts: 3 });
    const tail = '; stderr tail:\n    RuntimeError: CUDA out of memory (simulated)\n';
    await waitFor('the last attempt in the log', () => log.includes(`run ${job.runId} attempt 3 failed for good: trainer exited with code 3${tail}`), 5_000);
    for (const attempt of [1, 2]) expect(log).toContain(`run ${job.runId} attempt ${attempt} failed, will retry: trainer exited with code 3${tail}`);
  });

  it('a long stderr: only its last 20 lines, saying how many were left out', async () => {
    const job = await harness.enqueue(pool, { trainer: trainer('chatty-crash.sh') });
    expect(await harness.result(job.runId)).toMatchObject({ status: 'failed' });
    await waitFor('the last attempt in the log', () => log.includes(`run ${job.runId} attempt 3 failed for good`), 5_000);
    const entry = log.slice(log.indexOf(`run ${job.runId} attempt 3 failed for good`));
    const lines = entry.split('\n');
    expect(lines[0]).toMatch(/: trainer exited with code 2; stderr tail:$/);
    expect(lines[1]).toMatch(/^ {4}… \d+ earlier lines? left out$/);
    expect(lines.slice(2, 22)).toEqual(Array.from({ length: 20 }, (_, i) => `    stderr line ${81 + i}`));
    expect(lines[22] ?? '').not.toMatch(/^ {4}/);
  });
});
