import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import Redis from 'ioredis';
import { freePort, RedisProcess } from '../../apps/cli/src/demo/redis-process';
import type { SweepReader, SweepStore } from '@lawsweep/store';

/** The repository root (this file runs from dist/bench/support). */
export const ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();

export const machine = (): string => `${cpus().length}-core ${process.arch}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
export const load1 = (): number => Math.round(loadavg()[0] * 10) / 10;

export const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (the same helper the demo and the tests use). */
export { freePort };

export interface BenchRedis {
  url: string;
  port: number;
  client: Redis;
  /** A field of INFO (e.g. used_memory_peak). */
  info(field: string): Promise<string>;
  stop(): Promise<void>;
}

/** A fresh redis-server as docker-compose runs it (AOF on, noeviction); `appendonly: false` turns AOF off. */
export async function startRedis(options: { appendonly?: boolean } = {}): Promise<BenchRedis> {
  const server = await RedisProcess.start({ appendonly: options.appendonly !== false, extraArgs: ['--maxclients', '10000'], dirPrefix: 'lawsweep-bench-redis-' });
  const client = new Redis(server.url, { maxRetriesPerRequest: null });
  return {
    url: server.url,
    port: server.port,
    client,
    info: async (field) => new RegExp(`^${field}:(.*)$`, 'm').exec(await client.info())?.[1].trim() ?? '',
    stop: async () => {
      client.disconnect();
      await server.stop();
    },
  };
}

export interface NodeChild {
  name: string;
  proc: ChildProcess;
  output: string;
  alive(): boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A built app (dist/apps/<app>/src/main.js) as a child process configured by environment. */
export function spawnApp(name: string, app: 'planner' | 'worker', env: Record<string, string>): NodeChild {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(REDIS_URL|PORT|HOST|LAWSWEEP_|WORKER_)/.test(k)));
  // BENCH_NODE_ARGS: extra node flags for the spawned apps, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
  // to profile the planner under load (node refuses --cpu-prof in NODE_OPTIONS).
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, join(ROOT, `dist/apps/${app}/src/main.js`)], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const child: NodeChild = {
    name,
    proc,
    output: '',
    alive: () => proc.exitCode === null && proc.signalCode === null,
    kill: async (signal = 'SIGKILL') => {
      if (!child.alive()) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill(signal);
      await exited;
    },
  };
  const keep = (b: Buffer) => (child.output = (child.output + b.toString()).slice(-8000));
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  return child;
}

export async function spawnPlanner(redisUrl: string, env: Record<string, string> = {}): Promise<{ child: NodeChild; baseUrl: string }> {
  const port = await freePort();
  const child = spawnApp('planner', 'planner', { REDIS_URL: redisUrl, PORT: String(port), HOST: '127.0.0.1', ...env });
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (!child.alive()) throw new Error(`planner exited:\n${child.output}`);
    if (await fetch(`${baseUrl}/health`).then((r) => r.ok).catch(() => false)) break;
    if (i > 600) throw new Error(`planner did not start:\n${child.output}`);
    await sleep(100);
  }
  return { child, baseUrl };
}

export async function createSweep(baseUrl: string, spec: unknown): Promise<string> {
  const res = await fetch(`${baseUrl}/sweeps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
  const body = (await res.json()) as { id?: string };
  if (!res.ok || !body.id) throw new Error(`POST /sweeps: ${res.status} ${JSON.stringify(body)}`);
  return body.id;
}

/**
 * The sweep invariants (test/faults/support/sweep-invariants.ts states them with jest): returns
 * every violation found, empty when all hold.
 */
export async function sweepViolations({ store, reader }: { store: SweepStore; reader: SweepReader }, id: string): Promise<string[]> {
  const bad: string[] = [];
  const sweep = await store.getSweep(id);
  if (!sweep) return [`no sweep ${id}`];
  const runs = await reader.listRuns(id);
  const obs = await reader.observations(id);
  const count = (state: string) => runs.filter((r) => r.state === state).length;
  if (sweep.runs.queued + sweep.runs.running !== 0) bad.push(`runs still in flight: ${JSON.stringify(sweep.runs)}`);
  if (sweep.reserved !== 0) bad.push(`reserved ${sweep.reserved} != 0`);
  if (new Set(runs.map((r) => r.configKey)).size !== runs.length) bad.push('a config was planned twice');
  if (runs.filter((r) => !r.imported).length !== sweep.planned) bad.push(`planned ${sweep.planned} != ${runs.length} run records`);
  for (const s of ['done', 'failed', 'cancelled'] as const) if (sweep.runs[s] !== count(s)) bad.push(`counter ${s} ${sweep.runs[s]} != ${count(s)} runs`);
  const obsIds = obs.map((o) => o.runId);
  if (new Set(obsIds).size !== obsIds.length) bad.push('a result was recorded twice');
  if (obsIds.length !== count('done')) bad.push(`${obsIds.length} observations for ${count('done')} done runs`);
  if (sweep.spent + sweep.reserved > sweep.budget * (1 + 1e-12)) bad.push('budget overspent');
  const spentByRuns = runs.reduce((s, r) => s + r.spent, 0);
  if (Math.abs(sweep.spent - spentByRuns) > 1e-9 * Math.max(1, spentByRuns)) bad.push(`spent ${sweep.spent} != sum of runs ${spentByRuns}`);
  return bad;
}
