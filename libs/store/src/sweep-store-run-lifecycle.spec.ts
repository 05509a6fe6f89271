import type { SweepSpec } from '@lawsweep/contracts';
import { useRedisPerFile } from '../../../test/support/redis-server';
import { SweepReader } from './sweep-reader';
import { SweepStore } from './sweep-store';
import { minimalSpec } from '../../../test/support/minimal-spec';

function spec(budget: number, extra: Record<string, unknown> = {}): SweepSpec {
  return minimalSpec('store-test', { budget, ...extra });
}

/** A run's life after its reservation: started, enqueued again, its curve and its result (exactly once), failures and their streak, and imported runs. */
describe("SweepStore: a run's life (real Redis)", () => {
  const db = useRedisPerFile();
  let store: SweepStore;
  let reader: SweepReader;

  beforeEach(() => {
    const { prefix } = db;
    store = new SweepStore(db.redis, { prefix });
    reader = new SweepReader(db.redis, { prefix });
  });

  it('records a result exactly once and moves cost from reserved to spent', async () => {
    const id = await store.createSweep(spec(100));
    const r = await store.reserveRun(id, { N: 1, D: 1 }, 30);
    if (!r.ok) throw new Error('reserve failed');
    expect(await store.markRunning(id, r.runId)).toBe(true);
    expect(await store.markRunning(id, r.runId)).toBe(false); // already running
    expect(await store.appendCurvePoint(r.runId, { tokens: 10, loss: 4 })).toBe(true);
    expect(await store.getSweep(id)).toMatchObject({ runs: { queued: 0, running: 1 } });
    const result = { status: 'done' as const, loss: 3.5, worker: 'w1', attempts: 1, curve: [{ tokens: 10, loss: 4 }, { tokens: 20, loss: 3.5 }] };
    expect(await store.recordResult(id, r.runId, result)).toBe('recorded');
    expect(await store.recordResult(id, r.runId, { ...result, loss: 9 })).toBe('duplicate');
    expect(await store.appendCurvePoint(r.runId, { tokens: 30, loss: 3 })).toBe(false);
    const s = await store.getSweep(id);
    expect(s).toMatchObject({ spent: 30, reserved: 0, version: 1, runs: { running: 0, done: 1 } });
    expect(await store.sweepVersion(id)).toBe(1);
    expect(await store.sweepVersion('sw-none')).toBeUndefined();
    expect(await reader.observations(id)).toEqual([{ runId: r.runId, config: { N: 1, D: 1 }, loss: 3.5 }]);
    const run = await reader.getRun(r.runId, true);
    expect(run).toMatchObject({ state: 'done', loss: 3.5, worker: 'w1', attempts: 1, spent: 30 });
    expect(run?.curve).toHaveLength(2);
    expect(await store.recordResult(id, 'no-such-run', result)).toBe('missing');
  });

  it('marks many runs running in one call, only those still queued, and reads observations from an offset', async () => {
    const id = await store.createSweep(spec(100));
    const ids: string[] = [];
    for (let n = 1; n <= 3; n++) {
      const r = await store.reserveRun(id, { N: n, D: 1 }, 10);
      if (!r.ok) throw new Error('reserve failed');
      ids.push(r.runId);
    }
    expect((await reader.knownConfigStamp(id)).count).toBe(3);
    await store.recordResult(id, ids[2], { status: 'done', loss: 3 });
    expect(await store.markRunning(id, ids[0])).toBe(true);
    // ids[0] already running, ids[2] done: only ids[1] moves, and the counters move by one.
    expect(await store.markRunningMany(id, ids)).toBe(1);
    expect(await store.markRunningMany(id, [])).toBe(0);
    expect(await store.getSweep(id)).toMatchObject({ runs: { queued: 0, running: 2, done: 1 } });
    expect((await reader.getRun(ids[1]))?.state).toBe('running');
    expect((await reader.getRun(ids[2]))?.state).toBe('done');
    await store.recordResult(id, ids[0], { status: 'done', loss: 4 });
    expect(await reader.observationsFrom(id, 0)).toEqual(await reader.observations(id));
    expect(await reader.observationsFrom(id, 1)).toEqual([{ runId: ids[0], config: { N: 1, D: 1 }, loss: 4 }]);
    expect(await reader.observationsFrom(id, 2)).toEqual([]);
  });

  it('claims re-enqueues of a queued run only while no worker started it, its sweep runs or is paused, and up to the most asked', async () => {
    const id = await store.createSweep(spec(100));
    const ids: string[] = [];
    for (let n = 1; n <= 2; n++) {
      const r = await store.reserveRun(id, { N: n, D: 1 }, 10);
      if (!r.ok) throw new Error('reserve failed');
      ids.push(r.runId);
    }
    expect([await store.claimRequeue(id, ids[0], 2), await store.claimRequeue(id, ids[0], 2), await store.claimRequeue(id, ids[0], 2)]).toEqual([1, 2, 0]);
    expect(await store.markRunning(id, ids[1])).toBe(true);
    expect(await store.claimRequeue(id, ids[1], 2)).toBe(0); // a worker took it: it may be training still
    expect(await store.claimRequeue(id, 'nope', 2)).toBe(0);
    const other = await store.reserveRun(id, { N: 3, D: 1 }, 10);
    if (!other.ok) throw new Error('reserve failed');
    expect(await store.transition(id, ['running'], 'paused', 'by hand')).toBe('ok');
    expect(await store.claimRequeue(id, other.runId, 2)).toBe(1); // runs in flight go on while paused
    expect(await store.transition(id, ['paused'], 'cancelled', 'by hand')).toBe('ok');
    expect(await store.claimRequeue(id, other.runId, 2)).toBe(0);
  });

  it('imports 60,000 runs in one call (chunked: 180,000 script arguments would overflow the stack), skipping known configs', async () => {
    const id = await store.createSweep(spec(100));
    const runs = Array.from({ length: 60_000 }, (_, i) => ({ config: { N: 1 + i, D: 1 }, loss: 3 }));
    expect(await store.importRuns(id, runs)).toBe(60_000);
    expect(await reader.observationCount(id)).toBe(60_000);
    expect(await store.importRuns(id, runs.slice(0, 7_000))).toBe(0);
    expect(await store.getSweep(id)).toMatchObject({ runs: { done: 60_000 } });
    expect(await store.importRuns('no-such-sweep', runs.slice(0, 6_000))).toBe(-1);
  }, 30_000);

  it('counts failed runs by reason, and the failures in a row since the last done run or (re)start', async () => {
    const id = await store.createSweep(spec(1000));
    const reserve = async (n: number) => {
      const r = await store.reserveRun(id, { N: n, D: 1 }, 1);
      if (!r.ok) throw new Error('reserve failed');
      return r.runId;
    };
    const fail = async (reason: string, worker: string | null = 'w1') => store.recordResult(id, await reserve(Math.random() + 10), { status: 'failed', reason, worker: worker ?? undefined });
    const streak = async () => ({ inARow: (await store.getSweep(id))?.failStreak, reasons: await store.failureStreakReasons(id) });

    await fail('trainer exited with code 1; stderr tail:\nTraceback (most recent call last):\n  File "train.py"\nRuntimeError: boom');
    await fail('trainer exited with code 1; stderr tail:\nTraceback (most recent call last):\n  File "other.py"\nRuntimeError: boom');
    await fail('no final loss');
    expect(await streak()).toEqual({ inARow: 3, reasons: ['trainer exited with code 1; stderr tail: RuntimeError: boom', 'trainer exited with code 1; stderr tail: RuntimeError: boom', 'no final loss'] });
    // Who reported each, same order (the breaker names a worker that reported them all).
    expect(await store.failureStreakWorkers(id)).toEqual(['w1', 'w1', 'w1']);
    // The planner's own failures (no worker) are counted by reason, not in the streak.
    await fail('its job vanished from the queue without a result', null);
    expect((await streak()).inARow).toBe(3);
    // A cancelled run neither extends nor ends it; a duplicate result changes nothing.
    const cancelled = await reserve(20);
    await store.recordResult(id, cancelled, { status: 'cancelled', reason: 'cancelled', worker: 'w1' });
    expect(await store.recordResult(id, cancelled, { status: 'failed', reason: 'late', worker: 'w1' })).toBe('duplicate');
    expect((await streak()).inARow).toBe(3);
    expect(await reader.failureReasons(id)).toEqual([
      { reason: 'trainer exited with code 1; stderr tail: RuntimeError: boom', count: 2 },
      { reason: 'its job vanished from the queue without a result', count: 1 },
      { reason: 'no final loss', count: 1 },
    ]);
    expect(await reader.failureReasons(id, 1)).toHaveLength(1);

    // A done run ends the streak; the counts by reason stay.
    await store.recordResult(id, await reserve(30), { status: 'done', loss: 3, worker: 'w1' });
    expect(await streak()).toEqual({ inARow: 0, reasons: [] });
    await fail('no final loss');
    await fail('no final loss');
    expect((await streak()).inARow).toBe(2);
    // Pausing keeps it; resuming (a transition to running) starts a fresh one.
    expect(await store.transition(id, ['running'], 'paused', 'paused by the breaker')).toBe('ok');
    expect((await streak()).inARow).toBe(2);
    expect(await store.transition(id, ['paused'], 'running')).toBe('ok');
    expect(await streak()).toEqual({ inARow: 0, reasons: [] });
    expect((await reader.failureReasons(id))[0]).toEqual({ reason: 'no final loss', count: 3 });
  });

  it("gives back a paused sweep's failure streak: its configs may be bought again and stop counting against maxRuns", async () => {
    const id = await store.createSweep(spec(1000, { stop: { maxRuns: 4 } }));
    const reserve = async (n: number) => {
      const r = await store.reserveRun(id, { N: n, D: 1 }, 10);
      if (!r.ok) throw new Error(`reserve failed: ${r.reason}`);
      return r.runId;
    };
    const early = await reserve(1);
    await store.recordResult(id, early, { status: 'failed', reason: 'before the done run', worker: 'w1' });
    await store.recordResult(id, await reserve(2), { status: 'done', loss: 3, worker: 'w1' });
    const streak = [await reserve(3), await reserve(4)];
    for (const runId of streak) await store.recordResult(id, runId, { status: 'failed', reason: 'boom', worker: 'w1', partialCostFraction: 0.5 });
    expect(await store.reserveRun(id, { N: 5, D: 1 }, 10)).toMatchObject({ ok: false, reason: 'maxRuns' });
    // Only while paused.
    expect(await store.releaseFailureStreak(id)).toBe(0);
    expect(await store.transition(id, ['running'], 'paused', 'paused by the breaker')).toBe('ok');
    expect(await store.releaseFailureStreak(id)).toBe(2);
    expect(await store.releaseFailureStreak(id)).toBe(0); // once
    expect(await store.getSweep(id)).toMatchObject({ planned: 2, spent: 20, runs: { failed: 3, done: 1 } }); // what they spent stays spent
    expect((await reader.getRuns(streak)).map((r) => [r.state, r.released])).toEqual([['failed', true], ['failed', true]]);
    expect((await reader.getRuns([early]))[0].released).toBeUndefined(); // not of the streak: a done run came after it
    expect(await reader.knownConfigKeys(id)).toEqual(new Set(['D=1,N=1', 'D=1,N=2']));
    // Counted, so a planner's cache of the configs knows the set shrank even if an import restores its size.
    expect(await reader.knownConfigStamp(id)).toEqual({ count: 2, released: 1 });
    expect(await store.transition(id, ['paused'], 'running')).toBe('ok');
    // The streak's configs may be bought again, up to maxRuns; the early failure's may not.
    expect((await store.reserveRun(id, { N: 3, D: 1 }, 10)).ok).toBe(true);
    expect((await store.reserveRun(id, { N: 4, D: 1 }, 10)).ok).toBe(true);
    expect(await store.reserveRun(id, { N: 1, D: 1 }, 10)).toMatchObject({ ok: false, reason: 'duplicate' });
    expect(await store.reserveRun(id, { N: 5, D: 1 }, 10)).toMatchObject({ ok: false, reason: 'maxRuns' });
  });

  it('imports runs as free observations and never buys those configs again', async () => {
    const id = await store.createSweep(spec(100), { state: 'paused' });
    expect(await store.importRuns(id, [{ config: { N: 1, D: 2 }, loss: 3 }, { config: { N: 1, D: 2 }, loss: 3.1 }, { config: { N: 5, D: 2 }, loss: 2.5 }])).toBe(2);
    expect(await store.transition(id, ['paused'], 'running')).toBe('ok');
    expect(await store.reserveRun(id, { N: 1, D: 2 }, 1)).toMatchObject({ ok: false, reason: 'duplicate' });
    const s = await store.getSweep(id);
    expect(s).toMatchObject({ spent: 0, imported: 2, runs: { done: 2 } });
    expect((await reader.observations(id)).map((o) => o.loss)).toEqual([3, 2.5]);
    expect(await reader.knownConfigKeys(id)).toEqual(new Set(['D=2,N=1', 'D=2,N=5']));
  });
});
