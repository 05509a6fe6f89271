import Redis from 'ioredis';
import type { ErrorJson, RunJson, SweepJson } from './support/planner-api';
import { PlannerStack } from './support/planner-stack';

/**
 * GET /sweeps/:id/runs for big sweeps: runs without their curves (?curves=false), pages
 * (?limit=N&after=RUNID, the next page's start in X-Next-After and Link), a parameter it does not know ignored, a 400 for a bad value
 * of one it knows; GET /sweeps/:id/history?from=N for the points a reader has not seen.
 */
const spec = {
  name: 'runs-paging',
  law: 'chinchilla',
  variables: { N: { min: 1e7, max: 1e9, steps: 4 }, D: { min: 1e8, max: 1e11, steps: 4 } },
  budget: 1e20,
  targets: [{ N: 7e10, D: 1.4e12 }],
  trainer: { type: 'simulate', secondsPerCost: 0 },
};

describe('GET /sweeps/:id/runs: curves=false, pages, unknown parameters (real planner and Redis)', () => {
  let stack: PlannerStack;
  let redis: Redis;
  let id = '';
  let nextN = 1e7;

  const url = (path: string) => `${stack.baseUrl}${path}`;
  const importRuns = async (n: number) => {
    const runs = Array.from({ length: n }, () => ({ config: { N: (nextN += 1e5), D: 1e9 }, loss: 3 }));
    const res = await fetch(url(`/sweeps/${id}/runs`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(runs) });
    expect(res.status).toBe(200);
  };
  const badRequest = async (path: string): Promise<ErrorJson> => {
    const res = await fetch(url(path));
    expect(res.status).toBe(400);
    return (await res.json()) as ErrorJson;
  };

  beforeAll(async () => {
    stack = await PlannerStack.start();
    redis = new Redis(stack.redis.url);
    // Paused: nothing is planned, so the runs are exactly those imported here.
    const created = await fetch(url('/sweeps?paused=true'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
    id = ((await created.json()) as SweepJson).id;
    await importRuns(25);
    // A learning curve on two runs (written as the store keeps them), to see curves come and go.
    for (const runId of [`${id}-i00001`, `${id}-i00002`]) {
      await redis.rpush(`lawsweep:run:${runId}:curve`, JSON.stringify({ tokens: 1e8, loss: 4 }), JSON.stringify({ tokens: 2e8, loss: 3.5 }));
    }
  }, 60_000);

  afterAll(async () => {
    await redis?.quit();
    await stack?.stop();
  });

  it('answers as before without parameters: every run, each with its curve, no paging headers', async () => {
    const res = await fetch(url(`/sweeps/${id}/runs`));
    expect(res.headers.get('x-next-after')).toBeNull();
    expect(res.headers.get('link')).toBeNull();
    const runs = (await res.json()) as RunJson[];
    expect(runs).toHaveLength(25);
    expect(runs[0].curve).toEqual([{ tokens: 1e8, loss: 4 }, { tokens: 2e8, loss: 3.5 }]);
    expect(runs.every((r) => Array.isArray(r.curve))).toBe(true);
  });

  it('gzips an answer for a client that accepts it (runs with curves are most of what a planner sends), and only then', async () => {
    const gz = await fetch(url(`/sweeps/${id}/runs`), { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    const runs = (await gz.json()) as RunJson[]; // fetch decodes it
    expect(runs).toHaveLength(25);
    expect(runs[0].curve).toEqual([{ tokens: 1e8, loss: 4 }, { tokens: 2e8, loss: 3.5 }]);
    const plain = await fetch(url(`/sweeps/${id}/runs`), { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(((await plain.json()) as RunJson[]).map((r) => r.id)).toEqual(runs.map((r) => r.id));
  });

  it('?curves=false gives the same runs without their curves', async () => {
    const full = (await (await fetch(url(`/sweeps/${id}/runs`))).json()) as RunJson[];
    const lean = (await (await fetch(url(`/sweeps/${id}/runs?curves=false`))).json()) as RunJson[];
    expect(lean.every((r) => !('curve' in r))).toBe(true);
    expect(lean).toEqual(full.map(({ curve: _curve, ...rest }) => rest));
    const newest = (await (await fetch(url(`/sweeps/${id}/runs?last=3&curves=false`))).json()) as RunJson[];
    expect(newest.map((r) => r.id)).toEqual(full.slice(-3).map((r) => r.id));
    expect(newest.every((r) => !('curve' in r))).toBe(true);
    expect(((await badRequest(`/sweeps/${id}/runs?curves=maybe`)).errors[0])).toMatchObject({ path: 'curves', message: expect.stringMatching(/true or false/) });
  });

  it('walks every page of a sweep with more runs than a page, none missed or repeated while runs are added', async () => {
    const seen: RunJson[] = [];
    let next: string | null = `/sweeps/${id}/runs?limit=7&curves=false`;
    let pages = 0;
    while (next) {
      const res: Response = await fetch(url(next));
      expect(res.status).toBe(200);
      const page = (await res.json()) as RunJson[];
      expect(page.length).toBeLessThanOrEqual(7);
      seen.push(...page);
      const after = res.headers.get('x-next-after');
      const link = res.headers.get('link');
      if (after === null) {
        expect(link).toBeNull();
        next = null;
      } else {
        expect(after).toBe(page[page.length - 1].id);
        expect(link).toBe(`</sweeps/${id}/runs?curves=false&limit=7&after=${encodeURIComponent(after)}>; rel="next"`);
        next = /^<([^>]+)>; rel="next"$/.exec(link ?? '')?.[1] ?? null;
      }
      if (++pages <= 2) await importRuns(4); // the sweep grows while it is read
    }
    const all = (await (await fetch(url(`/sweeps/${id}/runs?curves=false`))).json()) as RunJson[];
    expect(all).toHaveLength(33);
    expect(seen.map((r) => r.id)).toEqual(all.map((r) => r.id));
    expect(new Set(seen.map((r) => r.id)).size).toBe(seen.length);
    expect(seen.every((r) => !('curve' in r))).toBe(true);
    expect(pages).toBe(5); // 33 runs, 7 a page
  });

  it('a page keeps curves unless asked not to; `after` alone pages at the most a page holds; the last page has no next', async () => {
    const first = await fetch(url(`/sweeps/${id}/runs?limit=2`));
    const runs = (await first.json()) as RunJson[];
    expect(runs.map((r) => r.curve.length)).toEqual([2, 2]);
    expect(first.headers.get('x-next-after')).toBe(runs[1].id);
    const rest = await fetch(url(`/sweeps/${id}/runs?after=${runs[1].id}`));
    expect(((await rest.json()) as RunJson[])[0].id).toBe(`${id}-i00003`);
    expect(rest.headers.get('x-next-after')).toBeNull();
  });

  it('pages the CSV too, each page with its header row', async () => {
    const res = await fetch(url(`/sweeps/${id}/runs?format=csv&limit=3`));
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await res.text()).trim().split('\n');
    expect(lines[0]).toMatch(/^id,N,D,loss/);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([`${id}-i00001`, `${id}-i00002`, `${id}-i00003`]);
    expect(res.headers.get('x-next-after')).toBe(`${id}-i00003`);
    expect(res.headers.get('link')).toContain('format=csv');
  });

  it('ignores a parameter it does not know, as it always did (a cache-buster); bad page values are 400s', async () => {
    const all = await (await fetch(`${stack.baseUrl}/sweeps/${id}/runs`)).json();
    const busted = await fetch(`${stack.baseUrl}/sweeps/${id}/runs?_=1712345678`);
    expect(busted.status).toBe(200);
    expect(await busted.json()).toEqual(all);
    for (const [query, path] of [
      ['limit=0', 'limit'],
      ['limit=10001', 'limit'],
      ['limit=2.5', 'limit'],
      ['limit=', 'limit'],
      ['limit=1&limit=2', 'limit'],
      ['after=', 'after'],
      [`after=${id}-i09999`, 'after'],
      ['last=5&limit=2', 'last'],
    ]) {
      expect({ query, error: (await badRequest(`/sweeps/${id}/runs?${query}`)).errors[0]?.path }).toEqual({ query, error: path });
    }
    expect((await fetch(url('/sweeps/nope/runs?limit=2'))).status).toBe(404);
  });

  it('GET /history?from=N gives the points from the Nth on, and X-History-Length; a bad from is a 400', async () => {
    // The imports above were fitted (a point each fit): the test's points follow those.
    const before = (await (await fetch(url(`/sweeps/${id}/history`))).json()) as { at: number }[];
    const n = before.length;
    const later = (before[n - 1]?.at ?? 0) + 1_000;
    for (const at of [later, later + 1, later + 2]) await redis.rpush(`lawsweep:sweep:${id}:history`, JSON.stringify({ at, spent: at, n: 1, targets: [] }));
    const all = await fetch(url(`/sweeps/${id}/history`));
    expect(all.headers.get('x-history-length')).toBe(String(n + 3));
    expect(((await all.json()) as { at: number }[]).map((p) => p.at)).toEqual([...before.map((p) => p.at), later, later + 1, later + 2]);
    const tail = await fetch(url(`/sweeps/${id}/history?from=${n + 2}`));
    expect(((await tail.json()) as { at: number }[]).map((p) => p.at)).toEqual([later + 2]);
    expect(tail.headers.get('x-history-length')).toBe(String(n + 3));
    expect(await (await fetch(url(`/sweeps/${id}/history?from=${n + 3}`))).json()).toEqual([]);
    for (const bad of ['-1', '1.5', 'x', '', '1e20']) expect((await badRequest(`/sweeps/${id}/history?from=${bad}`)).errors[0].path).toBe('from');
  });
});
