import { Queue } from 'bullmq';
import { parseSweepSpec, RESULTS_QUEUE, resultJobOptions, type RunResult } from '@lawsweep/contracts';
import { simulateSweep } from '@lawsweep/design';
import { getLaw, optimalAllocation } from '@lawsweep/law';
import type { FitJson, RunJson, SweepJson } from './support/planner-api';
import { PlannerStack } from './support/planner-stack';
import { waitFor } from './support/wait-for';

/**
 * A planner and three real workers (simulate trainer) run a sweep to the end through Redis: the
 * budget is never over-committed at any observation, every run's result is recorded exactly once,
 * and the fit lands where the in-process `simulateSweep` lands on the same spec and seed.
 */
export const smallSpec = {
  name: 'e2e-chinchilla',
  law: 'chinchilla',
  variables: { N: { min: 1e7, max: 4e8, steps: 6 }, D: { min: 2e8, max: 2e10, steps: 6 } },
  constraints: ['D / N >= 2', 'D / N <= 500'],
  cost: '6 * N * D',
  budget: 3e18,
  targets: [{ N: 7e10, D: 1.4e12 }],
  parallelism: 3,
  seed: 7,
  stop: { maxRuns: 14 },
  trainer: { type: 'simulate', truth: 'chinchilla', noise: 0.005, secondsPerCost: 0 },
};

