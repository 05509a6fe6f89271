import type { RedisOptions } from 'ioredis';

/**
 * ioredis options from a redis:// or rediss:// URL (BullMQ's `connection` takes options, not a URL).
 * Workers add `maxRetriesPerRequest: null` (a blocking connection must not give up on commands);
 * producers add `enableOfflineQueue: false` (fail fast instead of buffering while Redis is away).
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
