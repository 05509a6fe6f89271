import { parseSweepSpec, type SweepSpec } from '@lawsweep/contracts';
import { failingRunsWarning, mostCommonReason, pauseAfterFailures, shouldPauseForFailures } from './failure-breaker';

const spec = (stop: Record<string, unknown> = {}): SweepSpec => {
  const r = parseSweepSpec({ name: 'b', variables: { N: { min: 1, max: 2 } }, budget: 1, targets: [{ N: 3 }], trainer: { type: 'simulate' }, stop });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
};

describe('failure circuit breaker', () => {
  it('pauses after 5 failures in a row by default, after the spec’s count when set, never with 0', () => {
    expect(pauseAfterFailures(spec())).toBe(5);
    expect(pauseAfterFailures(spec({ pauseAfterFailures: 2 }))).toBe(2);
    expect([4, 5, 6].map((n) => shouldPauseForFailures(n, 5))).toEqual([false, true, true]);
    expect(shouldPauseForFailures(1, 1)).toBe(true);
    expect(shouldPauseForFailures(1000, 0)).toBe(false);
  });

  it('names the most common reason, the most recent among equals', () => {
    expect(mostCommonReason(['a', 'b', 'b', 'c'])).toEqual({ reason: 'b', count: 2 });
    expect(mostCommonReason(['a', 'b'])).toEqual({ reason: 'b', count: 1 });
    expect(mostCommonReason([])).toBeUndefined();
  });

  it('the warning says how many failed, the most common reason with its count, and how to go on', () => {
    const w = failingRunsWarning('sw-1', 6, ['no final loss', 'exit 1: boom', 'exit 1: boom', 'exit 1: boom', 'no final loss', 'exit 1: boom']);
    expect(w.code).toBe('failing-runs');
    expect(w.message).toMatch(/^paused: the last 6 finished runs all failed, none succeeded in between; most common reason \(4 of 6\): exit 1: boom\. /);
    expect(w.message).toContain('lawsweep sweep resume sw-1');
    expect(w.message).toContain('stop.pauseAfterFailures');
    expect(w.message).toContain('Fix the trainer, then resume');
    expect(w.message).not.toMatch(/worker/);
  });

  it('names the worker when every failure of the streak came from it (a sick node), and says so when they came from several', () => {
    const one = failingRunsWarning('sw-1', 3, ['exit 1: No space left on device', 'exit 1: No space left on device', 'exit 1: boom'], ['gpu-7', 'gpu-7', 'gpu-7']);
    expect(one.message).toMatch(/ All 3 failed on worker gpu-7: check that node \(disk, GPUs, environment/);
    expect(one.message).toContain('Fix the worker or the trainer, then resume');
    const many = failingRunsWarning('sw-1', 3, ['a', 'a', 'a'], ['gpu-7', 'gpu-8', 'gpu-7']);
    expect(many.message).toContain(' They failed on 2 workers, so the trainer (or what every node shares) is the likelier cause.');
    expect(many.message).toContain('Fix the trainer, then resume');
    // One failure says nothing about a node; an unknown reporter leaves it unsaid.
    expect(failingRunsWarning('sw-1', 1, ['a'], ['gpu-7']).message).not.toMatch(/worker gpu-7|workers/);
    expect(failingRunsWarning('sw-1', 2, ['a', 'a'], ['gpu-7', '']).message).not.toMatch(/worker gpu-7/);
  });
});
