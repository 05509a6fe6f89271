import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { workerAdvertSchema, type WorkerAdvert } from '@lawsweep/contracts';
import { WorkerConfig } from '../config/worker.config';
import { WorkerRedis } from '../redis/worker-redis.service';

/**
 * This worker's advert in the registry hash (contracts WORKER_REGISTRY_KEY): refreshed every
 * heartbeat and whenever its busy count changes, marked draining on shutdown, removed at the end
 * (by WorkerRedis). The planner routes runs by the capacities it finds here and treats an advert
 * older than WORKER_ADVERT_TTL_MS as a worker gone.
 */
@Injectable()
export class WorkerRegistry implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerRegistry.name);
  private busy = 0;
  private draining = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly redis: WorkerRedis,
  ) {}

  advert(): WorkerAdvert {
    return workerAdvertSchema.parse({
      id: this.config.id,
      pool: this.config.pool,
      capacity: this.config.capacity,
      concurrency: this.config.concurrency,
      labels: this.config.labels,
      busy: this.busy,
      lastSeen: Date.now(),
      ...(this.draining ? { draining: true } : {}),
    });
  }

  setBusy(busy: number): void {
    this.busy = busy;
    void this.publish();
  }

  async publish(): Promise<void> {
    try {
      await this.redis.publishAdvert(this.advert());
    } catch (err) {
      this.logger.warn(`heartbeat failed: ${(err as Error).message}`);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.publish();
    this.timer = setInterval(() => void this.publish(), this.config.heartbeatSeconds * 1000);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    await this.publish();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
