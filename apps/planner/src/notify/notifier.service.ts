import { randomBytes } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { SweepStore, type NotifyIntent } from '@lawsweep/store';
import { PlannerConfig } from '../config/planner-config';
import { MetricsService } from '../metrics/metrics.service';
import { sweepNotification, type SweepEvent, type SweepEventChange } from './notification';
import { NOTIFY_ATTEMPTS, NOTIFY_BACKOFF_MS, NOTIFY_KEEP, NOTIFY_QUEUE, type NotifyJob } from './notify-queue';

/** How long shutdown waits for notifications still being queued. */
const SHUTDOWN_WAIT_MS = 5_000;

/** An outbox message older than this was left by a planner that stopped before queueing it (that takes milliseconds). */
export const STRANDED_AFTER_MS = 60_000;

/** The notify queue's job states, and how many job ids are read per call when looking for a sweep's. */
const NOTIFY_JOB_STATES = ['active', 'wait', 'paused', 'prioritized', 'delayed', 'waiting-children', 'completed', 'failed'] as const;
const NOTIFY_PAGE = 500;

/** What the outbox keeps of a change: enough to queue its message later (the sweep is read then). */
interface OutboxEntry {
  event: SweepEvent;
  sweepId: string;
  change: SweepEventChange;
  at: number;
}

/**
 * Queues a JSON message for LAWSWEEP_NOTIFY_URL when a sweep ends (done, failed) or the circuit
 * breaker pauses it, so nobody has to watch a month-long sweep to learn it stopped. Queued by the
 * replica whose store transition made the change (one per event, however many replicas), in the
 * background: planning never waits on a webhook. Delivery (NotifyProcessor) is a durable BullMQ job:
 * retried with backoff on network errors, 5xx and 429 for ~8.5 minutes, by whichever planner replica
 * is up: a planner that stops or is killed while a webhook is down loses nothing. At least once, not
 * ordered: a POST whose answer is lost (timeout, planner killed) is sent again. The state change
 * and the message are one step: the store's transition leaves the message in an outbox (intent()),
 * removed once it is queued; one a planner left there when it stopped or was killed in between is
 * queued by the reconciler of any planner with a notify URL (redeliverStranded), under the same
 * job id. What cannot be queued (the sweep unreadable) is logged and counted
 * (lawsweep_notifications_total{outcome="failed"}), never thrown.
 */
@Injectable()
export class NotifierService implements OnApplicationShutdown {
  private readonly logger = new Logger('Notifier');
  private readonly pending = new Map<Promise<void>, { event: SweepEvent; sweepId: string; intentId?: string }>();
  /** The first retry's wait; each next one doubles (tests shorten it). */
  backoffMs = NOTIFY_BACKOFF_MS;

  constructor(
    private readonly config: PlannerConfig,
    private readonly store: SweepStore,
    private readonly metrics: MetricsService,
    /** Registered always (AppModule); optional for unit tests built without BullMQ. */
    @Optional() @InjectQueue(NOTIFY_QUEUE) private readonly queue?: Queue<NotifyJob>,
  ) {}

  /**
   * The outbox entry for a change about to be made (pass it to SweepStore.transition, then to
   * sweepEvent): undefined when no webhook is configured (nothing would ever empty the outbox).
   */
  intent(event: SweepEvent, sweepId: string, change: SweepEventChange, now = Date.now()): NotifyIntent | undefined {
    if (!this.config.notifyUrl || !this.queue) return undefined;
    const entry: OutboxEntry = { event, sweepId, change, at: now };
    // A BullMQ job id: unique per change, and no ':' (BullMQ refuses it).
    return { id: `${sweepId}.${event}.${now}`, json: JSON.stringify(entry) };
  }

  /**
   * Queues the event (the change as it was made) for this sweep when a webhook is configured; with
   * its outbox entry, as that entry's job (so a second queueing of it is a no-op) and then removes it.
   */
  sweepEvent(event: SweepEvent, sweepId: string, change: SweepEventChange, intent?: NotifyIntent): void {
    const queue = this.queue;
    if (!this.config.notifyUrl || !queue) return;
    const queued: Promise<void> = this.enqueue(queue, event, sweepId, change, intent?.id)
      .catch((err: Error) => {
        this.metrics.notifications.inc({ event, outcome: 'failed' });
        this.logger.warn(`notification ${event} for sweep ${sweepId}: not queued: ${err.message}`);
      })
      .finally(() => this.pending.delete(queued));
    this.pending.set(queued, { event, sweepId, intentId: intent?.id });
  }

