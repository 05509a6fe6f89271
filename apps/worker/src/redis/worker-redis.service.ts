import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { cancelKey, WORKER_ADVERT_TTL_MS, WORKER_REGISTRY_KEY, workerAdvertSchema, type WorkerAdvert } from '@lawsweep/contracts';
import { WorkerConfig } from '../config/worker.config';
import { redisOptionsFromUrl } from './redis-options';

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

  async publishAdvert(advert: WorkerAdvert): Promise<void> {
    this.publishedId = advert.id;
    await this.client.hset(WORKER_REGISTRY_KEY, advert.id, JSON.stringify(advert));
  }

  /** The other workers' adverts that are fresh and not draining (unreadable ones are skipped). */
  async liveAdverts(now = Date.now()): Promise<WorkerAdvert[]> {
    const all = await this.client.hgetall(WORKER_REGISTRY_KEY);
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
