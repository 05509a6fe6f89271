import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { redisTimeMs, WORKER_REGISTRY_KEY, type WorkerAdvert } from '@lawsweep/contracts';
import { startRedis, type TestRedis } from '../../../../test/support/redis-server';
import type { RedisConnection } from '../redis/redis-connection';
import { GONE_WORKER_KEPT_MS, workerHolds, WorkerRegistryService } from './worker-registry.service';

describe('workerHolds', () => {
  it('checks only the variables a worker limits', () => {
    expect(workerHolds({ capacity: { N: 1e9 } }, { N: 1e9, D: 1e12 })).toBe(true);
    expect(workerHolds({ capacity: { N: 1e9 } }, { N: 2e9, D: 1e8 })).toBe(false);
    expect(workerHolds({ capacity: {} }, { N: 1e12 })).toBe(true);
    expect(workerHolds({ capacity: { N: 1e9, D: 1e10 } }, { N: 1e8, D: 2e10 })).toBe(false);
  });
});

/** Workers stamp lastSeen with Redis's clock; the planner's machine may keep another time. */
describe('WorkerRegistryService on Redis clock', () => {
  let server: TestRedis;
  let client: Redis;
  let registry: WorkerRegistryService;
  const realNow = Date.now;
  const ids: string[] = [];

  beforeAll(async () => {
    server = await startRedis();
    client = new Redis(server.url);
    registry = new WorkerRegistryService({ client } as RedisConnection);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    if (ids.length > 0) await client.hdel(WORKER_REGISTRY_KEY, ...ids.splice(0));
  });

  afterAll(async () => {
    await client?.quit();
    await server?.stop();
  });

  const pool = () => `p-${randomUUID().slice(0, 8)}`;
  const advertise = async (id: string, pool: string, lastSeen: number, draining?: boolean) => {
    const advert: WorkerAdvert = { id, pool, capacity: {}, concurrency: 1, labels: {}, busy: 0, lastSeen, draining };
    ids.push(id);
    await client.hset(WORKER_REGISTRY_KEY, id, JSON.stringify(advert));
  };

  it.each([-40_000, 40_000])('reads live workers by Redis TIME with the planner clock %d ms off', async (skewMs) => {
    const p = pool();
    const now = redisTimeMs(await client.time());
    await advertise(`fresh-${p}`, p, now - 1_000);
    await advertise(`stale-${p}`, p, now - 31_000);
    await advertise(`draining-${p}`, p, now, true);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + skewMs);
    expect((await registry.live(p)).map((w) => w.id)).toEqual([`fresh-${p}`]);
    const reading = await registry.read();
    expect(Math.abs(reading.now - now)).toBeLessThan(1_000);
    expect(reading.adverts.filter((w) => w.pool === p)).toHaveLength(3);
  });

  it("forgets adverts gone for a day by Redis's clock", async () => {
    const p = pool();
    const now = redisTimeMs(await client.time());
    await advertise(`recent-${p}`, p, now - GONE_WORKER_KEPT_MS + 60_000);
    await advertise(`ancient-${p}`, p, now - GONE_WORKER_KEPT_MS - 60_000);
    // A planner clock two minutes behind would keep the ancient one, two ahead would drop the recent one.
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 120_000);
    expect(await registry.forgetGone()).toBe(1);
    expect(await client.hexists(WORKER_REGISTRY_KEY, `recent-${p}`)).toBe(1);
    expect(await client.hexists(WORKER_REGISTRY_KEY, `ancient-${p}`)).toBe(0);
  });
});
