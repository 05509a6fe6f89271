import { spawn, ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from '../../apps/cli/src/demo/local-redis';

/**
 * A real redis-server for a test: started on a free port, stopped after. When REDIS_URL is set the
 * tests use that server instead (and `stop` leaves it running).
 */
export interface TestRedis {
  url: string;
  port: number;
  /** Data directory (AOF lives here when `appendonly` is on). */
  dir: string;
  stop(): Promise<void>;
  /** Kill and start again on the same port and data directory (AOF restores state). */
  restart(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the demo's own helper). */
export { freePort };

export function redisServerBinary(): string {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return 'redis-server';
  } catch {
    throw new Error('redis-server is not installed: run `apt-get install -y redis-server` (the CI script does this), or set REDIS_URL.');
  }
}

async function waitForRedis(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch (err) {
      client.disconnect();
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface StartRedisOptions {
  appendonly?: boolean;
  /** `--requirepass`: the returned url carries it (redis://:PASSWORD@host:port). */
  password?: string;
  /** More redis-server arguments, e.g. ['--maxmemory', '64mb']. */
  extraArgs?: string[];
}

export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  if (process.env.REDIS_URL) {
    const url = process.env.REDIS_URL;
    return { url, port: Number(new URL(url).port || 6379), dir: '', stop: async () => undefined, restart: async () => { throw new Error('cannot restart an external REDIS_URL'); } };
  }
  const bin = redisServerBinary();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lawsweep-redis-'));
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  const url = `redis://${auth}127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  const launch = async () => {
    proc = spawn(
      bin,
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', options.appendonly ? 'yes' : 'no', '--maxmemory-policy', 'noeviction', '--daemonize', 'no', '--protected-mode', 'no', ...(options.password ? ['--requirepass', options.password] : []), ...(options.extraArgs ?? [])],
      { stdio: 'ignore' },
    );
    await waitForRedis(url);
  };
  const kill = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  };
  await launch();
  return {
    url,
    port,
    dir,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await kill();
      await launch();
    },
  };
}
