import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { FetchPause, RepeatThrottle } from '@lawsweep/contracts';
import { SweepStore } from '@lawsweep/store';
import { PlannerConfig } from '../config/planner-config';
import { MetricsService } from '../metrics/metrics.service';
import { NOTIFY_QUEUE, type NotifyJob } from './notify-queue';

const TIMEOUT_MS = 5_000;
/** What a delivery about a deleted sweep returns: nothing is posted, and the job removes itself once completed. */
const DROPPED = 'dropped: the sweep was deleted';

/**
 * Delivers queued notifications (NotifierService) to LAWSWEEP_NOTIFY_URL: one POST per try; a 2xx
 * delivers it; a network error, 5xx or 429 is retried by BullMQ with backoff; a request the webhook
 * refuses (other 4xx) or a URL fetch cannot use fails for good at once. Runs only on replicas with a
 * notify URL (autorun off, started at bootstrap). Errors and logs name the webhook by its origin:
 * its path is the secret, and a failed job's reason is shown in Bull Board. A delivery (or a retry of
 * one) about a sweep deleted since it was queued posts nothing and removes itself: a deleted sweep
 * leaves no job naming it, and the webhook hears nothing more about it.
 */
@Processor(NOTIFY_QUEUE, { concurrency: 4, autorun: false })
export class NotifyProcessor extends WorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Notifier');
  /** As the results worker's: a fetch refused at Redis's maxmemory is said once per 30 s, and fetching pauses 2 s. */
  private readonly errors = new RepeatThrottle((line) => this.logger.warn(line));
  private readonly fetchPause = new FetchPause(() => this.worker);

  constructor(
    private readonly config: PlannerConfig,
    private readonly metrics: MetricsService,
    private readonly store: SweepStore,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    if (!this.config.notifyUrl) return;
    this.worker.run().catch((err: Error) => this.logger.error(`notification worker stopped: ${err.message}`));
  }

  async process(job: Job<NotifyJob>): Promise<string | undefined> {
    const url = this.config.notifyUrl;
    if (!url) throw new Error('this planner has no notify URL'); // not reached: the worker runs only with one
    if (!(await this.store.getSweep(job.data.sweepId))) return DROPPED;
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(job.data.body), signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      const why = safeError(err as Error, url);
      // A URL fetch cannot use (not a network failure) fails the same way every time.
      if ((err as Error).name === 'TypeError' && !(err as { cause?: unknown }).cause) throw new UnrecoverableError(why);
      throw new Error(why);
    }
    await res.body?.cancel(); // the answer is not read: free its socket now
    if (res.ok) return undefined;
    const why = `HTTP ${res.status}`;
    if (res.status < 500 && res.status !== 429) throw new UnrecoverableError(why); // the request itself is refused: sending it again will not help
    throw new Error(why);
  }

  /** Connection errors (Redis away): the worker reconnects by itself; said in the planner's log, identical ones at most once per 30 s. */
  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.errors.log(`notification worker: ${err.message}`);
    // Only a worker that runs fetches (resuming one that never ran would start it on a replica without a URL).
    if (this.config.notifyUrl) this.fetchPause.onError(err);
  }

  onApplicationShutdown(): void {
    this.fetchPause.stop();
    this.errors.close();
  }

  @OnWorkerEvent('completed')
  async onCompleted(job: Job<NotifyJob>, returnvalue?: unknown): Promise<void> {
    if (returnvalue !== DROPPED) return void this.metrics.notifications.inc({ event: job.data.event, outcome: 'sent' });
    // Out of active now (the worker released its lock): it can go.
    await job.remove().catch((err: Error) => this.logger.warn(`notification ${job.id} for deleted sweep ${job.data.sweepId}: not removed (${err.message})`));
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<NotifyJob> | undefined, err: Error): void {
    if (!job) return;
    const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (!final) return; // BullMQ tries it again after its backoff
    this.metrics.notifications.inc({ event: job.data.event, outcome: 'failed' });
    this.logger.warn(`notification ${job.data.event} for sweep ${job.data.sweepId}: not delivered to ${origin(this.config.notifyUrl ?? '')} after ${err.message}${job.attemptsMade > 1 ? ` (${job.attemptsMade} tries)` : ''}`);
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
