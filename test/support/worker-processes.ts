import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { WORKER_REGISTRY_KEY } from '@lawsweep/contracts';
import { BUILT, ensureBuilt, ROOT } from './built';
import { freePort, startRedis, type TestRedis } from './redis-server';
import { waitFor } from './wait-for';
import { WorkerHarness } from './worker-harness';

/** A built worker app running as its own process. */
export interface WorkerProcess {
  proc: ChildProcess;
  /** Its stdout and stderr so far. */
  log: () => string;
  /** Its /metrics text. */
  metrics: () => Promise<string>;
  exited: Promise<unknown>;
}

/**
 * For e2e tests of worker processes: a Redis, a harness that enqueues runs, a run root, and built
 * worker apps started as users start them (`start`); `close` kills what is left, the trainers' process
 * groups recorded with `trackGroup` included, and removes the run root.
 */
export class WorkerProcesses {
  redis!: TestRedis;
  client!: Redis;
  harness!: WorkerHarness;
  runRoot!: string;
  private readonly workers: WorkerProcess[] = [];
  private readonly groups: number[] = [];

  static async start(runRootPrefix: string): Promise<WorkerProcesses> {
    ensureBuilt(BUILT.worker);
    const w = new WorkerProcesses();
    w.redis = await startRedis();
    w.client = new Redis(w.redis.url);
    w.harness = new WorkerHarness(w.redis.url);
    w.runRoot = mkdtempSync(join(tmpdir(), runRootPrefix));
    return w;
  }

  /** Starts the built worker as its own process (env added to the defaults) and waits until it serves its pool. */
  async start(id: string, pool: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
    const port = await freePort();
    let log = '';
    const proc = spawn('node', [BUILT.worker], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        REDIS_URL: this.redis.url,
        WORKER_POOL: pool,
        WORKER_ID: id,
        WORKER_RUN_DIR: this.runRoot,
        WORKER_KILL_GRACE_SECONDS: '1',
        WORKER_KEEP_RUN_DIRS: 'true',
        WORKER_METRICS_PORT: String(port),
        WORKER_METRICS_HOST: '127.0.0.1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d) => (log += d));
    proc.stderr!.on('data', (d) => (log += d));
    const worker = { proc, log: () => log, metrics: () => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()), exited: new Promise((r) => proc.once('exit', r)) };
    this.workers.push(worker);
    await waitFor(`${id} to serve its queue`, () => log.includes(`worker ${id} serving`) && this.client.hget(WORKER_REGISTRY_KEY, id));
    return worker;
  }

  /** A trainer's process group, killed by `close` if still there. */
  trackGroup(pgid: number): void {
    this.groups.push(pgid);
  }

  async close(): Promise<void> {
    for (const w of this.workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    await Promise.all(this.workers.map((w) => w.exited));
    for (const pgid of this.groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
    await this.harness?.close();
    this.client?.disconnect();
    await this.redis?.stop();
    if (this.runRoot) rmSync(this.runRoot, { recursive: true, force: true });
  }
}
