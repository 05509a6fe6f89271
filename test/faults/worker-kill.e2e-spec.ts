import { Queue } from 'bullmq';
import { runQueueName } from '@lawsweep/contracts';
import { useSpawnedStack, waitFor } from './support/spawned-stack';
import { auditSweep, timedSpec, waitForSweepEnd } from './support/sweep-invariants';

/**
 * A worker's node disappears (SIGKILL: no shutdown hook, no hand-back) while it trains two runs:
 * BullMQ's stalled check (1 s lock here) puts them back on the queue, the other worker trains
 * them, each result is recorded once, and the sweep ends with its invariants intact.
 */
describe('faults: SIGKILL a worker mid-run', () => {
  const suite = useSpawnedStack();

  it('its runs are detected as stalled, finished by another worker, and recorded once', async () => {
    const { stack } = suite;
    const victim = await stack.startWorker();
    const survivor = await stack.startWorker();
    const { id } = await stack.api('/sweeps', { body: timedSpec('worker-kill', { stop: { maxRuns: 8 } }, 2) });

    // Kill the victim while it holds runs (BullMQ records the worker name as processedBy).
    const queue = new Queue(runQueueName(), { connection: { host: '127.0.0.1', port: stack.redis.port } });
    try {
      const held = await waitFor('the victim to train two runs', async () => {
        const active = await queue.getActive();
        const mine = active.filter((j) => j.processedBy === victim.name).map((j) => j.id as string);
        return mine.length >= 2 ? mine : undefined;
      }, 30_000);
      await victim.kill('SIGKILL');

      await waitForSweepEnd(stack.store, id, 60_000, () => stack.logs());
      const audit = await auditSweep(stack, id);
      expect(audit.sweep.state).toBe('done');
      expect(audit.byState).toEqual({ done: 8 });
      for (const runId of held) {
        const run = audit.runs.find((r) => r.id === runId);
        expect({ runId, state: run?.state, worker: run?.worker }).toEqual({ runId, state: 'done', worker: survivor.name });
      }
      // The stalled check, not a hand-back, brought the runs back: the survivor logged it.
      expect(survivor.output).toMatch(/stalled/);
    } finally {
      await queue.close();
    }
  }, 90_000);
});
