import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, type Type } from '@nestjs/common';
import type { Job, WorkerOptions } from 'bullmq';

/** Worker options as @Processor takes them (the connection comes from BullModule.forRoot). */
type NestWorkerOptions = Omit<WorkerOptions, 'connection'>;
import { FetchPause, RepeatThrottle, runBackoff, type RunResult } from '@lawsweep/contracts';
import { WorkerConfig } from '../config/worker.config';
import { WorkerRedis } from '../redis/worker-redis.service';
import { OrphanTrainers } from '../trainers/orphan-trainers.service';
import { LockFence } from './lock-fence.service';
import { reasonForLog } from './reason-for-log';
import { killAllProcessGroupsNow } from '../trainers/process-group';
import { RunDirRetention } from './run-dir-retention.service';
import { LOW_DISK_PAUSE_MS, RunExecutor } from './run-executor.service';
import { prepareRunRoot } from './run-root';
import { timerDelay } from './timer-delay';

/**
 * The BullMQ consumer of this worker's pool queue; thin: the work is RunExecutor's. The BullMQ
 * worker is created paused (autorun: false) and started once Redis answers. On shutdown it stops
 * taking runs, lets the current ones finish within the grace period, and hands back the rest;
 * @nestjs/bullmq then closes the BullMQ worker.
 */
