import { Injectable, Logger } from '@nestjs/common';
import { SweepDeletionStore } from '@lawsweep/store';
import { NotifierService } from '../notify/notifier.service';
import { RunQueuesService, type HeldRunJob } from '../queues/run-queues.service';

/**
 * Waits before each new try of jobs a worker held (ms): a worker moves its job out of active moments
 * after it posts the result (a failed or cancelled run's result can be recorded, and the sweep
 * deleted, in between). ~1.5 s in all; what is still held after is remembered and tried again by
 * retryHeld.
 */
export const HELD_RETRY_MS = [100, 200, 400, 800];

/** A held job as remembered in the store's set (its JSON: the set names no sweep, its members name jobs). */
type HeldJob = HeldRunJob | { queue: 'notify'; id: string };

/**
 * Removes a deleted sweep's queue jobs: its runs' jobs (run and results queues) a chunk at a time,
 * and its webhook deliveries (notify queue). BullMQ keeps a job a worker holds (active); such a job
 * is tried again after short waits, then remembered in the store (SweepDeletionStore.rememberHeldJobs) for
 * retryHeld, which the deletion's periodic resume calls: none stays behind for the 7 days a failed
 * run job is kept, holding its trainer argv under a key naming the sweep.
 */
@Injectable()
export class SweepJobsService {
  private readonly logger = new Logger(SweepJobsService.name);
  /** The waits between tries (tests shorten them). */
  retryWaitsMs = HELD_RETRY_MS;

  constructor(
    private readonly queues: RunQueuesService,
    private readonly notifier: NotifierService,
    private readonly store: SweepDeletionStore,
  ) {}

  /** The jobs of these runs of a sweep being deleted (before the runs' keys go: their ids find the jobs). */
  async removeRunJobs(sweepId: string, pool: string, runIds: string[]): Promise<void> {
    await this.settle(sweepId, await this.queues.removeRunJobs(pool, runIds));
  }

  /** The sweep's webhook deliveries, in whatever state. */
  async removeNotifyJobs(sweepId: string): Promise<void> {
    const held = await this.notifier.removeSweepJobs(sweepId);
    await this.settle(sweepId, held.map((id) => ({ queue: 'notify' as const, id })));
  }

  /** Tries again the jobs remembered as held; answers how many are still held. */
  async retryHeld(): Promise<number> {
    const remembered = await this.store.heldJobs();
    if (remembered.length === 0) return 0;
    const jobs = new Map<string, HeldJob | undefined>(remembered.map((member) => [member, parseHeld(member)]));
    const still = new Set(await this.tryRemove([...jobs.values()].filter((job) => job !== undefined)));
    await this.store.forgetHeldJobs([...jobs].filter(([, job]) => !job || !still.has(job)).map(([member]) => member));
    return still.size;
  }

  /** Tries held jobs again after each wait; remembers those still held. */
  private async settle(sweepId: string, held: HeldJob[]): Promise<void> {
    for (const wait of this.retryWaitsMs) {
      if (held.length === 0) return;
      await new Promise((r) => setTimeout(r, wait));
      held = await this.tryRemove(held);
    }
    if (held.length === 0) return;
    await this.store.rememberHeldJobs(held.map((job) => JSON.stringify(job)));
    this.logger.warn(`sweep ${sweepId}: ${held.length} queue job(s) still held by a worker (${held.slice(0, 3).map((j) => `${j.queue} ${j.id}`).join(', ')}${held.length > 3 ? ', …' : ''}); removed once it lets go`);
  }

  private async tryRemove(jobs: HeldJob[]): Promise<HeldJob[]> {
    const notify = jobs.filter((job): job is Extract<HeldJob, { queue: 'notify' }> => job.queue === 'notify');
    const runs = jobs.filter((job): job is HeldRunJob => job.queue !== 'notify');
    const stillNotify = new Set(await this.notifier.removeJobs(notify.map((job) => job.id)));
    return [...(await this.queues.removeHeldJobs(runs)), ...notify.filter((job) => stillNotify.has(job.id))];
  }
}

/** A remembered held job, or undefined for a member that is not one (forgotten). */
function parseHeld(member: string): HeldJob | undefined {
  try {
    const job = JSON.parse(member) as HeldJob;
    return typeof job?.id === 'string' && ['run', 'results', 'notify'].includes(job.queue) ? job : undefined;
  } catch {
    return undefined;
  }
}
