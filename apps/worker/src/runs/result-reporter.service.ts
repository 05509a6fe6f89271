import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RESULTS_QUEUE, resultJobOptions, runResultSchema, type RunResult } from '@lawsweep/contracts';

/**
 * Owns the producer side of the results queue, which carries the results of failed runs (a done
 * run's result is its run job's return value: RunExecutor). A result is validated, then added with the run id
 * as job id, so a result posted twice (a worker that crashed between posting and completing its
 * run job) is one job. Adding is retried a few times: the producer connection does not buffer
 * commands while Redis is away (enableOfflineQueue: false), and a lost result would cost a rerun.
 */
@Injectable()
export class ResultReporter {
  private readonly logger = new Logger(ResultReporter.name);

  constructor(@InjectQueue(RESULTS_QUEUE) private readonly queue: Queue) {
    this.queue.on('error', (err) => this.logger.warn(`results queue: ${err.message}`));
  }

  async report(result: RunResult, attempts = 6): Promise<void> {
    const data = runResultSchema.parse(result);
    for (let i = 1; ; i++) {
      try {
        await this.queue.add('result', data, resultJobOptions(data.runId));
        return;
      } catch (err) {
        if (i >= attempts) throw err;
        this.logger.warn(`posting the result of run ${data.runId} failed (${(err as Error).message}); retrying`);
        await new Promise((r) => setTimeout(r, 250 * 2 ** (i - 1)));
      }
    }
  }
}
