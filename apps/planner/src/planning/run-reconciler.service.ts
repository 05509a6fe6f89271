import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { DEFAULT_POOL, resultOfRunJob } from '@lawsweep/contracts';
import { SweepStore, type RunRecord, type SweepRecord } from '@lawsweep/store';
import { PlannerConfig } from '../config/planner-config';
import { MetricsService } from '../metrics/metrics.service';
import { RunQueuesService, type RunJobState } from '../queues/run-queues.service';
import { ResultsService } from '../results/results.service';
import { ENQUEUE_RETRY_MARGIN_MS, ENQUEUE_RETRY_WINDOW_MS } from './enqueue-retry';
import { runJobData } from './run-job';

/**
 * Each run in flight of a sweep compared with its job (ReconcilerService calls it every pass):
 * - a completed job that returned the run's result (worker contract) has it recorded: the planner
 *   missed its `completed` event (it was down, or recording failed);
 * - runs that no worker will ever report must not hold their reservation forever: a job whose
 *   attempts are exhausted by stalls, one failed or completed without a result, or one that
 *   vanished from the queue. After a grace period (its result may still be on the results queue)
 *   such a run is failed and its cost released — except a run no worker took whose job is gone,
 *   which is enqueued again (enqueueAgain). Recording is idempotent, so a result that still
 *   arrives later changes nothing.
 */
@Injectable()
export class RunReconcilerService {
  private readonly logger = new Logger(RunReconcilerService.name);

  constructor(
    private readonly store: SweepStore,
    private readonly queues: RunQueuesService,
    private readonly results: ResultsService,
    private readonly metrics: MetricsService,
    private readonly config: PlannerConfig,
  ) {}

  /** Reconciles the runs in flight of one sweep; answers how many it recorded, failed, enqueued again or marked running. */
  async reconcileSweep(sweep: SweepRecord, now: number): Promise<number> {
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
   * enqueueing it, or Redis refused the job for the planner's whole retry window; the job was lost
   * with Redis's data) is enqueued again, with the same data, rather
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
    this.logger.warn(`run ${run.id}: its job vanished before any worker took it (a planner stopped, or Redis refused the job, between its reservation and its enqueue?); enqueued again (${n} of at most ${MOST_REQUEUES})`);
    return true;
  }
}

/** Why a run whose job is gone without a result is failed (once it may not be enqueued again). */
const VANISHED = 'its job vanished from the queue without a result';

/** How many times a queued run whose job vanished is enqueued again before it is failed. */
const MOST_REQUEUES = 3;
