import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { SweepDeletionService } from '../apps/planner/src/sweeps/sweep-deletion.service';
import { getJson, sweepFinished, waitForSweep, type ErrorJson, type RunJson, type SweepJson } from './support/planner-api';
import { PlannerStack } from './support/planner-stack';
import { scanKeys } from './support/redis-server';
import { waitFor } from './support/wait-for';

const TOKEN = 'delete-e2e-token';
const auth = { authorization: `Bearer ${TOKEN}` };

const base = {
  law: 'chinchilla',
  variables: { N: { min: 1e7, max: 4e8, steps: 6 }, D: { min: 2e8, max: 2e10, steps: 6 } },
  constraints: ['D / N >= 2', 'D / N <= 500'],
  budget: 3e18,
  targets: [{ N: 7e10, D: 1.4e12 }],
  parallelism: 3,
  seed: 5,
  trainer: { type: 'simulate', truth: 'chinchilla', noise: 0.005, secondsPerCost: 0 },
};

const keysNaming = (redis: Redis, text: string) => scanKeys(redis, `*${text}*`);

describe('DELETE /sweeps/:id', () => {
  let stack: PlannerStack;
  let redis: Redis;
  const url = (path: string) => `${stack.baseUrl}${path}`;
  const post = async <T = SweepJson>(path: string, body: unknown = {}) =>
    (await (await fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) })).json()) as T;
  const del = (path: string, headers: Record<string, string> = auth) => fetch(url(path), { method: 'DELETE', headers });

  beforeAll(async () => {
    stack = await PlannerStack.start({ planner: { token: TOKEN }, workers: [{ concurrency: 3 }] });
    redis = new Redis(stack.redis.url);
  }, 60_000);
  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
  });

  it('deletes a done sweep and every key naming it (runs, curves, queue jobs); the token is required; a second DELETE is a 404', async () => {
    const { id } = await post('/sweeps', { ...base, name: 'to-delete', stop: { maxRuns: 6 } });
    const done = await waitForSweep(stack.baseUrl, id, sweepFinished, 'the sweep to finish');
    expect(done.state).toBe('done');
    const runs = await getJson<RunJson[]>(url(`/sweeps/${id}/runs`));
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.some((r) => r.curve.length > 0)).toBe(true);
    expect((await keysNaming(redis, id)).length).toBeGreaterThan(runs.length); // run hashes, curves, jobs
    const kept = await post('/sweeps?paused=true', { ...base, name: 'kept' });

    const noToken = await del(`/sweeps/${id}`, {});
    expect(noToken.status).toBe(401);
    expect((await del(`/sweeps/${id}`, { authorization: 'Bearer wrong-token' })).status).toBe(401);
    expect((await fetch(url(`/sweeps/${id}`))).status).toBe(200);

    const res = await del(`/sweeps/${id}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id, deleted: true, runs: runs.length, runsLeft: 0 });

    expect((await fetch(url(`/sweeps/${id}`))).status).toBe(404);
    expect((await fetch(url(`/sweeps/${id}/runs`))).status).toBe(404);
    expect((await getJson<SweepJson[]>(url('/sweeps'))).map((s) => s.id)).toEqual([kept.id]);
    expect(await keysNaming(redis, id)).toEqual([]);
    expect(await (await fetch(url('/metrics'))).text()).not.toContain(id);
    const again = await del(`/sweeps/${id}`);
    expect(again.status).toBe(404);
    expect(((await again.json()) as ErrorJson).message).toContain(`no sweep with id '${id}'`);
    expect((await fetch(url(`/sweeps/${kept.id}`))).status).toBe(200);
  });

  it('refuses a running or paused sweep with a 409 saying to cancel it first, then deletes it once cancelled', async () => {
    // A pool no worker serves: the sweep stays running.
    const { id } = await post('/sweeps', { ...base, name: 'running', pool: 'nobody' });
    const running = await del(`/sweeps/${id}`);
    expect(running.status).toBe(409);
    expect(((await running.json()) as ErrorJson).message).toBe(`sweep ${id} is running: only a sweep that has ended (done, cancelled, failed) can be deleted; cancel it first (lawsweep sweep cancel ${id})`);
    await post(`/sweeps/${id}/pause`);
    const paused = await del(`/sweeps/${id}`);
    expect(paused.status).toBe(409);
    expect(((await paused.json()) as ErrorJson).message).toContain(`lawsweep sweep cancel ${id}`);
    expect((await fetch(url(`/sweeps/${id}`))).status).toBe(200);

    expect(await post(`/sweeps/${id}/cancel`)).toMatchObject({ state: 'cancelled' });
    expect(await redis.exists(`lawsweep:cancel:${id}`)).toBe(1);
    expect((await del(`/sweeps/${id}`)).status).toBe(200);
    expect(await keysNaming(redis, id)).toEqual([]);
    expect((await del('/sweeps/sw-nope')).status).toBe(404);
  });

  it('answers 202 when the deletion outlasts its wait, and finishes it in the background', async () => {
    const runs = Array.from({ length: 3_000 }, (_, i) => ({ N: 1e7 + i, D: 1e9, loss: 3 }));
    const { id } = await post('/sweeps?paused=true', { ...base, name: 'big', runs });
    await post(`/sweeps/${id}/cancel`);
    const answer = await stack.planner.get(SweepDeletionService).delete(id, 0);
    expect(answer).toMatchObject({ id, deleted: false });
    expect(answer.runs + answer.runsLeft).toBe(3_000);
    // Gone to readers at once; its keys go in the background.
    expect((await fetch(url(`/sweeps/${id}`))).status).toBe(404);
    const deadline = Date.now() + 20_000;
    while ((await keysNaming(redis, id)).length > 0) {
      if (Date.now() > deadline) throw new Error(`keys of ${id} still there: ${(await keysNaming(redis, id)).slice(0, 5).join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await del(`/sweeps/${id}`)).status).toBe(404);
  });
});

