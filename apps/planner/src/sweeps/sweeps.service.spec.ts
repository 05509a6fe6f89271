import Redis from 'ioredis';
import { cancelKey, type SweepSpec } from '@lawsweep/contracts';
import { SweepDeletionStore, SweepStore } from '@lawsweep/store';
import { useRedisPerFile } from '../../../../test/support/redis-server';
import type { PlanningLoopService } from '../planning/planning-loop.service';
import type { RunQueuesService } from '../queues/run-queues.service';
import type { RedisConnection } from '../redis/redis-connection';
import { SweepsService } from './sweeps.service';
import { minimalSpec } from '../../../../test/support/minimal-spec';

function spec(): SweepSpec {
  return minimalSpec('cancel-test');
}

/** SweepsService.cancel on a real store and Redis; the planning loop and the run queues stubbed (no runs in flight). */
describe('SweepsService.cancel: the cancel key', () => {
  const db = useRedisPerFile();
  let redis: Redis;
  let store: SweepStore;
  let deletions: SweepDeletionStore;
  let service: SweepsService;

  beforeEach(() => {
    redis = db.redis;
    const { prefix } = db;
    store = new SweepStore(redis, { prefix });
    deletions = new SweepDeletionStore(redis, { prefix });
    const loop = { schedule: async () => undefined } as unknown as PlanningLoopService;
    const queues = { removeIfWaiting: async () => false } as unknown as RunQueuesService;
    service = new SweepsService(store, loop, queues, { client: redis } as RedisConnection);
  });

  it('sets it for a running sweep it cancels', async () => {
    const id = await store.createSweep(spec());
    expect(await service.cancel(id)).toMatchObject({ state: 'cancelled', stopCause: 'user' });
    expect(await redis.ttl(cancelKey(id))).toBeGreaterThan(6 * 24 * 3600);
  });

  it('leaves none when a DELETE lands right after the move (its last step removed the key before the cancel went on)', async () => {
    const id = await store.createSweep(spec());
    const transition = store.transition.bind(store);
    jest.spyOn(store, 'transition').mockImplementation(async (...args: Parameters<SweepStore['transition']>) => {
      const outcome = await transition(...args);
      // The sweep is cancelled: a DELETE may run to its end before cancel() takes its next step.
      expect(await deletions.beginDeleteSweep(id)).toBe('ok');
      expect((await deletions.deleteRunsAndFinish(id, { alsoKeys: [cancelKey(id)] })).outcome).toBe('ok');
      return outcome;
    });
    await expect(service.cancel(id)).rejects.toThrow(`no sweep with id '${id}'`);
    expect(await redis.exists(cancelKey(id))).toBe(0);
  });

  it('leaves none when it refuses: a done sweep (it may be reopened) or one deleted since it was read', async () => {
    const done = await store.createSweep(spec());
    await store.transition(done, ['running'], 'done', 'budget spent');
    await expect(service.cancel(done)).rejects.toThrow(`sweep ${done} is done`);
    expect(await redis.exists(cancelKey(done))).toBe(0);

    const gone = await store.createSweep(spec());
    const getSweep = store.getSweep.bind(store);
    jest.spyOn(store, 'getSweep').mockImplementationOnce(async (id: string) => {
      const sweep = await getSweep(id);
      await store.transition(gone, ['running'], 'cancelled'); // cancelled and deleted by others meanwhile
      expect(await deletions.beginDeleteSweep(gone)).toBe('ok');
      expect((await deletions.deleteRunsAndFinish(gone, { alsoKeys: [cancelKey(gone)] })).outcome).toBe('ok');
      return sweep;
    });
    await expect(service.cancel(gone)).rejects.toThrow(`no sweep with id '${gone}'`);
    expect(await redis.exists(cancelKey(gone))).toBe(0);
  });

  it('keeps it for a sweep already cancelled, and sets it again when asked again', async () => {
    const id = await store.createSweep(spec());
    await service.cancel(id);
    await redis.del(cancelKey(id));
    expect(await service.cancel(id)).toMatchObject({ state: 'cancelled' });
    expect(await redis.exists(cancelKey(id))).toBe(1);
  });
});
