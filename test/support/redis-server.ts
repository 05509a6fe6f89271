import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { freePort, RedisProcess, redisNotInstalled } from '../../apps/cli/src/demo/redis-process';

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
  /** SIGKILL, keeping the data directory: down until `restart()`. */
  crash(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the same helper the demo and the benches use). */
export { freePort };

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
    return { url, port: Number(new URL(url).port || 6379), dir: '', stop: async () => undefined, restart: async () => { throw new Error('cannot restart an external REDIS_URL'); }, crash: async () => { throw new Error('cannot crash an external REDIS_URL'); } };
  }
  // RedisProcess's stop() kills with SIGKILL and removes the data directory: what a test's teardown wants.
  return RedisProcess.start({ ...options, notInstalled: redisNotInstalled('run the tests again (the CI script installs it)') });
}

/** Every key matching a glob pattern, sorted (SCAN, as an operator would look): what a deletion left. */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

/**
 * One redis-server for a spec file and a client of it: started before its tests, both stopped after,
 * and a fresh key prefix for each test (`test-<uuid>:`), so tests of one file share a server without
 * seeing each other's keys. Read the fields inside hooks and tests (they are set by then).
 */
export function useRedisPerFile(): { readonly server: TestRedis; readonly redis: Redis; readonly prefix: string } {
  const state = {} as { server: TestRedis; redis: Redis; prefix: string };
  beforeAll(async () => {
    state.server = await startRedis();
    state.redis = new Redis(state.server.url);
  });
  beforeEach(() => {
    state.prefix = `test-${randomUUID()}:`;
  });
  afterAll(async () => {
    await state.redis?.quit();
    await state.server?.stop();
  });
  return state;
}
