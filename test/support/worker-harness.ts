import { randomUUID } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import { RESULTS_QUEUE, resultOfRunJob, runJobOptions, runQueueName, type RunJobData, type RunResult } from '@lawsweep/contracts';

/** A producer of run jobs and a reader of results, as the planner would be (for worker tests). */
export class WorkerHarness {
  readonly results: Queue;
  private readonly runQueues = new Map<string, Queue>();

  constructor(
    readonly redisUrl: string,
    readonly prefix = 'bull',
  ) {
    this.results = new Queue(RESULTS_QUEUE, { connection: connection(redisUrl), prefix });
  }

  runs(pool: string): Queue {
    let q = this.runQueues.get(pool);
    if (!q) {
      q = new Queue(runQueueName(pool), { connection: connection(this.redisUrl), prefix: this.prefix });
      this.runQueues.set(pool, q);
    }
    return q;
  }

  async enqueue(pool: string, data: Partial<RunJobData> & Pick<RunJobData, 'trainer'>): Promise<RunJobData> {
    const job: RunJobData = { sweepId: 'sweep-test', runId: `run-${randomUUID()}`, config: { N: 1e6, D: 2e7 }, cost: 1, ...data };
    await this.runs(pool).add('run', job, runJobOptions(job.runId));
    return job;
  }

  /**
   * Waits for the result of a run, as the planner takes it: the return value of its completed run
   * job (a done run), or a job on the results queue (a failed run).
   */
  async result(runId: string, timeoutMs = 20_000): Promise<RunResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.results.getJob(runId);
      if (job) return job.data as RunResult;
      for (const queue of this.runQueues.values()) {
        if ((await queue.getJobState(runId)) !== 'completed') continue;
        const returned = resultOfRunJob(runId, (await queue.getJob(runId))?.returnvalue);
        if (returned) return returned;
      }
      if (Date.now() > deadline) throw new Error(`no result for ${runId} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits until the run job has settled (completed or failed) and returns it. */
  async settled(pool: string, runId: string, timeoutMs = 20_000): Promise<Job> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const queue = this.runs(pool);
      const state = await queue.getJobState(runId);
      // Read the job only once its state is final: a job read first and asked for its state after
      // can say 'failed' while holding the attemptsMade of the moment before the move.
      const job = state === 'completed' || state === 'failed' ? await queue.getJob(runId) : undefined;
      if (job) return job;
      if (Date.now() > deadline) throw new Error(`run ${runId} still ${state} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    for (const q of this.runQueues.values()) {
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
    await this.results.obliterate({ force: true }).catch(() => undefined);
    await this.results.close();
  }
}

function connection(url: string): { host: string; port: number; maxRetriesPerRequest: null } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379), maxRetriesPerRequest: null };
}
