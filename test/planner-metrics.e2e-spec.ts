import { PlannerStack } from './support/planner-stack';
import { postJson, sweepFinished, waitForSweep } from './support/planner-api';

/** Seconds an ended sweep keeps its own series here (LAWSWEEP_METRICS_ENDED_SWEEP_HOURS, as hours). */
const KEEP_ENDED_S = 4;

/**
 * The planner's /metrics for alerting and dashboards, scraped from a real planner with a real worker:
 * workers by pool and state, sweep states (every state, a sweep's own as a label), the oldest
 * active run, and an ended sweep's series dropped after LAWSWEEP_METRICS_ENDED_SWEEP_HOURS.
 */
describe('planner /metrics: workers, sweep states, ended sweeps', () => {
  let stack: PlannerStack;
  const scrape = async () => (await fetch(`${stack.baseUrl}/metrics`)).text();
  const sample = (text: string, name: string, labels: string) => new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1];
  const base = {
    variables: { N: { min: 1e7, max: 1e8, steps: 4 }, D: { min: 1e8, max: 1e10, steps: 5 } },
    budget: 2e18,
    targets: [{ N: 1e9, D: 2e10 }],
  };

  beforeAll(async () => {
    stack = await PlannerStack.start({ planner: { metricsEndedSweepHours: KEEP_ENDED_S / 3600 }, workers: [{ concurrency: 2 }] });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('counts the live worker of its pool, every worker state present, and every sweep state at 0 before any sweep', async () => {
    const text = await scrape();
    expect(sample(text, 'lawsweep_workers', 'pool="default",state="live"')).toBe('1');
    expect(sample(text, 'lawsweep_workers', 'pool="default",state="draining"')).toBe('0');
    expect(sample(text, 'lawsweep_workers', 'pool="default",state="gone"')).toBe('0');
    for (const st of ['running', 'paused', 'done', 'cancelled', 'failed']) expect(sample(text, 'lawsweep_sweeps', `state="${st}"`)).toBe('0');
    expect(sample(text, 'lawsweep_run_oldest_active_seconds', 'pool="default"')).toBe('0');
  });

  it('labels the sweep state in lawsweep_sweep_info and ages the oldest active run; pausing moves the label', async () => {
    const slow = { ...base, name: 'metrics-slow', stop: { maxRuns: 12 }, trainer: { type: 'simulate', truth: 'chinchilla', secondsPerCost: 1, maxSeconds: 3 } };
    const { id } = await postJson<{ id: string }>(`${stack.baseUrl}/sweeps`, slow);
    await waitForSweep(stack.baseUrl, id, (s) => s.runs.running > 0, 'a run taken by the worker');
    // Active jobs are read at most every 10 s: wait for a read that sees one.
    let text = '';
    const deadline = Date.now() + 20_000;
    while (!(Number(sample((text = await scrape()), 'lawsweep_run_oldest_active_seconds', 'pool="default"')) > 0)) {
      if (Date.now() > deadline) throw new Error(`no oldest active run: ${text}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(sample(text, 'lawsweep_sweep_info', `sweep="${id}",name="metrics-slow",state="running"`)).toBe('1');
    expect(sample(text, 'lawsweep_sweeps', 'state="running"')).toBe('1');

    expect((await fetch(`${stack.baseUrl}/sweeps/${id}/pause`, { method: 'POST' })).status).toBeLessThan(300);
    text = await scrape();
    expect(sample(text, 'lawsweep_sweep_info', `sweep="${id}",name="metrics-slow",state="paused"`)).toBe('1');
    expect(text).not.toMatch(new RegExp(`^lawsweep_sweep_info\\{sweep="${id}",[^}]*state="running"`, 'm'));
    expect(sample(text, 'lawsweep_sweeps', 'state="running"')).toBe('0');
    expect(sample(text, 'lawsweep_sweeps', 'state="paused"')).toBe('1');
    await fetch(`${stack.baseUrl}/sweeps/${id}/cancel`, { method: 'POST' });
    await waitForSweep(stack.baseUrl, id, sweepFinished, 'the cancelled sweep to let its runs go');
  }, 60_000);

  it("labels an expression law's fits `expression`; an ended sweep loses its last pick gain at once and its own series after the configured time", async () => {
    const params = { E: [0.5, 5], A: [1, 1e5], B: [1, 1e6], alpha: [0.05, 1], beta: [0.05, 1] };
    const spec = { ...base, name: 'metrics-ends', law: { expression: 'E + A / N^alpha + B / D^beta', params }, stop: { maxRuns: 8 }, trainer: { type: 'simulate', truth: 'chinchilla', noise: 0.005, secondsPerCost: 1, maxSeconds: 0.3 } };
    const { id } = await postJson<{ id: string }>(`${stack.baseUrl}/sweeps`, spec);
    const gain = `lawsweep_last_pick_information_gain_nats\\{sweep="${id}"\\}`;
    // Set by the planner's picks while the sweep runs.
    const deadline = Date.now() + 20_000;
    while (!new RegExp(`^${gain} `, 'm').test(await scrape())) {
      if (Date.now() > deadline) throw new Error('no last pick gain for the running sweep');
      await new Promise((r) => setTimeout(r, 50));
    }
    const ended = await waitForSweep(stack.baseUrl, id, sweepFinished, 'the sweep to end', 40_000);
    const endedAt = Date.now();
    expect(ended.state).toBe('done');
    let text = await scrape();
    if (Date.now() - endedAt < (KEEP_ENDED_S - 1) * 1000) {
      expect(sample(text, 'lawsweep_sweep_info', `sweep="${id}",name="metrics-ends",state="done"`)).toBe('1');
      expect(text).toMatch(new RegExp(`^lawsweep_budget_total\\{sweep="${id}"`, 'm'));
      expect(text).toMatch(new RegExp(`^lawsweep_runs\\{sweep="${id}",state="done"\\} [1-9]`, 'm'));
    }
    expect(text).not.toMatch(new RegExp(`^${gain}`, 'm'));
    expect(text).toMatch(/^lawsweep_fit_duration_seconds_count\{law="expression"\} [1-9]/m);
    expect(text).not.toMatch(/law="expression: /);

    await new Promise((r) => setTimeout(r, KEEP_ENDED_S * 1000 + 500 - (Date.now() - endedAt)));
    text = await scrape();
    for (const name of ['lawsweep_sweep_info', 'lawsweep_budget_total', 'lawsweep_budget_spent', 'lawsweep_budget_reserved', 'lawsweep_runs', 'lawsweep_fit_param', 'lawsweep_target_loss', 'lawsweep_runs_failed_in_a_row']) {
      expect(text).not.toMatch(new RegExp(`^${name}\\{sweep="${id}"`, 'm'));
    }
    expect(Number(sample(text, 'lawsweep_sweeps', 'state="done"'))).toBe(1);
  }, 60_000);
});
