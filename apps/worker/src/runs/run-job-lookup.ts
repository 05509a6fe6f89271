import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { runQueueName } from '@lawsweep/contracts';
import { WorkerConfig } from '../config/worker.config';
import { redisOptionsFromUrl } from '../redis/redis-options';

/** Where a run's job is in this worker's pool queue: what decides whether its run directory may be resumed. */
export interface RunJobState {
  /** 'missing': no such job (never this pool's, or removed: completed jobs an hour after the planner recorded them, failed ones after 7 days). */
  state: 'active' | 'waiting' | 'delayed' | 'prioritized' | 'waiting-children' | 'completed' | 'failed' | 'missing';
  finishedOn?: number;
  failedReason?: string;
}

/** How long one lookup may take before the sweep that asked gives up (Redis away): it then removes nothing. */
const LOOKUP_TIMEOUT_MS = 5_000;

/**
 * Reads the state of run jobs (job id = run id) in this worker's pool queue, for RunDirRetention.
 * Its own BullMQ Queue (one more Redis connection), opened on first use; lookups time out rather
 * than wait for a Redis that is away.
 */
@Injectable()
export class RunJobLookup implements OnApplicationShutdown {
  private queue?: Queue;
  private closed = false;

  constructor(private readonly config: WorkerConfig) {}

  async stateOf(runId: string): Promise<RunJobState> {
    const queue = this.open();
    const lookup = async (): Promise<RunJobState> => {
      const state = await queue.getJobState(runId);
      if (state === 'unknown') return { state: 'missing' };
      if (state !== 'completed' && state !== 'failed') return { state };
      const job = await queue.getJob(runId);
      return { state, finishedOn: job?.finishedOn, failedReason: job?.failedReason };
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        lookup(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer from Redis within ${LOOKUP_TIMEOUT_MS / 1000} s`)), LOOKUP_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private open(): Queue {
    if (this.closed) throw new Error('the worker is shutting down');
    if (this.queue) return this.queue;
    this.queue = new Queue(runQueueName(this.config.pool), {
      connection: { ...redisOptionsFromUrl(this.config.redisUrl), maxRetriesPerRequest: 1, connectionName: `lawsweep-worker:${this.config.id}:run-dirs` },
      prefix: this.config.queuePrefix,
    });
    this.queue.on('error', () => undefined); // a lookup that fails says so itself
    return this.queue;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.queue?.close().catch(() => undefined);
  }
}
