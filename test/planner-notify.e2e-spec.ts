import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postJson, type SweepJson } from './support/planner-api';
import { PlannerStack } from './support/planner-stack';
import { waitFor } from './support/wait-for';

/**
 * LAWSWEEP_NOTIFY_URL: a real planner POSTs to a real HTTP server when a sweep ends or its circuit
 * breaker pauses it, once per event, retrying a webhook that answered 503 first.
 */
const base = {
  law: 'chinchilla',
  variables: { N: { min: 1e7, max: 4e8, steps: 6 }, D: { min: 2e8, max: 2e10, steps: 6 } },
  constraints: ['D / N >= 2', 'D / N <= 500'],
  budget: 1e18,
  targets: [{ N: 7e10, D: 1.4e12 }],
  parallelism: 2,
  seed: 3,
  trainer: { type: 'simulate', truth: 'chinchilla', noise: 0.005, secondsPerCost: 0 },
};

interface Notification {
  event: string;
  text: string;
  sweep: { id: string; state: string; stopReason?: string; stopCause?: string; runs: { done: number; failed: number } };
}

describe('planner: webhook notifications (LAWSWEEP_NOTIFY_URL)', () => {
  let stack: PlannerStack;
  let server: Server;
  const received: { path: string; body: Notification }[] = [];
  /** Requests answered 503 before the webhook "comes up". */
  let down = 1;
  let refused = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (down > 0) {
          down--;
          refused++;
          res.statusCode = 503;
          return void res.end('down');
        }
        received.push({ path: req.url ?? '', body: JSON.parse(body) as Notification });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    stack = await PlannerStack.start({ planner: { notifyUrl: `http://127.0.0.1:${port}/hooks/T000/secret` }, workers: [{ concurrency: 2 }] });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await new Promise((r) => server?.close(r));
  });

  const eventsFor = (id: string) => received.filter((r) => r.body.sweep.id === id);

  it('tells the webhook once when a sweep ends, retrying when it was down', async () => {
    const { id } = await postJson<SweepJson>(`${stack.baseUrl}/sweeps`, { ...base, name: 'notify-done', stop: { maxRuns: 10 } });
    const [note] = await waitFor('the done notification', () => (eventsFor(id).length ? eventsFor(id) : undefined), 20_000);
    expect(refused).toBe(1); // the first try met the 503, the retry got through
    expect(note.path).toBe('/hooks/T000/secret');
    expect(note.body).toMatchObject({ event: 'sweep.done', sweep: { id, state: 'done', stopReason: 'maxRuns (10) reached', stopCause: 'maxRuns', runs: { done: 10, failed: 0 } } });
    expect(note.body.text).toMatch(new RegExp(`^lawsweep: sweep ${id} \\(notify-done\\) done: maxRuns \\(10\\) reached; spent [\\d.]+% of 1\\.00e18 in 10 runs \\(0 failed\\); target N=7\\.00e10 D=1\\.40e12: \\d\\.\\d{4} ±[\\d.]+%$`));
    await new Promise((r) => setTimeout(r, 1_500)); // three planning ticks (500 ms here): nothing more is sent for it
    expect(eventsFor(id)).toHaveLength(1);
    expect(await (await fetch(`${stack.baseUrl}/metrics`)).text()).toMatch(/^lawsweep_notifications_total\{event="sweep\.done",outcome="sent"\} 1$/m);
    // The delivery is a job of the notify queue, shown read-only at /queues (a job added or edited
    // there would be POSTed to the webhook), holding the message and not the URL.
    const board = (await (await fetch(`${stack.baseUrl}/queues/api/queues?activeQueue=lawsweep-notify&status=completed`)).json()) as {
      queues: { name: string; readOnlyMode: boolean; jobs: { data: unknown }[] }[];
    };
    const notify = board.queues.find((q) => q.name === 'lawsweep-notify');
    expect(notify?.readOnlyMode).toBe(true);
    expect(notify?.jobs.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(notify?.jobs)).toContain(id);
    expect(JSON.stringify(notify?.jobs)).not.toContain('secret');
  });

  it('tells it when the circuit breaker pauses a sweep whose runs keep failing', async () => {
    const trainer = { type: 'command', command: [process.execPath, '-e', "console.error('CUDA out of memory (simulated)'); process.exit(1)"] };
    const { id } = await postJson<SweepJson>(`${stack.baseUrl}/sweeps`, { ...base, name: 'notify-paused', trainer, stop: { pauseAfterFailures: 2 } });
    const [note] = await waitFor('the paused notification', () => (eventsFor(id).length ? eventsFor(id) : undefined), 30_000);
    expect(note.body).toMatchObject({ event: 'sweep.paused', sweep: { id, state: 'paused' } });
    expect(note.body.text).toMatch(new RegExp(`^lawsweep: sweep ${id} \\(notify-paused\\) paused: the last 2 finished runs all failed.*CUDA out of memory \\(simulated\\)`));
  });

  // (It also found a race: a plan pass whose reservations met the pause, then saw the sweep running
  // again after the resume, ended it as failed with nothing bought; such a pass now plans again.)
  it("sends nothing for what the user did (pause, resume, cancel): they know", async () => {
    const slow = { ...base.trainer, secondsPerCost: 1, maxSeconds: 30 };
    const { id } = await postJson<SweepJson>(`${stack.baseUrl}/sweeps`, { ...base, name: 'notify-user', trainer: slow });
    for (const action of ['pause', 'resume', 'cancel']) {
      const res = await fetch(`${stack.baseUrl}/sweeps/${id}/${action}`, { method: 'POST' });
      const detail = res.status === 200 ? '' : JSON.stringify(await (await fetch(`${stack.baseUrl}/sweeps/${id}`)).json());
      expect(`${action} ${res.status} ${detail}`).toBe(`${action} 200 `);
    }
    await new Promise((r) => setTimeout(r, 1_500)); // three planning ticks
    expect(eventsFor(id)).toEqual([]);
  });
});
