import type { SweepEvent, SweepNotification } from './notification';

/**
 * The durable queue of webhook deliveries (LAWSWEEP_NOTIFY_URL). A notification is a BullMQ job
 * holding the message (never the URL: its path is the webhook's secret, and each planner has it
 * from its environment), retried with backoff by any planner replica that has a notify URL, and
 * kept in Redis across planner restarts until it is delivered or fails for good.
 */
export const NOTIFY_QUEUE = 'lawsweep-notify';

export interface NotifyJob {
  event: SweepEvent;
  sweepId: string;
  body: SweepNotification;
}

/** Tries per notification: the first and 8 retries, 2 s apart and doubling (2 s … 4 min 16 s, ~8.5 min in all). */
export const NOTIFY_ATTEMPTS = 9;
export const NOTIFY_BACKOFF_MS = 2_000;
/** Deliveries kept for inspection (Bull Board's /queues shows the queue when a notify URL is set). */
export const NOTIFY_KEEP = { completed: 200, failed: 1_000 };
