import { spawn } from 'node:child_process';
import { BUILT, ensureBuilt, ROOT } from './support/built';
import { PlannerStack } from './support/planner-stack';
import { freePort, startRedis } from './support/redis-server';
import { waitFor } from './support/wait-for';
import { RunQueuesService } from '../apps/planner/src/queues/run-queues.service';
import { ENQUEUE_RETRY_WINDOW_MS } from '../apps/planner/src/planning/enqueue-retry';

/**
 * Redis down under a running planner: the API answers 503 naming Redis, with Retry-After, instead of
 * a bare 500; /health says it is down while /health/live (the liveness probe) stays up; once Redis is back the planner records results again and a
 * sweep runs to its end. And a planner told to stop while Redis is down still exits.
 */
describe('planner: Redis unreachable', () => {
  const spec = {
    name: 'redis-down',
    variables: { N: { min: 1e7, max: 1e8, steps: 3 }, D: { min: 1e8, max: 1e10, steps: 3 } },
    budget: 1e19,
    targets: [{ N: 1e9, D: 2e10 }],
    stop: { maxRuns: 4 },
    trainer: { type: 'simulate', truth: 'chinchilla', noise: 0.005 },
  };

  it('answers 503 naming Redis while it is down, and plans and records again once it is back', async () => {
    const stack = await PlannerStack.start({ workers: [{ concurrency: 2 }] });
    try {
      expect((await fetch(`${stack.baseUrl}/sweeps`)).status).toBe(200);
      expect((await fetch(`${stack.baseUrl}/health/live`)).status).toBe(200);
      await stack.redis.crash();
      try {
        const port = new URL(stack.redis.url).port;
        for (const [method, path, body] of [['GET', '/sweeps'], ['GET', '/workers'], ['POST', '/sweeps', spec]] as const) {
          const res = await fetch(`${stack.baseUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
          const answer = (await res.json()) as { statusCode: number; message: string };
          expect({ path, method, status: res.status, retryAfter: res.headers.get('retry-after') }).toEqual({ path, method, status: 503, retryAfter: '5' });
          expect(answer.message).toBe(
            `Redis is unreachable from the planner (127.0.0.1:${port}): the request was not completed. The planner reconnects by itself; check Redis (GET /health says when it answers), then retry.`,
          );
        }
        expect((await fetch(`${stack.baseUrl}/health`)).status).toBe(503);
        // Liveness touches no Redis: an outage takes the planner out of a Service (readiness, /health)
        // but must not get it restarted, since it reconnects by itself.
        const live = await fetch(`${stack.baseUrl}/health/live`);
        expect([live.status, await live.json()]).toEqual([200, expect.objectContaining({ status: 'ok', info: { process: expect.objectContaining({ status: 'up' }) } })]);
        // A dashboard page answers the same JSON, as JSON (not as the page's text/html).
        const page = await fetch(`${stack.baseUrl}/sweeps/sw-x/view`);
        expect([page.status, page.headers.get('content-type')]).toEqual([503, 'application/json; charset=utf-8']);
        // Bull Board's API (its own Express router, outside Nest's filters) says the same, as a 503.
        const board = await fetch(`${stack.baseUrl}/queues/api/queues?activeQueue=lawsweep-results&page=1&jobsPerPage=10`);
        expect([board.status, ((await board.json()) as { message: string }).message]).toEqual([503, expect.stringMatching(/^Redis is unreachable from the planner/)]);
        // Not Redis: still Nest's own answers.
        expect((await fetch(`${stack.baseUrl}/nope`)).status).toBe(404);
      } finally {
        await stack.redis.restart();
      }
      await waitFor('the planner to reach Redis again', async () => ((await fetch(`${stack.baseUrl}/sweeps`)).status === 200 ? true : undefined), 20_000);
      // The whole loop works again (BullMQ's connections back off up to 20 s between tries).
      const res = await fetch(`${stack.baseUrl}/sweeps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      await waitFor('the sweep to end after the outage', async () => {
        const s = (await (await fetch(`${stack.baseUrl}/sweeps/${id}`)).json()) as { state: string; runs: { done: number } };
        return s.state === 'done' ? s : undefined;
      }, 60_000);
    } finally {
      await stack.stop();
    }
  }, 120_000);

  it('runs Redis would not take for the whole retry window stay reserved and are enqueued again; the sweep is not ended meanwhile', async () => {
    const stack = await PlannerStack.start({ workers: [{ concurrency: 2 }] });
    try {
      // The run queue refuses every job for a little longer than the planner retries a wave (BullMQ's
      // addBulk rejecting, as it does while its connection is gone), with nothing else in flight.
      // Such a pass once failed its runs 'enqueue failed' and then ended the sweep 'no useful run left
      // to buy'; its runs must stay reserved, be enqueued again by the reconciler, and be done.
      const queues = stack.planner.get(RunQueuesService);
      const refuseUntil = Date.now() + ENQUEUE_RETRY_WINDOW_MS + 1_000;
      const enqueueMany = queues.enqueueMany.bind(queues);
      let refused = 0;
      jest.spyOn(queues, 'enqueueMany').mockImplementation(async (pool, runs) => {
        if (Date.now() < refuseUntil) {
          refused++;
          throw new Error('Connection is closed.');
        }
        return enqueueMany(pool, runs);
      });
      const res = await fetch(`${stack.baseUrl}/sweeps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...spec, parallelism: 2 }) });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      const end = await waitFor('the sweep to end', async () => {
        const s = (await (await fetch(`${stack.baseUrl}/sweeps/${id}`)).json()) as { state: string; stopCause?: string; runs: { done: number; failed: number } };
        return s.state === 'done' || s.state === 'failed' ? s : undefined;
      }, 60_000);
      expect(refused).toBeGreaterThan(1);
      expect(end).toMatchObject({ state: 'done', stopCause: 'maxRuns', runs: { done: 4, failed: 0 } });
      const runs = (await (await fetch(`${stack.baseUrl}/sweeps/${id}/runs?curves=false`)).json()) as { id: string; state: string; requeues: number }[];
      expect(runs.map((r) => [r.id.slice(-6), r.state, r.requeues])).toEqual([
        ['r00001', 'done', 1],
        ['r00002', 'done', 1],
        ['r00003', 'done', 0],
        ['r00004', 'done', 0],
      ]);
    } finally {
      jest.restoreAllMocks();
      await stack.stop();
    }
  }, 90_000);

  it('a planner told to stop (SIGTERM) while Redis is down exits within its shutdown deadline', async () => {
    ensureBuilt(BUILT.planner);
    const redis = await startRedis();
    const port = await freePort();
    const planner = spawn(process.execPath, [BUILT.planner], { cwd: ROOT, env: { ...process.env, REDIS_URL: redis.url, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    planner.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => planner.on('exit', (code) => resolve(code)));
    try {
      await waitFor('the planner to answer', async () => ((await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.status === 200 ? true : undefined), 30_000);
      await redis.crash();
      await new Promise((r) => setTimeout(r, 2_000));
      const signalled = Date.now();
      planner.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), 40_000)))]);
      clearTimeout(timer);
      expect(code).not.toBe('hung');
      expect(Date.now() - signalled).toBeLessThan(30_000);
      // Closed cleanly (Nest re-raises the signal once closed: killed by SIGTERM), or, as it mostly goes
      // while BullMQ's connections retry (taskforcesh/bullmq#4656), the deadline's exit, said.
      if (code === 1) expect(stderr).toContain('lawsweep planner: shutdown did not finish within 20 s after SIGTERM (Redis unreachable?); exiting anyway');
      else expect({ code, signal: planner.signalCode }).toEqual({ code: null, signal: 'SIGTERM' });
    } finally {
      planner.kill('SIGKILL');
      await redis.stop();
    }
  }, 90_000);
});
