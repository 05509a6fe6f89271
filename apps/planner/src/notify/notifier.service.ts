import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { SweepStore } from '@lawsweep/store';
import { PlannerConfig } from '../config/planner-config';
import { MetricsService } from '../metrics/metrics.service';
import { sweepNotification, type SweepEvent } from './notification';

/** Tries per notification, and the waits between them: a webhook down for a few seconds loses nothing. */
const RETRY_DELAYS_MS = [1_000, 5_000, 15_000];
const TIMEOUT_MS = 5_000;
/** How long shutdown waits for notifications still being delivered. */
const SHUTDOWN_WAIT_MS = 5_000;

/**
 * POSTs a JSON message to LAWSWEEP_NOTIFY_URL when a sweep ends (done, failed) or the circuit
 * breaker pauses it, so nobody has to watch a month-long sweep to learn it stopped. Sent by the
 * replica whose store transition made the change (one per event, however many replicas), in the
 * background: planning never waits on a webhook. Retried on network errors, 5xx and 429; counted in
 * lawsweep_notifications_total; a failure is logged, never thrown.
 */
@Injectable()
export class NotifierService implements OnApplicationShutdown {
  private readonly logger = new Logger('Notifier');
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly config: PlannerConfig,
    private readonly store: SweepStore,
    private readonly metrics: MetricsService,
  ) {}

  /** Sends the event for this sweep (as it is now, after the transition) when a webhook is configured. */
  sweepEvent(event: SweepEvent, sweepId: string): void {
    if (!this.config.notifyUrl) return;
    const delivery: Promise<void> = this.deliver(this.config.notifyUrl, event, sweepId)
      .catch((err: Error) => this.logger.warn(`notification ${event} for sweep ${sweepId}: ${err.message}`))
      .finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  private async deliver(url: string, event: SweepEvent, sweepId: string): Promise<void> {
    const sweep = await this.store.getSweep(sweepId);
    if (!sweep) return;
    const body = JSON.stringify(sweepNotification(event, sweep));
    let last = '';
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
        if (res.ok) {
          this.metrics.notifications.inc({ event, outcome: 'sent' });
          return;
        }
        last = `HTTP ${res.status}`;
        if (res.status < 500 && res.status !== 429) break; // the request itself is refused: sending it again will not help
      } catch (err) {
        last = (err as Error).message;
      }
      if (attempt >= RETRY_DELAYS_MS.length) break;
      await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt]));
    }
    this.metrics.notifications.inc({ event, outcome: 'failed' });
    this.logger.warn(`notification ${event} for sweep ${sweepId} not delivered to ${redact(url)}: ${last}`);
  }

  /** Gives notifications in flight a few seconds to be delivered before the planner exits. */
  async onApplicationShutdown(): Promise<void> {
    if (this.pending.size === 0) return;
    await Promise.race([Promise.allSettled([...this.pending]), new Promise((r) => setTimeout(r, SHUTDOWN_WAIT_MS).unref())]);
  }
}

/** The URL without its path and query, which for Slack-style webhooks are the secret. */
function redact(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(the notify URL)';
  }
}
