import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

export const REDIS_INSTALL_HINT =
  'redis-server was not found. Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`; macOS: `brew install redis`), or point REDIS_URL at a running Redis, then run `npm run demo` again.';

/** A Redis the demo uses: one it found (left running at the end) or one it started (stopped at the end). */
export class LocalRedis {
  private constructor(
    readonly url: string,
    readonly started: boolean,
    private readonly proc?: ChildProcess,
    private readonly dir?: string,
  ) {}

  /** Uses `url` when a Redis answers there; otherwise starts redis-server on a free port in a temp dir. */
  static async reuseOrStart(url: string | undefined, log: (line: string) => void): Promise<LocalRedis> {
    if (url) {
      if (await ping(url, 1500)) {
        log(`using the Redis at ${redactUrl(url)} (REDIS_URL)`);
        return new LocalRedis(url, false);
      }
      log(`REDIS_URL=${redactUrl(url)} does not answer; starting a local redis-server instead`);
    }
    if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error) throw new Error(REDIS_INSTALL_HINT);
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'lawsweep-demo-redis-'));
    // Same settings as production (docker-compose.yml): AOF on, never evict queue data.
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction', '--daemonize', 'no', '--protected-mode', 'yes'],
      { stdio: 'ignore' },
    );
    const local = `redis://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    while (!(await ping(local, 500))) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        proc.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`redis-server did not start on port ${port} (exit code ${proc.exitCode}); try starting it by hand: redis-server --port ${port}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    log(`started redis-server on port ${port} (data in ${dir})`);
    return new LocalRedis(local, true, proc, dir);
  }

  /** Deletes the keys under these prefixes (a Redis the demo borrowed is left as it was found). */
  async deleteKeys(prefixes: string[]): Promise<number> {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    let deleted = 0;
    try {
      for (const prefix of prefixes) {
        const stream = client.scanStream({ match: `${prefix}*`, count: 500 });
        for await (const keys of stream as AsyncIterable<string[]>) if (keys.length > 0) deleted += await client.unlink(...keys);
      }
    } finally {
      client.disconnect();
    }
    return deleted;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => p.kill('SIGKILL'), 3000);
        p.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        p.kill('SIGTERM');
      });
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

async function ping(url: string, timeoutMs: number): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Hides a password in a Redis URL before printing it. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
