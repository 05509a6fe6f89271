import { Injectable } from '@nestjs/common';
import { capacityHolds, WORKER_ADVERT_TTL_MS, WORKER_REGISTRY_KEY, workerAdvertSchema, type WorkerAdvert, type WorkerView } from '@lawsweep/contracts';
import type { Config } from '@lawsweep/law';
import { RedisConnection } from '../redis/redis-connection';

/** Can this worker hold the config? Only variables it limits count (a missing limit = no limit). */
export function workerHolds(worker: Pick<WorkerAdvert, 'capacity'>, config: Config): boolean {
  return capacityHolds(worker.capacity, config);
}

/** live: advert fresh (within WORKER_ADVERT_TTL_MS); draining: shutting down; gone: advert stale (killed, or its node lost). */
export function workerState(w: Pick<WorkerAdvert, 'lastSeen' | 'draining'>, now: number): WorkerView['state'] {
  if (now - w.lastSeen > WORKER_ADVERT_TTL_MS) return 'gone';
  return w.draining ? 'draining' : 'live';
}

/**
 * How long a gone worker's advert is kept (shown by GET /workers as gone) before the reconciler
 * removes it: a killed worker never deletes its own, and pods come and go under new ids.
 */
export const GONE_WORKER_KEPT_MS = 24 * 3_600_000;

/** Deletes the advert only if it is still the one read (a worker that came back keeps its fresh one). */
const DELETE_IF_UNCHANGED = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0`;

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

  /** Removes adverts not refreshed for `keptMs` (malformed ones are left alone); answers how many. */
  async forgetGone(now = Date.now(), keptMs = GONE_WORKER_KEPT_MS): Promise<number> {
    let removed = 0;
    for (const [id, json] of Object.entries(await this.redis.client.hgetall(WORKER_REGISTRY_KEY))) {
      let lastSeen: unknown;
      try {
        lastSeen = (JSON.parse(json) as { lastSeen?: unknown }).lastSeen;
      } catch {
        continue;
      }
      if (typeof lastSeen === 'number' && now - lastSeen > keptMs) removed += Number(await this.redis.client.eval(DELETE_IF_UNCHANGED, 1, WORKER_REGISTRY_KEY, id, json));
    }
    return removed;
  }

  /** Workers of the pool seen within the advert TTL that are not draining. */
  async live(pool: string, now = Date.now()): Promise<WorkerAdvert[]> {
    return (await this.all()).filter((w) => w.pool === pool && workerState(w, now) === 'live');
  }
}
