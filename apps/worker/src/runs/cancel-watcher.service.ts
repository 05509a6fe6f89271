import { Injectable, Logger } from '@nestjs/common';
import { WorkerConfig } from '../config/worker.config';
import { WorkerRedis } from '../redis/worker-redis.service';

/**
 * Watches a sweep's cancel flag (contracts `cancelKey`) while one of its runs trains. Polling every
 * few seconds is enough: a training run lasts minutes to days, and a poll is one EXISTS.
 */
@Injectable()
export class CancelWatcher {
  private readonly logger = new Logger(CancelWatcher.name);

  constructor(
    private readonly redis: WorkerRedis,
    private readonly config: WorkerConfig,
  ) {}

  async isCancelled(sweepId: string): Promise<boolean> {
    try {
      return await this.redis.isCancelled(sweepId);
    } catch (err) {
      this.logger.warn(`cancel check for sweep ${sweepId} failed: ${(err as Error).message}`);
      return false;
    }
  }

  /** Calls onCancel once when the sweep is cancelled; returns the function that stops watching. */
  watch(sweepId: string, onCancel: () => void): () => void {
    let stopped = false;
    const timer = setInterval(() => {
      void this.isCancelled(sweepId).then((cancelled) => {
        if (cancelled && !stopped) {
          stopped = true;
          clearInterval(timer);
          onCancel();
        }
      });
    }, this.config.cancelPollSeconds * 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }
}
