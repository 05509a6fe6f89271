import Redis from 'ioredis';
import { freePort, pingRedis, RedisProcess, redisNotInstalled } from './redis-process';

export { freePort };

export const REDIS_INSTALL_HINT = redisNotInstalled('run `npm run demo` again');

/** A Redis the demo uses: one it found (left running at the end) or one it started (stopped at the end). */
export class LocalRedis {
  private constructor(
    readonly url: string,
    readonly started: boolean,
    private readonly server?: RedisProcess,
  ) {}

  /** Uses `url` when a Redis answers there; otherwise starts redis-server on a free port in a temp dir. */
  static async reuseOrStart(url: string | undefined, log: (line: string) => void): Promise<LocalRedis> {
    if (url) {
      if (await pingRedis(url, 1500)) {
        log(`using the Redis at ${redactUrl(url)} (REDIS_URL)`);
        return new LocalRedis(url, false);
      }
      log(`REDIS_URL=${redactUrl(url)} does not answer; starting a local redis-server instead`);
    }
    // Same settings as production (docker-compose.yml): AOF on, never evict queue data.
    const server = await RedisProcess.start({ appendonly: true, dirPrefix: 'lawsweep-demo-redis-', notInstalled: REDIS_INSTALL_HINT });
    log(`started redis-server on port ${server.port} (data in ${server.dir})`);
    return new LocalRedis(server.url, true, server);
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

  /** Stops the redis-server the demo started (a clean shutdown) and removes its data; a borrowed Redis is left running. */
  async stop(): Promise<void> {
    await this.server?.stop('SIGTERM');
  }
}

/** Hides a password in a Redis URL before printing it. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
