import { Injectable, Logger } from '@nestjs/common';
import type { RunJobData, WorkerAdvert } from '@lawsweep/contracts';
import type { ProposedRun } from '@lawsweep/design';
import type { Config } from '@lawsweep/law';
import { SweepStore, type SweepRecord, type SweepWarning } from '@lawsweep/store';
import { MetricsService } from '../metrics/metrics.service';
import { RunQueuesService } from '../queues/run-queues.service';
import { WorkerRegistryService } from '../workers/worker-registry.service';
import { CapacityFilter } from './capacity-filter';
import { EngineCacheService } from './engine-cache.service';
import { ENQUEUE_RETRY_WINDOW_MS, enqueueWithRetry } from './enqueue-retry';
import { RedisHeadroom } from './redis-headroom';
import { runJobData } from './run-job';

/** What one plan pass's waves did. */
export interface DispatchOutcome {
  /** Ids of the runs enqueued, in order. */
  enqueued: string[];
  /** Cost of the runs reserved, enqueued or left reserved for the reconciler. */
  reservedCost: number;
  /** A reservation was refused for the sweep's state (paused, cancelled or maxRuns meanwhile). */
  stopped: boolean;
  /** Redis refused a wave for the whole retry window; its runs stay reserved. */
  enqueueFailed: boolean;
}

/**
 * Puts the runs a plan pass chose on the sweep's pool: whether Redis has room for more runs and
 * which configs the pool's live workers can hold (asked before the engine proposes), then each
 * run's cost reserved in the store and its job enqueued on the pool's queue.
 */
@Injectable()
export class RunDispatchService {
  // The planner's log context: these lines belong to its plan pass.
  private readonly logger = new Logger('SweepPlannerService');
  private readonly capacity = new CapacityFilter();

  constructor(
    private readonly store: SweepStore,
    private readonly queues: RunQueuesService,
    private readonly workers: WorkerRegistryService,
    private readonly engines: EngineCacheService,
    private readonly metrics: MetricsService,
    private readonly headroom: RedisHeadroom,
  ) {}

  /** Set when Redis is too near its maxmemory to buy more runs (redis-headroom.ts): the warning to show. */
  redisTooFull(): Promise<SweepWarning | undefined> {
    return this.headroom.tooFull();
  }

  /** The pool's live workers, and whether one of them can hold a config (`limited` false: no live worker limits it). */
  async capacityOf(pool: string): Promise<{ live: WorkerAdvert[]; holds: (config: Config) => boolean; limited: boolean }> {
    const live = await this.workers.live(pool);
    return { live, ...this.capacity.forPool(pool, live) };
  }

  /**
   * Reserves and enqueues `wanted`, in order, until `k` runs are enqueued, in waves: a wave's
   * reservations are one script call (decided in order, exactly as one by one would), then one
   * addBulk enqueues the wave. One at a time, two round trips per run capped a sweep at a few
   * hundred runs a second (bench/load.bench.ts). `onReserved` hears the config of each run reserved.
   */
  async reserveAndEnqueue(sweep: SweepRecord, pool: string, wanted: readonly ProposedRun[], k: number, onReserved: (config: Config) => void): Promise<DispatchOutcome> {
    const enqueued: string[] = [];
    let reservedCost = 0; // enqueued or left reserved for the reconciler
    let next = 0;
    let stopped = false;
    let enqueueFailed = false;
    while (!stopped && enqueued.length < k && next < wanted.length) {
      const wave = wanted.slice(next, next + (k - enqueued.length));
      next += wave.length;
      const outcomes = await this.store.reserveRuns(sweep.id, wave);
      const jobs: RunJobData[] = [];
      let lastGain = 0;
      outcomes.forEach((reserved, i) => {
        if (!reserved.ok) {
          if (reserved.reason !== 'budget' && reserved.reason !== 'duplicate') stopped = true; // paused, cancelled or maxRuns meanwhile
          return;
        }
        onReserved(wave[i].config);
        lastGain = wave[i].gain;
        jobs.push(runJobData(sweep, { runId: reserved.runId, config: wave[i].config, cost: wave[i].cost }, sweep.planned + enqueued.length + jobs.length));
      });
      if (jobs.length === 0) continue;
      reservedCost += jobs.reduce((sum, j) => sum + j.cost, 0);
      try {
        await enqueueWithRetry(() => this.queues.enqueueMany(pool, jobs), (err) => this.logger.warn(`enqueueing ${jobs.length} run(s) failed (${err.message}); retrying`));
        this.engines.rememberActive(sweep.id, jobs);
        enqueued.push(...jobs.map((j) => j.runId));
        this.metrics.setLastGain(sweep.id, lastGain);
      } catch (err) {
        // Redis refused the jobs for the whole retry window. The runs stay reserved, as those of a
        // planner killed between reserving and enqueueing do: the reconciler enqueues them again
        // (same ids, same seeds) once Redis takes them. Failing them would lose their configs for good
        // over an outage that says nothing about them.
        enqueueFailed = true;
        this.logger.warn(`enqueueing ${jobs.length} run(s) of sweep ${sweep.id} failed for ${ENQUEUE_RETRY_WINDOW_MS / 1000} s (${(err as Error).message}); they stay reserved, and the reconciler enqueues them again once Redis takes them`);
        break;
      }
    }
    return { enqueued, reservedCost, stopped, enqueueFailed };
  }
}
