import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { RESULTS_QUEUE, runJobOptions, runQueueName, runProgressSchema, type RunJobData, type RunProgress } from '@lawsweep/contracts';
import { PlannerConfig } from '../config/planner-config';
import { redisOptionsFromUrl } from '../redis/redis-options';

export interface RunEventHandler {
  active(runId: string): void;
  /** A run job completed; its return value is the run's result under the worker contract. */
  completed(runId: string, returnvalue: unknown): void;
  progress(runId: string, progress: RunProgress): void;
}

export type RunJobState = Awaited<ReturnType<Job['getState']>> | 'missing';

/** A job of a deleted sweep's run that a worker held (active) when it was to be removed: its run queue's (by pool), or the results queue's. */
export type HeldRunJob = { queue: 'run'; pool: string; id: string } | { queue: 'results'; id: string };

/** Each run queue's jobs by state (RunQueuesService.jobCounts). */
export type RunQueueCounts = { queue: string; pool: string; counts: Record<string, number> }[];

/** Active jobs read per call when listing a pool's runs in flight. */
const ACTIVE_PAGE = 1_000;

/**
 * The planner's side of the run queues (one per worker pool, opened on first use): enqueue runs,
 * inspect and remove their jobs, listen to their progress and completions (a done run's result is
 * its job's return value). Failed runs' results come back on RESULTS_QUEUE through
 * ResultsProcessor; this class only reads that queue (does a result wait there?).
 */
