import Redis from 'ioredis';
import type { SweepSpec } from '@lawsweep/contracts';
import { useRedisPerFile } from '../../../test/support/redis-server';
import { SweepReader } from './sweep-reader';
import { SweepStore } from './sweep-store';
import { minimalSpec } from '../../../test/support/minimal-spec';

function spec(): SweepSpec {
  return minimalSpec('store-paging');
}

describe('SweepReader: pages of runs and the history tail (real Redis)', () => {
  const db = useRedisPerFile();
  let redis: Redis;
  let store: SweepStore;
  let reader: SweepReader;
  let configSeq = 0;

  beforeEach(() => {
    redis = db.redis;
    const { prefix } = db;
    store = new SweepStore(redis, { prefix });
    reader = new SweepReader(redis, { prefix });
  });
  afterEach(() => jest.restoreAllMocks());

  const reserve = async (id: string, n: number): Promise<string[]> => {
    const out = await store.reserveRuns(id, Array.from({ length: n }, () => ({ config: { N: 1e7 + ++configSeq, D: 1e9 }, cost: 1 })));
    return out.map((o) => (o.ok ? o.runId : ''));
  };
  const importSome = (id: string, n: number) => store.importRuns(id, Array.from({ length: n }, () => ({ config: { N: 1e7 + ++configSeq, D: 1e9 }, loss: 3 })));

  it('walks every run once, in list order, while runs are added between pages; reads only a page of ids from Redis', async () => {
    const id = await store.createSweep(spec());
    await reserve(id, 10);
    await importSome(id, 3); // imported runs (-i ids) share the sequence
    await reserve(id, 5);
    const lrange = jest.spyOn(redis, 'lrange');
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await reader.listRunsPage(id, { limit: 4, after });
      if (!page) throw new Error(`no run ${after}`);
      expect(page.runs.length).toBeLessThanOrEqual(4);
      seen.push(...page.runs.map((r) => r.id));
      expect(page.runs.every((r) => r.curve === undefined)).toBe(true);
      pages++;
      if (pages === 2) await reserve(id, 6); // the sweep goes on while it is read
      if (pages === 3) await importSome(id, 2);
      if (!page.next) break;
      expect(page.next).toBe(page.runs[page.runs.length - 1].id);
      after = page.next;
    }
    const pageReads = lrange.mock.calls.filter((c) => String(c[0]).endsWith(':runs'));
    lrange.mockRestore();
    const all = (await reader.listRuns(id)).map((r) => r.id);
    expect(all).toHaveLength(26);
    expect(seen).toEqual(all);
    expect(pages).toBe(7); // 26 runs, 4 a page
    // Each page asked Redis for at most limit + 1 ids, never the whole list (0..-1).
    expect(pageReads).toHaveLength(7);
    for (const call of pageReads) {
      expect(call[2] as number).not.toBe(-1);
      expect((call[2] as number) - (call[1] as number)).toBeLessThanOrEqual(4);
    }
  });

  it('a page with curves carries them; the last page has no next; an unknown `after` is undefined', async () => {
    const id = await store.createSweep(spec());
    const [first, second] = await reserve(id, 2);
    await store.appendCurvePoint(first, { tokens: 10, loss: 4 });
    const page = await reader.listRunsPage(id, { limit: 10, withCurves: true });
    expect(page?.next).toBeUndefined();
    expect(page?.runs.map((r) => [r.id, r.curve])).toEqual([[first, [{ tokens: 10, loss: 4 }]], [second, []]]);
    expect(await reader.listRunsPage(id, { limit: 10, after: second })).toEqual({ runs: [] });
    expect((await reader.listRunsPage(id, { limit: 1 }))?.next).toBe(first);
    expect(await reader.listRunsPage(id, { limit: 10, after: `${id}-r00099` })).toBeUndefined();
    expect(await reader.listRunsPage(id, { limit: 10, after: 'not-a-run' })).toBeUndefined();
    const other = await store.createSweep(spec());
    expect(await reader.listRunsPage(other, { limit: 10, after: first })).toBeUndefined(); // another sweep's run
  });

  it('finds `after` by scanning when a list does not follow the id sequence', async () => {
    const id = await store.createSweep(spec());
    const ids = await reserve(id, 3);
    // A list written otherwise (older data, a hand repair): the run is found by LPOS all the same.
    await redis.lpush(`${store.prefix}sweep:${id}:runs`, `${id}-r00777`);
    const page = await reader.listRunsPage(id, { limit: 10, after: ids[0] });
    expect(page?.runs.map((r) => r.id)).toEqual(ids.slice(1));
  });

  it('reads the history from an index, with its length', async () => {
    const id = await store.createSweep(spec());
    const fit = { law: 'chinchilla', n: 5, params: {}, stderr: {}, sigma: 0.01, rmse: 0.01, modes: [], predictions: [], fittedAt: 0, durationMs: 1 };
    expect(await reader.historyFrom(id, 0)).toEqual({ points: [], total: 0 });
    for (const at of [1_000, 2_000, 2_000, 3_000]) await store.saveFit(id, fit, { at, spent: at, n: 1, targets: [] });
    expect(await reader.historyFrom(id, 2)).toEqual({ points: [{ at: 2_000, spent: 2_000, n: 1, targets: [] }, { at: 3_000, spent: 3_000, n: 1, targets: [] }], total: 4 });
    expect(await reader.historyFrom(id, 4)).toEqual({ points: [], total: 4 });
    expect((await reader.historyFrom(id, 0)).points).toEqual(await reader.history(id));
  });
});
