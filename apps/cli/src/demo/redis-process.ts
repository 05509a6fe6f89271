import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

/** What to tell someone without redis-server; `then` says what to do once it is installed. */
export function redisNotInstalled(then?: string): string {
  return `redis-server was not found. Install it (Debian/Ubuntu: \`sudo apt-get install -y redis-server\`; macOS: \`brew install redis\`), or point REDIS_URL at a running Redis${then ? `, then ${then}` : ''}.`;
}

export interface RedisProcessOptions {
  /** `--appendonly yes`, as docker-compose runs Redis; off unless asked (the demo, benches and fault tests ask). */
  appendonly?: boolean;
  /** `--requirepass`: the url carries it (redis://:PASSWORD@127.0.0.1:PORT). */
  password?: string;
  /** More redis-server arguments, e.g. ['--maxclients', '10000']. */
  extraArgs?: string[];
  /** Start of the temp data directory's name. */
  dirPrefix?: string;
  /** The error message when redis-server is not on the PATH. */
  notInstalled?: string;
}

/**
 * A private redis-server for the demo, the tests and the benches: a free port on 127.0.0.1, a temp
 * data directory of its own (removed by `stop`), no RDB snapshots, and never evicting (queue data
 * must not vanish under memory pressure, as in production). Resolves once it answers PING.
 */
export class RedisProcess {
  private proc?: ChildProcess;
  /** The tail of redis-server's own log (stdout), for the error when it does not start. */
  private output = '';

  private constructor(
    readonly url: string,
    readonly port: number,
    readonly dir: string,
    private readonly args: string[],
  ) {}

  static async start(options: RedisProcessOptions = {}): Promise<RedisProcess> {
    if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error) throw new Error(options.notInstalled ?? redisNotInstalled());
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), options.dirPrefix ?? 'lawsweep-redis-'));
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', options.appendonly ? 'yes' : 'no', '--maxmemory-policy', 'noeviction', '--daemonize', 'no'];
    if (options.password) args.push('--requirepass', options.password);
    args.push(...(options.extraArgs ?? []));
    const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
    const redis = new RedisProcess(`redis://${auth}127.0.0.1:${port}`, port, dir, args);
    try {
      await redis.launch();
    } catch (err) {
      await redis.stop();
      throw err;
    }
    return redis;
  }

  /** SIGKILL, keeping the data directory: Redis is down until `restart()`. */
  async crash(): Promise<void> {
    await this.kill('SIGKILL');
  }

  /** SIGKILL, then start again on the same port and data directory: a crash and a supervisor's restart (AOF restores what was acknowledged). */
  async restart(): Promise<void> {
    await this.kill('SIGKILL');
    await this.launch();
  }

  /** Stops the server and removes its data directory. SIGKILL (the default) is instant; SIGTERM lets it shut down cleanly (SIGKILL after 3 s). */
  async stop(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    await this.kill(signal);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(timeoutMs = 10_000): Promise<void> {
    const proc = spawn('redis-server', this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    this.output = '';
    const keep = (b: Buffer) => (this.output = (this.output + b.toString()).slice(-2000));
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    proc.on('error', (err) => keep(Buffer.from(String(err))));
    const deadline = Date.now() + timeoutMs;
    while (!(await pingRedis(this.url, 500))) {
      if (!running(proc) || Date.now() > deadline) {
        const exit = running(proc) ? `no answer in ${timeoutMs / 1000} s` : `exit code ${proc.exitCode ?? proc.signalCode}`;
        await this.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${this.port} (${exit}); try it by hand: redis-server ${this.args.join(' ')}\n${this.output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (!p || !running(p)) return;
    await new Promise<void>((resolve) => {
      const escalate = signal === 'SIGKILL' ? undefined : setTimeout(() => p.kill('SIGKILL'), 3000);
      p.once('exit', () => {
        clearTimeout(escalate);
        resolve();
      });
      p.kill(signal);
    });
  }
}

const running = (p: ChildProcess): boolean => p.exitCode === null && p.signalCode === null;

/** True when a Redis at `url` answers PING within `timeoutMs` (no retries, no queued commands). */
export async function pingRedis(url: string, timeoutMs: number): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    // After a refused connection the client has already ended; disconnecting it again would arm
    // ioredis's 2 s disconnectTimeout on a closed socket and hold the process (or jest) open.
    if (client.status !== 'end') client.disconnect();
  }
}

/** A free TCP port on 127.0.0.1 (free when asked: the caller binds it soon after). */
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
