import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { redisTimeMs, WORKER_REGISTRY_KEY, workerAdvertSchema, type WorkerAdvert } from '@lawsweep/contracts';
import { startRedis, type TestRedis } from '../../../../test/support/redis-server';
import { loadWorkerConfig } from '../config/worker.config';
import { WorkerRedis } from '../redis/worker-redis.service';
import { WorkerRegistry } from './worker-registry.service';

/** The advert's lastSeen and the other adverts' age are Redis's clock, whatever this machine's says. */
describe('worker registry on Redis clock', () => {
  let server: TestRedis;
  let client: Redis;
  const realNow = Date.now;
  const ids: string[] = [];

  beforeAll(async () => {
    server = await startRedis();
    client = new Redis(server.url);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    if (ids.length > 0) await client.hdel(WORKER_REGISTRY_KEY, ...ids.splice(0));
  });

  afterAll(async () => {
    await client?.quit();
    await server?.stop();
  });

  const redisNow = async () => redisTimeMs(await client.time());
  /** This process's clock `skewMs` off the real one (Redis's, on this machine). */
  const skewClock = (skewMs: number) => jest.spyOn(Date, 'now').mockImplementation(() => realNow() + skewMs);
  const worker = (id: string) => {
    ids.push(id);
    const config = loadWorkerConfig({ redisUrl: server.url, id, pool: 'p', capacity: 'N=1e9' }, {});
    const redis = new WorkerRedis(config);
    return { redis, registry: new WorkerRegistry(config, redis) };
  };
  const advertOf = async (id: string) => workerAdvertSchema.parse(JSON.parse((await client.hget(WORKER_REGISTRY_KEY, id)) as string));

  it.each([-40_000, 40_000])('stamps lastSeen with Redis TIME with this clock %d ms off, and warns once about the offset', async (skewMs) => {
    const id = `w-${randomUUID()}`;
    const { redis, registry } = worker(id);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    skewClock(skewMs);
    try {
      const before = await redisNow();
      await registry.publish();
      const first = await advertOf(id);
      expect(first.lastSeen).toBeGreaterThanOrEqual(before);
      expect(first.lastSeen).toBeLessThanOrEqual(await redisNow());
      expect(first).toMatchObject({ id, pool: 'p', capacity: { N: 1e9 }, busy: 0 });
      expect(first.clockOffsetMs).toBeUndefined(); // measured by the first heartbeat, sent from the second on
      await registry.publish();
      expect(Math.abs((await advertOf(id)).clockOffsetMs! - skewMs)).toBeLessThan(1_000);
      expect(registry.advert().lastSeen).toBe((await advertOf(id)).lastSeen); // /health shows the registry's
      await registry.publish();
      const warnings = warn.mock.calls.map(([m]) => String(m)).filter((m) => m.includes("Redis's"));
      expect(warnings).toEqual([expect.stringMatching(new RegExp(`clock is 40\\.\\d s ${skewMs < 0 ? 'behind' : 'ahead of'} Redis's`))]);
    } finally {
      await redis.onApplicationShutdown();
    }
  });

  it('says nothing about a clock within 5 s of Redis', async () => {
    const { redis, registry } = worker(`w-${randomUUID()}`);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    skewClock(3_000);
    try {
      await registry.publish();
      await registry.publish();
      expect(warn).not.toHaveBeenCalled();
    } finally {
      await redis.onApplicationShutdown();
    }
  });

  it.each([-40_000, 40_000])("judges the other adverts' age on Redis TIME with this clock %d ms off", async (skewMs) => {
    const { redis, registry } = worker(`w-${randomUUID()}`);
    try {
      await registry.publish(); // its own advert is never among the others
      const now = await redisNow();
      const other = (id: string, lastSeen: number, draining?: boolean): WorkerAdvert => ({ id, pool: 'p', capacity: { N: 1e10 }, concurrency: 1, labels: {}, busy: 0, lastSeen, draining });
      const adverts = [other(`fresh-${randomUUID()}`, now - 1_000), other(`stale-${randomUUID()}`, now - 31_000), other(`draining-${randomUUID()}`, now, true)];
      for (const a of adverts) {
        ids.push(a.id);
        await client.hset(WORKER_REGISTRY_KEY, a.id, JSON.stringify(a));
      }
      skewClock(skewMs);
      expect((await redis.liveAdverts()).map((a) => a.id)).toEqual([adverts[0].id]);
    } finally {
      await redis.onApplicationShutdown();
    }
  });
});
