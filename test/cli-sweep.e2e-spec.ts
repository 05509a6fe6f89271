import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './support/built';
import { CLI_BIN, ensureCliBuilt, lawsweep } from './support/cli';
import { PlannerStack } from './support/planner-stack';
import { waitFor } from './support/wait-for';

const TOKEN = 'cli-e2e-token';

/** The built CLI as a child process (stdout is a pipe, so `watch` prints plain lines). */
const cli = lawsweep;

describe('lawsweep sweep ... and plot against a running planner (built CLI, child processes)', () => {
  let stack: PlannerStack;
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'lawsweep-cli-e2e-'));
  let sweepId = '';

  beforeAll(async () => {
    ensureCliBuilt();
    stack = await PlannerStack.start({ planner: { token: TOKEN }, workers: [{ concurrency: 2 }, { concurrency: 2 }] });
    env = { LAWSWEEP_PLANNER_URL: stack.baseUrl, LAWSWEEP_TOKEN: TOKEN };
    // A candidates CSV next to the spec: the CLI reads it and sends the configs inline.
    const pool = ['N,D', ...[1e7, 2e7, 5e7, 1e8].flatMap((n) => [20, 60, 200].map((r) => `${n},${n * r}`))].join('\n');
    writeFileSync(join(dir, 'pool.csv'), `${pool}\n`);
    writeFileSync(
      join(dir, 'spec.yaml'),
      ['name: cli-e2e', 'law: chinchilla', 'variables:', '  N: { min: 1e7, max: 1e8 }', '  D: { min: 1e8, max: 2e10 }', 'candidates: pool.csv', 'budget: 1e19',
        'targets:', '  - { N: 1e9, D: 2e10 }', 'stop: { maxRuns: 10 }', 'trainer: { type: simulate, truth: chinchilla, noise: 0.005 }'].join('\n'),
    );
    writeFileSync(join(dir, 'bad.yaml'), 'name: bad\nvariables:\n  N: { min: 1e7, max: 1e8 }\nbudget: -1\ntargets: [{ N: 1e9 }]\ntrainer: { type: simulate }\nbudjet: 3\n');
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A CLI call that must fail (non-zero exit) saying `text` on stderr. */
  const refused = async (args: string[], text: string) => {
    const r = await cli(args, env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(text);
  };

  it('says what to do when the planner is unreachable', async () => {
    const r = await cli(['sweep', 'list', '--planner', 'http://127.0.0.1:9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach the planner at http://127.0.0.1:9');
    expect(r.stderr).toContain('Start it with `lawsweep planner` or `npm run demo`');
  });

  it('names the planner it asked when a sweep id is unknown there, once', async () => {
    const r = await cli(['sweep', 'status', 'sw-nope'], env);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`lawsweep: no sweep 'sw-nope' on the planner at ${stack.baseUrl}: \`lawsweep sweep list\` shows its sweeps (--planner URL picks another planner)`);
  });

  it('prints each field error of a rejected spec', async () => {
    const r = await cli(['sweep', 'create', join(dir, 'bad.yaml')], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the planner rejected .*bad\.yaml:/);
    expect(r.stderr).toMatch(/^ {2}budget: /m);
    expect(r.stderr).toMatch(/^ {2}budjet: unknown field 'budjet'/m);
  });

  it('asks for the token when the planner wants one', async () => {
    const r = await cli(['sweep', 'create', join(dir, 'spec.yaml'), '--planner', stack.baseUrl]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/401 .*pass --token or set LAWSWEEP_TOKEN/);
    // Said once: the planner's own words for curl users (the header to send) are not repeated.
    expect(r.stderr.match(/LAWSWEEP_TOKEN/g)).toHaveLength(1);
    expect(r.stderr).not.toMatch(/Authorization: Bearer/);
    // A token sent but not the planner's: said as such, not "pass --token".
    const wrong = await cli(['sweep', 'create', join(dir, 'spec.yaml'), '--planner', stack.baseUrl, '--token', 'not-it']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/401 .*The planner did not accept the token sent \(--token or LAWSWEEP_TOKEN\): it must be the planner's own LAWSWEEP_TOKEN\./);
    expect(wrong.stderr).not.toMatch(/Authorization: Bearer|pass --token/);
  });

  it('creates a sweep (candidates CSV read client-side) and prints its id and dashboard URL', async () => {
    const r = await cli(['sweep', 'create', join(dir, 'spec.yaml')], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    sweepId = /created sweep (\S+) \(cli-e2e\)/.exec(r.stdout)?.[1] ?? '';
    expect(sweepId).not.toBe('');
    expect(r.stdout).toContain(`dashboard: ${stack.baseUrl}/sweeps/${sweepId}/view`);
  });

  it('watches it to the end with plain lines when stdout is not a terminal', async () => {
    const r = await cli(['sweep', 'watch', sweepId, '--interval', '0.3'], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] (running|done) +spent /);
    expect(r.stdout).not.toContain('\r');
    expect(lines[lines.length - 2]).toMatch(new RegExp(`^sweep ${sweepId} done`));
    expect(lines[lines.length - 1]).toMatch(/^ {2}target N=1\.0e9 D=2\.0e10: \d\.\d{4} \[/);
  });

  it('shows status, list and fit, as text and as JSON', async () => {
    const status = JSON.parse((await cli(['sweep', 'status', sweepId, '--json'], env)).stdout);
    expect(status).toMatchObject({ id: sweepId, state: 'done' });
    expect(status.runs.done).toBe(10);
    const text = (await cli(['sweep', 'status', sweepId], env)).stdout;
    expect(text).toMatch(/budget {2}spent [\d.]+% \+ reserved 0\.0%/);
    // It ended at stop.maxRuns (10): more runs is what lets it go on, so that is what it says.
    expect(text).toContain(
      `  to go on: lawsweep sweep update ${sweepId} --max-runs M (above 10, or 'none'); add --budget B if the budget is spent too (lawsweep sweep forecast ${sweepId} --budget 2.00e19 says what it buys)\n`,
    );
    const list = (await cli(['sweep', 'list'], env)).stdout;
    expect(list).toMatch(/^ID +NAME +STATE +SPENT +DONE +IN FLIGHT +FAILED +TIME LEFT$/m);
    expect(list).toMatch(new RegExp(`^${sweepId} +cli-e2e +done +[\\d.]+% +10 +0 +0 +-$`, 'm')); // an ended sweep has no time left
    const fit = JSON.parse((await cli(['sweep', 'fit', sweepId, '--json'], env)).stdout);
    expect(Object.keys(fit.params).sort()).toEqual(['A', 'B', 'E', 'alpha', 'beta']);
    expect((await cli(['sweep', 'fit', sweepId], env)).stdout).toMatch(/^alpha +[\d.]+ +[\d.e-]+$/m);
    expect(status.fit.warnings).toEqual(fit.warnings);

    // What the runs cannot pin is said by status too, beside the interval it qualifies: here every run
    // has one D, so the D term cannot be fitted.
    const oneD = join(dir, 'one-d.yaml');
    writeFileSync(oneD, readFileSync(join(dir, 'spec.yaml'), 'utf8').replace('name: cli-e2e', 'name: one-d').replace('candidates: pool.csv', `candidates: [${[1, 1.5, 2, 3, 4, 5, 7, 10].map((n) => `{ N: ${n}e7, D: 2e9 }`).join(', ')}]`));
    const id = JSON.parse((await cli(['sweep', 'create', oneD, '--json'], env)).stdout).id;
    expect((await cli(['sweep', 'watch', id, '--interval', '0.2'], env)).code).toBe(0);
    const one = JSON.parse((await cli(['sweep', 'status', id, '--json'], env)).stdout);
    expect(one.fit.warnings).toContainEqual({ code: 'variable-constant', message: expect.stringMatching(/^D takes one value in the data/) });
    const oneText = (await cli(['sweep', 'status', id], env)).stdout;
    for (const w of one.fit.warnings) expect(oneText).toContain(`\n  fit     ${w.message}\n`);
  });

  it('exports the runs as CSV and JSON, and plots the sweep and a CSV', async () => {
    const csvPath = join(dir, 'runs.csv');
    expect((await cli(['sweep', 'export', sweepId, '--format', 'csv', '--out', csvPath], env)).code).toBe(0);
    const csv = readFileSync(csvPath, 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^id,N,D,loss,state/);
    expect(csv).toHaveLength(11);
    const json = JSON.parse((await cli(['sweep', 'export', sweepId, '--format', 'json'], env)).stdout);
    expect(json).toHaveLength(10);
    expect(json[0]).toHaveProperty('curve');

    const png = join(dir, 'sweep.png');
    const r = await cli(['plot', sweepId, '--out', png], env);
    expect(r.stdout).toContain(`wrote ${png} (10 runs)`);
    expect(readFileSync(png).subarray(1, 4).toString('ascii')).toBe('PNG');
    const svg = join(dir, 'data.svg');
    expect((await cli(['plot', '--data', csvPath, '--law', 'chinchilla', '--target', 'N=1e9,D=2e10', '--out', svg])).code).toBe(0);
    const text = readFileSync(svg, 'utf8');
    expect(text).toContain('compute-optimal frontier');
    expect(text).toContain('class="target"');
  });

  it('plots the fitted law of a sweep whose law is an expression', async () => {
    const params = { E: [0.5, 5], A: [1, 1e5], B: [1, 1e6], alpha: [0.05, 1], beta: [0.05, 1] };
    const spec = join(dir, 'expression.json');
    writeFileSync(spec, JSON.stringify({ name: 'cli-expression', law: { expression: 'E + A / N^alpha + B / D^beta', params }, variables: { N: { min: 1e7, max: 1e8 }, D: { min: 1e8, max: 2e10 } },
      budget: 1e19, targets: [{ N: 1e9, D: 2e10 }], stop: { maxRuns: 10 }, trainer: { type: 'simulate', truth: 'chinchilla', noise: 0.005 } }));
    const id = JSON.parse((await cli(['sweep', 'create', spec, '--json'], env)).stdout).id;
    expect((await cli(['sweep', 'watch', id, '--interval', '0.2'], env)).code).toBe(0);
    const svg = join(dir, 'expression.svg');
    expect((await cli(['plot', id, '--out', svg], env)).code).toBe(0);
    expect(readFileSync(svg, 'utf8')).toContain('fitted law at each N');
  });

  it('plots the fitted curves of a sweep over its own variable names, P and T', async () => {
    const params = { E: [0.5, 5], A: [1, 1e5], B: [1, 1e6], alpha: [0.05, 1], beta: [0.05, 1] };
    const law = { expression: 'E + A / P^alpha + B / T^beta', params };
    const spec = join(dir, 'pt.json');
    writeFileSync(spec, JSON.stringify({ name: 'cli-pt', law, variables: { P: { min: 1e7, max: 1e8 }, T: { min: 1e8, max: 2e10 } }, cost: '6 * P * T', budget: 1e19,
      targets: [{ P: 1e9, T: 2e10 }], stop: { maxRuns: 10 }, trainer: { type: 'simulate', truth: { law, params: { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 } }, noise: 0.005 } }));
    const id = JSON.parse((await cli(['sweep', 'create', spec, '--json'], env)).stdout).id;
    expect((await cli(['sweep', 'watch', id, '--interval', '0.2'], env)).code).toBe(0);
    const svg = join(dir, 'pt.svg');
    expect((await cli(['plot', id, '--out', svg], env)).code).toBe(0);
    const text = readFileSync(svg, 'utf8');
    // One curve per level of P (drawn lines with no legend label of their own), and the frontier.
    expect(text).toContain('fitted law at each P');
    expect(text).toMatch(/runs, P ≈ /);
    expect(text.match(/<polyline class="series-line" data-label=""/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/<polyline class="series-line" data-label="compute-optimal frontier"/);
  });

  it('forecasts what more budget would buy, as a table per target', async () => {
    // 1e22: String(1e22) is "1e+22", which the query must carry encoded.
    const r = await cli(['sweep', 'forecast', sweepId, '--budget', '2e19,1e22'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^sweep ${sweepId}: budget 1\\.00e\\+?19, spent `));
    expect(r.stdout).toMatch(/^target N=1\.0+e\+?0?9 D=2\.0+e\+?10: \d\.\d{4} ±\d+\.\d\d% now$/m);
    expect(r.stdout).toMatch(/^ {2}BUDGET +MORE RUNS +THEIR COST +INTERVAL AFTER$/m);
    expect(r.stdout).toMatch(/^ {2}2\.00e\+?19 +\d+ +/m);
    expect(r.stdout).toMatch(/^ {2}1\.00e\+?22 +\d+ +/m);
    // This sweep ran into its stop.maxRuns (10): the forecast keeps the spec's rules and says which stopped it.
    expect(r.stdout).toContain(`at 2.00e19 the design stops short: reached stop.maxRuns (10) (the spec's stop rule; lawsweep sweep update ${sweepId} --max-runs N raises it)`);
    const json = JSON.parse((await cli(['sweep', 'forecast', sweepId, '--budget', '2e19', '--json'], env)).stdout);
    expect(json.forecasts[0]).toMatchObject({ budget: 2e19 });
    // The budget for an interval: this sweep is held at stop.maxRuns, so no budget gets there, and it says why.
    const inverse = await cli(['sweep', 'forecast', sweepId, '--interval', '0.001'], env);
    expect(inverse.code).toBe(0);
    expect(inverse.stdout).toMatch(new RegExp(`^sweep ${sweepId}: every target within ±0\\.10% \\(the widest is ±\\d+\\.\\d\\d% now\\)\\n {2}out of reach: reached stop\\.maxRuns \\(10\\); at a total budget of `));
    await refused(['sweep', 'forecast', sweepId], 'give either --budget B1[,B2,...] or --interval R');
    await refused(['sweep', 'forecast', sweepId, '--budget', 'x'], "--budget takes positive total budgets, comma-separated (e.g. 2e21,4e21), got 'x'");
    await refused(['sweep', 'forecast', sweepId, '--interval', '2'], "--interval is relative: 0.01 for ±1%; got '2' (±200%)");
    // The planner's refusal reaches the user with its reason (it was "400 invalid request." alone).
    const below = await cli(['sweep', 'forecast', sweepId, '--budget', '1e10'], env);
    expect(below.code).toBe(1);
    expect(below.stderr).toMatch(/failed: 400 invalid request: budget: 10000000000 is below what the sweep has spent and reserved/);
  });

  it('updates a done sweep: a higher maxRuns runs it again; refusals name the option', async () => {
    await refused(['sweep', 'update', sweepId], 'nothing to change: give --budget');
    await refused(['sweep', 'update', sweepId, '--max-runs', 'many'], "--max-runs must be a number or 'none' (removes the rule), got 'many'");
    await refused(['sweep', 'update', sweepId, '--target-interval', '5'], "--target-interval is relative: 0.01 for ±1%; got '5' (±500%)");
    const lower = await cli(['sweep', 'update', sweepId, '--budget', '1'], env);
    expect(lower.code).toBe(1);
    expect(lower.stderr).toMatch(new RegExp(`the planner refused the update of sweep ${sweepId}:\n {2}--budget: must be at least \\S+, what the sweep has spent`));

    const r = await cli(['sweep', 'update', sweepId, '--max-runs', '12'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`sweep ${sweepId}: stop.maxRuns 10 -> 12; it had ended and runs again (lawsweep sweep watch ${sweepId})\n`);
    expect((await cli(['sweep', 'watch', sweepId, '--interval', '0.3'], env)).code).toBe(0);
    const status = JSON.parse((await cli(['sweep', 'status', sweepId, '--json'], env)).stdout);
    expect(status).toMatchObject({ state: 'done' });
    expect(status.runs.done + status.runs.failed).toBeGreaterThan(10);
    const same = await cli(['sweep', 'update', sweepId, '--max-runs', '12'], env);
    expect(same.stdout).toBe(`sweep ${sweepId}: nothing changed (it has these values already)\n`);
    // A budget is said as the CLI says every budget (1.00e19, not 1.00e+19).
    const budget = await cli(['sweep', 'update', sweepId, '--budget', '5e19'], env);
    expect(budget.stdout).toMatch(new RegExp(`^sweep ${sweepId}: budget 1\\.00e19 -> 5\\.00e19`));
  });

  it("pauses a sweep, imports another sweep's exported runs into it, and resumes it from them", async () => {
    const spec = join(dir, 'import.yaml');
    writeFileSync(spec, readFileSync(join(dir, 'spec.yaml'), 'utf8').replace('name: cli-e2e', 'name: import-into').replace('noise: 0.005 }', 'noise: 0.005, secondsPerCost: 1, maxSeconds: 30 }'));
    const id = JSON.parse((await cli(['sweep', 'create', spec, '--json'], env)).stdout).id;
    const paused = await cli(['sweep', 'pause', id], env);
    expect(paused.stderr).toBe('');
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(new RegExp(`^sweep ${id} paused: nothing new is planned(; \\d+ runs? already queued or running still train and are recorded)? \\(lawsweep sweep resume ${id} goes on\\)\n$`));
    const again = await cli(['sweep', 'pause', id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/409/);

    // runs.csv: the first sweep's export (10 rows, all done), the same pool; the few configs this sweep planned before the pause are skipped.
    const runsCsv = join(dir, 'runs.csv');
    const exported = readFileSync(runsCsv, 'utf8').trim().split('\n').length - 1;
    const before = JSON.parse((await cli(['sweep', 'status', id, '--json'], env)).stdout);
    const r = await cli(['sweep', 'import', id, runsCsv], env);
    expect(r.code).toBe(0);
    const m = new RegExp(`^sweep ${id}: imported (\\d+) runs? from ${runsCsv.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( \\((\\d+) skipped: configs the sweep already has\\))?; they count when it plans again \\(lawsweep sweep resume ${id}\\)\n$`).exec(r.stdout);
    expect(m).not.toBeNull();
    const imported = Number(m![1]);
    expect(imported + Number(m![3] ?? 0)).toBe(exported);
    expect(imported).toBeGreaterThan(0);
    const status = JSON.parse((await cli(['sweep', 'status', id, '--json'], env)).stdout);
    expect(status).toMatchObject({ state: 'paused', runs: { imported } });
    // Imported runs cost nothing (its runs in flight take 30 s: nothing of theirs was recorded meanwhile).
    expect(status.budget).toEqual(before.budget);
    const again2 = await cli(['sweep', 'import', id, runsCsv], env);
    expect(again2.stdout).toBe(`sweep ${id}: nothing imported from ${runsCsv}: every config in it (${exported}) is one the sweep has already\n`);

    // A bad file is refused naming the field, and nothing is imported.
    const bad = join(dir, 'bad-runs.json');
    writeFileSync(bad, JSON.stringify([{ config: { N: 1e7, D: 3e9 }, loss: 3 }, { config: { N: 1e7, D: 4e9 }, loss: -1 }]));
    await refused(['sweep', 'import', id, bad], `the planner rejected the runs in ${bad}:\n  runs.1.loss: must be a finite number > 0 (got -1)`);
    const noLoss = join(dir, 'no-loss.csv');
    writeFileSync(noLoss, 'N,D\n1e7,3e9\n');
    await refused(['sweep', 'import', id, noLoss], `${noLoss}: `);
    const scalar = join(dir, 'scalar.yaml');
    writeFileSync(scalar, '42\n');
    await refused(['sweep', 'import', id, scalar], `${scalar}: expected a list of runs, [{ config: { N, D }, loss }] or flat rows, bare or under runs:, got a number`);
    expect(JSON.parse((await cli(['sweep', 'status', id, '--json'], env)).stdout).runs.imported).toBe(imported);

    const resumed = await cli(['sweep', 'resume', id], env);
    expect(resumed.stdout).toBe(`sweep ${id} running: planning goes on (lawsweep sweep watch ${id})\n`);
    await cli(['sweep', 'cancel', id], env);
  });

  it('creates a sweep paused: nothing is bought until it is resumed', async () => {
    const r = await cli(['sweep', 'create', join(dir, 'spec.yaml'), '--paused'], env);
    expect(r.code).toBe(0);
    const id = /created sweep (\S+) \(cli-e2e\): budget 1\.00e\+?19, state paused\n/.exec(r.stdout)?.[1] ?? '';
    expect(id).not.toBe('');
    expect(r.stdout).toContain(`  start it: lawsweep sweep resume ${id}\n`);
    await new Promise((res) => setTimeout(res, 500));
    expect(JSON.parse((await cli(['sweep', 'status', id, '--json'], env)).stdout)).toMatchObject({ state: 'paused', runs: { planned: 0 } });
    await cli(['sweep', 'cancel', id], env);
  });

  it('cancels a sweep', async () => {
    const spec = join(dir, 'slow.yaml');
    writeFileSync(spec, readFileSync(join(dir, 'spec.yaml'), 'utf8').replace('name: cli-e2e', 'name: slow').replace('noise: 0.005 }', 'noise: 0.005, secondsPerCost: 1, maxSeconds: 30 }'));
    const id = JSON.parse((await cli(['sweep', 'create', spec, '--json'], env)).stdout).id;
    // Ctrl-C on `sweep watch` stops the watching, not the sweep, and says so (exit 130, not 0).
    const watcher = spawn(process.execPath, [CLI_BIN, 'sweep', 'watch', id, '--interval', '0.2'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let watched = '';
    let watchErr = '';
    watcher.stdout.on('data', (d) => (watched += d));
    watcher.stderr.on('data', (d) => (watchErr += d));
    const watchExit = new Promise<number | null>((r) => watcher.once('close', (code) => r(code)));
    await waitFor('the first watch line', () => (watched.length > 0 ? true : undefined));
    watcher.kill('SIGINT');
    expect(await watchExit).toBe(130);
    expect(watchErr).toBe(`stopped watching: sweep ${id} is running; it goes on (lawsweep sweep watch ${id} follows it again; lawsweep sweep pause or cancel stops it)\n`);
    expect(JSON.parse((await cli(['sweep', 'status', id, '--json'], env)).stdout).state).toBe('running');
    const r = await cli(['sweep', 'cancel', id, '--json'], env);
    expect(JSON.parse(r.stdout)).toMatchObject({ id, state: 'cancelled' });
    // A sweep that ended before any fit: `sweep fit` says so, instead of sending the user to watch it.
    const fit = await cli(['sweep', 'fit', id], env);
    expect(fit.code).toBe(0);
    expect(fit.stdout).toBe(`sweep ${id} ended (cancelled: cancelled by the user) before enough runs finished to fit the law; lawsweep sweep status ${id} shows its runs\n`);
  });

  it('has an example in every command help', async () => {
    for (const args of [['sweep', 'create'], ['sweep', 'list'], ['sweep', 'status'], ['sweep', 'watch'], ['sweep', 'fit'], ['sweep', 'export'], ['sweep', 'forecast'], ['sweep', 'update'], ['sweep', 'import'], ['sweep', 'pause'], ['sweep', 'resume'], ['sweep', 'cancel'], ['plot'], ['demo']]) {
      const r = await cli([...args, '--help']);
      expect(r.stdout).toMatch(/Examples?:\n {2}\$ /);
    }
  });

  it('lists every environment-only setting of the services in their help', async () => {
    const { PLANNER_ENV_HELP } = await import('../apps/planner/src/config/planner-config');
    const { WORKER_ENV } = await import('../apps/worker/src/config/worker.config');
    const planner = (await cli(['planner', '--help'])).stdout;
    for (const name of Object.keys(PLANNER_ENV_HELP)) expect(planner).toMatch(new RegExp(`^ {2}${name} +\\S`, 'm'));
    // One column for the descriptions, however long a name.
    const columns = Object.keys(PLANNER_ENV_HELP).map((name) => new RegExp(`^ {2}${name} +`, 'm').exec(planner)![0].length);
    expect(new Set(columns).size).toBe(1);
    // The defaults shown are the config schema's own.
    expect(planner).toMatch(/^ {2}LAWSWEEP_REFIT_SPACING +.*\(default 10\)$/m);
    expect(planner).toMatch(/^ {2}LAWSWEEP_PROTECT_READS +.*\(default false\)$/m);
    const worker = (await cli(['worker', '--help'])).stdout;
    for (const s of Object.values(WORKER_ENV)) {
      if (s.flag === undefined) expect(worker).toMatch(new RegExp(`^ {2}${s.env} +\\S`, 'm'));
      else expect(worker).toContain(s.flag);
    }
  });
});
