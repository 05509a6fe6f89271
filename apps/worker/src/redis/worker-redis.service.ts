import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { cancelKey, redisTimeMs, WORKER_ADVERT_TTL_MS, WORKER_REGISTRY_KEY, workerAdvertSchema, type WorkerAdvert } from '@lawsweep/contracts';
import { WorkerConfig } from '../config/worker.config';
import { redisOptionsFromUrl } from './redis-options';

/**
 * Writes a worker's advert (KEYS[1] the registry hash, ARGV[1] the worker id, ARGV[2] the advert's
 * JSON object without lastSeen) with lastSeen = Redis's TIME in ms, added before the object's
 * closing brace (text, so no number in the advert is re-encoded by Lua); answers that time.
 */
const PUBLISH_ADVERT = `
local t = redis.call('TIME')
local ms = t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
redis.call('HSET', KEYS[1], ARGV[1], string.sub(ARGV[2], 1, -2) .. ',"lastSeen":' .. ms .. '}')
return ms`;

/**
 * The worker's Redis access outside BullMQ: its advert in the worker registry, the cancel flags of
 * sweeps, and the health ping. On shutdown it removes the advert it published, then disconnects.
 */
@Injectable()
export class WorkerRedis implements OnApplicationShutdown {
  private readonly logger = new Logger(WorkerRedis.name);
  private readonly client: Redis;
  private publishedId: string | undefined;

  constructor(config: WorkerConfig) {
    // Few retries per command: a heartbeat or a cancel poll that fails is simply tried again later.
    this.client = new Redis({ ...redisOptionsFromUrl(config.redisUrl), maxRetriesPerRequest: 2, connectionName: `lawsweep-worker:${config.id}` });
    this.client.on('error', (err) => this.logger.warn(`redis: ${err.message}`));
  }

  async ping(timeoutMs = 2000): Promise<boolean> {
    const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
    return Promise.race([this.client.ping().then((r) => r === 'PONG').catch(() => false), timeout]);
  }

  /**
   * Writes the advert with lastSeen stamped by Redis's clock, in one script call, and answers that
   * time (ms). Not this machine's Date.now(): planners and other workers judge whether this worker
   * is live by how old lastSeen is, on Redis's clock, and the machines' clocks may differ by more
   * than the advert TTL (a node whose NTP is off would otherwise look gone, or live long after
   * it was killed).
   */
  async publishAdvert(advert: Omit<WorkerAdvert, 'lastSeen'>): Promise<number> {
    this.publishedId = advert.id;
    return Number(await this.client.eval(PUBLISH_ADVERT, 1, WORKER_REGISTRY_KEY, advert.id, JSON.stringify(advert)));
  }

  /**
   * The other workers' adverts that are fresh (by Redis's clock, read with them in one pipeline: see
   * publishAdvert; not a MULTI, which a Redis at its maxmemory refuses even for reads) and not
   * draining (unreadable ones are skipped).
   */
  async liveAdverts(): Promise<WorkerAdvert[]> {
    const replies = await this.client.pipeline().hgetall(WORKER_REGISTRY_KEY).time().exec();
    if (!replies) throw new Error('worker registry read aborted');
    for (const [err] of replies) if (err) throw err;
    const all = replies[0][1] as Record<string, string>;
    const now = redisTimeMs(replies[1][1] as string[]);
    return Object.values(all).flatMap((raw) => {
      try {
        const advert = workerAdvertSchema.parse(JSON.parse(raw));
        return advert.id !== this.publishedId && !advert.draining && now - advert.lastSeen <= WORKER_ADVERT_TTL_MS ? [advert] : [];
      } catch {
        return [];
      }
    });
  }

  async isCancelled(sweepId: string): Promise<boolean> {
    return (await this.client.exists(cancelKey(sweepId))) === 1;
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      if (this.publishedId) await this.client.hdel(WORKER_REGISTRY_KEY, this.publishedId);
    } catch (err) {
      this.logger.warn(`could not remove advert ${this.publishedId}: ${(err as Error).message}`);
    }
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
