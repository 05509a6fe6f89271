import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import { WORKER_REGISTRY_KEY, workerAdvertSchema, type TrainerSpec } from '@lawsweep/contracts';
import { bootstrapWorker } from '../apps/worker/src/bootstrap';
import { liveGroupMembers } from '../apps/worker/src/trainers/process-group';
import { BUILT, ensureBuilt, ROOT } from './support/built';
import { freePort, startRedis, type TestRedis } from './support/redis-server';
import { waitFor } from './support/wait-for';
import { WorkerHarness } from './support/worker-harness';

/**
 * SIGTERM a worker process (the built `dist/apps/worker/src/main.js`) during two runs: the one that
 * ends within the grace period finishes there; the other is stopped, handed back, and finished by
 * another worker. Each run has exactly one result.
 */
const MAIN = BUILT.worker;
const slow = (seconds: number): TrainerSpec => ({ type: 'command', command: ['sh', join(ROOT, 'test/fixtures/trainers/slow.sh')], env: { SECONDS_TO_RUN: String(seconds) } });



/** Whether nothing of a process group is left (zombies aside: /proc, where there is one). */
function groupGone(pgid: number): boolean {
  return (liveGroupMembers(pgid) ?? []).length === 0;
}

/** A worker process (the built main.js) with `env` (and PATH): its output so far, and its exit. */
function spawnWorker(env: Record<string, string | undefined>) {
  let log = '';
  const proc = spawn('node', [MAIN], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => (log += d));
  proc.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  return { proc, output: () => log, exited };
}

