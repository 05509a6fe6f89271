import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { FetchPause, RepeatThrottle, RESULTS_QUEUE, runResultSchema } from '@lawsweep/contracts';
import type { RecordOutcome } from '@lawsweep/store';
import { ResultsService } from './results.service';

/**
 * Consumes the durable results queue (job id = run id). Recording is idempotent, so a job that is
 * delivered again (a crash between recording and acknowledging, a stalled job) changes nothing.
 */
// Recording takes milliseconds, so short locks: the results a killed planner held come back to the
// next planner within ~15 s instead of BullMQ's default 30 s lock + 30 s stalled check (found by
// bench/soak.bench.ts). Re-delivery is harmless (idempotent), so a result that stalls (a long fit
// blocking the event loop) is retried rather than failed after one stall, which would leave its
// run in flight for good.
@Processor(RESULTS_QUEUE, { concurrency: 32, lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 10 })
export class ResultsProcessor extends WorkerHost implements OnApplicationShutdown {
  private readonly logger = new Logger(ResultsProcessor.name);
  /** A fetch Redis refused at its maxmemory is retried by BullMQ at once: said once per 30 s, and fetching pauses 2 s. */
  private readonly errors = new RepeatThrottle((line) => this.logger.warn(line));
  private readonly fetchPause = new FetchPause(() => this.worker);

  constructor(private readonly results: ResultsService) {
    super();
  }

  /** Errors of the BullMQ worker (without a listener BullMQ writes each to the console, unthrottled). */
  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.errors.log(`results worker: ${err.message}`);
    this.fetchPause.onError(err);
  }

  onApplicationShutdown(): void {
    this.fetchPause.stop();
    this.errors.close();
  }

  async process(job: Job): Promise<RecordOutcome> {
    const arrivedAt = Date.now();
    const parsed = runResultSchema.safeParse(job.data);
    if (!parsed.success) {
      // Retrying cannot fix a malformed result; it stays in the failed set for inspection.
      const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new UnrecoverableError(`malformed result in job ${job.id}: ${issues}`);
    }
    return this.results.record(parsed.data, arrivedAt);
  }
}
