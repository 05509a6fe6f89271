import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { WORKER_REGISTRY_KEY } from '@lawsweep/contracts';
import { SweepReader, SweepStore } from '@lawsweep/store';
import { BUILT, ensureBuilt, ROOT } from '../../support/built';
import { waitFor } from '../../support/wait-for';
import { freePort, startRedis, type TestRedis } from '../../support/redis-server';

export { ROOT };
const PLANNER_MAIN = BUILT.planner;
const WORKER_MAIN = BUILT.worker;

export { waitFor };

/** A child process of the stack, with the tail of its output kept for failure messages. */
export class Child {
  output = '';
  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    const keep = (b: Buffer) => (this.output = (this.output + b.toString()).slice(-20_000));
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
  }
  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }
  /** SIGKILL: no shutdown hook runs, exactly like a node that loses power. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill(signal);
    await exited;
  }
}

/**
 * The built planner and workers (dist/.../main.js) as real child processes on a real redis-server
 * with AOF on, configured through the environment exactly as a deployment would be; short ticks,
 * locks and grace periods so faults heal within seconds. Everything is killed in `stop()`.
 */
export class SpawnedStack {
  readonly children: Child[] = [];
  planner?: Child;
  baseUrl = '';
  readonly client: Redis;
  readonly store: SweepStore;
  readonly reader: SweepReader;
  private readonly runRoot = mkdtempSync(join(tmpdir(), 'lawsweep-faults-'));
  private workerSeq = 0;

  private constructor(readonly redis: TestRedis) {
    this.client = new Redis(redis.url, { maxRetriesPerRequest: null });
    this.client.on('error', () => undefined);
    this.store = new SweepStore(this.client, { prefix: 'lawsweep:' });
    this.reader = new SweepReader(this.client, { prefix: 'lawsweep:' });
  }

  static async start(options: { redisArgs?: string[]; password?: string } = {}): Promise<SpawnedStack> {
    ensureBuilt(PLANNER_MAIN, WORKER_MAIN);
    return new SpawnedStack(await startRedis({ appendonly: true, password: options.password, extraArgs: options.redisArgs }));
  }

  spawnNode(name: string, main: string, env: Record<string, string>, args: string[] = []): Child {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(REDIS_URL|PORT|HOST|LAWSWEEP_|WORKER_)/.test(k)));
    const proc = spawn(process.execPath, [main, ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const child = new Child(name, proc);
    this.children.push(child);
    return child;
  }

  async startPlanner(env: Record<string, string> = {}): Promise<Child> {
    const port = await freePort();
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.planner = this.spawnNode('planner', PLANNER_MAIN, {
      REDIS_URL: this.redis.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LAWSWEEP_TICK_MS: '300',
      LAWSWEEP_RECONCILE_MS: '500',
      LAWSWEEP_RESULT_GRACE_MS: '2000',
      LAWSWEEP_PLAN_LOCK_MS: '3000',
      ...env,
    });
    const planner = this.planner;
    await waitFor(`the planner on ${this.baseUrl}\n${planner.output}`, async () => {
      if (!planner.alive) throw new Error(`planner exited:\n${planner.output}`);
      return fetch(`${this.baseUrl}/health`).then((r) => r.ok).catch(() => false);
    }, 30_000, 100);
    return planner;
  }

  /** A worker process; resolves once its advert is in the registry (it consumes from then on). */
  async startWorker(env: Record<string, string> = {}, main = WORKER_MAIN, args: string[] = []): Promise<Child> {
    const id = env.WORKER_ID ?? `fw${++this.workerSeq}-${process.pid}`;
    const child = this.spawnNode(id, main, {
      REDIS_URL: this.redis.url,
      WORKER_ID: id,
      WORKER_CONCURRENCY: '2',
      WORKER_LOCK_SECONDS: '1',
      WORKER_HEARTBEAT_SECONDS: '0.5',
      WORKER_CANCEL_POLL_SECONDS: '0.5',
      WORKER_RETRY_BASE_MS: '50',
      WORKER_GRACE_SECONDS: '1',
      WORKER_KILL_GRACE_SECONDS: '0.2',
      WORKER_RUN_DIR: join(this.runRoot, id),
      ...env,
    }, args);
    await waitFor(`worker ${id} in the registry`, async () => {
      if (!child.alive) throw new Error(`worker ${id} exited:\n${child.output}`);
      return (await this.client.hexists(WORKER_REGISTRY_KEY, id).catch(() => 0)) === 1;
    }, 30_000, 100);
    return child;
  }

  workers(): Child[] {
    return this.children.filter((c) => c !== this.planner && c.name !== 'planner' && c.alive);
  }

  async api<T = { id: string }>(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const body = (await res.json()) as T;
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  }

  /** Logs of every child, for a failing test's message. */
  logs(): string {
    return this.children.map((c) => `--- ${c.name}\n${c.output.slice(-3000)}`).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => c.kill()));
    this.client.disconnect();
    await this.redis.stop();
    rmSync(this.runRoot, { recursive: true, force: true });
  }
}

export interface SpawnedSuiteOptions {
  /** Start the planner in beforeAll (default true). */
  planner?: boolean;
  /** Workers started in beforeAll (default 0); a test that needs handles on its workers starts them itself. */
  workers?: number;
  redisArgs?: string[];
  password?: string;
}

/**
 * One SpawnedStack for a describe block: started in beforeAll (Redis, then the planner and
 * `workers` workers), stopped in afterAll, even when a start failed half-way. Read `.stack` in
 * tests and hooks, not while the describe block is being defined.
 */
export function useSpawnedStack(options: SpawnedSuiteOptions = {}): { readonly stack: SpawnedStack } {
  let stack: SpawnedStack | undefined;
  beforeAll(async () => {
    stack = await SpawnedStack.start({ redisArgs: options.redisArgs, password: options.password });
    if (options.planner !== false) await stack.startPlanner();
    for (let i = 0; i < (options.workers ?? 0); i++) await stack.startWorker();
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });
  return {
    get stack(): SpawnedStack {
      if (!stack) throw new Error('useSpawnedStack: the stack starts in beforeAll; read .stack inside a test or hook');
      return stack;
    },
  };
}
