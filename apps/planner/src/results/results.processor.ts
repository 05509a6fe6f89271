import { Processor, WorkerHost } from '@nestjs/bullmq';
import { UnrecoverableError, type Job } from 'bullmq';
import { RESULTS_QUEUE, runResultSchema } from '@lawsweep/contracts';
import type { RecordOutcome } from '@lawsweep/store';
import { ResultsService } from './results.service';

/**
 * Consumes the durable results queue (job id = run id). Recording is idempotent, so a job that is
 * delivered again (a crash between recording and acknowledging, a stalled job) changes nothing.
 */
@Processor(RESULTS_QUEUE, { concurrency: 32 })
export class ResultsProcessor extends WorkerHost {
  constructor(private readonly results: ResultsService) {
    super();
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
