import type Redis from 'ioredis';
import type { SweepSpec } from '@lawsweep/contracts';
import { useRedisPerFile } from '../../../test/support/redis-server';
import { SweepReader } from './sweep-reader';
import { SweepStore } from './sweep-store';
import { minimalSpec } from '../../../test/support/minimal-spec';

function spec(budget: number, extra: Record<string, unknown> = {}): SweepSpec {
  return minimalSpec('store-test', { budget, ...extra });
}

/** A sweep's record: created and read back, its plan pass's warnings, its fit and spend history, its state moves with their stop cause, its spec updates. */
describe("SweepStore: a sweep's record (real Redis)", () => {
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
});
