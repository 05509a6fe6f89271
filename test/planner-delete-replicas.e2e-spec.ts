import type { INestApplication } from '@nestjs/common';
import { SweepStore } from '@lawsweep/store';
import { bootstrapPlanner } from '../apps/planner/src/bootstrap';
import { EngineCacheService } from '../apps/planner/src/planning/engine-cache.service';
import { ReconcilerService } from '../apps/planner/src/planning/reconciler.service';
import { ForecastService } from '../apps/planner/src/sweeps/forecast.service';
import { SweepCachesService } from '../apps/planner/src/sweeps/sweep-caches.service';
import { TimeLeftReader } from '../apps/planner/src/sweeps/time-left';
import type { SweepJson } from './support/planner-api';
import { PlannerStack } from './support/planner-stack';
import { waitFor } from './support/wait-for';

const TOKEN = 'delete-replicas-e2e-token';
const auth = { authorization: `Bearer ${TOKEN}` };

/** Chinchilla's losses at a few configs: imported results, so that each sweep has a fit from the start. */
const runs = [
  [2e7, 1e9],
  [5e7, 2e9],
  [1e8, 4e9],
  [2e8, 6e9],
  [3e8, 1e10],
  [4e8, 2e10],
].map(([N, D]) => ({ N, D, loss: 1.69 + 406.4 / N ** 0.34 + 410.7 / D ** 0.28 }));

const base = {
  law: 'chinchilla',
  variables: { N: { min: 1e7, max: 4e8, steps: 6 }, D: { min: 2e8, max: 2e10, steps: 6 } },
  constraints: ['D / N >= 2', 'D / N <= 500'],
  budget: 3e18,
  targets: [{ N: 7e10, D: 1.4e12 }],
  parallelism: 2,
  seed: 5,
  // A pool no worker serves: the sweep stays running, its runs queued, until it is cancelled.
  pool: 'nobody',
  trainer: { type: 'simulate', truth: 'chinchilla', noise: 0.005, secondsPerCost: 0 },
  runs,
};

/**
 * Two planner replicas on one Redis, the second serving no HTTP: a sweep deleted through the first
 * leaves nothing of it in the second's memory once the second's reconcile pass has seen it gone
 * (before, the second kept its engine, fits, observations, forecasts' fit and time-left window until it
 * restarted: a long-lived replica grew with every sweep deleted through another).
 */
describe('DELETE /sweeps/:id with two planner replicas on one Redis', () => {
  let stack: PlannerStack;
  let second: INestApplication;
  const url = (path: string) => `${stack.baseUrl}${path}`;
  const post = async <T = SweepJson>(path: string, body: unknown = {}) =>
    (await (await fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) })).json()) as T;

  beforeAll(async () => {
    stack = await PlannerStack.start({ planner: { token: TOKEN } });
    // Its periodic reconcile pass far away: the test runs the passes it checks.
    second = await bootstrapPlanner({ redisUrl: stack.redis.url, listen: false, logger: ['error'], token: TOKEN, tickMs: 200, reconcileMs: 3_600_000, resultGraceMs: 1500 });
  }, 60_000);
  afterAll(async () => {
    await second?.close();
    await stack?.stop();
  });

  it("the other replica drops what it kept of the sweep at its next reconcile pass; a sweep created after a pass's listing keeps its state", async () => {
    const caches = second.get(SweepCachesService);
    const engines = second.get(EngineCacheService);
    const store = second.get(SweepStore);
    const { id } = await post('/sweeps', { ...base, name: 'deleted-elsewhere' });
    // The second replica plans it on its tick (engine, fit, observations, runs in flight) and reads its
    // time left; once it is cancelled (its queued runs recorded: a version no plan pass fitted), a forecast.
    await waitFor('the second replica to plan the sweep', () => engines.sweepIds().has(id), 20_000);
    await waitFor('runs queued', async () => ((await store.getSweep(id))?.runs.queued ?? 0) > 0, 20_000);
    const running = await store.getSweep(id);
    if (!running) throw new Error(`sweep ${id} not found`);
    await second.get(TimeLeftReader).timeLeft(running);
    expect(second.get(TimeLeftReader).sweepIds()).toContain(id);
    expect(await post(`/sweeps/${id}/cancel`)).toMatchObject({ state: 'cancelled' });
    const cancelled = await store.getSweep(id);
    if (!cancelled) throw new Error(`sweep ${id} not found`);
    await second.get(ForecastService).forecast(cancelled, [cancelled.budget * 2]);
    expect(second.get(ForecastService).sweepIds()).toContain(id);

    const res = await fetch(url(`/sweeps/${id}`), { method: 'DELETE', headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, deleted: true });
    // The first replica served the DELETE; nothing told the second.
    expect(caches.sweepIds()).toContain(id);

    // A sweep that stays, with state in the second replica's memory.
    const kept = await post('/sweeps?paused=true', { ...base, name: 'kept' });
    const keptSweep = await store.getSweep(kept.id);
    if (!keptSweep) throw new Error(`sweep ${kept.id} not found`);
    engines.engine(keptSweep);
    await engines.observations(kept.id);

    const reconciler = second.get(ReconcilerService);
    // Twice: a pass already under way is joined, and its listing may predate the deletion.
    await reconciler.reconcileAll();
    await reconciler.reconcileAll();
    expect(caches.sweepIds()).not.toContain(id);
    expect(engines.sweepIds()).not.toContain(id);
    expect(caches.sweepIds()).toContain(kept.id);

    // A listing read before a sweep was created does not list it: its state stays, the store has it.
    expect(await caches.forgetGone([])).toEqual([]);
    expect(caches.sweepIds()).toContain(kept.id);
  }, 60_000);

  it("the other replica drops an ended sweep's planning state at its next reconcile pass, and keeps its forecasts' fit for reads", async () => {
    const engines = second.get(EngineCacheService);
    const forecasts = second.get(ForecastService);
    const store = second.get(SweepStore);
    const { id } = await post('/sweeps', { ...base, name: 'ended-elsewhere' });
    await waitFor('the second replica to plan the sweep', () => engines.sweepIds().has(id), 20_000);
    await waitFor('runs queued', async () => ((await store.getSweep(id))?.runs.queued ?? 0) > 0, 20_000);
    expect(await post(`/sweeps/${id}/cancel`)).toMatchObject({ state: 'cancelled' });
    const cancelled = await store.getSweep(id);
    if (!cancelled) throw new Error(`sweep ${id} not found`);
    expect(cancelled.runs.queued + cancelled.runs.running).toBe(0);
    await forecasts.forecast(cancelled, [cancelled.budget * 2]);
    expect(engines.sweepIds()).toContain(id); // the cancel went through the first replica

    const reconciler = second.get(ReconcilerService);
    await reconciler.reconcileAll();
    await reconciler.reconcileAll();
    expect(engines.sweepIds()).not.toContain(id);
    expect(forecasts.sweepIds()).toContain(id);
    expect(await store.getSweep(id)).toMatchObject({ state: 'cancelled' });
  }, 60_000);
});
