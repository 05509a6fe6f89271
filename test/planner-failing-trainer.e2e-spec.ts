import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureCliBuilt, lawsweep } from './support/cli';
import { getJson, type ErrorJson, type RunJson, type SweepJson } from './support/planner-api';
import { PlannerStack } from './support/planner-stack';
import { waitFor } from './support/wait-for';

/**
 * A trainer that crashes on every config, through the real planner, a real worker and real child
 * processes: the circuit breaker pauses the sweep after `stop.pauseAfterFailures` failed runs in a
 * row, with the reason, having bought only those runs (and the ones already in flight), not the
 * grid; `lawsweep sweep status` shows why; once the trainer is fixed, resuming gives the failed runs
 * back (their configs may be bought again; they do not count against stop.maxRuns) and goes on to the end.
 * And a spec whose command names a placeholder no run has is refused before anything is bought.
 */
const TRAINER = resolve(__dirname, 'fixtures/trainers/crash-until-fixed.sh');
const PAUSE_AFTER = 3;
const PARALLELISM = 2;
/** The breaker trips on the PAUSE_AFTER-th failure; at most PARALLELISM - 1 others are in flight then. */
const MOST_BOUGHT = PAUSE_AFTER + PARALLELISM - 1;
const REASON = "trainer exited with code 1; stderr tail: ImportError: cannot import name 'flash_attn' (simulated)";

type Sweep = SweepJson & { planned?: number; failures: { inARow: number; pauseAfter: number; reasons?: { reason: string; count: number }[] } };

