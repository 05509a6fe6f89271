import { Injectable } from '@nestjs/common';
import { PlannerConfig } from '../config/planner-config';
import { NotifierService } from '../notify/notifier.service';
import { RunQueuesService } from '../queues/run-queues.service';
import { WorkerRegistryService } from '../workers/worker-registry.service';

/**
 * What the reconciler tidies after a pass that went through every sweep: completed run jobs older
 * than the keep period are removed (every one that finished before the pass began has had its
 * result recorded by then), the adverts of workers gone for a day (GONE_WORKER_KEPT_MS) are
 * forgotten, and webhook messages a stopped planner left in the notify outbox are queued
 * (NotifierService.redeliverStranded).
 */
@Injectable()
export class ReconcilerHousekeepingService {
  constructor(
    private readonly queues: RunQueuesService,
    private readonly registry: WorkerRegistryService,
    private readonly notifier: NotifierService,
    private readonly config: PlannerConfig,
  ) {}

  /** After a pass that began at `passStart` and read the sweeps of these pools. */
  async afterPass(pools: Set<string>, passStart: number, now: number): Promise<void> {
    await this.removeRecordedJobs(pools, passStart);
    await this.registry.forgetGone(); // by Redis's clock, which stamps the adverts' lastSeen
    // Webhook messages whose planner stopped between the state change and queueing them.
    await this.notifier.redeliverStranded(now);
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