@Injectable()
export class RunsProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('RunsProcessor');
  /** The BullMQ worker's error lines: a refused fetch is retried at once, thousands of times a second. */
  private readonly errors = new RepeatThrottle((line) => this.logger.error(line));
  /** Fetching paused for 2 s after Redis refused a fetch at its maxmemory (BullMQ would retry it at once), or while the disk is short. */
  private readonly fetchPause = new FetchPause(() => this.worker);

  constructor(
    private readonly runs: RunExecutor,
    private readonly redis: WorkerRedis,
    private readonly config: WorkerConfig,
    private readonly orphans: OrphanTrainers,
    private readonly fence: LockFence,
    private readonly retention: RunDirRetention,
  ) {
    super();
    // A run root below the disk floor: no runs taken for a while (they would only be handed back).
    this.runs.onLowDisk(() => this.fetchPause.pauseFor(LOW_DISK_PAUSE_MS));
  }

  process(job: Job, token?: string): Promise<RunResult> {
    return this.runs.execute(job, token as string);
  }

  async onApplicationBootstrap(): Promise<void> {
    prepareRunRoot(this.config.runRoot); // created 0700; one others could plant files in is tightened or refused (run-root.ts)
    if (!(await this.redis.ping(15_000))) {
      throw new Error(`REDIS_URL (--redis): no answer from Redis at ${redactUrl(this.config.redisUrl)}`);
    }
    // Trainers left running by a worker of this node that died would share GPUs (and run
    // directories) with the runs this one is about to take.
    await this.orphans.stopUnderRunRoot();
    // Run directories that will not be resumed here (failed long ago, done elsewhere): now, then every 10 minutes.
    this.retention.start();
    this.logger.log(`worker ${this.config.id} serving ${this.worker.name} (concurrency ${this.config.concurrency})`);
    this.worker.run().catch((err: Error) => this.logger.error(`worker stopped: ${err.message}`));
  }

  /**
   * Drains: takes no new runs, lets the current ones finish within the grace period, hands back the
   * rest. After a signal (SIGINT/SIGTERM through Nest's shutdown hooks; `app.close()` passes none),
   * a second signal cuts the grace short; one while nothing is left to cut short (no runs, or they
   * are being stopped, or closing hangs) exits at once (code 1); and the process exits (code 1) by
   * itself if closing outlasts the grace, the kill grace and SHUTDOWN_SLACK_MS: a BullMQ worker
   * whose Redis connection is still reconnecting never finishes closing (taskforcesh/bullmq#4656).
   */
  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.log(`shutting down${signal ? ` (${signal})` : ''}: taking no new runs`);
    this.fetchPause.stop();
    if (signal) this.listenForMoreSignals(signal);
    await this.worker.pause(true);
    await this.runs.drain(this.config.graceSeconds * 1000, signal ? '; a second Ctrl-C (SIGINT) or SIGTERM stops them now and hands them back' : '');
  }

  /** Arms the shutdown deadline and listens for the signals that follow the first one, until the process ends. */
  private listenForMoreSignals(first: string): void {
    const killGraceMs = this.config.killGraceSeconds * 1000;
    const deadline = armShutdownDeadline(first, this.config.graceSeconds * 1000 + killGraceMs + SHUTDOWN_SLACK_MS);
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.runs.endGrace()) {
        this.logger.log(`${signal} again: not waiting for the grace period`);
        deadline.rearm(signal, killGraceMs + SHUTDOWN_SLACK_MS);
        return;
      }
      // Asked again while runs are being stopped or closing hangs: the user wants out now. No trainer
      // may outlive the worker: those still stopping are killed first. (Nest ends the process with
      // process.exit once closed, enableShutdownHooks' useProcessExit: it never re-raises a signal
      // that this listener would catch.)
      const killed = killAllProcessGroupsNow();
      process.stderr.write(`lawsweep worker: ${signal} again during shutdown: exiting now${killed ? ` (${killed} trainer group(s) killed)` : ''}\n`);
      process.exit(1);
    };
    for (const s of SIGNALS) process.on(s, onSignal);
  }

  /** Says the error lines still held back. */
  onApplicationShutdown(): void {
    this.errors.close();
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    // BullMQ follows each lockRenewalFailed with one such error per job: LockFence has warned about
    // the run already (and the renewal keeps failing until the processor ends), so not a second time.
    if (err.message.startsWith('could not renew lock for job ')) return this.logger.debug(`bullmq worker: ${err.message}`);
    // A renewal Redis refused at its maxmemory: LockFence says so if the lock then lapses.
    this.fence.redisError(err);
    // Redis refusing writes (maxmemory) or failing a script fails every fetch the same way, and BullMQ
    // retries a fetch at once: identical lines are said once, then at most every 30 s with a count.
    this.errors.log(`bullmq worker: ${err.message}`);
    this.fetchPause.onError(err);
  }

  @OnWorkerEvent('stalled')
  onStalled(jobId: string): void {
    this.logger.warn(`run ${jobId} stalled (its worker stopped renewing the lock); it goes back to the queue`);
  }

  /** Redis answered a renewal, and these locks were no longer this worker's: their trainers are stopped (LockFence). */
  @OnWorkerEvent('lockRenewalFailed')
  onLockRenewalFailed(jobIds: string[]): void {
    this.fence.renewalRefused(jobIds);
  }

  @OnWorkerEvent('locksRenewed')
  onLocksRenewed({ jobIds }: { jobIds: string[] }): void {
    this.fence.renewed(jobIds);
  }

  /**
   * Every failed attempt, retried or not, in one entry: the reason's first line and its stderr tail
   * indented under it (reasonForLog), so the cause is in the worker's log. BullMQ has moved the job
   * when this runs: a job that will not be retried has its finishedOn set.
   */
  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    const outcome = job ? (job.finishedOn ? ' for good' : ', will retry') : '';
    this.logger.warn(`run ${job?.id ?? '?'} attempt ${job?.attemptsMade ?? '?'} failed${outcome}: ${reasonForLog(err.message)}`);
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** How long closing may take after the runs are stopped (Redis and BullMQ need well under a second). */
export const SHUTDOWN_SLACK_MS = 20_000;

/**
 * Exits the process (code 1, saying why) if it is still alive `ms` after a signal; rearm() moves
 * the deadline. The timer is unref'd: it never keeps a process alive that would otherwise end.
 */
function armShutdownDeadline(signal: string, ms: number): { rearm(signal: string, ms: number): void } {
  let timer: NodeJS.Timeout | undefined;
  const arm = (after: string, inMs: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      process.stderr.write(`lawsweep worker: shutdown did not finish within ${Math.round(inMs / 1000)} s after ${after} (Redis unreachable?); exiting anyway\n`);
      process.exit(1);
    }, timerDelay(inMs)).unref();
  };
  arm(signal, ms);
  return { rearm: arm };
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

/**
 * BullMQ worker options from the configuration. Locks: BullMQ renews a job's lock every quarter
 * to half of lockDuration while the processor's promise is pending, and a training run is a child
 * process, so the event loop stays free to renew it for runs of any length. lockDuration bounds how
 * long a crashed worker's run waits before the stalled check (every stalledInterval) requeues it,
 * and how long a Redis outage a run survives (LockFence stops it then).
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
