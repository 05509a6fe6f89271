import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Counter, Registry } from 'prom-client';
import { parseSweepSpec } from '@lawsweep/contracts';
import { SweepStore, type SweepRecord } from '@lawsweep/store';
import { startRedis, type TestRedis } from '../../../../test/support/redis-server';
import { PlannerConfig } from '../config/planner-config';
import { MetricsService } from '../metrics/metrics.service';
import { redisOptionsFromUrl } from '../redis/redis-options';
import { NotifierService } from './notifier.service';
import { sweepNotification } from './notification';
import { NOTIFY_ATTEMPTS, NOTIFY_QUEUE } from './notify-queue';
import { NotifyProcessor } from './notify.processor';

/** A real HTTP webhook answering each POST with the next status of `statuses` (200 after them), or the status `statuses` gives its body. */
async function webhook(statuses: number[] | ((body: string) => number)): Promise<{ server: Server; url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.statusCode = typeof statuses === 'function' ? statuses(body) : (statuses.shift() ?? 200);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T0/B0/secret`, bodies };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The notifier and its delivery processor as the planner wires them (BullMQ on a real Redis, a real
 * HTTP webhook); the sweep store and the metrics registry stubbed at the edge.
 */
describe('NotifierService + NotifyProcessor (durable webhook deliveries)', () => {
  const sweepRecord = { id: 'sw-1', name: 'n', spec: { targets: [] }, budget: 10, spent: 5, reserved: 0, runs: { done: 3, failed: 0 } };
  const store = { getSweep: async () => sweepRecord } as unknown as SweepStore;
  let redis: TestRedis;
  let counter: Counter<'event' | 'outcome'>;
  let warnings: string[];
  let prefix = 0;
  const servers: Server[] = [];
  const apps: TestingModule[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  beforeEach(() => {
    counter = new Counter({ name: 'n_total', help: 'h', labelNames: ['event', 'outcome'], registers: [new Registry()] });
    warnings = [];
    prefix++;
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((m: unknown) => void warnings.push(String(m)));
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
    jest.restoreAllMocks();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  /** A planner's notification parts, on this test's queue prefix. */
  /** Registered as AppModule does: the queue and the processor only with a notify URL. */
  async function planner(url: string, backoffMs = 10, sweepStore: SweepStore = store): Promise<{ notifier: NotifierService; queue?: Queue }> {
    const redisUrl = redis.url;
    const config = new PlannerConfig(redisUrl, 0, '127.0.0.1', undefined, 'p:', `bull${prefix}`, 5000, 15000, 30000, '10mb', 30000, false, 10, 3_600_000, url || undefined);
    const app = await Test.createTestingModule({
      imports: [BullModule.forRoot({ connection: { ...redisOptionsFromUrl(redisUrl), maxRetriesPerRequest: null }, prefix: config.queuePrefix }), ...(url ? [BullModule.registerQueue({ name: NOTIFY_QUEUE })] : [])],
      providers: [NotifierService, ...(url ? [NotifyProcessor] : []), { provide: PlannerConfig, useValue: config }, { provide: SweepStore, useValue: sweepStore }, { provide: MetricsService, useValue: { notifications: counter } }],
    }).compile();
    await app.init();
    apps.push(app);
    const notifier = app.get(NotifierService);
    notifier.backoffMs = backoffMs;
    return { notifier, queue: url ? app.get<Queue>(getQueueToken(NOTIFY_QUEUE)) : undefined };
  }
  const count = async (outcome: string) => (await counter.get()).values.filter((v) => v.labels.outcome === outcome).reduce((n, v) => n + v.value, 0);

  it('retries a webhook answering 503 and 429 until it takes the message', async () => {
    const hook = await webhook([503, 429]);
    servers.push(hook.server);
    const { notifier } = await planner(hook.url);
    notifier.sweepEvent('sweep.done', 'sw-1', { state: 'done', reason: 'maxRuns (3) reached' });
    await until('delivery', async () => (await count('sent')) === 1);
    expect(hook.bodies).toHaveLength(3);
    expect(JSON.parse(hook.bodies[2])).toMatchObject({ event: 'sweep.done', sweep: { id: 'sw-1', state: 'done', stopReason: 'maxRuns (3) reached' } });
    expect(warnings).toEqual([]);
  });

  it('does not retry a refused request (4xx), and says so without the secret path', async () => {
    const hook = await webhook([404]);
    servers.push(hook.server);
    const { notifier, queue } = await planner(hook.url);
    notifier.sweepEvent('sweep.failed', 'sw-1', { state: 'failed', reason: 'x' });
    await until('the failure', async () => (await count('failed')) === 1);
    expect(hook.bodies).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^notification sweep\.failed for sweep sw-1: not delivered to http:\/\/127\.0\.0\.1:\d+ after HTTP 404$/);
    // Kept in the failed set, with its reason, for Bull Board.
    const [failed] = await queue!.getFailed();
    expect(failed.failedReason).toBe('HTTP 404');
  });

  it('retries an unreachable webhook through every attempt, then logs it by origin only', async () => {
    const hook = await webhook([]);
    const url = hook.url;
    await new Promise((r) => hook.server.close(r)); // nothing listens there now
    const { notifier, queue } = await planner(url, 2);
    notifier.sweepEvent('sweep.paused', 'sw-1', { state: 'paused', reason: 'paused: x' });
    await until('the last try', async () => (await count('failed')) === 1, 20_000);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^notification sweep\\.paused for sweep sw-1: not delivered to http://127\\.0\\.0\\.1:\\d+ after fetch failed: ECONNREFUSED \\(${NOTIFY_ATTEMPTS} tries\\)$`));
    const [failed] = await queue!.getFailed();
    expect(failed.attemptsMade).toBe(NOTIFY_ATTEMPTS);
    expect(JSON.stringify(failed.stacktrace) + failed.failedReason + warnings.join('\n')).not.toContain('secret');
  }, 30_000);

  it('a delivery still retrying when its planner stops is delivered by the next planner', async () => {
    const hook = await webhook([503]);
    servers.push(hook.server);
    const first = await planner(hook.url, 1_500);
    first.notifier.sweepEvent('sweep.done', 'sw-1', { state: 'done', reason: 'r' });
    await until('the first try to wait for its retry', async () => hook.bodies.length === 1 && (await first.queue!.getJobCounts('delayed')).delayed === 1);
    await apps.shift()?.close(); // the planner stops while the message waits for its retry
    expect(await count('sent')).toBe(0);
    expect(warnings).toEqual([]);
    await planner(hook.url);
    await until('delivery by the next planner', async () => (await count('sent')) === 1);
    expect(hook.bodies).toHaveLength(2);
    expect(hook.bodies[1]).toBe(hook.bodies[0]);
  }, 20_000);

  it('a message its planner left in the outbox (stopped between the state change and queueing it) is queued by the next one, once', async () => {
    const hook = await webhook([]);
    servers.push(hook.server);
    const client = new Redis(redis.url);
    try {
      const real = new SweepStore(client, { prefix: `outbox${prefix}:` });
      const parsed = parseSweepSpec({ name: 'outbox', variables: { N: { min: 1e7, max: 1e9 } }, budget: 1e20, targets: [{ N: 1e10 }], trainer: { type: 'simulate' }, law: { expression: 'E + A / N^a', params: { E: [1, 3], A: [1, 1e4], a: [0.1, 1] } } });
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      const id = await real.createSweep(parsed.spec);
      const { notifier } = await planner(hook.url, 10, real);
      const change = { state: 'done', reason: 'maxRuns (3) reached' } as const;
      const made = Date.now() - 61_000;
      const note = notifier.intent('sweep.done', id, change, made)!;
      // The state change leaves the message in the outbox in the same step; its planner was killed before queueing it.
      expect(await real.transition(id, ['running'], 'done', change.reason, made, undefined, note)).toBe('ok');
      expect(await real.notifyOutbox()).toEqual([note]);
      // A refused change leaves nothing.
      expect(await real.transition(id, ['running'], 'failed', 'x', Date.now(), undefined, notifier.intent('sweep.failed', id, { state: 'failed', reason: 'x' }))).toBe('done');
      expect(await real.notifyOutbox()).toEqual([note]);

      expect(await notifier.redeliverStranded(made + 30_000)).toBe(0); // its planner may still be queueing it
      expect(await notifier.redeliverStranded()).toBe(1);
      await until('delivery from the outbox', async () => (await count('sent')) === 1);
      expect(JSON.parse(hook.bodies[0])).toMatchObject({ event: 'sweep.done', sweep: { id, state: 'done' } });
      expect(await real.notifyOutbox()).toEqual([]);
      expect(await notifier.redeliverStranded()).toBe(0);
      // Queued but still in the outbox (a planner killed after queueing, before removing it): the same job id, not sent twice.
      await client.hset(`outbox${prefix}:notify-outbox`, note.id, note.json);
      expect(await notifier.redeliverStranded()).toBe(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(hook.bodies).toHaveLength(1);

      // The usual path: the planner that made the change queues it at once, and the outbox is emptied.
      const paused = { state: 'paused', reason: 'paused: x' } as const;
      const second = await real.createSweep(parsed.spec);
      const now = notifier.intent('sweep.paused', second, paused)!;
      expect(await real.transition(second, ['running'], 'paused', paused.reason, Date.now(), undefined, now)).toBe('ok');
      notifier.sweepEvent('sweep.paused', second, paused, now);
      await until('the second delivery', async () => (await count('sent')) === 2);
      expect(await real.notifyOutbox()).toEqual([]);
    } finally {
      client.disconnect();
    }
  });

  it("a deleted sweep's deliveries go: removeSweepJobs removes them in every state, and one still retrying never posts again", async () => {
    // The webhook refuses failure messages for good (404) and is down (503) for pause messages.
    const hook = await webhook((body) => (body.includes('"sweep.failed"') ? 404 : body.includes('"sweep.paused"') ? 503 : 200));
    servers.push(hook.server);
    const deleted = new Set<string>();
    const sweeps = { getSweep: async (id: string) => (deleted.has(id) ? undefined : { ...sweepRecord, id }) } as unknown as SweepStore;
    const { notifier, queue } = await planner(hook.url, 2_000, sweeps);
    // sw-A: one delivered (completed), one refused (failed), one waiting for its retry (delayed); sw-Ab and sw-B are other sweeps.
    const firstTry = Date.now();
    notifier.sweepEvent('sweep.paused', 'sw-A', { state: 'paused', reason: 'paused: x' });
    notifier.sweepEvent('sweep.failed', 'sw-A', { state: 'failed', reason: 'x' });
    notifier.sweepEvent('sweep.done', 'sw-A', { state: 'done', reason: 'r' });
    notifier.sweepEvent('sweep.done', 'sw-Ab', { state: 'done', reason: 'r' });
    notifier.sweepEvent('sweep.done', 'sw-B', { state: 'done', reason: 'r' });
    await until('the deliveries and the retry', async () => {
      const c = await queue!.getJobCounts('completed', 'failed', 'delayed');
      return c.completed === 3 && c.failed === 1 && c.delayed === 1;
    });
    const idsOf = async (sweep: string) => (await queue!.getRanges(['completed', 'failed', 'delayed', 'wait', 'active'], 0, -1)).filter((id) => id.startsWith(`${sweep}.`));
    expect(await idsOf('sw-A')).toHaveLength(3);
    const postedForA = () => hook.bodies.filter((b) => b.includes('"id":"sw-A"')).length;
    expect(postedForA()).toBe(3);

    deleted.add('sw-A');
    expect(await notifier.removeSweepJobs('sw-A')).toEqual([]);
    expect(await idsOf('sw-A')).toEqual([]);
    expect(await idsOf('sw-Ab')).toHaveLength(1);
    expect(await idsOf('sw-B')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, Math.max(0, firstTry + 2_500 - Date.now()))); // past the retry's wait
    expect(postedForA()).toBe(3);
  });

  it('a delivery about a sweep deleted since it was queued posts nothing and removes itself', async () => {
    const hook = await webhook([]);
    servers.push(hook.server);
    const gone = { getSweep: async () => undefined } as unknown as SweepStore;
    const { queue } = await planner(hook.url, 10, gone);
    await queue!.add('sweep.done', { event: 'sweep.done', sweepId: 'sw-gone', body: sweepNotification('sweep.done', { state: 'done', reason: 'r' }, { ...sweepRecord, id: 'sw-gone' } as unknown as SweepRecord) }, { jobId: 'sw-gone.sweep.done.1' });
    await until('the job to go', async () => (await queue!.getJobState('sw-gone.sweep.done.1')) === 'unknown');
    expect(hook.bodies).toEqual([]);
    expect(await count('sent')).toBe(0);
    expect(warnings).toEqual([]);
  });

  it('queues and sends nothing without a notify URL (no queue, no worker)', async () => {
    const { notifier, queue } = await planner('');
    expect(queue).toBeUndefined();
    notifier.sweepEvent('sweep.done', 'sw-1', { state: 'done', reason: 'r' });
    await notifier.onApplicationShutdown();
    expect(await count('sent')).toBe(0);
    expect(await count('failed')).toBe(0);
  });

  it('says and counts a notification it could not queue before stopping (Redis away)', async () => {
    const hook = await webhook([]);
    servers.push(hook.server);
    const { notifier } = await planner(hook.url);
    // Writes hang, as they do while Redis is away (BullMQ's connection waits for ever).
    const admin = new Redis(redis.url);
    await admin.call('CLIENT', 'PAUSE', '20000', 'WRITE');
    try {
      notifier.sweepEvent('sweep.done', 'sw-1', { state: 'done', reason: 'r' });
      await notifier.onApplicationShutdown();
      expect(await count('failed')).toBe(1);
      expect(warnings).toContain('notification sweep.done for sweep sw-1: not queued when the planner stopped (Redis unreachable)');
    } finally {
      await admin.call('CLIENT', 'UNPAUSE');
      admin.disconnect();
    }
  }, 20_000);
});
