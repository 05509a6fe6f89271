import Redis from 'ioredis';
import type { SweepSpec } from '@lawsweep/contracts';
import { scanKeys, useRedisPerFile } from '../../../test/support/redis-server';
import { SweepDeletionStore } from './sweep-deletion-store';
import { SweepReader } from './sweep-reader';
import { SweepStore } from './sweep-store';
import { minimalSpec } from '../../../test/support/minimal-spec';

function spec(budget: number): SweepSpec {
  return minimalSpec('delete-test', { budget });
}

/** Every key under the prefix. */
const keysUnder = (redis: Redis, prefix: string) => scanKeys(redis, `${prefix}*`);

/** Deletes a sweep as the planner does: begin, then the runs in chunks and the record. */
async function deleteSweep(deletions: SweepDeletionStore, id: string, options: Parameters<SweepDeletionStore['deleteRunsAndFinish']>[1] = {}) {
  const begun = await deletions.beginDeleteSweep(id);
  if (begun !== 'ok') return { begun };
  return { begun, ...(await deletions.deleteRunsAndFinish(id, options)) };
}

describe('SweepDeletionStore: deleting a sweep (real Redis)', () => {
  const db = useRedisPerFile();
  let redis: Redis;
  let store: SweepStore;
  let reader: SweepReader;
  let deletions: SweepDeletionStore;
  let prefix: string;

  beforeEach(() => {
    redis = db.redis;
    prefix = db.prefix;
    store = new SweepStore(redis, { prefix });
    reader = new SweepReader(redis, { prefix });
    deletions = new SweepDeletionStore(redis, { prefix });
  });

  /** A sweep with a key of every kind: runs with curves, done and failed ones (streak, failure counts), imports, a fit with history, warnings, an outbox message. */
  async function endedSweepWithEverything(): Promise<string> {
    const id = await store.createSweep(spec(1e6));
    await store.importRuns(id, [{ config: { N: 1e7, D: 1e8 }, loss: 4 }]);
    const reserved = await store.reserveRuns(id, [1, 2, 3].map((k) => ({ config: { N: 1e8 * k, D: 1e9 }, cost: 10 })));
    const runIds = reserved.map((r) => (r.ok ? r.runId : ''));
    await store.appendCurvePoint(runIds[0], { tokens: 1e6, loss: 5 });
    await store.recordResult(id, runIds[0], { status: 'done', loss: 3, curve: [{ tokens: 1e6, loss: 5 }, { tokens: 2e6, loss: 3 }] });
    await store.recordResult(id, runIds[1], { status: 'failed', reason: 'OOM', worker: 'w1' });
    await store.recordResult(id, runIds[2], { status: 'failed', reason: 'OOM', worker: 'w1' });
    await store.saveFit(id, { law: 'chinchilla', n: 2, params: {}, stderr: {}, sigma: 0, rmse: 0, modes: [], predictions: [], fittedAt: 1, durationMs: 1 }, { at: 1, spent: 30, n: 2, targets: [] });
    await store.setWarnings(id, [{ code: 'x', message: 'y' }]);
    expect(await store.transition(id, ['running'], 'done', 'budget spent', Date.now(), undefined, { id: `${id}.done.1`, json: JSON.stringify({ event: 'done', sweepId: id }) })).toBe('ok');
    return id;
  }

  it('removes every key the sweep owns, its outbox messages and the keys named beside it, and nothing of another sweep', async () => {
    const other = await endedSweepWithEverything();
    const otherKeys = await keysUnder(redis, prefix);
    const id = await endedSweepWithEverything();
    const cancelKey = `${prefix}elsewhere:cancel:${id}`;
    await redis.set(cancelKey, '1');
    expect((await keysUnder(redis, prefix)).filter((k) => k.includes(id)).length).toBeGreaterThan(10);

    expect(await deleteSweep(deletions, id, { alsoKeys: [cancelKey] })).toEqual({ begun: 'ok', outcome: 'ok', runs: 4, chunks: 1 });

    const left = await keysUnder(redis, prefix);
    expect(left.filter((k) => k.includes(id))).toEqual([]);
    expect(left).toEqual(otherKeys);
    expect(Object.keys(await redis.hgetall(`${prefix}notify-outbox`))).toEqual([`${other}.done.1`]);
    expect(await store.getSweep(id)).toBeUndefined();
    expect((await store.listSweeps()).map((s) => s.id)).toEqual([other]);
    expect(await deletions.sweepsBeingDeleted()).toEqual([]);
  });

  it('refuses a sweep that is running, paused or has runs in flight, and answers missing for an unknown one', async () => {
    const running = await store.createSweep(spec(100));
    const paused = await store.createSweep(spec(100), { state: 'paused' });
    const inFlight = await store.createSweep(spec(100));
    await store.reserveRun(inFlight, { N: 1e7, D: 1e8 }, 1);
    await store.transition(inFlight, ['running'], 'cancelled');
    expect(await deletions.beginDeleteSweep(running)).toBe('running');
    expect(await deletions.beginDeleteSweep(paused)).toBe('paused');
    expect(await deletions.beginDeleteSweep(inFlight)).toBe('inflight:1');
    expect(await deletions.beginDeleteSweep('sw-nope')).toBe('missing');
    // Not begun: the runs and the record stay.
    expect((await deletions.deleteRunsAndFinish(inFlight)).outcome).toBe('not-deleting');
    expect(await store.getSweep(inFlight)).toBeDefined();
    expect(await reader.listRuns(inFlight)).toHaveLength(1);
    expect((await store.listSweeps()).map((s) => s.id).sort()).toEqual([running, paused, inFlight].sort());
  });

  it('deletes twice without harm, and a deletion stopped midway is found and finished by the next call', async () => {
    const id = await store.createSweep(spec(100), { state: 'paused' });
    await store.importRuns(id, Array.from({ length: 30 }, (_, i) => ({ config: { N: 1e7 + i, D: 1e8 }, loss: 3 })));
    await store.transition(id, ['paused'], 'cancelled');
    expect(await deletions.beginDeleteSweep(id)).toBe('ok');
    let calls = 0;
    const crash = async () => {
      if (++calls === 2) throw new Error('planner killed');
    };
    await expect(deletions.deleteRunsAndFinish(id, { chunk: 10, beforeChunk: crash })).rejects.toThrow('planner killed');
    // Midway: gone to readers, listed as being deleted, 20 runs left.
    expect(await store.getSweep(id)).toBeUndefined();
    expect(await store.listSweeps()).toEqual([]);
    expect(await deletions.sweepsBeingDeleted()).toEqual([id]);
    expect(await deletions.runsLeftToDelete(id)).toBe(20);
    // Writers that read the sweep before the deletion began find it gone: nothing reopens it or adds runs behind the last chunk.
    const record = await redis.hgetall(`${prefix}sweep:${id}`);
    expect(await store.updateSweep(id, JSON.parse(record.spec), Number(record.specRevision), { reopen: true })).toBe('missing');
    expect(await store.transition(id, ['cancelled', 'done'], 'running')).toBe('missing');
    expect(await store.importRuns(id, [{ config: { N: 5e9, D: 1e8 }, loss: 3 }])).toBe(-1);
    expect(await deletions.runsLeftToDelete(id)).toBe(20);
    expect(await deletions.beginDeleteSweep(id)).toBe('ok'); // again: it goes on
    expect(await deletions.deleteRunsAndFinish(id, { chunk: 10 })).toEqual({ outcome: 'ok', runs: 20, chunks: 2 });
    expect(await keysUnder(redis, prefix)).toEqual([]);
    expect(await deletions.beginDeleteSweep(id)).toBe('missing');
    expect((await deletions.deleteRunsAndFinish(id)).outcome).toBe('missing');
    expect(await keysUnder(redis, prefix)).toEqual([]);
  });

  it('a plan pass that outlived its lock writes no fit or warnings to a sweep being deleted or deleted: no key comes back', async () => {
    const fit = { law: 'chinchilla', n: 2, params: {}, stderr: {}, sigma: 0, rmse: 0, modes: [], predictions: [], fittedAt: 1, durationMs: 1 };
    const untried = { cost: 5, count: 2, specRevision: 0 };
    const id = await store.createSweep(spec(100), { state: 'paused' });
    await store.importRuns(id, Array.from({ length: 3 }, (_, i) => ({ config: { N: 1e7 + i, D: 1e8 }, loss: 3 })));
    await store.transition(id, ['paused'], 'cancelled');
    expect(await deletions.beginDeleteSweep(id)).toBe('ok');
    // Midway: the record is still there, marked; the writers leave it as it is.
    const marked = await redis.hgetall(`${prefix}sweep:${id}`);
    await store.setWarnings(id, [{ code: 'late', message: 'from a pass that outlived its lock' }], untried);
    await store.saveFit(id, fit, { at: 5, spent: 1, n: 3, targets: [] });
    expect(await redis.hgetall(`${prefix}sweep:${id}`)).toEqual(marked);
    expect(await redis.exists(`${prefix}sweep:${id}:history`)).toBe(0);
    expect((await deletions.deleteRunsAndFinish(id)).outcome).toBe('ok');
    // After: nothing recreates the hash or the history.
    await store.setWarnings(id, [{ code: 'late', message: 'x' }], untried);
    await store.setWarnings(id, []);
    await store.saveFit(id, fit, { at: 6, spent: 1, n: 3, targets: [] });
    await store.saveFit(id, fit);
    expect(await keysUnder(redis, prefix)).toEqual([]);
    // A sweep that exists still takes both.
    const live = await store.createSweep(spec(100));
    await store.setWarnings(live, [{ code: 'w', message: 'm' }], untried);
    await store.saveFit(live, fit, { at: 7, spent: 1, n: 3, targets: [] });
    expect(await store.getSweep(live)).toMatchObject({ warnings: [{ code: 'w', message: 'm' }], fit: { n: 2 } });
    expect(await reader.history(live)).toHaveLength(1);
  });

  it('deletes a 5,000-run sweep in chunks of the size asked, never more runs in one script call', async () => {
    const id = await store.createSweep(spec(1e9), { state: 'paused' });
    await store.importRuns(id, Array.from({ length: 4_990 }, (_, i) => ({ config: { N: 1e7 + i, D: 1e8 }, loss: 3 })));
    await store.transition(id, ['paused'], 'running');
    const reserved = await store.reserveRuns(id, Array.from({ length: 10 }, (_, i) => ({ config: { N: 2e9 + i, D: 1e9 }, cost: 1 })));
    for (const r of reserved) if (r.ok) await store.recordResult(id, r.runId, { status: 'done', loss: 2, curve: Array.from({ length: 2_000 }, (_, k) => ({ tokens: k, loss: 3 })) });
    await store.transition(id, ['running'], 'done');
    const sizes: number[] = [];
    const out = await deleteSweep(deletions, id, { chunk: 1_000, beforeChunk: async (ids) => void sizes.push(ids.length) });
    expect(out).toEqual({ begun: 'ok', outcome: 'ok', runs: 5_000, chunks: 5 });
    expect(sizes).toEqual([1_000, 1_000, 1_000, 1_000, 1_000]);
    expect(await keysUnder(redis, prefix)).toEqual([]);
  });
});