describe('DELETE /sweeps/:id with webhook notifications (LAWSWEEP_NOTIFY_URL)', () => {
  let stack: PlannerStack;
  let redis: Redis;
  let server: Server;
  /** What the webhook was sent, by sweep name: it takes one sweep's messages (200) and is down (503) for the other's. */
  const posts: { name: string; status: number }[] = [];
  const url = (path: string) => `${stack.baseUrl}${path}`;
  const post = async <T = SweepJson>(path: string, body: unknown = {}) =>
    (await (await fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) })).json()) as T;
  const del = (path: string) => fetch(url(path), { method: 'DELETE', headers: auth });
  const postsFor = (name: string) => posts.filter((p) => p.name === name);

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const name = (JSON.parse(body) as { sweep: { name: string } }).sweep.name;
        const status = name === 'notify-retrying' ? 503 : 200;
        posts.push({ name, status });
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    stack = await PlannerStack.start({ planner: { token: TOKEN, notifyUrl: `http://127.0.0.1:${port}/hooks/secret` }, workers: [{ concurrency: 3 }] });
    redis = new Redis(stack.redis.url);
  }, 60_000);
  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
    await new Promise((r) => server?.close(r));
  });

  it("removes the sweep's webhook deliveries too (delivered, or still retrying: the webhook hears no more of it); no key names it", async () => {
    const delivered = await post('/sweeps', { ...base, name: 'notify-delivered', stop: { maxRuns: 3 } });
    const retrying = await post('/sweeps', { ...base, name: 'notify-retrying', stop: { maxRuns: 3 } });
    await waitFor('the delivered message', () => postsFor('notify-delivered').length === 1, 30_000);
    await waitFor("the other's first try (503: retried in 2 s)", () => postsFor('notify-retrying').length === 1, 30_000);
    // Its delivery waits for its retry in the notify queue, under a job id naming the sweep.
    expect((await keysNaming(redis, retrying.id)).some((k) => k.includes('lawsweep-notify'))).toBe(true);
    expect((await del(`/sweeps/${retrying.id}`)).status).toBe(200);
    expect(await keysNaming(redis, retrying.id)).toEqual([]);

    await waitFor('the delivered job to complete', async () => (await keysNaming(redis, delivered.id)).some((k) => k.includes('lawsweep-notify')));
    expect((await del(`/sweeps/${delivered.id}`)).status).toBe(200);
    expect(await keysNaming(redis, delivered.id)).toEqual([]);

    await new Promise((r) => setTimeout(r, 2_500)); // past the retry's wait
    expect(postsFor('notify-retrying')).toEqual([{ name: 'notify-retrying', status: 503 }]);
    expect(postsFor('notify-delivered')).toHaveLength(1);
    expect(await keysNaming(redis, retrying.id)).toEqual([]);
  });

  it('a replica without a notify URL (unset since, or another replica sends them) removes them too', async () => {
    const delivered = await post('/sweeps', { ...base, name: 'notify-delivered', stop: { maxRuns: 3 } });
    await waitFor('the delivered job to complete', async () => (await keysNaming(redis, delivered.id)).some((k) => k.includes('lawsweep-notify')), 30_000);
    const { bootstrapPlanner } = await import('../apps/planner/src/bootstrap');
    const plain = await bootstrapPlanner({ redisUrl: stack.redis.url, port: 0, host: '127.0.0.1', token: TOKEN, logger: ['error'] });
    try {
      const addr = plain.getHttpServer().address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${addr.port}/sweeps/${delivered.id}`, { method: 'DELETE', headers: auth });
      expect(res.status).toBe(200);
      expect(await keysNaming(redis, delivered.id)).toEqual([]);
    } finally {
      await plain.close();
    }
  });
});
