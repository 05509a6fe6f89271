import { resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { WORKER_REGISTRY_KEY, workerAdvertSchema } from '@lawsweep/contracts';
import { bootstrapPlanner } from '../apps/planner/src/bootstrap';
import type { WorkerView } from '../apps/planner/src/workers/workers.controller';
import { postJson, type RunJson, type SweepJson } from './support/planner-api';
import { waitFor } from './support/wait-for';
import { WorkerProcesses, type WorkerProcess } from './support/worker-processes';

/**
 * Worker liveness across machines whose clocks disagree: worker processes whose Date.now runs 40 s
 * behind or ahead of the real clock (fixtures/skewed-clock.js; the planner, in this process, and
 * Redis keep the real one). Live workers are live and routed to, whatever their clock; a killed one
 * is gone once its advert is WORKER_ADVERT_TTL_MS (30 s) old on Redis's clock, not sooner or later.
 */
const SKEWED_CLOCK = resolve(__dirname, 'fixtures/skewed-clock.js');
const skewed = (skewMs: number, capacity: string) => ({
  NODE_OPTIONS: `--require ${SKEWED_CLOCK}`,
  LAWSWEEP_TEST_CLOCK_SKEW_MS: String(skewMs),
  WORKER_CAPACITY: capacity,
  WORKER_HEARTBEAT_SECONDS: '1',
});

describe('workers on machines whose clocks are 40 s off', () => {
  let procs: WorkerProcesses;
  let planner: NestExpressApplication;
  let baseUrl = '';
  let big: WorkerProcess;
  let killedAt = 0;
  /** How long after the kill GET /workers first showed each killed worker gone (read every 250 ms from the start). */
  const goneAfter = new Map<string, number>();
  let watching: Promise<void> = Promise.resolve();
  let stopWatching = false;

  const workers = async (): Promise<WorkerView[]> => (await (await fetch(`${baseUrl}/workers`)).json()) as WorkerView[];

  beforeAll(async () => {
    procs = await WorkerProcesses.start('lawsweep-clock-skew-');
    planner = await bootstrapPlanner({ redisUrl: procs.redis.url, port: 0, host: '127.0.0.1', tickMs: 500, reconcileMs: 1000, resultGraceMs: 1500, logger: ['error'] });
    const addr = planner.getHttpServer().address();
    baseUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    // In pool ghost: a worker 40 s behind and one 40 s ahead, killed (SIGKILL: no advert removed,
    // no draining) as soon as they advertised.
    const ghosts = await Promise.all([procs.start('ghost-behind', 'ghost', skewed(-40_000, 'N=1e9')), procs.start('ghost-ahead', 'ghost', skewed(40_000, 'N=1e9'))]);
    for (const g of ghosts) g.proc.kill('SIGKILL');
    killedAt = Date.now();
    watching = (async () => {
      while (!stopWatching && goneAfter.size < 2) {
        for (const w of await workers()) if (w.id.startsWith('ghost-') && w.state === 'gone' && !goneAfter.has(w.id)) goneAfter.set(w.id, Date.now() - killedAt);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    // In pool skew: a small worker 40 s ahead, kept busy by a long run so that it never takes (and
    // hands back) the sweep's runs, then a big worker 40 s behind. (BullMQ delays a handed-back job
    // on the clock of the worker that hands it back: across clocks 80 s apart that is not this test.)
    await procs.start('small-ahead', 'skew', skewed(40_000, 'N=5e7'));
    const blocker = await procs.harness.enqueue('skew', { config: { N: 1e7, D: 1e9 }, cost: 300, trainer: { type: 'simulate', truth: 'chinchilla', noise: 0, secondsPerCost: 1, maxSeconds: 300 } });
    await waitFor('the small worker to train the long run', async () => (await procs.harness.runs('skew').getJob(blocker.runId))?.processedOn);
    big = await procs.start('big-behind', 'skew', skewed(-40_000, 'N=1e9'));
  }, 60_000);

  afterAll(async () => {
    stopWatching = true;
    await watching.catch(() => undefined);
    await planner?.close().catch(() => undefined);
    await procs?.close();
  });

  it('lists both skewed workers live, seen moments ago, and the big one warns once about its clock', async () => {
    const all = await workers();
    const state = (id: string) => all.find((w) => w.id === id);
    expect(state('big-behind')).toMatchObject({ state: 'live', capacity: { N: 1e9 } });
    expect(state('small-ahead')).toMatchObject({ state: 'live', capacity: { N: 5e7 }, busy: 1 });
    for (const id of ['big-behind', 'small-ahead']) expect(state(id)!.secondsSinceSeen).toBeLessThan(5);
    // Killed moments ago: not gone yet.
    expect(state('ghost-behind')?.state).toBe('live');
    expect(state('ghost-ahead')?.state).toBe('live');
    // Its offset from Redis's clock is in its advert from its second heartbeat on, and said once in its log.
    const advert = await waitFor('the big worker to advertise its clock offset', async () => {
      const a = workerAdvertSchema.parse(JSON.parse((await procs.client.hget(WORKER_REGISTRY_KEY, 'big-behind')) as string));
      return a.clockOffsetMs !== undefined ? a : undefined;
    }, 5_000);
    expect(Math.abs(advert.clockOffsetMs! + 40_000)).toBeLessThan(2_000);
    await waitFor('the clock warning in the big worker log', () => /clock is 4\d\.\d s behind Redis's/.test(big.log()), 5_000);
    await new Promise((r) => setTimeout(r, 1_500)); // another heartbeat or two: still one warning
    expect(big.log().match(/behind Redis's/g)).toHaveLength(1);
  });

  it('plans and runs the configs only the big worker (40 s behind) can hold', async () => {
    const spec = {
      name: 'clock-skew',
      pool: 'skew',
      law: 'chinchilla',
      variables: { N: { min: 1e7, max: 1e9, steps: 3, scale: 'log' }, D: { min: 1e9, max: 1e11, steps: 3, scale: 'log' } },
      candidates: [1e8, 3e8, 1e9].flatMap((N) => [2e9, 1e10].map((D) => ({ N, D }))), // none within the small worker's N=5e7
      cost: '6 * N * D',
      budget: 1e22,
      targets: [{ N: 7e10, D: 1.4e12 }],
      parallelism: 2,
      seed: 0,
      stop: { maxRuns: 2 },
      trainer: { type: 'simulate', truth: 'chinchilla', noise: 0.005 },
    };
    const { id } = await postJson<SweepJson>(`${baseUrl}/sweeps`, spec);
    const runs = await waitFor(
      'two runs done',
      async () => {
        const r = (await (await fetch(`${baseUrl}/sweeps/${id}/runs`)).json()) as RunJson[];
        return r.filter((x) => x.state === 'done').length >= 2 ? r : undefined;
      },
      20_000,
      250,
    );
    const done = runs.filter((r) => r.state === 'done');
    expect(done.map((r) => r.worker)).toEqual(['big-behind', 'big-behind']);
    expect(done.every((r) => r.config.N > 5e7)).toBe(true);
  }, 30_000);

  it("shows a killed skewed worker gone once its last heartbeat is 30 s old on Redis's clock, whichever way its clock was off", async () => {
    await waitFor('both killed workers gone', () => goneAfter.size === 2, Math.max(1_000, killedAt + 36_000 - Date.now()), 250);
    // Last heartbeat at most 1 s before the kill: gone 29-30 s after it (not at once, not 70 s later).
    for (const [id, ms] of goneAfter) expect({ id, ms: Math.min(Math.max(ms, 28_000), 35_000) }).toEqual({ id, ms });
    // The live ones stay live meanwhile.
    expect((await workers()).filter((w) => w.state === 'live').map((w) => w.id).sort()).toEqual(['big-behind', 'small-ahead']);
  }, 45_000);
});