describe('planner: a trainer that keeps failing', () => {
  let stack: PlannerStack;
  let dir: string;

  beforeAll(async () => {
    ensureCliBuilt();
    dir = mkdtempSync(join(tmpdir(), 'lawsweep-failing-'));
    stack = await PlannerStack.start({ workers: [{ concurrency: PARALLELISM }] });
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = <T>(path: string) => getJson<T>(`${stack.baseUrl}${path}`);
  const post = (path: string, body: unknown = {}) => fetch(`${stack.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const settled = (s: Sweep) => s.runs.queued + s.runs.running === 0;
  const spec = (broken: string, command: string[] = ['sh', TRAINER, '{N}', '{D}']) => ({
    name: 'failing-trainer',
    law: 'chinchilla',
    // 36 candidates: without the breaker the sweep would try every one of them.
    variables: { N: { min: 1e7, max: 4e8, steps: 6 }, D: { min: 2e8, max: 2e10, steps: 6 } },
    budget: 1e22,
    targets: [{ N: 7e10, D: 1.4e12 }],
    parallelism: PARALLELISM,
    stop: { pauseAfterFailures: PAUSE_AFTER, maxRuns: 12 },
    trainer: { type: 'command', command, env: { BROKEN: broken } },
  });

  it('pauses after K failures in a row with the reason, having tried ~K runs; status shows why; resumed once fixed, it finishes', async () => {
    const broken = join(dir, 'broken');
    writeFileSync(broken, '');
    const res = await post('/sweeps', spec(broken));
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as Sweep;

    const paused = await waitFor('the breaker to pause the sweep with nothing in flight', async () => {
      const s = await get<Sweep>(`/sweeps/${id}`);
      return s.state === 'paused' && settled(s) ? s : undefined;
    }, 60_000);

    // Only ~K runs were bought: every one failed, each with the trainer's own last word.
    const runs = await get<RunJson[]>(`/sweeps/${id}/runs`);
    expect(runs.length).toBeGreaterThanOrEqual(PAUSE_AFTER);
    expect(runs.length).toBeLessThanOrEqual(MOST_BOUGHT);
    expect(runs.map((r) => r.state)).toEqual(runs.map(() => 'failed'));
    for (const r of runs) expect(r.reason).toMatch(/^trainer exited with code 1; stderr tail:\n.*ImportError: cannot import name 'flash_attn'/s);
    expect(paused.runs).toMatchObject({ failed: runs.length, done: 0, planned: runs.length });
    expect(paused.budget.reserved).toBe(0);

    // Said where users look: the warning (also the stop reason), the counts by reason.
    const warning = paused.warnings.find((w) => w.code === 'failing-runs');
    const inARow = paused.failures.inARow;
    expect(inARow).toBe(runs.length);
    // Counted when it tripped: K (or K+1 when two results landed before one plan pass); the run in flight then failed after.
    const [, tripped, top, of] = /^paused: the last (\d+) finished runs all failed, none succeeded in between; most common reason \((\d+) of (\d+)\): (.*?)\. Runs in flight finish/.exec(warning?.message ?? '') ?? [];
    expect(Number(tripped)).toBeGreaterThanOrEqual(PAUSE_AFTER);
    expect(Number(tripped)).toBeLessThanOrEqual(inARow);
    expect([top, of]).toEqual([tripped, tripped]);
    expect(warning?.message).toContain(`): ${REASON}. `);
    expect(warning?.message).toContain(`lawsweep sweep resume ${id}`);
    // One worker ran them all: named, as the node may be the cause.
    expect(warning?.message).toMatch(new RegExp(` All \\d+ failed on worker ${runs[0].worker}: check that node`));
    expect(paused.stopReason).toBe(warning?.message);
    expect(paused.stopCause).toBe('breaker');
    expect(paused.failures).toEqual({ inARow, pauseAfter: PAUSE_AFTER, reasons: [{ reason: REASON, count: runs.length }] });

    const status = await lawsweep(['sweep', 'status', id, '--planner', stack.baseUrl]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^sweep ${id} \\(failing-trainer\\): paused \\(paused: the last ${tripped} finished runs all failed`));
    expect(status.stdout).toContain(`  failed runs: ${runs.length}; ${inARow} in a row (the sweep pauses at ${PAUSE_AFTER}), most common reasons:\n    ${String(runs.length).padStart(4)} × ${REASON}\n`);

    // Someone watching it is not left waiting for a sweep that will not move: watch ends, exit 1, with the reason.
    const watch = await lawsweep(['sweep', 'watch', id, '--planner', stack.baseUrl, '--interval', '0.2']);
    expect(watch.code).toBe(1);
    expect(watch.stdout).toContain(`sweep ${id} paused (paused: the last ${tripped} finished runs all failed`);
    expect(watch.stderr).toContain(`lawsweep: ${warning?.message}`);

    const metrics = await (await fetch(`${stack.baseUrl}/metrics`)).text();
    expect(metrics).toContain('lawsweep_sweep_pauses_total{cause="failing-runs"} 1');
    expect(metrics).toContain(`lawsweep_runs_failed_in_a_row{sweep="${id}"} ${inARow}`);

    // Fixed, then resumed: the failure count starts afresh and the sweep goes on to its end.
    rmSync(broken);
    const resumed = await lawsweep(['sweep', 'resume', id, '--planner', stack.baseUrl]);
    expect(resumed).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^sweep ${id} running`)) });
    const done = await waitFor('the resumed sweep to end', async () => {
      const s = await get<Sweep>(`/sweeps/${id}`);
      return s.state !== 'running' && settled(s) ? s : undefined;
    }, 60_000);
    // The runs of the streak were given back on resume (the trainer was fixed, not their configs):
    // they no longer count against stop.maxRuns (12 done), and their configs could be bought again.
    expect(done).toMatchObject({ state: 'done', runs: { failed: runs.length, done: 12, planned: 12 }, failures: { inARow: 0 }, stopCause: 'maxRuns' });
    const after = await get<(RunJson & { released: boolean })[]>(`/sweeps/${id}/runs`);
    expect(after.filter((r) => r.state === 'failed').map((r) => [r.id, r.released])).toEqual(runs.map((r) => [r.id, true]));
    expect(done.warnings.map((w) => w.code)).not.toContain('failing-runs');
    // The failed runs' reasons stay counted.
    expect(done.failures.reasons).toEqual([{ reason: REASON, count: runs.length }]);
  }, 120_000);

  it('a spec whose command names an unknown placeholder is a 400 naming the field, and nothing is stored', async () => {
    const before = (await get<unknown[]>('/sweeps')).length;
    const res = await post('/sweeps', spec(join(dir, 'unused'), ['/nonexistent/train', '{N}', '{Q}']));
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorJson;
    expect(body.errors).toEqual([{ path: 'trainer.command.2', message: expect.stringMatching(/^unknown placeholder \{Q\} in '\{Q\}': a command can use the spec's variables \(\{N\}, \{D\}\) and \{runId\}, \{sweepId\}, \{runDir\}, \{attempt\}, \{seed\}/) }]);
    expect((await get<unknown[]>('/sweeps')).length).toBe(before);
  });
});
