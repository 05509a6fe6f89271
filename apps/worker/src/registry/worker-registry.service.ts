import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { workerAdvertSchema, type WorkerAdvert } from '@lawsweep/contracts';
import { WorkerConfig } from '../config/worker.config';
import { WorkerRedis } from '../redis/worker-redis.service';

/** A clock further than this from Redis's is warned about once (see noteClockOffset). */
const CLOCK_OFFSET_WARN_MS = 5_000;
/** A heartbeat slower than this round trip does not measure the clock offset. */
const MAX_OFFSET_ROUND_TRIP_MS = 1_000;

const advertFieldsSchema = workerAdvertSchema.omit({ lastSeen: true });

/**
 * This worker's advert in the registry hash (contracts WORKER_REGISTRY_KEY): refreshed every
 * heartbeat and whenever its busy count changes, marked draining on shutdown, removed at the end
 * (by WorkerRedis). The planner routes runs by the capacities it finds here and treats an advert
 * older than WORKER_ADVERT_TTL_MS as a worker gone. Its lastSeen is Redis's clock, stamped by
 * WorkerRedis.publishAdvert: this machine's clock need not agree with the planner's.
 */
@Injectable()
export class WorkerRegistry implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerRegistry.name);
  private busy = 0;
  private draining = false;
  private timer: NodeJS.Timeout | undefined;
  /** Redis's time of the last heartbeat written (lastSeen in the registry). */
  private lastSeen: number | undefined;
  /** This machine's clock minus Redis's, measured at the last heartbeat. */
  private clockOffsetMs: number | undefined;
  private warnedClock = false;

  constructor(
    private readonly config: WorkerConfig,
    private readonly redis: WorkerRedis,
  ) {}

  /** The advert as the registry holds it (for /health): lastSeen is the last heartbeat's, by Redis's clock. */
  advert(): WorkerAdvert {
    return workerAdvertSchema.parse({ ...this.fields(), lastSeen: this.lastSeen ?? Date.now() - (this.clockOffsetMs ?? 0) });
  }

  /** The advert without lastSeen, which Redis stamps. */
  private fields(): Omit<WorkerAdvert, 'lastSeen'> {
    return advertFieldsSchema.parse({
      id: this.config.id,
      pool: this.config.pool,
      capacity: this.config.capacity,
      concurrency: this.config.concurrency,
      labels: this.config.labels,
      busy: this.busy,
      ...(this.clockOffsetMs !== undefined ? { clockOffsetMs: this.clockOffsetMs } : {}),
      ...(this.draining ? { draining: true } : {}),
    });
  }

  setBusy(busy: number): void {
    this.busy = busy;
    void this.publish();
  }

  async publish(): Promise<void> {
    try {
      const sentAt = Date.now();
      const redisNow = await this.redis.publishAdvert(this.fields());
      this.lastSeen = redisNow;
      // Redis read its clock somewhere in the round trip: at its middle, within half of it. A slow
      // one (connecting, Redis busy) says too little to judge a clock by.
      const receivedAt = Date.now();
      if (receivedAt - sentAt <= MAX_OFFSET_ROUND_TRIP_MS) this.noteClockOffset(Math.round((sentAt + receivedAt) / 2) - redisNow);
    } catch (err) {
      this.logger.warn(`heartbeat failed: ${(err as Error).message}`);
    }
  }

  /**
   * Liveness no longer depends on this machine's clock (lastSeen is Redis's), but BullMQ's delays
   * (hand-backs, retry backoff) and the run times this worker reports still use it: a clock far
   * from Redis's is worth saying, once.
   */
  private noteClockOffset(offsetMs: number): void {
    this.clockOffsetMs = offsetMs;
    if (this.warnedClock || Math.abs(offsetMs) <= CLOCK_OFFSET_WARN_MS) return;
    this.warnedClock = true;
    this.logger.warn(
      `this machine's clock is ${(Math.abs(offsetMs) / 1000).toFixed(1)} s ${offsetMs > 0 ? 'ahead of' : 'behind'} Redis's: liveness is judged on Redis's clock, but run timestamps and retry/hand-back delays use this one; check NTP on this node`,
    );
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
