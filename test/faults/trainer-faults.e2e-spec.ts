import { join } from 'node:path';
import { useSpawnedStack } from './support/spawned-stack';
import { auditSweep, timedSpec, waitForSweepEnd } from './support/sweep-invariants';

/**
 * Trainer faults inside one whole sweep, through the real planner and worker processes: run 1
 * crashes (retried, then failed with stderr), run 2 prints garbage, run 3 a NaN loss, run 4 hangs
 * past its timeout; the rest train. Each faulty run ends failed with its reason, its reservation
 * is released (only the partial cost it reported is spent), and the sweep goes on to the end.
 * (Variables never pass through a shell: test/worker-command-trainer.e2e-spec.ts injects them.)
 */
describe('faults: trainer crash, garbage, NaN and timeout in one sweep', () => {
  const suite = useSpawnedStack({ workers: 2 });

  it('each fault ends as designed and the sweep completes', async () => {
    const { stack } = suite;
    const trainer = { type: 'command', command: ['sh', join(__dirname, 'fixtures/mixed-trainer.sh')], timeoutSeconds: 1.5 };
    const { id } = await stack.api('/sweeps', { body: timedSpec('trainer-faults', { trainer, stop: { maxRuns: 9 } }) });
    await waitForSweepEnd(stack.store, id, 60_000, () => stack.logs());
    const audit = await auditSweep(stack, id);
    expect(audit.sweep.state).toBe('done');
    expect(audit.byState).toEqual({ done: 5, failed: 4 });

    const run = (seq: number) => audit.runs.find((r) => r.id === `${id}-r${String(seq).padStart(5, '0')}`)!;
    expect(run(1)).toMatchObject({ state: 'failed', attempts: 3 });
    expect(run(1).reason).toMatch(/exited with code 3[\s\S]*CUDA out of memory/);
    expect(run(1).spent).toBeGreaterThan(0); // 100 tokens of D reached: that share is spent
    expect(run(1).spent).toBeLessThan(run(1).cost * 1e-3);
    expect(run(2)).toMatchObject({ state: 'failed', attempts: 1 });
    expect(run(2).reason).toMatch(/^no final loss/);
    expect(run(3).reason).toMatch(/non-finite \(NaN\)/);
    expect(run(4).reason).toMatch(/^timeout: .*1.5s limit/);
    for (const seq of [5, 6, 7, 8, 9]) {
      const r = run(seq);
      const truth = 1.69 + 406.4 / r.config.N ** 0.34 + 410.7 / r.config.D ** 0.28;
      expect({ seq, state: r.state }).toEqual({ seq, state: 'done' });
      expect(r.loss).toBeCloseTo(truth, 4);
    }
  }, 90_000);
});
