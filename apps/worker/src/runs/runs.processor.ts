import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, type Type } from '@nestjs/common';
import type { Job, WorkerOptions } from 'bullmq';

/** Worker options as @Processor takes them (the connection comes from BullModule.forRoot). */
type NestWorkerOptions = Omit<WorkerOptions, 'connection'>;
import { runBackoff, type RunResult } from '@lawsweep/contracts';
import { WorkerConfig } from '../config/worker.config';
import { WorkerRedis } from '../redis/worker-redis.service';
import { RunExecutor } from './run-executor.service';

/**
 * The BullMQ consumer of this worker's pool queue; thin: the work is RunExecutor's. The BullMQ
 * worker is created paused (autorun: false) and started once Redis answers. On shutdown it stops
 * taking runs, lets the current ones finish within the grace period, and hands back the rest;
 * @nestjs/bullmq then closes the BullMQ worker.
 */
@Injectable()
export class RunsProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('RunsProcessor');

  constructor(
    private readonly runs: RunExecutor,
    private readonly redis: WorkerRedis,
    private readonly config: WorkerConfig,
  ) {
    super();
  }

  process(job: Job, token?: string): Promise<RunResult> {
    return this.runs.execute(job, token as string);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!(await this.redis.ping(15_000))) {
      throw new Error(`REDIS_URL (--redis): no answer from Redis at ${redactUrl(this.config.redisUrl)}`);
    }
    this.logger.log(`worker ${this.config.id} serving ${this.worker.name} (concurrency ${this.config.concurrency})`);
    this.worker.run().catch((err: Error) => this.logger.error(`worker stopped: ${err.message}`));
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.log(`shutting down${signal ? ` (${signal})` : ''}: taking no new runs`);
    await this.worker.pause(true);
    await this.runs.drain(this.config.graceSeconds * 1000);
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logger.error(`bullmq worker: ${err.message}`);
  }

  @OnWorkerEvent('stalled')
  onStalled(jobId: string): void {
    this.logger.warn(`run ${jobId} stalled (its worker stopped renewing the lock); it goes back to the queue`);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    this.logger.warn(`run ${job?.id ?? '?'} attempt ${job?.attemptsMade ?? '?'} failed: ${err.message.split('\n')[0]}`);
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

/**
 * BullMQ worker options from the configuration. Locks: BullMQ renews a job's lock every
 * lockDuration/2 while the processor's promise is pending, and a training run is a child process,
 * so the event loop stays free to renew it for runs of any length; lockDuration only bounds how
 * long a crashed worker's run waits before the stalled check (every stalledInterval) requeues it.
 */
export function runsWorkerOptions(config: WorkerConfig): NestWorkerOptions {
  return {
    name: config.id,
    concurrency: config.concurrency,
    autorun: false,
    lockDuration: config.lockSeconds * 1000,
    stalledInterval: config.lockSeconds * 1000,
    // A run whose worker died twice is failed by BullMQ ("stalled more than allowable limit").
    maxStalledCount: 2,
    settings: {
      // Run jobs use backoff { type: 'jitter' } (contracts runJobOptions).
      backoffStrategy: (attemptsMade: number) => runBackoff(attemptsMade, Math.random, config.retryBaseMs),
    },
  };
}

/**
 * @Processor takes its queue name at decoration time, and @nestjs/bullmq has no way to take it from
 * configuration (nestjs/bull#2079, #2583); the pool is configuration, so each worker app gets a
 * RunsProcessor subclass decorated with its own queue name and options.
 */
export function runsProcessorFor(queueName: string, options: NestWorkerOptions): Type<RunsProcessor> {
  @Processor(queueName, options)
  class PoolRunsProcessor extends RunsProcessor {}
  return PoolRunsProcessor;
}
