import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { isRedisOutOfMemory } from '@lawsweep/contracts';
import { WorkerConfig } from '../config/worker.config';
import { LockClock } from './lock-clock';
import { timerDelay } from './timer-delay';

/** Why locks lapse when Redis is at its maxmemory (noeviction): it refuses their renewals. */
const REDIS_FULL = "Redis refused writes (maxmemory): it is full, see the planner's lawsweep_redis_memory_used_bytes";

/** How often lapsed locks are looked for: a quarter of the lock duration, at most every 5 s. */
const MAX_CHECK_MS = 5_000;

interface Guarded {
  runId: string;
  onLost: () => void;
}

/**
 * Stops the runs whose BullMQ lock this worker has lost, so that it does not train on for hours a
 * run that is someone else's now (its result would be refused at completion anyway). Two ways to
 * lose it:
 * - Redis answers a renewal but the lock is gone or holds another token (it expired during a
 *   partition or a stall, and the stalled check requeued the run): BullMQ emits lockRenewalFailed;
 * - Redis does not answer at all (connection errors go to the worker's 'error' event), or refuses
 *   the renewal because it is at its maxmemory (an OOM error, there too): once a lock has gone
 *   unconfirmed for longer than the lock duration it has expired (LockClock says why), and the
 *   stalled check requeues the run as soon as Redis is reachable and takes writes again.
 * RunsProcessor feeds it the BullMQ worker's lockRenewalFailed and locksRenewed events; RunExecutor
 * guards each run while its trainer runs and stops it (StopReason 'lost-lock') when told.
 */
@Injectable()
export class LockFence implements OnModuleDestroy {
  private readonly logger = new Logger(LockFence.name);
  private readonly clock: LockClock;
  private readonly guarded = new Map<string, Guarded>();
  private timer?: NodeJS.Timeout;
  /** When (on the clock's time) Redis last refused a write at its maxmemory. */
  private lastOomAt = -Infinity;

  constructor(config: WorkerConfig) {
    this.clock = new LockClock(config.lockSeconds * 1000);
  }

  /**
   * Watches the lock of job `jobId` (run `runId`), handed out `lockAgeMs` ago; calls onLost once if
   * it is lost. Returns the function that stops watching.
   */
  guard(jobId: string, runId: string, lockAgeMs: number, onLost: () => void): () => void {
    const entry = { runId, onLost };
    this.guarded.set(jobId, entry);
    this.clock.start(jobId, lockAgeMs);
    this.timer ??= setInterval(() => this.check(), timerDelay(Math.min(this.clock.lockMs / 4, MAX_CHECK_MS))).unref();
    return () => {
      if (this.guarded.get(jobId) === entry) this.forget(jobId);
    };
  }

  /**
   * BullMQ's lockRenewalFailed: Redis answered, and these locks are no longer this worker's. Where Redis
   * refused writes at its maxmemory since the lock was last confirmed, that is why it expired: the
   * renewals before this one were refused (BullMQ's 'error' event, redisError).
   */
  renewalRefused(jobIds: readonly string[]): void {
    for (const jobId of jobIds) {
      const why = this.fullSince(this.clock.silentMs(jobId)) ? `the lock expired while ${REDIS_FULL}` : 'the lock expired or another worker holds it';
      this.lost(jobId, `renewal refused by Redis (${why}; the run is requeued)`);
    }
  }

  /** An error of the BullMQ worker (its 'error' event): one saying Redis is at its maxmemory is kept, to say why locks lapse. */
  redisError(err: unknown): void {
    if (isRedisOutOfMemory(err)) this.lastOomAt = this.clock.now();
  }

  /** BullMQ's locksRenewed. */
  renewed(jobIds: readonly string[]): void {
    this.clock.renewed(jobIds);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Stops the runs whose locks have lapsed. It looks on the next turn of the event loop (setImmediate
   * runs after pending I/O): after a stall of this process, a renewal that Redis answered meanwhile
   * is read before the silence is judged.
   */
  private check(): void {
    setImmediate(() => {
      const lockSeconds = this.clock.lockMs / 1000;
      const now = this.clock.now();
      for (const { jobId, silentMs } of this.clock.lapsed()) {
        // Redis refused a write (a renewal among them) at its maxmemory since the lock was last confirmed.
        const why = this.fullSince(silentMs, now) ? REDIS_FULL : 'Redis unreachable or too slow';
        // Rounded up: "2.0 s, longer than the 2 s lock" would read as a contradiction.
        this.lost(jobId, `not renewed for ${(Math.ceil(silentMs / 100) / 10).toFixed(1)} s, longer than the ${lockSeconds} s lock (WORKER_LOCK_SECONDS; ${why}): it has expired and the run will be requeued`);
      }
    });
  }

  /** Whether Redis refused a write at its maxmemory within the last `silentMs` (a lock's time unconfirmed). */
  private fullSince(silentMs: number | undefined, now = this.clock.now()): boolean {
    return silentMs !== undefined && now - this.lastOomAt <= silentMs;
  }

  private lost(jobId: string, why: string): void {
    const entry = this.guarded.get(jobId);
    if (!entry) return; // not training (yet, or any more): nothing to stop
    this.forget(jobId);
    this.logger.warn(`run ${entry.runId} (job ${jobId}): lock lost: ${why}; stopping its trainer, no result is reported for this attempt`);
    entry.onLost();
  }

  private forget(jobId: string): void {
    this.guarded.delete(jobId);
    this.clock.forget(jobId);
    if (this.guarded.size === 0) this.onModuleDestroy();
  }
}
