import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Job } from 'bullmq';
import { DEFAULT_POOL, resultOfRunJob } from '@lawsweep/contracts';
import { SweepStore, type RunRecord, type SweepRecord } from '@lawsweep/store';
import { PlannerConfig } from '../config/planner-config';
import { MetricsService } from '../metrics/metrics.service';
import { RunQueuesService, type RunJobState } from '../queues/run-queues.service';
import { ResultsService } from '../results/results.service';
import { NotifierService } from '../notify/notifier.service';
import { WorkerRegistryService } from '../workers/worker-registry.service';
import { ENQUEUE_RETRY_MARGIN_MS, ENQUEUE_RETRY_WINDOW_MS } from './enqueue-retry';
import { PlanningLoopService } from './planning-loop.service';
import { runJobData } from './run-job';

/**
 * On start and periodically, each run in flight is compared with its job:
 * - a completed job that returned the run's result (worker contract) has it recorded: the planner
 *   missed its `completed` event (it was down, or recording failed);
 * - runs that no worker will ever report must not hold their reservation forever: a job whose
 *   attempts are exhausted by stalls, one failed or completed without a result, or one that
 *   vanished from the queue. After a grace period (its result may still be on the results queue)
 *   such a run is failed and its cost released — except a run no worker took whose job is gone,
 *   which is enqueued again (enqueueAgain). Recording is idempotent, so a result that still
 *   arrives later changes nothing.
 * After a pass that went through every sweep, completed run jobs older than the keep period are
 * removed: every one that finished before the pass began has had its result recorded by then; and
 * so are the adverts of workers gone for a day (GONE_WORKER_KEPT_MS). Webhook messages a stopped
 * planner left in the notify outbox are queued (NotifierService.redeliverStranded).
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
    private readonly metrics: MetricsService,
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
        for (const sweep of await this.store.listSweeps()) {
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
          this.metrics.reconciledRuns.inc({ action: 'recorded' });
          changed++;
        }
        continue;
      }
      const reason = await this.lostReason(pool, run, state, job, now);
      if (reason === 'active') {
        if (run.state === 'queued' && (await this.store.markRunning(sweep.id, run.id))) changed++;
      } else if (reason === VANISHED && run.state === 'queued' && (await this.enqueueAgain(sweep, run, pool))) {
        changed++;
      } else if (reason) {
        const outcome = await this.store.recordResult(sweep.id, run.id, { status: 'failed', reason, partialCostFraction: 0 });
        if (outcome === 'recorded') {
          this.logger.warn(`run ${run.id}: ${reason}; its reservation is released`);
          this.metrics.reconciledRuns.inc({ action: 'failed' });
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
    if (state === 'missing') return VANISHED;
    if (state === 'failed') return `its job failed without posting a result: ${job?.failedReason ?? 'unknown reason'}`;
    return 'its job completed without a result (none returned, none posted)';
  }

  /**
   * A run no worker has started whose job is gone (its planner stopped between reserving and
   * enqueueing it; the job was lost with Redis's data) is enqueued again, with the same data, rather
   * than failed: its config would never be planned again, and nothing about the run went wrong. At
   * most MOST_REQUEUES times (the store counts them, across replicas and restarts); after that, and
   * when the sweep has ended meanwhile, the run is failed as vanished. Answers whether it was enqueued.
   */
  private async enqueueAgain(sweep: SweepRecord, run: RunRecord, pool: string): Promise<boolean> {
    const n = await this.store.claimRequeue(sweep.id, run.id, MOST_REQUEUES);
    if (n === 0) return false;
    // The same job id: should another replica enqueue it too, BullMQ keeps one job.
    await this.queues.enqueueMany(pool, [runJobData(sweep, { runId: run.id, config: run.config, cost: run.cost }, sweep.planned)]);
    this.metrics.reconciledRuns.inc({ action: 'requeued' });
    this.logger.warn(`run ${run.id}: its job vanished before any worker took it (a planner stopped between reserving and enqueueing it?); enqueued again (${n} of at most ${MOST_REQUEUES})`);
    return true;
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

/** Why a run whose job is gone without a result is failed (once it may not be enqueued again). */
const VANISHED = 'its job vanished from the queue without a result';

/** How many times a queued run whose job vanished is enqueued again before it is failed. */
const MOST_REQUEUES = 3;

/** Completed run jobs removed per script call. */
const REMOVE_SLICE = 1000;