@Injectable()
export class RunQueuesService implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(RunQueuesService.name);
  private readonly queues = new Map<string, Queue<RunJobData>>();
  private readonly events = new Map<string, QueueEvents>();
  /** Queues kept only to read pools this planner does not queue to (GET /workers). */
  private readonly readers = new Map<string, Queue<RunJobData>>();
  private resultsQueue?: Queue;
  private handler?: RunEventHandler;
  private closing = false;

  constructor(private readonly config: PlannerConfig) {}

  private connection() {
    // Producers fail fast instead of buffering commands while Redis is away (BullMQ production guide).
    return { ...redisOptionsFromUrl(this.config.redisUrl), enableOfflineQueue: false };
  }

  setEventHandler(handler: RunEventHandler): void {
    this.handler = handler;
  }

  queue(pool: string): Queue<RunJobData> {
    let q = this.queues.get(pool);
    if (!q) {
      q = new Queue<RunJobData>(runQueueName(pool), { connection: this.connection(), prefix: this.config.queuePrefix });
      q.on('error', (err) => this.logger.warn(`queue ${runQueueName(pool)}: ${err.message}`));
      this.queues.set(pool, q);
      // A queue kept for reads of this pool is not needed any more.
      const reader = this.readers.get(pool);
      this.readers.delete(pool);
      void reader?.close().catch(() => undefined);
      this.listen(pool);
    }
    return q;
  }

  pools(): string[] {
    return [...this.queues.keys()];
  }

  /**
   * The pool's run jobs a worker holds now, with the worker's id (its BullMQ worker name:
   * `processedBy`) and when it took them, every page of them. A pool this planner has not queued to
   * is read through a queue kept for reads (no event listener): dashboards poll this.
   */
  async activeRuns(pool: string): Promise<{ worker?: string; startedAt?: number; data: RunJobData }[]> {
    const q = this.queues.get(pool) ?? this.reader(pool);
    const out = new Map<string, { worker?: string; startedAt?: number; data: RunJobData }>();
    for (let start = 0; ; start += ACTIVE_PAGE) {
      const jobs = await q.getActive(start, start + ACTIVE_PAGE - 1);
      // By job id: a page can repeat a job of the one before (the list moves while it is read).
      for (const j of jobs) if (j?.data && j.id) out.set(j.id, { worker: j.processedBy, startedAt: j.processedOn, data: j.data });
      if (jobs.length < ACTIVE_PAGE) return [...out.values()];
    }
  }

  private reader(pool: string): Queue<RunJobData> {
    let q = this.readers.get(pool);
    if (!q) {
      q = new Queue<RunJobData>(runQueueName(pool), { connection: this.connection(), prefix: this.config.queuePrefix });
      q.on('error', (err) => this.logger.warn(`queue ${runQueueName(pool)} (reads): ${err.message}`));
      this.readers.set(pool, q);
    }
    return q;
  }

  private listen(pool: string): void {
    const ev = new QueueEvents(runQueueName(pool), { connection: { ...redisOptionsFromUrl(this.config.redisUrl), maxRetriesPerRequest: null }, prefix: this.config.queuePrefix });
    ev.on('error', (err) => this.logger.warn(`queue events ${runQueueName(pool)}: ${err.message}`));
    ev.on('active', ({ jobId }) => this.handler?.active(jobId));
    ev.on('completed', ({ jobId, returnvalue }) => this.handler?.completed(jobId, returnvalue));
    ev.on('progress', ({ jobId, data }) => {
      // Best effort: a malformed progress report is ignored; the final result carries the whole curve.
      const parsed = runProgressSchema.safeParse(data);
      if (parsed.success) this.handler?.progress(jobId, parsed.data);
    });
    this.events.set(pool, ev);
  }

  async enqueue(pool: string, data: RunJobData): Promise<void> {
    await this.queue(pool).add('run', data, runJobOptions(data.runId));
  }

  /** Enqueues several runs in one round trip (BullMQ addBulk: one MULTI). */
  async enqueueMany(pool: string, runs: RunJobData[]): Promise<void> {
    await this.queue(pool).addBulk(runs.map((data) => ({ name: 'run', data, opts: runJobOptions(data.runId) })));
  }

  /**
   * A run job's state, and the job read after it: a job read first and asked for its state second
   * can be 'completed' without the return value (the run's result) it had by then, and the
   * reconciler would fail a run that succeeded.
   */
  async jobState(pool: string, runId: string): Promise<{ state: RunJobState; job?: Job<RunJobData> }> {
    const queue = this.queue(pool);
    const state = await queue.getJobState(runId);
    const job = state === 'unknown' ? undefined : await queue.getJob(runId);
    return job ? { state, job } : { state: 'missing' };
  }

  /** Removes a run's job if no worker has taken it yet; true when removed. */
  async removeIfWaiting(pool: string, runId: string): Promise<boolean> {
    const { state, job } = await this.jobState(pool, runId);
    if (!job || !['waiting', 'delayed', 'prioritized', 'waiting-children'].includes(state)) return false;
    try {
      await job.remove();
      return true;
    } catch {
      return false; // a worker locked it in between: it runs, and its result is recorded
    }
  }

  /**
   * Removes these runs' jobs from the pool's run queue and from the results queue (a job's id is its
   * run's id), in whatever state they are, for a sweep being deleted. Answers the jobs that could not
   * go: active ones (a worker holds the lock: BullMQ's remove answers 0 and keeps them), which leave
   * active moments after their worker posts its result; the caller tries them again (removeHeldJobs).
   * A job already gone counts as removed. A Redis error is thrown: the chunk's runs must not go
   * before their jobs.
   */
  async removeRunJobs(pool: string, runIds: string[]): Promise<HeldRunJob[]> {
    return this.removeHeldJobs(runIds.flatMap((id) => [{ queue: 'run' as const, pool, id }, { queue: 'results' as const, id }]));
  }

  /** Tries to remove these jobs (removeRunJobs); answers those still held by a worker. */
  async removeHeldJobs(jobs: HeldRunJob[]): Promise<HeldRunJob[]> {
    const results = this.results();
    const removed = await Promise.all(jobs.map((job) => (job.queue === 'run' ? this.queue(job.pool) : results).remove(job.id)));
    return jobs.filter((_, i) => removed[i] !== 1);
  }

  /** The results queue, opened on first use here (reads and removals; ResultsProcessor consumes it). */
  private results(): Queue {
    this.resultsQueue ??= new Queue(RESULTS_QUEUE, { connection: this.connection(), prefix: this.config.queuePrefix });
    return this.resultsQueue;
  }

  /** Is a result for this run waiting on the results queue (posted, not yet recorded)? */
  async resultPending(runId: string): Promise<boolean> {
    const state = await this.results().getJobState(runId);
    if (state === 'unknown') return false;
    // A failed result job will never be recorded (malformed, or out of retries): not pending, or
    // its run would stay in flight, holding its reservation, forever.
    return state !== 'completed' && state !== 'failed';
  }

  /** Why the result posted for this run could not be recorded, when its result job failed. */
  async failedResultReason(runId: string): Promise<string | undefined> {
    // The state first, then the job: a job read before its move to failed has no failedReason yet.
    if ((await this.results().getJobState(runId)) !== 'failed') return undefined;
    const job = await this.results().getJob(runId);
    return job ? job.failedReason || 'unknown reason' : undefined;
  }

  /**
   * BullMQ's queue gauge (bullmq_job_count{queue,state}, as Queue.exportPrometheusMetrics writes it)
   * for every queue the planner uses. Not that export itself: its bullmq_job_completed_total and
   * bullmq_job_failed_total read BullMQ's metrics, which only workers started with the `metrics`
   * option record, so they were always 0 (lawsweep_worker_runs_total and lawsweep_results_total count runs).
   * The run queues' counts are the caller's (jobCounts, read once for the scrape's lawsweep_queue_jobs
   * too); only the results queue is read here.
   */
  async prometheusMetrics(runQueues: RunQueueCounts): Promise<string> {
    const results = this.results();
    const counts = [await results.getJobCounts().then((c) => ({ queue: results.name, counts: c }), () => undefined), ...runQueues];
    const lines = ['# HELP bullmq_job_count Number of jobs in the queue by state', '# TYPE bullmq_job_count gauge'];
    for (const read of counts) {
      if (!read) continue;
      const queue = read.queue.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
      for (const [state, n] of Object.entries(read.counts)) lines.push(`bullmq_job_count{queue="${queue}", state="${state}"} ${n}`);
    }
    return lines.join('\n') + '\n';
  }

  /** Each run queue's jobs by state, for the pools this planner queues to. */
  async jobCounts(): Promise<RunQueueCounts> {
    return Promise.all([...this.queues.entries()].map(async ([pool, q]) => ({ queue: q.name, pool, counts: await q.getJobCounts() })));
  }

  /** After the planning loop and the results worker stopped (onModuleDestroy), close the queues. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.events.values()].map((e) => e.close().catch(() => undefined)));
    await Promise.all([...this.queues.values(), ...this.readers.values()].map((q) => q.close().catch(() => undefined)));
    await this.resultsQueue?.close().catch(() => undefined);
  }

  /** Reader queues a request opened after beforeApplicationShutdown (the HTTP server closes later). */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.readers.values()].map((q) => q.close().catch(() => undefined)));
    this.readers.clear();
  }

  get isClosing(): boolean {
    return this.closing;
  }
}
