import { Injectable } from '@nestjs/common';
import { capacityHolds, redisTimeMs, WORKER_ADVERT_TTL_MS, WORKER_REGISTRY_KEY, workerAdvertSchema, type WorkerAdvert, type WorkerView } from '@lawsweep/contracts';
import type { Config } from '@lawsweep/law';
import { RedisConnection } from '../redis/redis-connection';

/** Can this worker hold the config? Only variables it limits count (a missing limit = no limit). */
export function workerHolds(worker: Pick<WorkerAdvert, 'capacity'>, config: Config): boolean {
  return capacityHolds(worker.capacity, config);
}

/**
 * live: advert fresh (within WORKER_ADVERT_TTL_MS); draining: shutting down; gone: advert stale
 * (killed, or its node lost). `now` must be Redis's clock (WorkerRegistryService.read), the clock
 * workers stamp lastSeen with: the planner's and the workers' machines keep different time.
 */
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

/** The registry's adverts and Redis's clock when they were read. */
export interface RegistryReading {
  adverts: WorkerAdvert[];
  /** Redis's TIME, in ms: the clock a worker stamps its advert's lastSeen with. */
  now: number;
}

/**
 * Reads the adverts workers keep fresh in WORKER_REGISTRY_KEY (see libs/contracts queues).
 *
 * Liveness is judged on Redis's clock, never this machine's: workers stamp lastSeen with Redis's
 * TIME (apps/worker WorkerRedis.publishAdvert), and the planner's and the workers' machines keep
 * their own time, which can be off by more than the advert TTL (a node whose NTP is broken). So
 * the registry is read together with Redis's TIME, in one pipeline (one round trip, as the HGETALL
 * alone was), and every "how long since lastSeen" takes that as now. An older worker that stamps
 * its own clock still shows up, judged as before against Redis's clock.
 */
@Injectable()
export class WorkerRegistryService {
  constructor(private readonly redis: RedisConnection) {}

  /** The adverts and Redis's clock, read at once. */
  async read(): Promise<RegistryReading> {
    const { raw, now } = await this.readRaw();
    return { adverts: parseAdverts(raw), now };
  }

  /**
   * One round trip, pipelined rather than in a MULTI: the two need not be atomic (microseconds apart),
   * and Redis refuses every command queued in a MULTI once it is at its maxmemory, reads too, which
   * would take /workers, /metrics and the capacity filter down with a full Redis.
   */
  private async readRaw(): Promise<{ raw: Record<string, string>; now: number }> {
    const replies = await this.redis.client.pipeline().hgetall(WORKER_REGISTRY_KEY).time().exec();
    if (!replies) throw new Error('worker registry read aborted');
    for (const [err] of replies) if (err) throw err;
    return { raw: replies[0][1] as Record<string, string>, now: redisTimeMs(replies[1][1] as string[]) };
  }

  /** Removes adverts not refreshed for `keptMs` by Redis's clock (malformed ones are left alone); answers how many. */
  async forgetGone(keptMs = GONE_WORKER_KEPT_MS): Promise<number> {
    let removed = 0;
    const { raw, now } = await this.readRaw();
    for (const [id, json] of Object.entries(raw)) {
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

  /** Workers of the pool seen within the advert TTL (by Redis's clock) that are not draining. */
  async live(pool: string): Promise<WorkerAdvert[]> {
    const { adverts, now } = await this.read();
    return adverts.filter((w) => w.pool === pool && workerState(w, now) === 'live');
  }
}

function parseAdverts(raw: Record<string, string>): WorkerAdvert[] {
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
