import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import type { SweepStore } from '@lawsweep/store';
import { PlannerConfig } from '../config/planner-config';
import type { MetricsService } from '../metrics/metrics.service';
import { NotifierService } from './notifier.service';

/** A real HTTP webhook answering each POST with the next status of `statuses` (200 after them). */
async function webhook(statuses: number[]): Promise<{ server: Server; url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T0/B0/secret`, bodies };
}

describe('NotifierService (a real HTTP webhook; the store and metrics stubbed at the edge)', () => {
  const sweepRecord = { id: 'sw-1', name: 'n', spec: { targets: [] }, budget: 10, spent: 5, reserved: 0, runs: { done: 3, failed: 0 } };
  const store = { getSweep: async () => sweepRecord } as unknown as SweepStore;
  let counter: Counter<'event' | 'outcome'>;
  let warnings: string[];
  const servers: Server[] = [];

  beforeEach(() => {
    counter = new Counter({ name: 'n_total', help: 'h', labelNames: ['event', 'outcome'], registers: [new Registry()] });
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((m: unknown) => void warnings.push(String(m)));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  const notifier = (url: string, delays = [10, 10, 10]) => {
    const config = new PlannerConfig('redis://127.0.0.1:6379', 0, '127.0.0.1', undefined, 'p:', 'bull', 5000, 15000, 30000, '10mb', 30000, false, 10, 3_600_000, url);
    const n = new NotifierService(config, store, { notifications: counter } as unknown as MetricsService);
    n.retryDelaysMs = delays;
    return n;
  };
  const count = async (outcome: string) => (await counter.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  const settled = (n: NotifierService) => n.onApplicationShutdown();

  it('retries a webhook answering 503 and 429 until it takes the message', async () => {
    const hook = await webhook([503, 429]);
    servers.push(hook.server);
    const n = notifier(hook.url);
    n.sweepEvent('sweep.done', 'sw-1', { state: 'done', reason: 'maxRuns (3) reached' });
    await settled(n);
    expect(hook.bodies).toHaveLength(3);
    expect(JSON.parse(hook.bodies[2])).toMatchObject({ event: 'sweep.done', sweep: { id: 'sw-1', state: 'done', stopReason: 'maxRuns (3) reached' } });
    expect(await count('sent')).toBe(1);
    expect(warnings).toEqual([]);
  });

  it('does not retry a refused request (4xx), and says so without the secret path', async () => {
    const hook = await webhook([404]);
    servers.push(hook.server);
    const n = notifier(hook.url);
    n.sweepEvent('sweep.failed', 'sw-1', { state: 'failed', reason: 'x' });
    await settled(n);
    expect(hook.bodies).toHaveLength(1);
    expect(await count('failed')).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^notification sweep\.failed for sweep sw-1: not delivered to http:\/\/127\.0\.0\.1:\d+ after HTTP 404$/);
  });

  it('retries an unreachable webhook, then logs it by origin only', async () => {
    const hook = await webhook([]);
    const url = hook.url;
    await new Promise((r) => hook.server.close(r)); // nothing listens there now
    const n = notifier(url);
    n.sweepEvent('sweep.paused', 'sw-1', { state: 'paused', reason: 'paused: x' });
    await settled(n);
    expect(await count('failed')).toBe(1);
    expect(warnings[0]).toMatch(/^notification sweep\.paused for sweep sw-1: not delivered to http:\/\/127\.0\.0\.1:\d+ after fetch failed: ECONNREFUSED$/);
    expect(warnings.join('\n')).not.toContain('secret');
  });

  it('counts a delivery still retrying when the planner stops as failed, and says so', async () => {
    const hook = await webhook([503, 503, 503, 503]);
    servers.push(hook.server);
    const n = notifier(hook.url, [60_000]);
    n.sweepEvent('sweep.done', 'sw-1', { state: 'done', reason: 'r' });
    await new Promise((r) => setTimeout(r, 200)); // the first try has met its 503
    const started = Date.now();
    await n.onApplicationShutdown();
    expect(Date.now() - started).toBeLessThan(6_000); // waited its few seconds, not the retry's minute
    expect(await count('failed')).toBe(1);
    expect(warnings).toEqual(['notification sweep.done for sweep sw-1: still being delivered when the planner stopped']);
  }, 15_000);

  it('sends nothing without a notify URL', async () => {
    const n = notifier('');
    n.sweepEvent('sweep.done', 'sw-1', { state: 'done', reason: 'r' });
    await settled(n);
    expect(await count('sent')).toBe(0);
    expect(await count('failed')).toBe(0);
  });
});
