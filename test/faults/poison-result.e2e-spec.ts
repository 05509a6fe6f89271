import { Queue, Worker } from 'bullmq';
import { RESULTS_QUEUE, resultJobOptions, runQueueName, type RunJobData } from '@lawsweep/contracts';
import { useSpawnedStack } from './support/spawned-stack';
import { auditSweep, timedSpec, waitForSweepEnd } from './support/sweep-invariants';

/**
 * A result the planner can never record (a worker of another version posts one that breaks the
 * contract): its result job fails for good. The run must not stay "in flight" forever holding
 * its reservation: the reconciler fails it after the grace period and the sweep ends.
 */
describe('faults: a result that cannot be recorded', () => {
  const suite = useSpawnedStack();

  it('fails its run after the grace period instead of holding it in flight forever', async () => {
    const { stack } = suite;
    const connection = { host: '127.0.0.1', port: stack.redis.port, maxRetriesPerRequest: null };
    const results = new Queue(RESULTS_QUEUE, { connection });
    let taken = 0;
    // Plays a worker: the first run gets a result with a negative loss, the others a good one.
    const worker = new Worker<RunJobData>(runQueueName(), async (job) => {
      const loss = ++taken === 1 ? -1 : 3;
      await results.add('result', { status: 'done', sweepId: job.data.sweepId, runId: job.data.runId, loss, curve: [], worker: 'skewed', attempts: 1, durationMs: 1 }, resultJobOptions(job.data.runId));
    }, { connection });
    try {
      const { id } = await stack.api('/sweeps', { body: timedSpec('poison', { stop: { maxRuns: 3 }, parallelism: 1 }) });
      await waitForSweepEnd(stack.store, id, 30_000, () => stack.logs());
      const audit = await auditSweep(stack, id);
      expect(audit.byState).toEqual({ done: 2, failed: 1 });
      const poisoned = audit.runs.find((r) => r.state === 'failed')!;
      expect(poisoned.reason).toMatch(/^its result could not be recorded: malformed result.*loss/);
      expect((await results.getJob(poisoned.id))?.failedReason).toMatch(/malformed result.*loss/);
    } finally {
      await worker.close();
      await results.close();
    }
  }, 60_000);
});
