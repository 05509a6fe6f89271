import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { SweepStore } from '@lawsweep/store';
import { PlannerConfig } from '../config/planner-config';
import { MetricsService } from '../metrics/metrics.service';
import { sweepNotification, type SweepEvent, type SweepEventChange } from './notification';

/** Waits between tries: a webhook down for a few seconds loses nothing. */
const RETRY_DELAYS_MS = [1_000, 5_000, 15_000];
const TIMEOUT_MS = 5_000;
/** How long shutdown waits for notifications still being delivered. */
const SHUTDOWN_WAIT_MS = 5_000;

/**
 * POSTs a JSON message to LAWSWEEP_NOTIFY_URL when a sweep ends (done, failed) or the circuit
 * breaker pauses it, so nobody has to watch a month-long sweep to learn it stopped. Sent by the
 * replica whose store transition made the change (one per event, however many replicas), in the
 * background: planning never waits on a webhook. Retried on network errors, 5xx and 429; at most
 * once in the end: a delivery that fails for good, or is still retrying when the planner stops, is
 * logged and counted (lawsweep_notifications_total{outcome="failed"}), never thrown. Messages name
 * the webhook by its origin only: its path is the secret.
 */
@Injectable()
export class NotifierService implements OnApplicationShutdown {
  private readonly logger = new Logger('Notifier');
  private readonly pending = new Map<Promise<void>, { event: SweepEvent; sweepId: string }>();
  /** Set at shutdown: deliveries still waiting to retry give up (they were counted as failed). */
  private stopped = false;
  /** Waits between tries (tests shorten them). */
  retryDelaysMs: readonly number[] = RETRY_DELAYS_MS;

  constructor(
    private readonly config: PlannerConfig,
    private readonly store: SweepStore,
    private readonly metrics: MetricsService,
  ) {}

  /** Sends the event (the change as it was made) for this sweep when a webhook is configured. */
  sweepEvent(event: SweepEvent, sweepId: string, change: SweepEventChange): void {
    const url = this.config.notifyUrl;
    if (!url) return;
    const delivery: Promise<void> = this.deliver(url, event, sweepId, change)
      .catch((err: Error) => this.failed(event, sweepId, safeError(err, url)))
      .finally(() => this.pending.delete(delivery));
    this.pending.set(delivery, { event, sweepId });
  }

  private async deliver(url: string, event: SweepEvent, sweepId: string, change: SweepEventChange): Promise<void> {
    const sweep = await this.store.getSweep(sweepId);
    if (!sweep) return;
    const body = JSON.stringify(sweepNotification(event, change, sweep));
    let last = '';
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
        await res.body?.cancel(); // the answer is not read: free its socket now
        if (res.ok) {
          this.metrics.notifications.inc({ event, outcome: 'sent' });
          return;
        }
        last = `HTTP ${res.status}`;
        if (res.status < 500 && res.status !== 429) break; // the request itself is refused: sending it again will not help
      } catch (err) {
        last = safeError(err as Error, url);
        // A URL fetch cannot use (not a network failure) fails the same way every time.
        if ((err as Error).name === 'TypeError' && !(err as { cause?: unknown }).cause) break;
      }
      if (attempt >= this.retryDelaysMs.length) break;
      await new Promise((r) => setTimeout(r, this.retryDelaysMs[attempt]).unref());
      if (this.stopped) return;
    }
    this.failed(event, sweepId, `not delivered to ${origin(url)} after ${last}`);
  }

  private failed(event: SweepEvent, sweepId: string, why: string): void {
    this.metrics.notifications.inc({ event, outcome: 'failed' });
    this.logger.warn(`notification ${event} for sweep ${sweepId}: ${why}`);
  }

  /** Gives notifications in flight a few seconds; those still retrying then are counted as failed, and said. */
  async onApplicationShutdown(): Promise<void> {
    if (this.pending.size === 0) {
      this.stopped = true;
      return;
    }
    const all = Promise.allSettled([...this.pending.keys()]);
    await Promise.race([all, new Promise((r) => setTimeout(r, SHUTDOWN_WAIT_MS).unref())]);
    this.stopped = true;
    for (const { event, sweepId } of this.pending.values()) this.failed(event, sweepId, 'still being delivered when the planner stopped');
    this.pending.clear();
  }
}

/** The URL's origin, without the path and query that are a Slack-style webhook's secret. */
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(the notify URL)';
  }
}

/** An error's message with the webhook URL (fetch puts it in some) replaced by its origin. */
function safeError(err: Error, url: string): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const text = [err.message, cause?.code ?? cause?.message].filter(Boolean).join(': ');
  return text.split(url).join(origin(url));
}
