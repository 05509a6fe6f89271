import Redis from 'ioredis';
import type { SweepSpec } from '@lawsweep/contracts';
import { useRedisPerFile } from '../../../test/support/redis-server';
import { SweepReader } from './sweep-reader';
import { SweepStore } from './sweep-store';
import { minimalSpec } from '../../../test/support/minimal-spec';

function spec(budget: number, extra: Record<string, unknown> = {}): SweepSpec {
  return minimalSpec('store-test', { budget, ...extra });
}

/** Reserving runs against a sweep's budget and maxRuns, one at a time, in a list and from several clients at once, and what a failed or cancelled run gives back. */
describe('SweepStore: reservations and the budget (real Redis)', () => {
  const db = useRedisPerFile();
  let store: SweepStore;
  let reader: SweepReader;

  beforeEach(() => {
    const { prefix } = db;
    store = new SweepStore(db.redis, { prefix });
    reader = new SweepReader(db.redis, { prefix });
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

  it('refuses reservations unless running, and honours maxRuns', async () => {
    const id = await store.createSweep(spec(100, { stop: { maxRuns: 1 } }));
    expect((await store.reserveRun(id, { N: 1, D: 1 }, 1)).ok).toBe(true);
    expect(await store.reserveRun(id, { N: 2, D: 1 }, 1)).toMatchObject({ ok: false, reason: 'maxRuns' });
    expect(await store.transition(id, ['running'], 'cancelled', 'user')).toBe('ok');
    expect(await store.transition(id, ['running'], 'paused')).toBe('cancelled');
    expect(await store.getSweep(id)).toMatchObject({ state: 'cancelled', stopReason: 'user' });
    expect(await store.reserveRun(id, { N: 3, D: 1 }, 1)).toMatchObject({ ok: false, reason: 'state', detail: 'cancelled' });
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