async function json<T = SweepJson>(res: Response): Promise<T> {
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${res.status}: ${JSON.stringify(body)}`);
  return body;
}

describe('planner + workers: a sweep end to end', () => {
  let stack: PlannerStack;

  beforeAll(async () => {
    stack = await PlannerStack.start({ workers: [{}, {}, {}] });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('runs to the end within budget, records each result once, and fits like simulateSweep', async () => {
    const startedAt = Date.now();
    const created = await json(await fetch(`${stack.baseUrl}/sweeps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(smallSpec) }));
    expect(created).toMatchObject({ state: 'running', budget: { total: 3e18, spent: 0 } });
    const id: string = created.id;

    let sweep: SweepJson;
    let observations = 0;
    let maxInFlight = 0;
    const deadline = Date.now() + 45_000;
    for (;;) {
      sweep = await json(await fetch(`${stack.baseUrl}/sweeps/${id}`));
      observations++;
      // The time left, when one is measured (runs here are instant: maybe never), over a window the sweep has lived.
      if (sweep.timeLeft) {
        expect(sweep.state).toBe('running');
        expect(sweep.timeLeft.rate).toBeGreaterThan(0);
        const byBudget = (sweep.budget.total - sweep.budget.spent) / sweep.timeLeft.rate;
        if (sweep.timeLeft.until === 'budget') expect(sweep.timeLeft.seconds).toBeCloseTo(byBudget, 6);
        else expect(sweep.timeLeft.seconds).toBeLessThanOrEqual(byBudget);
        expect(sweep.timeLeft.windowSeconds).toBeLessThanOrEqual((Date.now() - startedAt) / 1000);
      }

      expect(sweep.budget.spent + sweep.budget.reserved).toBeLessThanOrEqual(sweep.budget.total * (1 + 1e-9));
      maxInFlight = Math.max(maxInFlight, sweep.runs.queued + sweep.runs.running);
      if (sweep.state !== 'running' && sweep.runs.queued + sweep.runs.running === 0) break;
      if (Date.now() > deadline) throw new Error(`sweep did not finish: ${JSON.stringify(sweep)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    // The budget invariant above was checked while runs were in flight, not only at the end (how
    // many polls that takes depends on the machine's speed, so the count itself is not asserted).
    expect(observations).toBeGreaterThan(1);
    expect(maxInFlight).toBeGreaterThan(0);
    expect(sweep.state).toBe('done');
    expect(sweep.timeLeft).toBeUndefined(); // nothing left once it ended
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(sweep.runs.done).toBeGreaterThanOrEqual(8);

    const runs = await json<RunJson[]>(await fetch(`${stack.baseUrl}/sweeps/${id}/runs`));
    expect(runs.every((r) => r.state === 'done' && (r.loss ?? 0) > 0 && r.worker)).toBe(true);
    expect(new Set(runs.map((r) => `${r.config.N},${r.config.D}`)).size).toBe(runs.length);
    const spentByRuns = runs.reduce((s, r) => s + r.cost, 0);
    expect(sweep.budget.spent).toBeCloseTo(spentByRuns, -Math.round(Math.log10(spentByRuns)) + 9);
    expect(sweep.budget.reserved).toBe(0);
    expect(runs.some((r) => r.curve.length > 0)).toBe(true);
    const csv = await fetch(`${stack.baseUrl}/sweeps/${id}/runs?format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('id,N,D,loss,state,cost,worker,attempts,imported');
    expect(lines).toHaveLength(runs.length + 1);
    expect(lines[1].split(',')[3]).toBe(String(runs[0].loss));
    const history = await json<{ spent: number; n: number }[]>(await fetch(`${stack.baseUrl}/sweeps/${id}/history`));
    expect(history.length).toBeGreaterThan(0);
    expect(history.every((h, i) => i === 0 || (h.n >= history[i - 1].n && h.spent >= history[i - 1].spent))).toBe(true);

    // A result delivered again (another job id, as after a crash before acknowledging) changes nothing.
    // Counted from what the metric says now: while runs were in flight, the reconciler and a job's
    // completed event may both have recorded one result (the second a harmless duplicate).
    const duplicates = (text: string) => Number(/lawsweep_results_total\{status="done",outcome="duplicate"\} (\d+)/.exec(text)?.[1] ?? 0);
    const before = duplicates(await (await fetch(`${stack.baseUrl}/metrics`)).text());
    const again: RunResult = { status: 'done', sweepId: id, runId: runs[0].id, loss: 99, curve: [], worker: 'replay', attempts: 1, durationMs: 1 };
    const results = new Queue(RESULTS_QUEUE, { connection: { host: '127.0.0.1', port: stack.redis.port } });
    await results.add('result', again, { ...resultJobOptions(runs[0].id), jobId: `${runs[0].id}-again` });
    // Wait for the planner to have handled it (a poll, not a fixed sleep: a loaded machine is slower).
    let metrics = '';
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      metrics = await (await fetch(`${stack.baseUrl}/metrics`)).text();
      if (duplicates(metrics) > before) break;
    }
    await results.close();
    expect(duplicates(metrics)).toBe(before + 1);
    expect(metrics).toMatch(new RegExp(`lawsweep_results_total\\{status="done",outcome="recorded"\\} ${runs.length}\\b`));
    expect(metrics).toMatch(/bullmq_job_count\{queue="lawsweep-results"/);
    // BullMQ's completed/failed totals need workers started with its `metrics` option: always 0 here, so not exported.
    expect(metrics).not.toMatch(/^bullmq_job_(completed|failed)_total/m);
    for (const name of ['lawsweep_budget_total', 'lawsweep_budget_spent', 'lawsweep_budget_reserved', 'lawsweep_runs', 'lawsweep_fit_param', 'lawsweep_fit_param_stderr', 'lawsweep_target_loss']) {
      expect(metrics).toMatch(new RegExp(`^${name}\\{[^}]*sweep="${id}"`, 'm'));
    }
    expect(metrics).toMatch(new RegExp(`^lawsweep_sweep_info\\{sweep="${id}",name="[^"]*",state="done"\\} 1$`, 'm'));
    // The last pick's gain says nothing about a sweep that ended: its series is gone.
    expect(metrics).not.toMatch(new RegExp(`^lawsweep_last_pick_information_gain_nats\\{[^}]*sweep="${id}"`, 'm'));
    expect(metrics).toMatch(new RegExp(`^lawsweep_runs\\{sweep="${id}",state="done"\\} ${runs.length}$`, 'm'));
    expect(metrics).toMatch(/^lawsweep_fit_duration_seconds_count\{law="chinchilla"\} [1-9]/m);
    expect(metrics).toMatch(/^lawsweep_plan_duration_seconds_count [1-9]/m);
    const after = await json(await fetch(`${stack.baseUrl}/sweeps/${id}`));
    expect(after.budget.spent).toBe(sweep.budget.spent);
    expect((await json<RunJson[]>(await fetch(`${stack.baseUrl}/sweeps/${id}/runs`)))[0].loss).toBe(runs[0].loss);

    // The same spec and seed, simulated in-process: the fits agree within their intervals.
    const parsed = parseSweepSpec(smallSpec);
    if (!parsed.ok) throw new Error('spec');
    const sim = simulateSweep(parsed.spec, { seed: smallSpec.seed });
    const simTarget = sim.checkpoints[sim.checkpoints.length - 1].targets[0];
    const fit = await json<FitJson>(await fetch(`${stack.baseUrl}/sweeps/${id}/fit`));
    const ours = fit.predictions[0];
    if (process.env.E2E_VERBOSE) console.log(JSON.stringify({ sweep, ours, simTarget, n: runs.length, simRuns: sim.checkpoints.at(-1)?.runs.length, ended: sim.ended, frontier: fit.frontier?.slice(0, 2) }, null, 1));
    expect(fit.n).toBe(runs.length);
    // Runs spread over N and D by the design pin the law: the fit carries no warning.
    expect(fit.warnings).toEqual([]);
    const halfWidths = (ours.upper - ours.lower) / 2 + (simTarget.upper - simTarget.lower) / 2;
    expect(Math.abs(ours.loss - simTarget.loss)).toBeLessThanOrEqual(Math.max(halfWidths, 0.02 * simTarget.loss));
    // Same budget, same stopping rule: the sweep bought about as many runs as the simulation.
    expect(Math.abs(runs.length - sim.checkpoints[sim.checkpoints.length - 1].runs.length)).toBeLessThanOrEqual(3);
    // The fit's compute-optimal frontier: 8 levels from the cheapest candidate up to the target's compute,
    // each point on its iso-cost curve (6ND) and at the fitted law's optimum there (libs/law's
    // optimalAllocation, to within the frontier's scan step of 0.03 decades in N), with the fit's loss.
    const law = getLaw('chinchilla');
    const theta = law.toTheta(fit.params);
    const frontier = fit.frontier ?? [];
    expect(frontier).toHaveLength(8);
    expect(frontier[0].compute / (6 * 1e7 * 2e8)).toBeCloseTo(1, 6);
    expect(frontier[7].compute / (6 * 7e10 * 1.4e12)).toBeCloseTo(1, 6);
    for (const [i, p] of frontier.entries()) {
      if (i > 0) expect(p.compute).toBeGreaterThan(frontier[i - 1].compute);
      expect((6 * p.config.N * p.config.D) / p.compute).toBeCloseTo(1, 4);
      expect(Math.abs(Math.log10(p.config.N / optimalAllocation(law, theta, p.compute).N))).toBeLessThan(0.04);
      expect(p.loss / Math.exp(law.logLoss(theta, p.config))).toBeCloseTo(1, 10);
    }
  });

  it('says how long a running sweep has left at its pace: here stop.maxRuns ends it before the budget', async () => {
    // Runs of 0.15 s, two in flight, 200 of them from a 20 x 20 grid (346 candidates within the
    // constraints; 15 s, longer than the test: it cancels the sweep when done), and a budget beyond
    // what every candidate together costs.
    const variables = { N: { ...smallSpec.variables.N, steps: 20 }, D: { ...smallSpec.variables.D, steps: 20 } };
    const spec = { ...smallSpec, name: 'e2e-time-left', variables, budget: 1e23, parallelism: 2, stop: { maxRuns: 200 }, trainer: { ...smallSpec.trainer, secondsPerCost: 1, maxSeconds: 0.15 } };
    const { id } = await json(await fetch(`${stack.baseUrl}/sweeps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) }));
    const pause = () => new Promise((r) => setTimeout(r, 50));
    try {
      const sweep = await waitFor('a time left measured', async () => (await json(await fetch(`${stack.baseUrl}/sweeps/${id}`))).timeLeft, 30_000);
      expect(sweep).toMatchObject({ until: 'maxRuns' });
      expect(sweep.runRate).toBeGreaterThan(0);
      // At most 200 runs of 0.15 s, two at a time (15 s; the pace of the first runs, with their fits, is slower): not the budget's years.
      expect(sweep.seconds).toBeGreaterThan(0);
      expect(sweep.seconds).toBeLessThan(3_600);
      // The list has it too.
      const listed = await waitFor('the time left in GET /sweeps', async () => (await json<SweepJson[]>(await fetch(`${stack.baseUrl}/sweeps`))).find((s) => s.id === id && s.timeLeft)?.timeLeft, 10_000);
      expect(listed).toMatchObject({ until: 'maxRuns' });
      // And it is a Prometheus gauge.
      const gauge = new RegExp(`^lawsweep_sweep_time_left_seconds\\{sweep="${id}",name="e2e-time-left",until="maxRuns"\\} ([\\d.e+-]+)$`, 'm');
      const scraped = await waitFor('the time-left gauge', async () => {
        const m = gauge.exec(await (await fetch(`${stack.baseUrl}/metrics`)).text());
        if (!m) await pause();
        return m;
      }, 10_000);
      expect(Number(scraped[1])).toBeGreaterThan(0);
      expect(Number(scraped[1])).toBeLessThan(3_600);
    } finally {
      await fetch(`${stack.baseUrl}/sweeps/${id}/cancel`, { method: 'POST' });
    }
  });

  it('says the candidates run out before a budget they cannot spend', async () => {
    // The same 20 x 20 grid without a run limit: every candidate together costs ~1.2e21 of the 1e25
    // budget, so it ends when they are bought, not when the budget is spent.
    const variables = { N: { ...smallSpec.variables.N, steps: 20 }, D: { ...smallSpec.variables.D, steps: 20 } };
    const spec = { ...smallSpec, name: 'e2e-time-left-candidates', variables, budget: 1e25, parallelism: 2, stop: {}, trainer: { ...smallSpec.trainer, secondsPerCost: 1, maxSeconds: 0.15 } };
    const { id } = await json(await fetch(`${stack.baseUrl}/sweeps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) }));
    try {
      const { sweep, left } = await waitFor('a time left measured', async () => {
        const s = await json(await fetch(`${stack.baseUrl}/sweeps/${id}`));
        return s.timeLeft ? { sweep: s, left: s.timeLeft } : undefined;
      }, 30_000);
      expect(left).toMatchObject({ until: 'candidates' });
      // At most 346 candidates (the grid within the constraints) of 0.15 s, two at a time, at the pace
      // of the first runs: minutes, where the budget left at that pace would take far longer.
      expect(left.seconds).toBeGreaterThan(0);
      expect(left.seconds).toBeLessThan(3_600);
      expect(left.seconds * 100).toBeLessThan((sweep.budget.total - sweep.budget.spent) / left.rate);
    } finally {
      await fetch(`${stack.baseUrl}/sweeps/${id}/cancel`, { method: 'POST' });
    }
  });

  it('warns of a secret-looking trainer.env key (stored with the sweep, copied into every job), naming it', async () => {
    // A pool no worker serves: the command never runs; the pass still says what it sees.
    const trainer = { type: 'command', command: ['python3', 'train.py'], env: { HF_TOKEN: 'hf_not_a_real_one', OUT: '{runDir}/out' } };
    const spec = { ...smallSpec, name: 'e2e-secret-env', pool: 'no-worker-here', trainer };
    const { id } = await json(await fetch(`${stack.baseUrl}/sweeps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) }));
    try {
      const warnings = await waitFor('the pass\'s warnings', async () => {
        const s = await json(await fetch(`${stack.baseUrl}/sweeps/${id}`));
        return s.warnings.length > 0 ? s.warnings : undefined;
      }, 10_000);
      expect(warnings.map((w) => w.code).sort()).toEqual(['no-live-workers', 'secret-in-spec']);
      expect(warnings.find((w) => w.code === 'secret-in-spec')?.message).toMatch(/^trainer\.env\.HF_TOKEN looks like a secret: .*workers' environment instead/);
    } finally {
      await fetch(`${stack.baseUrl}/sweeps/${id}/cancel`, { method: 'POST' });
    }
  });
});
