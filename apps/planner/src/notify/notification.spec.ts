import { parseSweepSpec } from '@lawsweep/contracts';
import type { SweepRecord } from '@lawsweep/store';
import { sweepNotification } from './notification';

function sweep(over: Partial<SweepRecord> = {}): SweepRecord {
  const parsed = parseSweepSpec({
    name: 'chinchilla <!channel> & co',
    variables: { N: { min: 1e7, max: 1e9 }, D: { min: 1e8, max: 1e11 } },
    budget: 1e21,
    targets: [{ N: 7e10, D: 1.4e12 }],
    trainer: { type: 'simulate' },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return {
    id: 'sw-1',
    name: parsed.spec.name,
    spec: parsed.spec,
    state: 'running', // what a read moments later may say: the message keeps the change it reports
    budget: 1e21,
    spent: 4.58e20,
    reserved: 0,
    maxRuns: 0,
    planned: 10,
    runs: { queued: 0, running: 0, done: 10, failed: 1, cancelled: 0, unschedulable: 0 },
    imported: 0,
    version: 11,
    specRevision: 0,
    failStreak: 0,
    warnings: [],
    fit: { law: 'chinchilla', n: 10, params: {}, stderr: {}, sigma: 0.005, rmse: 0.005, modes: [], predictions: [{ config: { N: 7e10, D: 1.4e12 }, loss: 1.94, lower: 1.9, upper: 1.98 }], fittedAt: 0, durationMs: 1 },
    createdAt: 0,
    updatedAt: 0,
    ...over,
  };
}

describe('sweepNotification', () => {
  it('says what ended the sweep, what it spent and where the target stands, in one line', () => {
    const n = sweepNotification('sweep.done', { state: 'done', reason: 'maxRuns (10) reached', cause: 'maxRuns' }, sweep());
    expect(n.text).toBe('lawsweep: sweep sw-1 (chinchilla &lt;!channel&gt; &amp; co) done: maxRuns (10) reached; spent 45.8% of 1.00e21 in 10 runs (1 failed); target N=7.00e10 D=1.40e12: 1.9400 ±2.06%');
    // The JSON keeps the change as made, not the state a later read found, and the name unescaped.
    expect(n.sweep).toMatchObject({ id: 'sw-1', name: 'chinchilla <!channel> & co', state: 'done', stopReason: 'maxRuns (10) reached', stopCause: 'maxRuns', budget: { total: 1e21, spent: 4.58e20 } });
    expect(n.sweep.targets).toEqual([{ config: { N: 7e10, D: 1.4e12 }, loss: 1.94, lower: 1.9, upper: 1.98 }]);
  });

  it("does not repeat the breaker's 'paused:' and escapes a trainer's stderr", () => {
    const reason = 'paused: the last 2 finished runs all failed; most common reason (2 of 2): File "train.py", in <module>';
    const n = sweepNotification('sweep.paused', { state: 'paused', reason }, sweep({ fit: undefined }));
    expect(n.text).toBe('lawsweep: sweep sw-1 (chinchilla &lt;!channel&gt; &amp; co) paused: the last 2 finished runs all failed; most common reason (2 of 2): File "train.py", in &lt;module&gt;; spent 45.8% of 1.00e21 in 10 runs (1 failed)');
    expect(n.sweep.targets[0].loss).toBeNull(); // no fit: no target in the text either
    // A change left in the outbox by a planner older than stop causes has none: the message has none either.
    expect('stopCause' in n.sweep).toBe(false);
  });
});
