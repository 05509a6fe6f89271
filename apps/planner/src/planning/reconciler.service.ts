import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Job } from 'bullmq';
import { DEFAULT_POOL, resultOfRunJob } from '@lawsweep/contracts';
import { SweepStore, type RunRecord, type SweepRecord } from '@lawsweep/store';
import { PlannerConfig } from '../config/planner-config';
import { RunQueuesService, type RunJobState } from '../queues/run-queues.service';
import { ResultsService } from '../results/results.service';
import { NotifierService } from '../notify/notifier.service';
import { SweepCachesService } from '../sweeps/sweep-caches.service';
import { WorkerRegistryService } from '../workers/worker-registry.service';
import { ENQUEUE_RETRY_MARGIN_MS, ENQUEUE_RETRY_WINDOW_MS } from './enqueue-retry';
import { PlanningLoopService } from './planning-loop.service';

/**
 * On start and periodically, each run in flight is compared with its job:
 * - a completed job that returned the run's result (worker contract) has it recorded: the planner
 *   missed its `completed` event (it was down, or recording failed);
 * - runs that no worker will ever report must not hold their reservation forever: a job whose
 *   attempts are exhausted by stalls, one failed or completed without a result, or one that
 *   vanished from the queue. After a grace period (its result may still be on the results queue)
 *   such a run is failed and its cost released. Recording is idempotent, so a result that still
 *   arrives later changes nothing.
 * After a pass that went through every sweep, completed run jobs older than the keep period are
 * removed: every one that finished before the pass began has had its result recorded by then; and
 * so are the adverts of workers gone for a day (GONE_WORKER_KEPT_MS). Webhook messages a stopped
 * planner left in the notify outbox are queued (NotifierService.redeliverStranded). What this replica
 * keeps in memory of sweeps gone from the store (deleted through another replica) is dropped.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReconcilerService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly store: SweepStore,
    private readonly queues: RunQueuesService,
    private readonly loop: PlanningLoopService,
    private readonly config: PlannerConfig,
    private readonly results: ResultsService,
    private readonly registry: WorkerRegistryService,
    private readonly notifier: NotifierService,
    private readonly caches: SweepCachesService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.reconcileAll(), this.config.reconcileMs);
    this.timer.unref();
    void this.reconcileAll();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Returns how many runs were failed or marked running. */
  reconcileAll(now = Date.now()): Promise<number> {
    this.running ??= (async () => {
      let changed = 0;
      const passStart = Date.now();
      try {
        const pools = new Set<string>();
        const sweeps = await this.store.listSweeps();
        // First: an error reconciling some sweep ends the pass, and must not keep deleted sweeps in memory.
        const gone = await this.caches.forgetGone(sweeps.map((s) => s.id));
        if (gone.length > 0) this.logger.log(`dropped what this planner kept of deleted sweep(s) ${gone.join(', ')}`);
        for (const sweep of sweeps) {
          pools.add(sweep.spec.pool ?? DEFAULT_POOL);
          if (sweep.runs.queued + sweep.runs.running === 0) continue;
          const n = await this.reconcileSweep(sweep, now);
          if (n > 0) void this.loop.schedule(sweep.id);
          changed += n;
        }
        await this.removeRecordedJobs(pools, passStart);
        await this.registry.forgetGone(now);
        // Webhook messages whose planner stopped between the state change and queueing them.
        await this.notifier.redeliverStranded(now);
      } catch (err) {
        this.logger.warn(`reconcile failed: ${(err as Error).message}`);
      } finally {
        this.running = undefined;
      }
      return changed;
    })();
    return this.running;
  }

  private async reconcileSweep(sweep: SweepRecord, now: number): Promise<number> {
    const pool = sweep.spec.pool ?? DEFAULT_POOL;
    let changed = 0;
    for (const run of await this.store.activeRuns(sweep.id)) {
      const { state, job } = await this.queues.jobState(pool, run.id);
      const result = state === 'completed' ? resultOfRunJob(run.id, job?.returnvalue) : undefined;
      if (result) {
        if ((await this.results.record(result)) === 'recorded') {
          this.logger.log(`run ${run.id}: result recorded from its completed job`);
          changed++;
        }
        continue;
      }
      const reason = await this.lostReason(pool, run, state, job, now);
      if (reason === 'active') {
        if (run.state === 'queued' && (await this.store.markRunning(sweep.id, run.id))) changed++;
      } else if (reason) {
        const outcome = await this.store.recordResult(sweep.id, run.id, { status: 'failed', reason, partialCostFraction: 0 });
        if (outcome === 'recorded') {
          this.logger.warn(`run ${run.id}: ${reason}; its reservation is released`);
          changed++;
        }
      }
    }
    return changed;
  }

  /** Why this run will never be reported ('active' when it is simply running), or undefined. */
  private async lostReason(pool: string, run: RunRecord, state: RunJobState, job: Job | undefined, now: number): Promise<string | undefined> {
    if (state === 'active') return 'active';
    if (state !== 'missing' && state !== 'failed' && state !== 'completed') return undefined; // waiting, delayed, ...
    const since = job?.finishedOn ?? run.createdAt;
    if (now - since < this.config.resultGraceMs) return undefined;
    // A run with no job yet may be one the planner is still enqueueing (it retries while Redis is away).
    if (state === 'missing' && now - run.createdAt < ENQUEUE_RETRY_WINDOW_MS + ENQUEUE_RETRY_MARGIN_MS) return undefined;
    if (await this.queues.resultPending(run.id)) return undefined;
    const unrecordable = await this.queues.failedResultReason(run.id);
    if (unrecordable) return `its result could not be recorded: ${unrecordable}`;
    if (state === 'missing') return 'its job vanished from the queue without a result';
    if (state === 'failed') return `its job failed without posting a result: ${job?.failedReason ?? 'unknown reason'}`;
    return 'its job completed without a result (none returned, none posted)';
  }

  /**
   * Completed run jobs whose results are recorded: those that finished before this pass began (the
   * pass recorded any it found unrecorded) and longer ago than the keep period. In slices, so that
   * one script call never holds Redis for long.
   */
  private async removeRecordedJobs(pools: Set<string>, passStart: number): Promise<void> {
    const grace = Math.max(this.config.keepCompletedMs, Date.now() - passStart);
    for (const pool of pools) {
      while ((await this.queues.queue(pool).clean(grace, REMOVE_SLICE, 'completed')).length === REMOVE_SLICE);
    }
  }
}

/** Completed run jobs removed per script call. */
const REMOVE_SLICE = 1000;