describe('worker: SIGTERM hands unfinished runs back', () => {
  let redis: TestRedis;
  let client: Redis;
  let harness: WorkerHarness;
  let child: ChildProcess | undefined;
  let other: INestApplication | undefined;
  let runRoot: string;
  let output = '';
  const pool = `shut-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    ensureBuilt(MAIN);
    redis = await startRedis();
    client = new Redis(redis.url);
    harness = new WorkerHarness(redis.url);
    runRoot = mkdtempSync(join(tmpdir(), 'lawsweep-worker-test-'));
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await other?.close();
    await harness?.close();
    client?.disconnect();
    await redis?.stop();
    rmSync(runRoot, { recursive: true, force: true });
  });

  it('finishes the run that fits the grace period, hands back the other; another worker finishes it; one result each', async () => {
    child = spawn('node', [MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        REDIS_URL: redis.url,
        WORKER_POOL: pool,
        WORKER_ID: 'worker-a',
        WORKER_CONCURRENCY: '2',
        WORKER_GRACE_SECONDS: '2',
        WORKER_KILL_GRACE_SECONDS: '1',
        WORKER_RUN_DIR: runRoot,
        WORKER_HEARTBEAT_SECONDS: '0.2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((r) => child!.once('exit', (code, signal) => r({ code, signal, at: Date.now() })));
    await waitFor('worker-a to advertise itself', () => client.hget(WORKER_REGISTRY_KEY, 'worker-a'));

    const short = await harness.enqueue(pool, { trainer: slow(1.5) });
    const long = await harness.enqueue(pool, { trainer: slow(6) });
    for (const job of [short, long]) await waitFor(`progress of ${job.runId}`, async () => (await harness.runs(pool).getJob(job.runId))?.progress);

    const signalled = Date.now();
    child.kill('SIGTERM');
    const draining = await waitFor('the draining advert', async () => {
      const raw = await client.hget(WORKER_REGISTRY_KEY, 'worker-a');
      return raw && workerAdvertSchema.parse(JSON.parse(raw)).draining;
    });
    expect(draining).toBe(true);
    const exit = await exited;
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    // The shutdown waited for the short run: it was still training when the signal came, and its run
    // job completed (on worker-a's clock, the same machine's) before the worker exited.
    const shortJob = await harness.runs(pool).getJob(short.runId);
    expect(await shortJob!.getState()).toBe('completed');
    expect(shortJob!.finishedOn).toBeGreaterThan(signalled);
    expect(shortJob!.finishedOn).toBeLessThanOrEqual(exit.at);
    expect(output).toMatch(/handed back to the queue \(shutdown\)/);
    expect(await client.hget(WORKER_REGISTRY_KEY, 'worker-a')).toBeNull();

    // The short run finished on worker-a during the grace period.
    expect(await harness.result(short.runId, 1000)).toMatchObject({ status: 'done', worker: 'worker-a', attempts: 1, loss: 3 });
    // The long one is back in the queue, its attempt not counted as a failure, and no result yet.
    const handedBack = await harness.runs(pool).getJob(long.runId);
    expect(await handedBack!.getState()).toBe('waiting');
    expect(handedBack!.attemptsMade).toBe(0);
    // ...stopped short on worker-a: its last progress there is before the 30th and last step of slow.sh.
    expect((handedBack!.progress as { point: { step: number } }).point.step).toBeLessThan(30);
    expect(await harness.results.getJob(long.runId)).toBeUndefined();

    other = await bootstrapWorker({ redisUrl: redis.url, pool, id: 'worker-b', runRoot, logger: false });
    const result = await harness.result(long.runId, 15_000);
    expect(result).toMatchObject({ status: 'done', worker: 'worker-b', attempts: 1, loss: 3 });
    expect(await (await harness.settled(pool, long.runId)).getState()).toBe('completed');

    // Each run reported once: its run job completed with its result, nothing on the results queue
    // (where a failed attempt's result would be).
    for (const run of [short, long]) {
      const settled = await harness.settled(pool, run.runId);
      expect(settled.returnvalue).toMatchObject({ status: 'done', runId: run.runId });
      expect(await harness.results.getJob(run.runId)).toBeUndefined();
    }
  }, 45_000);

  it('a second SIGTERM cuts a long grace period short: the runs are stopped and handed back at once', async () => {
    const again = `${pool}-again`;
    const { proc, output, exited } = spawnWorker({ REDIS_URL: redis.url, WORKER_POOL: again, WORKER_ID: 'worker-again', WORKER_CONCURRENCY: '2', WORKER_GRACE_SECONDS: '600', WORKER_KILL_GRACE_SECONDS: '1', WORKER_RUN_DIR: runRoot });
    try {
      await waitFor('worker-again to advertise itself', () => client.hget(WORKER_REGISTRY_KEY, 'worker-again'));
      const runs = [await harness.enqueue(again, { trainer: slow(120) }), await harness.enqueue(again, { trainer: slow(120) })];
      for (const run of runs) await waitFor(`progress of ${run.runId}`, async () => (await harness.runs(again).getJob(run.runId))?.progress);
      proc.kill('SIGTERM');
      await waitFor('the drain to start', () => /waiting up to 600s for 2 run\(s\) to finish; a second Ctrl-C \(SIGINT\) or SIGTERM stops them now/.test(output()));
      const second = Date.now();
      proc.kill('SIGTERM');
      const exit = await exited;
      // Without the second signal it would wait 600 s for runs of 120 s.
      expect(Date.now() - second).toBeLessThan(15_000);
      expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
      expect(output()).toMatch(/SIGTERM again: not waiting for the grace period/);
      expect(output().match(/trainer stopped with SIGTERM \(shutdown\)/g)).toHaveLength(2);
      for (const run of runs) {
        const job = await harness.runs(again).getJob(run.runId);
        expect(await job!.getState()).toBe('waiting');
        expect(job!.attemptsMade).toBe(0);
      }
      expect(await client.hget(WORKER_REGISTRY_KEY, 'worker-again')).toBeNull();
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await harness.runs(again).obliterate({ force: true });
    }
  }, 45_000);

  it('a signalled worker whose close hangs on Redis exits anyway after the grace, the kill grace and 20 s, saying why', async () => {
    const stuck = `${pool}-stuck`;
    const { proc, output, exited } = spawnWorker({ REDIS_URL: redis.url, WORKER_POOL: stuck, WORKER_ID: 'worker-stuck', WORKER_GRACE_SECONDS: '1', WORKER_KILL_GRACE_SECONDS: '1', WORKER_RUN_DIR: runRoot });
    try {
      await waitFor('worker-stuck to advertise itself', () => client.hget(WORKER_REGISTRY_KEY, 'worker-stuck'));
      const run = await harness.enqueue(stuck, { trainer: slow(120) });
      await waitFor(`progress of ${run.runId}`, async () => (await harness.runs(stuck).getJob(run.runId))?.progress);
      // Every write waits (handing the run back, removing the advert) until the pause ends or is lifted.
      await client.call('CLIENT', 'PAUSE', '60000', 'WRITE');
      const signalled = Date.now();
      proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const tooLong = new Promise<never>((_, no) => (timer = setTimeout(() => no(new Error(`still running 40 s after SIGTERM:\n${output()}`)), 40_000)));
      const exit = await Promise.race([exited, tooLong]).finally(() => clearTimeout(timer));
      const took = Date.now() - signalled;
      expect(exit.code).toBe(1);
      expect(took).toBeGreaterThanOrEqual(21_000);
      expect(took).toBeLessThan(35_000);
      expect(output()).toMatch(/shutdown did not finish within 22 s after SIGTERM \(Redis unreachable\?\); exiting anyway/);
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await client.call('CLIENT', 'UNPAUSE');
      await harness.runs(stuck).obliterate({ force: true });
    }
  }, 60_000);

  it('a signal while closing hangs (nothing left to cut short) exits at once', async () => {
    const idle = `${pool}-idle`;
    const { proc, output, exited } = spawnWorker({ REDIS_URL: redis.url, WORKER_POOL: idle, WORKER_ID: 'worker-idle', WORKER_RUN_DIR: runRoot });
    try {
      await waitFor('worker-idle to advertise itself', () => client.hget(WORKER_REGISTRY_KEY, 'worker-idle'));
      await client.call('CLIENT', 'PAUSE', '60000', 'WRITE');
      proc.kill('SIGINT');
      await waitFor('the shutdown to begin', () => (/shutting down \(SIGINT\)/.test(output()) ? true : undefined));
      await new Promise((r) => setTimeout(r, 500)); // closing now waits on Redis (it would, for the default 60 s)
      const again = Date.now();
      proc.kill('SIGINT');
      const exit = await exited;
      expect(Date.now() - again).toBeLessThan(5_000);
      expect(exit.code).toBe(1);
      expect(output()).toMatch(/SIGINT again during shutdown: exiting now/);
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await client.call('CLIENT', 'UNPAUSE');
    }
  }, 30_000);

  it('asked again while a stubborn trainer is being stopped, it exits at once and kills the trainer first', async () => {
    const stubborn = `${pool}-stubborn`;
    const { proc, output, exited } = spawnWorker({ REDIS_URL: redis.url, WORKER_POOL: stubborn, WORKER_ID: 'worker-stubborn', WORKER_GRACE_SECONDS: '0', WORKER_KILL_GRACE_SECONDS: '120', WORKER_RUN_DIR: runRoot });
    let pgid = 0;
    try {
      await waitFor('worker-stubborn to advertise itself', () => client.hget(WORKER_REGISTRY_KEY, 'worker-stubborn'));
      const run = await harness.enqueue(stubborn, { trainer: { type: 'command', command: ['sh', join(ROOT, 'test/fixtures/trainers/ignore-term.sh')] } });
      const pidsFile = join(runRoot, 'sweep-test', run.runId, 'pids');
      pgid = Number((await waitFor('the trainer to start', () => (existsSync(pidsFile) ? readFileSync(pidsFile, 'utf8').trim() || undefined : undefined))).split(' ')[0]);
      proc.kill('SIGTERM');
      // No grace: the trainer is sent SIGTERM at once, ignores it, and the worker would wait 120 s to SIGKILL it.
      await waitFor('the trainer to be stopped', () => (/stopping trainer \(pid \d+\) for shutdown/.test(output()) ? true : undefined));
      const again = Date.now();
      proc.kill('SIGTERM');
      const exit = await exited;
      expect(Date.now() - again).toBeLessThan(5_000);
      expect(exit.code).toBe(1);
      expect(output()).toMatch(/SIGTERM again during shutdown: exiting now \(1 trainer group\(s\) killed\)/);
      await waitFor('the trainer group to be gone', () => (groupGone(pgid) ? true : undefined), 5_000);
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      if (pgid && !groupGone(pgid)) process.kill(-pgid, 'SIGKILL');
    }
  }, 30_000);

  it('`lawsweep worker` with flags: advertises, serves /health, leaves the registry on SIGTERM', async () => {
    const port = await freePort();
    const cli = spawn('node', [join(ROOT, 'bin/lawsweep.js'), 'worker', '--redis', redis.url, '--pool', `${pool}-cli`, '--id', 'cli-worker', '--capacity', 'N=1e9', '--labels', 'via=cli', '--metrics-port', String(port), '--grace', '1'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, WORKER_METRICS_HOST: '127.0.0.1', WORKER_RUN_DIR: runRoot },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => cli.once('exit', r));
    try {
      const advert = workerAdvertSchema.parse(JSON.parse(await waitFor('the CLI worker advert', () => client.hget(WORKER_REGISTRY_KEY, 'cli-worker'))));
      expect(advert).toMatchObject({ pool: `${pool}-cli`, capacity: { N: 1e9 }, labels: { via: 'cli' }, concurrency: 1 });
      // The advert goes out as the app starts; its HTTP port opens just after (under load, later).
      const health = await waitFor('the CLI worker /health', () => fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined));
      expect(health.status).toBe(200);
      cli.kill('SIGTERM');
      await exited;
      expect(await client.hget(WORKER_REGISTRY_KEY, 'cli-worker')).toBeNull();
    } finally {
      if (cli.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL');
    }
  }, 30_000);

  it('`lawsweep worker` stops at once on a bad flag, naming it', () => {
    const out = spawnSync('node', [join(ROOT, 'bin/lawsweep.js'), 'worker', '--capacity', 'N=lots', '--redis', redis.url], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/WORKER_CAPACITY \(--capacity\): 'N=lots' is not NAME=POSITIVE_NUMBER/);
  });
});
