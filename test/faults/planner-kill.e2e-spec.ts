import { Queue } from 'bullmq';
import { RESULTS_QUEUE, resultJobOptions, resultOfRunJob, runQueueName, type RunResult } from '@lawsweep/contracts';
import { useSpawnedStack, waitFor } from './support/spawned-stack';
import { auditSweep, timedSpec, waitForSweepEnd } from './support/sweep-invariants';

/**
 * The planner dies (SIGKILL) mid-sweep with runs in flight; workers go on and complete their runs
 * (the result is the run job's return value) while it is down; a new planner process resumes from Redis. Then the same result is delivered
 * twice more (by another job id on the queue, and straight to the store, concurrently): each
 * counts once.
 */
const MAX_RUNS = 16;

describe('faults: SIGKILL the planner mid-sweep', () => {
  const suite = useSpawnedStack({ workers: 2 });

  it('resumes after a restart: the sweep completes, no run planned twice, no result lost, budget intact', async () => {
    const { stack } = suite;
    const results = new Queue(RESULTS_QUEUE, { connection: { host: '127.0.0.1', port: stack.redis.port } });
    const runs = new Queue(runQueueName(), { connection: { host: '127.0.0.1', port: stack.redis.port } });
    try {
      // Kill early in the sweep, while more runs are still to be planned: on a loaded machine the first
      // poll that sees two results could otherwise come so late that the last runs in flight finish
      // (and are recorded) between that poll and the kill, leaving nothing in flight to test.
      const { id } = await stack.api('/sweeps', { body: timedSpec('planner-kill', { stop: { maxRuns: MAX_RUNS } }, 1.5) });
      // Runs *running* (a worker holds their job), not just queued: the kill may land between
      // reserving a wave and enqueueing it, and such runs reach a worker only once the new planner's
      // reconciler enqueues them again; a CI run that killed right there saw no result arrive while down.
      // And one of them started under half a second ago, so it is still training when the kill lands
      // (a CI run on a loaded box saw every run seen running finish, and be recorded, between the
      // poll and the kill, with only queued runs left).
      await waitFor('two results and runs running, one just started', async () => {
        const s = await stack.store.getSweep(id);
        if (!(s && s.runs.done >= 2 && s.planned <= MAX_RUNS - 4 && s.runs.running >= 2)) return false;
        const running = (await stack.store.activeRuns(id)).filter((r) => r.state === 'running');
        return running.length >= 2 && running.some((r) => r.startedAt !== undefined && Date.now() - r.startedAt < 500);
      }, 40_000);
      await stack.planner!.kill('SIGKILL');
      const atKill = await stack.store.getSweep(id);
      const inFlight = (await stack.store.activeRuns(id)).filter((r) => r.state === 'running').map((r) => r.id);
      expect(inFlight.length).toBeGreaterThan(0);

      // Results arrive while no planner listens: each waits in Redis as its completed run job's return
      // value (its `completed` event goes unheard); the new planner's reconciler records them.
      await waitFor('the running runs to complete while the planner is down', async () => {
        const states = await Promise.all(inFlight.map((runId) => runs.getJobState(runId)));
        return states.every((s) => s === 'completed');
      }, 20_000);
      for (const runId of inFlight) expect(resultOfRunJob(runId, (await runs.getJob(runId))?.returnvalue)).toMatchObject({ status: 'done', runId });
      const whileDown = await stack.store.getSweep(id);
      expect(whileDown!.planned).toBe(atKill!.planned);
      expect(whileDown!.runs.done).toBe(atKill!.runs.done);

      await stack.startPlanner();
      await waitForSweepEnd(stack.store, id, 60_000, () => stack.logs());
      const audit = await auditSweep(stack, id);
      expect(audit.sweep.state).toBe('done');
      // A kill between reserving a run and enqueueing it leaves a run without a job, which the new
      // planner's reconciler enqueues again: no run fails, every planned run is done.
      expect(audit.runs.filter((r) => r.state === 'failed').map((r) => `${r.id}: ${r.reason}`)).toEqual([]);
      expect(audit.byState.done).toBe(MAX_RUNS);
      for (const runId of inFlight) expect({ runId, state: audit.runs.find((r) => r.id === runId)?.state }).toEqual({ runId, state: 'done' });
      expect(await results.getWaitingCount()).toBe(0);

      // The same result again, under another job id (a retried job whose first attempt also posted).
      const first = audit.runs.find((r) => r.state === 'done')!;
      const again: RunResult = { status: 'done', sweepId: id, runId: first.id, loss: 99, curve: [], worker: 'replayed', attempts: 2, durationMs: 1 };
      // Kept once completed (production removes a recorded result job) so its return value can be read.
      const job = await results.add('result', again, { ...resultJobOptions(first.id), jobId: `${first.id}-again`, removeOnComplete: false });
      await waitFor('the duplicate to be consumed', async () => (await job.getState()) === 'completed', 15_000);
      expect((await results.getJob(job.id!))?.returnvalue).toBe('duplicate');
      // And straight to the store, ten at once (Lua scripts run one at a time).
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => stack.store.recordResult(id, first.id, { status: 'done', loss: 42, worker: 'direct' })));
      expect(new Set(outcomes)).toEqual(new Set(['duplicate']));
      const after = await auditSweep(stack, id);
      expect(after.sweep.spent).toBe(audit.sweep.spent);
      expect(after.observations).toBe(audit.observations);
      expect(after.runs.find((r) => r.id === first.id)).toMatchObject({ loss: first.loss, worker: first.worker });
    } finally {
      await results.close();
      await runs.close();
    }
  }, 120_000);
});
