import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CANCELLED_REASON, resultOfRunJob, type RunProgress, type RunResult } from '@lawsweep/contracts';
import { SweepStore, sweepIdOfRun, type RecordOutcome } from '@lawsweep/store';
import { MetricsService } from '../metrics/metrics.service';
import { PlanningLoopService } from '../planning/planning-loop.service';
import { RunQueuesService, type RunEventHandler } from '../queues/run-queues.service';

/** How long `active` events gather before one markRunningMany per sweep. */
const ACTIVE_BATCH_MS = 5;

/**
 * What happens when a worker reports: a finished run is recorded exactly once (the store's script
 * ignores a second record for the same run id) and its sweep re-planned; progress points extend
 * the run's learning curve; a job going active marks its run running.
 */
@Injectable()
export class ResultsService implements OnModuleInit, OnModuleDestroy, RunEventHandler {
  private readonly logger = new Logger(ResultsService.name);
  /** Run ids whose job went active, per sweep, waiting for the next batched markRunningMany. */
  private readonly startedRuns = new Map<string, string[]>();
  private flushTimer?: NodeJS.Timeout;

  constructor(
    private readonly store: SweepStore,
    private readonly loop: PlanningLoopService,
    private readonly queues: RunQueuesService,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.queues.setEventHandler(this);
  }

  /** Shutdown: the batch gathered so far still goes out (the connection closes after this). */
  async onModuleDestroy(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    await this.flushStarted();
  }

  async record(result: RunResult, arrivedAt = Date.now()): Promise<RecordOutcome> {
    const cancelled = result.status === 'failed' && result.reason === CANCELLED_REASON;
    const outcome = await this.store.recordResult(result.sweepId, result.runId, {
      status: result.status === 'done' ? 'done' : cancelled ? 'cancelled' : 'failed',
      loss: result.status === 'done' ? result.loss : undefined,
      reason: result.status === 'failed' ? result.reason : undefined,
      partialCostFraction: result.status === 'failed' ? (result.partialCostFraction ?? 0) : undefined,
      worker: result.worker,
      attempts: result.attempts,
      durationMs: result.durationMs,
      curve: result.curve,
    });
    this.metrics.results.inc({ status: result.status, outcome });
    if (outcome === 'missing') this.logger.warn(`result for unknown run ${result.runId} (sweep ${result.sweepId}) ignored`);
    // Not awaited: the result is durable now; planning must not hold the results queue.
    if (outcome === 'recorded') void this.loop.schedule(result.sweepId, arrivedAt);
    return outcome;
  }

  /**
   * A run's job went active. Marked running in batches (one script per sweep every few ms instead of
   * one per run: under load that was a visible share of Redis and planner CPU). The state is for
   * display and counts only; a result that lands first wins (the script only moves queued runs).
   */
  active(runId: string): void {
    const sweepId = sweepIdOfRun(runId);
    if (!sweepId) return;
    const list = this.startedRuns.get(sweepId);
    if (list) list.push(runId);
    else this.startedRuns.set(sweepId, [runId]);
    this.flushTimer ??= setTimeout(() => void this.flushStarted(), ACTIVE_BATCH_MS);
  }

  private async flushStarted(): Promise<void> {
    this.flushTimer = undefined;
    const batches = [...this.startedRuns];
    this.startedRuns.clear();
    await Promise.all(batches.map(([sweepId, runIds]) => this.store.markRunningMany(sweepId, runIds).catch(() => undefined)));
  }

  /**
   * A run job completed: its return value is the run's result (worker contract, contracts/queues.ts).
   * A job that returned something else (a worker that posts its result on the results queue) is
   * left to that queue. Missed events (the planner was down) are the reconciler's: it records from
   * the completed job.
   */
  completed(runId: string, returnvalue: unknown): void {
    const result = resultOfRunJob(runId, returnvalue);
    if (!result) return;
    this.record(result).catch((err: Error) => this.logger.warn(`recording the result of run ${runId} failed (${err.message}); the reconciler records it from its job`));
  }

  progress(runId: string, progress: RunProgress): void {
    const sweepId = sweepIdOfRun(runId);
    if (!sweepId) return;
    // A progress event can arrive before 'active' is processed: it implies the run is running.
    void this.store
      .markRunning(sweepId, runId)
      .then(() => this.store.appendCurvePoint(runId, progress.point))
      .catch(() => undefined);
  }
}
