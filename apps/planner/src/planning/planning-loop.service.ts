import { randomBytes } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PlanLock, SweepStore } from '@lawsweep/store';
import { PlannerConfig } from '../config/planner-config';
import { MetricsService } from '../metrics/metrics.service';
import { SweepPlannerService } from './sweep-planner.service';

interface Slot {
  again: boolean;
  promise: Promise<void>;
}

/**
 * When to plan: after every recorded result or import, on resume, on a periodic tick, and for every
 * running sweep at start (a restart resumes from Redis). Per sweep, at most one plan runs at a time
 * in this process (a request that arrives meanwhile sets `again`, so results that land during a fit
 * cause exactly one more plan), and across replicas a Redis lock (SET NX PX, renewed while held)
 * keeps two planners from planning the same sweep at once.
 */
@Injectable()
export class PlanningLoopService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PlanningLoopService.name);
  private readonly slots = new Map<string, Slot>();
  /** Earliest unplanned result per sweep, for lawsweep_result_to_enqueue_seconds. */
  private readonly resultSince = new Map<string, number>();
  private readonly replica = randomBytes(6).toString('hex');
  private tick?: NodeJS.Timeout;
  /** Catch-up passes for sweeps whose refit the refit spacing held back. */
  private readonly replans = new Map<string, NodeJS.Timeout>();
  private stopping = false;
  /** Hooks for tests and the latency benchmark. */
  readonly listeners = new Set<(sweepId: string, enqueued: string[]) => void>();

  constructor(
    private readonly store: SweepStore,
    private readonly planLock: PlanLock,
    private readonly planner: SweepPlannerService,
    private readonly metrics: MetricsService,
    private readonly config: PlannerConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.tick = setInterval(() => void this.planAllRunning(), this.config.tickMs);
    this.tick.unref();
    void this.planAllRunning();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.tick) clearInterval(this.tick);
    for (const t of this.replans.values()) clearTimeout(t);
    this.replans.clear();
    await Promise.allSettled([...this.slots.values()].map((s) => s.promise));
  }

  /** Plans every running sweep (start-up resume and the periodic tick). */
  async planAllRunning(): Promise<void> {
    if (this.stopping) return;
    try {
      const sweeps = await this.store.listSweeps();
      await Promise.all(sweeps.filter((s) => s.state === 'running').map((s) => this.schedule(s.id)));
    } catch (err) {
      this.logger.warn(`planning tick failed: ${(err as Error).message}`);
    }
  }

  /** Asks for a plan of this sweep; coalesces with one already running. */
  schedule(sweepId: string, resultAt?: number): Promise<void> {
    if (resultAt !== undefined && !this.resultSince.has(sweepId)) this.resultSince.set(sweepId, resultAt);
    if (this.stopping) return Promise.resolve();
    const existing = this.slots.get(sweepId);
    if (existing) {
      existing.again = true;
      return existing.promise;
    }
    const slot: Slot = { again: false, promise: Promise.resolve() };
    slot.promise = (async () => {
      try {
        do {
          slot.again = false;
          await this.planLocked(sweepId);
        } while (slot.again && !this.stopping);
      } catch (err) {
        this.logger.error(`sweep ${sweepId}: planning failed: ${(err as Error).stack ?? err}`);
      } finally {
        this.slots.delete(sweepId);
      }
    })();
    this.slots.set(sweepId, slot);
    return slot.promise;
  }

  /**
   * Drops what the loop keeps of a deleted sweep: its unplanned result's time (left behind when
   * another replica held the lock for the sweep's last plans) and its pending catch-up pass.
   */
  forget(sweepId: string): void {
    this.resultSince.delete(sweepId);
    clearTimeout(this.replans.get(sweepId));
    this.replans.delete(sweepId);
  }

  /** The sweeps the loop keeps a result time or a catch-up pass for. */
  sweepIds(): Set<string> {
    return new Set([...this.resultSince.keys(), ...this.replans.keys()]);
  }

  /** One pending catch-up pass per sweep: the refit the spacing held back happens then. */
  private replanLater(sweepId: string, ms: number): void {
    if (this.stopping || this.replans.has(sweepId)) return;
    const timer = setTimeout(() => {
      this.replans.delete(sweepId);
      void this.schedule(sweepId);
    }, ms);
    timer.unref();
    this.replans.set(sweepId, timer);
  }

  private async planLocked(sweepId: string): Promise<void> {
    const token = `${this.replica}:${Date.now()}`;
    // Another replica holds it: that one plans, and the tick retries here later.
    const ttl = this.config.planLockMs;
    if (!(await this.planLock.acquire(sweepId, token, ttl))) return;
    const renew = setInterval(() => void this.planLock.renew(sweepId, token, ttl).catch(() => undefined), ttl / 3);
    try {
      // Results recorded by another replica while we planned bump the version: plan once more.
      for (let round = 0; round < 5 && !this.stopping; round++) {
        const before = await this.store.sweepVersion(sweepId);
        const since = this.resultSince.get(sweepId);
        this.resultSince.delete(sweepId);
        const outcome = await this.planner.planOnce(sweepId);
        if (outcome.replanInMs !== undefined) this.replanLater(sweepId, outcome.replanInMs);
        if (outcome.enqueued.length > 0) {
          if (since !== undefined) this.metrics.resultToEnqueue.observe((Date.now() - since) / 1000);
          for (const l of this.listeners) l(sweepId, outcome.enqueued);
        }
        const after = await this.store.sweepVersion(sweepId);
        if (before === after) break;
      }
    } finally {
      clearInterval(renew);
      await this.planLock.release(sweepId, token).catch(() => undefined);
    }
  }
}
