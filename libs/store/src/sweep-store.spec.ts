import Redis from 'ioredis';
import type { SweepSpec } from '@lawsweep/contracts';
import { useRedisPerFile } from '../../../test/support/redis-server';
import { SweepReader } from './sweep-reader';
import { SweepStore } from './sweep-store';
import { minimalSpec } from '../../../test/support/minimal-spec';

function spec(budget: number, extra: Record<string, unknown> = {}): SweepSpec {
  return minimalSpec('store-test', { budget, ...extra });
}

describe('SweepStore (real Redis)', () => {
  const db = useRedisPerFile();
  let redis: Redis;
  let store: SweepStore;
  let reader: SweepReader;

  beforeEach(() => {
    redis = db.redis;
    const { prefix } = db;
    store = new SweepStore(redis, { prefix });
    reader = new SweepReader(redis, { prefix });
  });

  it('creates a sweep and reads it back with zeroed counters', async () => {
    const id = await store.createSweep(spec(100));
    const s = await store.getSweep(id);
    expect(s).toMatchObject({ id, name: 'store-test', state: 'running', budget: 100, spent: 0, reserved: 0 });
    expect(s?.runs).toEqual({ queued: 0, running: 0, done: 0, failed: 0, cancelled: 0, unschedulable: 0 });
    expect((await store.listSweeps()).map((x) => x.id)).toEqual([id]);
    expect(await store.getSweep('nope')).toBeUndefined();
  });

  it("keeps a plan pass's warnings and, when given, the untried candidates' cost with the spec revision", async () => {
    const id = await store.createSweep(spec(100));
    expect((await store.getSweep(id))?.untried).toBeUndefined();
    const warnings = [{ code: 'no-live-workers', message: 'none' }];
    await store.setWarnings(id, warnings, { cost: 42.5, count: 7, specRevision: 3 });
    expect(await store.getSweep(id)).toMatchObject({ warnings, untried: { cost: 42.5, count: 7, specRevision: 3 } });
    await store.setWarnings(id, []); // a pass that did not count them leaves the last count
    expect(await store.getSweep(id)).toMatchObject({ warnings: [], untried: { cost: 42.5, count: 7, specRevision: 3 } });
    await store.setWarnings(id, [], { cost: 0, count: 0, specRevision: 4 }); // nothing left to buy is a count too
    expect((await store.getSweep(id))?.untried).toEqual({ cost: 0, count: 0, specRevision: 4 });
  });

  it("reads the spend history's window (its oldest point inside, how many) by binary search, and keeps the history in time order", async () => {
    const id = await store.createSweep(spec(100));
    expect(await reader.spendWindow(id, 0)).toBeUndefined(); // no history yet
    const fit = { law: 'chinchilla', n: 5, params: {}, stderr: {}, sigma: 0.01, rmse: 0.01, modes: [], predictions: [], fittedAt: 0, durationMs: 1 };
    // Uneven gaps, two points at one instant, and one stamped by a replica whose clock is behind (7,000 after 9,000).
    const times = [1_000, 1_500, 4_000, 4_000, 9_000, 7_000, 20_000, 20_500, 31_000];
    for (const [i, at] of times.entries()) await store.saveFit(id, { ...fit, fittedAt: at }, { at, spent: 3 * i + 1, n: i + 5, targets: [] });
    const history = await reader.history(id);
    expect(history.map((p) => p.at)).toEqual([1_000, 1_500, 4_000, 4_000, 9_000, 9_000, 20_000, 20_500, 31_000]);
    expect(history[5]).toEqual({ at: 9_000, spent: 16, n: 10, targets: [] }); // the late point as it was sent, but for its time
    for (const since of [0, 1_000, 1_001, 4_000, 8_999, 9_001, 20_500, 31_000, 31_001]) {
      const inside = history.filter((p) => p.at >= since);
      const expected = inside.length ? { oldest: { at: inside[0].at, spent: inside[0].spent, n: inside[0].n }, count: inside.length } : undefined;
      expect(await reader.spendWindow(id, since)).toEqual(expected);
    }
    expect(await reader.spendWindow(id, 4_000)).toEqual({ oldest: { at: 4_000, spent: 7, n: 7 }, count: 7 });
    await store.saveFit(id, fit, { at: 40_000, spent: 99.5, n: 20, targets: [{ loss: 1.9876543210987, lower: 1.9, upper: 2.1 }] });
    expect((await reader.history(id)).at(-1)).toEqual({ at: 40_000, spent: 99.5, n: 20, targets: [{ loss: 1.9876543210987, lower: 1.9, upper: 2.1 }] });
    expect((await store.getSweep(id))?.fit).toMatchObject({ law: 'chinchilla', n: 5 });
    // A last entry that is no point (hand-edited) does not stop later saves; a time that is no number is refused before anything is written.
    const key = `${store.prefix}sweep:${id}:history`;
    expect(await redis.llen(key)).toBe(10); // the layout this test writes behind the store's back
    await redis.rpush(key, '5');
    await store.saveFit(id, fit, { at: 41_000, spent: 100, n: 21, targets: [] });
    expect((await reader.history(id)).at(-1)).toEqual({ at: 41_000, spent: 100, n: 21, targets: [] });
    await expect(store.saveFit(id, { ...fit, n: 99 }, { at: NaN, spent: 1, n: 1, targets: [] })).rejects.toThrow(/finite/);
    expect((await store.getSweep(id))?.fit).toMatchObject({ n: 5 });
  });

  it('reserves within the budget, refuses beyond it, and refuses a config it already has', async () => {
    const id = await store.createSweep(spec(100));
    const a = await store.reserveRun(id, { N: 1, D: 1 }, 60);
    expect(a.ok).toBe(true);
    expect(await store.reserveRun(id, { N: 2, D: 1 }, 41)).toMatchObject({ ok: false, reason: 'budget' });
    expect(await store.reserveRun(id, { D: 1, N: 1.0000000000001 }, 10)).toMatchObject({ ok: false, reason: 'duplicate' });
    const b = await store.reserveRun(id, { N: 2, D: 1 }, 40);
    expect(b.ok).toBe(true);
    expect(await store.getSweep(id)).toMatchObject({ reserved: 100, spent: 0, runs: { queued: 2 } });
  });

  it('reserves a list of runs in one call exactly as one by one: budget, repeats and maxRuns counted in order', async () => {
    const id = await store.createSweep(spec(100, { stop: { maxRuns: 4 } }));
    const outcomes = await store.reserveRuns(id, [
      { config: { N: 1, D: 1 }, cost: 60, gain: 0.5 },
      { config: { N: 2, D: 1 }, cost: 41 }, // 60 + 41 > 100
      { config: { N: 1, D: 1 }, cost: 1 }, // the first run's config
      { config: { N: 3, D: 1 }, cost: 30 },
      { config: { N: 4, D: 1 }, cost: 5 },
      { config: { N: 5, D: 1 }, cost: 4 }, // the 4th run planned: budget 99 of 100 reserved
      { config: { N: 6, D: 1 }, cost: 1 }, // fits the budget, but a 5th run: maxRuns
    ]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.reason))).toEqual(['ok', 'budget', 'duplicate', 'ok', 'ok', 'ok', 'maxRuns']);
    expect(outcomes[1]).toMatchObject({ detail: '40' });
    expect(outcomes[2]).toMatchObject({ detail: (outcomes[0] as { runId: string }).runId });
    const s = await store.getSweep(id);
    expect(s).toMatchObject({ reserved: 99, planned: 4, runs: { queued: 4 } });
    expect(await reader.getRun((outcomes[0] as { runId: string }).runId)).toMatchObject({ state: 'queued', cost: 60, gain: 0.5, config: { N: 1, D: 1 } });
    expect(await store.reserveRuns('sw-none', [{ config: { N: 1, D: 1 }, cost: 1 }])).toEqual([{ ok: false, reason: 'missing', detail: undefined }]);
    expect(await store.reserveRuns(id, [])).toEqual([]);
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

  it('a failed run spends its partial fraction and releases the rest', async () => {
    const id = await store.createSweep(spec(100));
    const a = await store.reserveRun(id, { N: 1, D: 1 }, 40);
    const b = await store.reserveRun(id, { N: 2, D: 1 }, 40);
    if (!a.ok || !b.ok) throw new Error('reserve failed');
    await store.recordResult(id, a.runId, { status: 'failed', reason: 'OOM', partialCostFraction: 0.25 });
    expect(await store.getSweep(id)).toMatchObject({ spent: 10, reserved: 40, runs: { failed: 1, queued: 1 } });
    await store.recordResult(id, b.runId, { status: 'cancelled', reason: 'cancelled' });
    expect(await store.getSweep(id)).toMatchObject({ spent: 10, reserved: 0, runs: { cancelled: 1, queued: 0 } });
    expect(await store.activeRuns(id)).toEqual([]);
  });

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

  it('refuses reservations unless running, and honours maxRuns', async () => {
    const id = await store.createSweep(spec(100, { stop: { maxRuns: 1 } }));
    expect((await store.reserveRun(id, { N: 1, D: 1 }, 1)).ok).toBe(true);
    expect(await store.reserveRun(id, { N: 2, D: 1 }, 1)).toMatchObject({ ok: false, reason: 'maxRuns' });
    expect(await store.transition(id, ['running'], 'cancelled', 'user')).toBe('ok');
    expect(await store.transition(id, ['running'], 'paused')).toBe('cancelled');
    expect(await store.getSweep(id)).toMatchObject({ state: 'cancelled', stopReason: 'user' });
    expect(await store.reserveRun(id, { N: 3, D: 1 }, 1)).toMatchObject({ ok: false, reason: 'state', detail: 'cancelled' });
  });

  it('stores the stop cause with the reason in one step, and clears it with the reason', async () => {
    const id = await store.createSweep(spec(100, { stop: { maxRuns: 5 } }));
    const key = `${store.prefix}sweep:${id}`;
    expect(await store.transition(id, ['running'], 'paused', { text: 'paused: 5 runs failed in a row', cause: 'breaker' })).toBe('ok');
    expect(await store.getSweep(id)).toMatchObject({ state: 'paused', stopReason: 'paused: 5 runs failed in a row', stopCause: 'breaker' });
    // Resumed (no reason): both go.
    expect(await store.transition(id, ['paused'], 'running')).toBe('ok');
    let s = await store.getSweep(id);
    expect([s?.stopReason, s?.stopCause, await redis.hget(key, 'stopCause')]).toEqual([undefined, undefined, null]);
    // A new reason without a cause clears the old cause: a cause never outlives its reason.
    expect(await store.transition(id, ['running'], 'paused', { text: 'x', cause: 'breaker' })).toBe('ok');
    expect(await store.transition(id, ['paused'], 'running', 'resumed for a reason')).toBe('ok');
    s = await store.getSweep(id);
    expect([s?.stopReason, s?.stopCause]).toEqual(['resumed for a reason', undefined]);
    // A reworded reason keeps its cause; a refused move writes neither.
    expect(await store.transition(id, ['running'], 'done', { text: 'five runs, as asked', cause: 'maxRuns' })).toBe('ok');
    expect(await store.transition(id, ['running'], 'cancelled', { text: 'no', cause: 'user' })).toBe('done');
    expect(await store.getSweep(id)).toMatchObject({ state: 'done', stopReason: 'five runs, as asked', stopCause: 'maxRuns' });
    // A reopening update clears both.
    expect(await store.updateSweep(id, spec(100, { stop: { maxRuns: 9 } }), 0)).toBe('reopened');
    s = await store.getSweep(id);
    expect([s?.state, s?.stopReason, s?.stopCause, await redis.hget(key, 'stopCause')]).toEqual(['running', undefined, undefined, null]);

    // A sweep stored before causes existed has a reason only; one with a cause this version does not
    // know, or a cause left without its reason (an older replica's reopen), reads as none.
    await redis.hset(key, 'state', 'done', 'stopReason', 'maxRuns (9) reached');
    expect((await store.getSweep(id))?.stopCause).toBeUndefined();
    await redis.hset(key, 'stopCause', 'someNewCause');
    expect((await store.getSweep(id))?.stopCause).toBeUndefined();
    await redis.hset(key, 'stopCause', 'maxRuns');
    await redis.hdel(key, 'stopReason');
    expect((await store.getSweep(id))?.stopCause).toBeUndefined();
    // A cause beside a reason an older planner wrote over its own (it knows no causes): none either.
    expect(await store.transition(id, ['done'], 'paused', { text: 'paused: 5 runs failed in a row', cause: 'breaker' })).toBe('ok');
    expect((await store.getSweep(id))?.stopCause).toBe('breaker');
    await redis.hset(key, 'state', 'done', 'stopReason', 'budget exhausted: no candidate run fits in what is left');
    expect(await store.getSweep(id)).toMatchObject({ state: 'done', stopReason: 'budget exhausted: no candidate run fits in what is left', stopCause: undefined });
  });

  it('updates a spec only above what is spent and planned, on the revision it was read at, and reopens a done sweep', async () => {
    const id = await store.createSweep(spec(100, { stop: { maxRuns: 5 } }));
    const a = await store.reserveRun(id, { N: 1, D: 1 }, 30);
    const b = await store.reserveRun(id, { N: 2, D: 1 }, 20);
    if (!a.ok || !b.ok) throw new Error('reserve');
    await store.recordResult(id, a.runId, { status: 'done', loss: 3, worker: 'w' });
    // 30 spent + 20 reserved: a budget of 49.9 would let the reservation overspend.
    expect(await store.updateSweep(id, spec(49.9, { stop: { maxRuns: 5 } }), 0)).toBe('budget:50');
    expect(await store.updateSweep(id, spec(200, { stop: { maxRuns: 1 } }), 0)).toBe('maxRuns:2');
    expect(await store.updateSweep(id, spec(60, { stop: { maxRuns: 2 }, parallelism: 9 }), 0)).toBe('ok');
    let s = await store.getSweep(id);
    expect(s).toMatchObject({ budget: 60, maxRuns: 2, specRevision: 1, state: 'running', spec: { budget: 60, parallelism: 9 } });
    // Merged into revision 0's spec after revision 1 landed: refused, so nothing is lost.
    expect(await store.updateSweep(id, spec(300), 0)).toBe('revision');
    expect((await store.getSweep(id))?.budget).toBe(60);
    // Room in the budget, but the new maxRuns (2) is used up.
    expect(await store.reserveRun(id, { N: 3, D: 1 }, 1)).toMatchObject({ ok: false, reason: 'maxRuns' });

    await store.recordResult(id, b.runId, { status: 'failed', reason: 'oom' });
    expect(await store.transition(id, ['running'], 'done', 'budget spent')).toBe('ok');
    expect(await store.updateSweep(id, spec(400), 1)).toBe('reopened');
    s = await store.getSweep(id);
    expect(s).toMatchObject({ state: 'running', budget: 400, maxRuns: 0, specRevision: 2, failStreak: 0 });
    expect(s?.stopReason).toBeUndefined();
    expect(await store.failureStreakReasons(id)).toEqual([]);
    expect(await store.reserveRun(id, { N: 3, D: 1 }, 300)).toMatchObject({ ok: true });

    // A planner that decided to end the sweep under revision 2 cannot, once revision 3 landed.
    expect(await store.updateSweep(id, spec(450), 2)).toBe('ok');
    expect(await store.transition(id, ['running'], 'done', 'budget spent', Date.now(), 2)).toBe('revision');
    expect((await store.getSweep(id))?.state).toBe('running');
    expect(await store.transition(id, ['running'], 'done', 'budget spent', Date.now(), 3)).toBe('ok');
    // Done, and a change that relaxes nothing: the spec is written, the sweep stays done.
    expect(await store.updateSweep(id, spec(450, { parallelism: 9 }), 3, { reopen: false })).toBe('ok');
    expect(await store.getSweep(id)).toMatchObject({ state: 'done', stopReason: 'budget spent', specRevision: 4, spec: { parallelism: 9 } });

    expect(await store.transition(id, ['done'], 'cancelled', 'by the user')).toBe('ok');
    expect(await store.updateSweep(id, spec(500), 4)).toBe('cancelled');
    expect(await store.updateSweep('nope', spec(500), 0)).toBe('missing');
  });

  it('many concurrent reservations from several clients never exceed the budget', async () => {
    const id = await store.createSweep(spec(1000));
    const clients = Array.from({ length: 4 }, () => new SweepStore(new Redis(db.server.url), { prefix: store.prefix }));
    try {
      // 400 attempts of cost 7 against a budget of 1000: exactly floor(1000 / 7) = 142 fit.
      const outcomes = await Promise.all(
        Array.from({ length: 400 }, (_, i) => clients[i % clients.length].reserveRun(id, { N: i + 1, D: 1 }, 7)),
      );
      expect(outcomes.filter((o) => o.ok)).toHaveLength(142);
      const s = await store.getSweep(id);
      expect(s?.reserved).toBe(994);
      expect(s!.reserved + s!.spent).toBeLessThanOrEqual(s!.budget);
      expect(new Set(outcomes.filter((o) => o.ok).map((o) => (o as { runId: string }).runId)).size).toBe(142);
    } finally {
      await Promise.all(clients.map((c) => c.redis.quit()));
    }
  });
});
