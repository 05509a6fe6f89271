import Redis from 'ioredis';
import { WORKER_REGISTRY_KEY } from '@lawsweep/contracts';
import type { WorkerView } from '../apps/planner/src/workers/workers.controller';
import { ensureCliBuilt, lawsweep } from './support/cli';
import { postJson, type SweepJson } from './support/planner-api';
import { PlannerStack } from './support/planner-stack';
import { waitFor } from './support/wait-for';

/**
 * GET /workers and `lawsweep workers`: real workers advertising themselves, one gone (an advert no
 * heartbeat refreshes, as a killed worker leaves), and the runs each trains now.
 */
describe('workers: GET /workers and lawsweep workers', () => {
  let stack: PlannerStack;
  let redis: Redis;
  let env: Record<string, string>;
  let sweepId = '';

  beforeAll(async () => {
    ensureCliBuilt();
    stack = await PlannerStack.start({ workers: [{ concurrency: 2, capacity: { N: 1e9 } }, { pool: 'big', concurrency: 1 }] });
    env = { LAWSWEEP_PLANNER_URL: stack.baseUrl };
    redis = new Redis(stack.redis.url);
    const dead = { id: 'w-dead', pool: 'default', capacity: {}, concurrency: 4, labels: { gpu: 'h100' }, busy: 1, lastSeen: Date.now() - 120_000 };
    await redis.hset(WORKER_REGISTRY_KEY, dead.id, JSON.stringify(dead));
    // Gone for over a day: the reconciler forgets it (killed workers never delete their advert).
    await redis.hset(WORKER_REGISTRY_KEY, 'w-ancient', JSON.stringify({ ...dead, id: 'w-ancient', lastSeen: Date.now() - 25 * 3_600_000 }));
  }, 60_000);

  afterAll(async () => {
    if (sweepId) await fetch(`${stack.baseUrl}/sweeps/${sweepId}/cancel`, { method: 'POST' }).catch(() => undefined);
    redis?.disconnect();
    await stack?.stop();
  });

  const workers = async (query = ''): Promise<WorkerView[]> => (await (await fetch(`${stack.baseUrl}/workers${query}`)).json()) as WorkerView[];

  it('lists every advertised worker: live ones first, then the gone one, with capacity and busy slots', async () => {
    await waitFor('the reconciler to forget the worker gone for a day', async () => ((await redis.hexists(WORKER_REGISTRY_KEY, 'w-ancient')) ? undefined : true), 10_000);
    const all = await workers();
    expect(all.map((w) => [w.pool, w.state])).toEqual([
      ['big', 'live'],
      ['default', 'live'],
      ['default', 'gone'],
    ]);
    const small = all[1];
    expect(small).toMatchObject({ capacity: { N: 1e9 }, concurrency: 2, busy: 0, running: [] });
    expect(small.secondsSinceSeen).toBeLessThan(5);
    expect(all[2]).toMatchObject({ id: 'w-dead', labels: { gpu: 'h100' } });
    expect(all[2].secondsSinceSeen).toBeGreaterThanOrEqual(119);
    expect((await workers('?pool=big')).map((w) => w.pool)).toEqual(['big']);
  });

  it('says which runs each worker trains now (the run queue’s active jobs)', async () => {
    const spec = {
      name: 'workers-e2e',
      variables: { N: { min: 1e7, max: 1e8, steps: 4 }, D: { min: 1e8, max: 1e10, steps: 4 } },
      budget: 1e20,
      targets: [{ N: 1e9, D: 2e10 }],
      parallelism: 2,
      trainer: { type: 'simulate', truth: 'chinchilla', secondsPerCost: 1, maxSeconds: 30 },
    };
    sweepId = (await postJson<SweepJson>(`${stack.baseUrl}/sweeps`, spec)).id;
    const busy = await waitFor('two runs on the default worker', async () => {
      const w = (await workers('?pool=default')).find((x) => x.state === 'live');
      return w && w.running.length === 2 && w.busy === 2 ? w : undefined;
    }, 20_000);
    const runs = (await (await fetch(`${stack.baseUrl}/sweeps/${sweepId}/runs`)).json()) as { id: string; state: string; config: Record<string, number> }[];
    for (const r of busy.running) {
      expect(r.sweepId).toBe(sweepId);
      const run = runs.find((x) => x.id === r.runId);
      expect(run?.config).toEqual(r.config);
      expect(['queued', 'running']).toContain(run?.state); // the store marks it running moments after the job went active
      expect(Date.parse(r.startedAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
    }
    // The other pool's worker holds none of them.
    expect((await workers('?pool=big'))[0].running).toEqual([]);

    const r = await lawsweep(['workers'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+POOL\s+STATE\s+BUSY\s+CAPACITY\s+LABELS\s+SEEN\s+RUNS$/);
    const row = lines.find((l) => l.startsWith(busy.id)) ?? '';
    expect(row).toMatch(new RegExp(`^${busy.id}\\s+default\\s+live\\s+2/2\\s+N<=1\\.0e9\\s+-\\s+(now|\\d+s ago)\\s+${sweepId}/\\S+ ${sweepId}/\\S+$`));
    expect(r.stdout).not.toContain('w-dead');
    expect(lines[lines.length - 1]).toBe('(1 gone worker not shown: --all lists them)');
  }, 60_000);

  it('lists the gone ones with --all, one pool with --pool, JSON with --json, and says when a pool has none', async () => {
    const all = await lawsweep(['workers', '--all'], env);
    expect(all.stdout).toMatch(/^w-dead\s+default\s+gone\s+1\/4\s+any\s+gpu=h100\s+\dm( \d+s)? ago\s+-$/m);
    const big = await lawsweep(['workers', '--pool', 'big'], env);
    expect(big.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[1])).toEqual(['big']);
    const json = JSON.parse((await lawsweep(['workers', '--json'], env)).stdout) as WorkerView[];
    expect(json.map((w) => w.state)).toEqual(['live', 'live', 'gone']);
    const none = await lawsweep(['workers', '--pool', 'nope'], env);
    expect(none.code).toBe(0);
    expect(none.stdout.trim()).toBe("no workers in pool 'nope': start one with `lawsweep worker --pool POOL --capacity N=1e9` (lawsweep worker --help)");
  });
});
