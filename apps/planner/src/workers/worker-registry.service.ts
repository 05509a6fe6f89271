import { Injectable } from '@nestjs/common';
import { capacityHolds, WORKER_ADVERT_TTL_MS, WORKER_REGISTRY_KEY, workerAdvertSchema, type WorkerAdvert } from '@lawsweep/contracts';
import type { Config } from '@lawsweep/law';
import { RedisConnection } from '../redis/redis-connection';

/** Can this worker hold the config? Only variables it limits count (a missing limit = no limit). */
export function workerHolds(worker: Pick<WorkerAdvert, 'capacity'>, config: Config): boolean {
  return capacityHolds(worker.capacity, config);
}

/** Reads the adverts workers keep fresh in WORKER_REGISTRY_KEY (see libs/contracts queues). */
@Injectable()
export class WorkerRegistryService {
  constructor(private readonly redis: RedisConnection) {}

  async all(): Promise<WorkerAdvert[]> {
    const raw = await this.redis.client.hgetall(WORKER_REGISTRY_KEY);
    const out: WorkerAdvert[] = [];
    for (const json of Object.values(raw)) {
      try {
        const parsed = workerAdvertSchema.safeParse(JSON.parse(json));
        if (parsed.success) out.push(parsed.data);
      } catch {
        // a malformed advert is ignored: it cannot be routed to anyway
      }
    }
    return out;
  }

  /** Workers of the pool seen within the advert TTL that are not draining. */
  async live(pool: string, now = Date.now()): Promise<WorkerAdvert[]> {
    return (await this.all()).filter((w) => w.pool === pool && now - w.lastSeen <= WORKER_ADVERT_TTL_MS && !w.draining);
  }
}
