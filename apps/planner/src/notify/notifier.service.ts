import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { SweepStore } from '@lawsweep/store';
import { PlannerConfig } from '../config/planner-config';
import { MetricsService } from '../metrics/metrics.service';
import { sweepNotification, type SweepEvent, type SweepEventChange } from './notification';
import { NOTIFY_ATTEMPTS, NOTIFY_BACKOFF_MS, NOTIFY_KEEP, NOTIFY_QUEUE, type NotifyJob } from './notify-queue';

/** How long shutdown waits for notifications still being queued. */
const SHUTDOWN_WAIT_MS = 5_000;

/**
 * Queues a JSON message for LAWSWEEP_NOTIFY_URL when a sweep ends (done, failed) or the circuit
 * breaker pauses it, so nobody has to watch a month-long sweep to learn it stopped. Queued by the
 * replica whose store transition made the change (one per event, however many replicas), in the
 * background: planning never waits on a webhook. Delivery (NotifyProcessor) is a durable BullMQ job:
 * retried with backoff on network errors, 5xx and 429 for ~8.5 minutes, by whichever planner replica
 * is up: a planner that stops or is killed while a webhook is down loses nothing. At least once, not
 * ordered: a POST whose answer is lost (timeout, planner killed) is sent again. What cannot be queued
 * (the sweep unreadable; Redis still away when the planner stops) is logged and counted
 * (lawsweep_notifications_total{outcome="failed"}), never thrown.
 */
@Injectable()
export class NotifierService implements OnApplicationShutdown {
  private readonly logger = new Logger('Notifier');
  private readonly pending = new Map<Promise<void>, { event: SweepEvent; sweepId: string }>();
  /** The first retry's wait; each next one doubles (tests shorten it). */
  backoffMs = NOTIFY_BACKOFF_MS;

  constructor(
    private readonly config: PlannerConfig,
    private readonly store: SweepStore,
    private readonly metrics: MetricsService,
    /** Registered only when a notify URL is set (AppModule). */
    @Optional() @InjectQueue(NOTIFY_QUEUE) private readonly queue?: Queue<NotifyJob>,
  ) {}

  /** Queues the event (the change as it was made) for this sweep when a webhook is configured. */
  sweepEvent(event: SweepEvent, sweepId: string, change: SweepEventChange): void {
    const queue = this.queue;
    if (!this.config.notifyUrl || !queue) return;
    const queued: Promise<void> = this.enqueue(queue, event, sweepId, change)
      .catch((err: Error) => {
        this.metrics.notifications.inc({ event, outcome: 'failed' });
        this.logger.warn(`notification ${event} for sweep ${sweepId}: not queued: ${err.message}`);
      })
      .finally(() => this.pending.delete(queued));
    this.pending.set(queued, { event, sweepId });
  }

  private async enqueue(queue: Queue<NotifyJob>, event: SweepEvent, sweepId: string, change: SweepEventChange): Promise<void> {
    const sweep = await this.store.getSweep(sweepId);
    if (!sweep) return;
    // Waits while Redis is away (BullMQ's connection retries for ever): queued once it is back.
    await queue.add(
      event,
      { event, sweepId, body: sweepNotification(event, change, sweep) },
      { attempts: NOTIFY_ATTEMPTS, backoff: { type: 'exponential', delay: this.backoffMs }, removeOnComplete: NOTIFY_KEEP.completed, removeOnFail: NOTIFY_KEEP.failed },
    );
  }

  /**
   * Lets notifications being queued reach Redis (milliseconds; their delivery goes on from there). One
   * still not queued after a few seconds (Redis away) is lost with this planner: said and counted.
   */
  async onApplicationShutdown(): Promise<void> {
    if (this.pending.size === 0) return;
    await Promise.race([Promise.allSettled([...this.pending.keys()]), new Promise((r) => setTimeout(r, SHUTDOWN_WAIT_MS).unref())]);
    for (const { event, sweepId } of this.pending.values()) {
      this.metrics.notifications.inc({ event, outcome: 'failed' });
      this.logger.warn(`notification ${event} for sweep ${sweepId}: not queued when the planner stopped (Redis unreachable)`);
    }
    this.pending.clear();
  }
}
