import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { SweepJson } from './support/planner-api';
import { ensureCliBuilt, lawsweep } from './support/cli';
import { PlannerStack } from './support/planner-stack';

/**
 * The CLI against a sweep of more runs than a page (built CLI, child processes, a real planner):
 * `sweep export` walks the pages and writes what one whole answer used to be; `plot` asks without
 * curves; a planner that takes a request and never answers is "timed out", not "cannot reach".
 */
const RUNS = 1_100; // three JSON pages of 500

const spec = {
  name: 'cli-big',
  law: 'chinchilla',
  variables: { N: { min: 1e7, max: 1e9 }, D: { min: 1e8, max: 1e11 } },
  budget: 1e22,
  targets: [{ N: 7e10, D: 1.4e12 }],
  trainer: { type: 'simulate' },
};

/** Chinchilla's published law: imported runs that a fit can read. */
const chinchilla = (N: number, D: number) => 1.69 + 406.4 / N ** 0.34 + 410.7 / D ** 0.28;

/** A pass-through proxy in front of the planner that keeps the path of every request. */
async function loggingProxy(target: string): Promise<{ url: string; paths: string[]; server: Server }> {
  const paths: string[] = [];
  const { hostname, port } = new URL(target);
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    const upstream = request({ hostname, port, path: req.url, method: req.method, headers: req.headers }, (up: IncomingMessage) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths, server };
}

describe('lawsweep sweep export / plot on a sweep of many pages, and a planner too slow to answer', () => {
  let stack: PlannerStack;
  let proxy: Awaited<ReturnType<typeof loggingProxy>>;
  let id = '';
  const dir = mkdtempSync(join(tmpdir(), 'lawsweep-cli-big-'));

  beforeAll(async () => {
    ensureCliBuilt();
    stack = await PlannerStack.start();
    proxy = await loggingProxy(stack.baseUrl);
    const created = await fetch(`${stack.baseUrl}/sweeps?paused=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
    id = ((await created.json()) as SweepJson).id;
    const runs = Array.from({ length: RUNS }, (_, i) => {
      const N = 1e7 * 100 ** (i / RUNS);
      const D = N * (20 + (i % 37));
      return { config: { N, D }, loss: chinchilla(N, D) };
    });
    const imported = await fetch(`${stack.baseUrl}/sweeps/${id}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(runs) });
    expect(await imported.json()).toMatchObject({ imported: RUNS });
    // Learning curves on a few runs, spread over the pages (as the store keeps them).
    const redis = new Redis(stack.redis.url);
    for (const n of [1, 499, 501, 1_100]) {
      await redis.rpush(`lawsweep:run:${id}-i${String(n).padStart(5, '0')}:curve`, JSON.stringify({ tokens: 1e8, loss: 4 }), JSON.stringify({ tokens: 2e8, loss: 3.5 }));
    }
    await redis.quit();
  }, 120_000);

  afterAll(async () => {
    proxy?.server.closeAllConnections();
    proxy?.server.close();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => (proxy.paths.length = 0));
  const env = () => ({ LAWSWEEP_PLANNER_URL: proxy.url });

  it('export --format json walks the pages and writes the very text one whole answer gave', async () => {
    const out = join(dir, 'runs.json');
    const r = await lawsweep(['sweep', 'export', id, '--format', 'json', '--out', out], env());
    expect(r.stderr).toBe(`wrote ${out}\n`);
    expect(r.code).toBe(0);
    const runsPaths = proxy.paths.filter((p) => p.startsWith(`/sweeps/${id}/runs`));
    expect(runsPaths).toEqual([
      `/sweeps/${id}/runs?limit=500`,
      `/sweeps/${id}/runs?limit=500&after=${id}-i00500`,
      `/sweeps/${id}/runs?limit=500&after=${id}-i01000`,
    ]);
    const whole = await (await fetch(`${stack.baseUrl}/sweeps/${id}/runs`)).json();
    expect(readFileSync(out, 'utf8')).toBe(`${JSON.stringify(whole, null, 2)}\n`);
    const runs = JSON.parse(readFileSync(out, 'utf8')) as { id: string; curve: unknown[] }[];
    expect(runs).toHaveLength(RUNS);
    expect(runs.filter((x) => x.curve.length === 2).map((x) => x.id)).toEqual([1, 499, 501, 1_100].map((n) => `${id}-i${String(n).padStart(5, '0')}`));
    expect(readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([]);
  });

  it('export to stdout (JSON and CSV) pages too, and gives what the whole answers give', async () => {
    const json = await lawsweep(['sweep', 'export', id, '--format', 'json'], env());
    expect(json.code).toBe(0);
    expect(json.stdout).toBe(`${JSON.stringify(await (await fetch(`${stack.baseUrl}/sweeps/${id}/runs`)).json(), null, 2)}\n`);
    proxy.paths.length = 0;
    const csv = await lawsweep(['sweep', 'export', id], env());
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe(await (await fetch(`${stack.baseUrl}/sweeps/${id}/runs?format=csv`)).text());
    expect(proxy.paths.filter((p) => p.includes('/runs'))).toEqual([`/sweeps/${id}/runs?format=csv&limit=5000`]);
  });

  it('plot asks for the runs without their curves', async () => {
    const r = await lawsweep(['plot', id, '--out', join(dir, 'fig.svg')], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(proxy.paths.filter((p) => p.includes('/runs'))).toEqual([`/sweeps/${id}/runs?curves=false`]);
  });

  it('a planner that takes the request and never answers: "timed out after N s", naming --timeout; refused stays "cannot reach"', async () => {
    const silent = createServer(() => undefined); // accepts, reads, never answers
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const started = Date.now();
      const r = await lawsweep(['sweep', 'export', 'sw-any', '--format', 'json', '--planner', url, '--timeout', '1.5']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`GET /sweeps/sw-any/runs?limit=500 timed out after 1.5 s: the planner at ${url} took the request but did not answer in time`);
      expect(r.stderr).toContain('--timeout SECONDS');
      expect(r.stderr).not.toContain('cannot reach');
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
    const refused = await lawsweep(['sweep', 'status', 'sw-any', '--planner', 'http://127.0.0.1:9', '--timeout', '5']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('cannot reach the planner at http://127.0.0.1:9');
    const bad = await lawsweep(['sweep', 'list', '--timeout', 'soon']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--timeout: expected seconds above 0 and at most 86400 (e.g. 120), got 'soon'");
  });
});
