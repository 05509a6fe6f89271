import Redis from 'ioredis';
import { useRedisPerFile } from '../../../test/support/redis-server';
import { PlanLock } from './plan-lock';

describe('PlanLock (real Redis)', () => {
  const db = useRedisPerFile();
  let redis: Redis;
  let lock: PlanLock;
  let prefix: string;

  beforeEach(() => {
    redis = db.redis;
    prefix = db.prefix;
    lock = new PlanLock(redis, { prefix });
  });

  it('is exclusive and only its holder renews or releases it', async () => {
    expect(await lock.acquire('x', 'a', 1000)).toBe(true);
    expect(await lock.acquire('x', 'b', 1000)).toBe(false);
    expect(await lock.renew('x', 'b', 1000)).toBe(false);
    expect(await lock.release('x', 'b')).toBe(false);
    expect(await lock.renew('x', 'a', 1000)).toBe(true);
    expect(await lock.release('x', 'a')).toBe(true);
    expect(await lock.acquire('x', 'b', 1000)).toBe(true);
  });

  it('is one key per sweep, under the name planners have always used (lock:sweep:<id>)', async () => {
    expect(await lock.acquire('x', 'a', 1000)).toBe(true);
    expect(await lock.acquire('y', 'b', 1000)).toBe(true);
    expect(await redis.get(`${prefix}lock:sweep:x`)).toBe('a');
    expect(await redis.pttl(`${prefix}lock:sweep:y`)).toBeGreaterThan(0);
  });
});