  /**
   * Queues the outbox messages older than STRANDED_AFTER_MS (their planner stopped between the state
   * change and queueing it); called by the reconciler. Returns how many.
   */
  async redeliverStranded(now = Date.now()): Promise<number> {
    const queue = this.queue;
    if (!this.config.notifyUrl || !queue) return 0;
    let queued = 0;
    for (const { id, json } of await this.store.notifyOutbox()) {
      let entry: OutboxEntry;
      try {
        entry = JSON.parse(json) as OutboxEntry;
      } catch {
        await this.store.clearNotifyIntent(id); // not ours to read: never queueable
        continue;
      }
      if (!(now - entry.at >= STRANDED_AFTER_MS)) continue;
      await this.enqueue(queue, entry.event, entry.sweepId, entry.change, id);
      this.logger.log(`notification ${entry.event} for sweep ${entry.sweepId}: queued from the outbox (the planner that made the change stopped before queueing it)`);
      queued++;
    }
    return queued;
  }

  private async enqueue(queue: Queue<NotifyJob>, event: SweepEvent, sweepId: string, change: SweepEventChange, jobId?: string): Promise<void> {
    const sweep = await this.store.getSweep(sweepId);
    if (sweep) {
      // Waits while Redis is away (BullMQ's connection retries for ever): queued once it is back.
      const job = await queue.add(
        event,
        { event, sweepId, body: sweepNotification(event, change, sweep) },
        { jobId: jobId ?? `${sweepId}.${event}.${Date.now()}.${randomBytes(3).toString('hex')}`, attempts: NOTIFY_ATTEMPTS, backoff: { type: 'exponential', delay: this.backoffMs }, removeOnComplete: NOTIFY_KEEP.completed, removeOnFail: NOTIFY_KEEP.failed },
      );
      // Deleted since it was read: its deletion may have looked for its jobs before this one was added.
      if (!(await this.store.getSweep(sweepId)) && job.id) await queue.remove(job.id);
    }
    if (jobId) await this.store.clearNotifyIntent(jobId);
  }

  /**
   * Removes a deleted sweep's deliveries from the notify queue, in whatever state (their ids begin
   * with `<sweepId>.`: intent()), found by paging through the queue's job ids by state, not by
   * scanning Redis; read again until a pass finds none (a job moving between states while read could
   * be missed once). Answers the ids a delivery in progress held (active): they leave active within
   * seconds, and NotifyProcessor drops those that had not posted yet. With or without a notify URL:
   * messages queued while one was set, or by a replica that has one, go too.
   */
  async removeSweepJobs(sweepId: string): Promise<string[]> {
    const queue = this.queue;
    if (!queue) return [];
    const held = new Set<string>();
    for (let pass = 0; pass < 3; pass++) {
      const ids: string[] = [];
      for (const state of NOTIFY_JOB_STATES) {
        for (let start = 0; ; start += NOTIFY_PAGE) {
          const page = await queue.getRanges([state], start, start + NOTIFY_PAGE - 1);
          ids.push(...page.filter((id) => id.startsWith(`${sweepId}.`) && !held.has(id)));
          if (page.length < NOTIFY_PAGE) break;
        }
      }
      if (ids.length === 0) break;
      for (const id of await this.removeJobs([...new Set(ids)])) held.add(id);
    }
    return [...held];
  }

  /** Removes these notify jobs; answers those a delivery in progress still holds. */
  async removeJobs(ids: string[]): Promise<string[]> {
    const queue = this.queue;
    if (!queue) return [];
    const removed = await Promise.all(ids.map((id) => queue.remove(id)));
    return ids.filter((_, i) => removed[i] !== 1);
  }

  /**
   * Lets notifications being queued reach Redis (milliseconds; their delivery goes on from there). One
   * still not queued after a few seconds (Redis away) is lost with this planner: said and counted.
   */
  async onApplicationShutdown(): Promise<void> {
    if (this.pending.size === 0) return;
    await Promise.race([Promise.allSettled([...this.pending.keys()]), new Promise((r) => setTimeout(r, SHUTDOWN_WAIT_MS).unref())]);
    for (const { event, sweepId, intentId } of this.pending.values()) {
      if (intentId) {
        // Left in the outbox by its state change: the next planner's reconciler queues it.
        this.logger.warn(`notification ${event} for sweep ${sweepId}: not queued when the planner stopped (Redis unreachable); it stays in the outbox for the next planner`);
        continue;
      }
      this.metrics.notifications.inc({ event, outcome: 'failed' });
      this.logger.warn(`notification ${event} for sweep ${sweepId}: not queued when the planner stopped (Redis unreachable)`);
    }
    this.pending.clear();
  }
}
