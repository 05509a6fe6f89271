import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../apps/cli/src/demo/redis-process';
import { validatePlannerEnv } from '../apps/planner/src/config/planner-config';
import { ensureCliBuilt, lawsweepSync } from './support/cli';
import { hasEpochData } from './support/reference-data';

/**
 * What a newcomer meets first, through the built CLI in a child process: every help page ends with
 * an example, and a bad flag or file is one line naming the flag (or field) and what to do.
 * Nothing here needs Redis or a planner.
 */
const root = join(__dirname, '..');
const demoSpec = join(root, 'examples/specs/chinchilla-demo.yaml');
let dir: string;

// A planner URL from the caller's environment must not change what these commands say.
const lawsweep = (...args: string[]) => lawsweepSync(args, { LAWSWEEP_PLANNER_URL: '' });

beforeAll(() => {
  ensureCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'lawsweep-cli-ux-'));
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lawsweep help', () => {
  it.each([[[]], [['planner']], [['worker']], [['simulate']], [['fit']], [['sweep']], [['plot']], [['workers']], [['demo']]])('%j --help ends with an example', (args) => {
    const r = lawsweep(...args, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples?:\n {2}\$ lawsweep |Examples?:\n {2}\$ npm run demo/);
  });

  it('shows defaults as typed (no JSON quotes) and, on a subcommand, the parent options it accepts', () => {
    for (const args of [['simulate'], ['fit'], ['worker'], ['planner'], ['demo'], ['sweep', 'create']]) expect(lawsweep(...args, '--help').stdout).not.toMatch(/default: "|default: \[\]/);
    expect(lawsweep('simulate', '--help').stdout).toMatch(/--seeds <k>[\s\S]*?\(default: 1\)/);
    expect(lawsweep('sweep', 'create', '--help').stdout).toMatch(/Global Options:[\s\S]*--planner <url>[\s\S]*--token <token>/);
  });

  it('sweep watch --help gives its exit codes; the commands that talk to a planner take --timeout', () => {
    const watch = lawsweep('sweep', 'watch', '--help').stdout;
    expect(watch).toMatch(/Exit codes:\n {2}0 +the sweep ended: done or cancelled\n {2}1 +the sweep failed; or the circuit breaker paused it/);
    expect(watch).toMatch(/^ {2}130 +Ctrl-C: the watching stopped, the sweep goes on$/m);
    for (const args of [['sweep', 'export'], ['plot'], ['workers']]) {
      expect(lawsweep(...args, '--help').stdout).toMatch(/--timeout <seconds> +seconds to wait for each answer \(default:\s+\$LAWSWEEP_TIMEOUT_SECONDS or 30\)\n/);
    }
  });

  it('fit describes itself like the other commands (lower case, no full stop)', () => {
    expect(lawsweep('--help').stdout).toMatch(/^ {2}fit \[options\] +fit a scaling law to finished runs/m);
  });

  it('simulate --help says checkpoints past the budget extend the sweep', () => {
    expect(lawsweep('simulate', '--help').stdout.replace(/\s+/g, ' ')).toContain("the sweep runs to the largest, past the spec's budget");
  });

  it("sweep resume --help names the CLI's --paused, not the REST API's ?paused=true", () => {
    const help = lawsweep('sweep', 'resume', '--help').stdout.replace(/\s+/g, ' ');
    expect(help).toContain('one created with --paused');
    expect(help).not.toContain('?paused=true');
  });
});

describe('lawsweep simulate: bad input', () => {
  it('names --spec when the spec file cannot be read', () => {
    const r = lawsweep('simulate', '--spec', 'nope.yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lawsweep: cannot read --spec nope\.yaml: ENOENT.*Start from examples\/specs\/chinchilla-demo\.yaml/);
  });

  it('names --spec when it is not YAML', () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'name: [x\n');
    const r = lawsweep('simulate', '--spec', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--spec ${file} is not valid YAML or JSON`);
  });

  it('checks the flags before reading the spec', () => {
    expect(lawsweep('simulate', '--spec', 'nope.yaml', '--design', 'bogus').stderr).toMatch(/^lawsweep: --design: expected one of eig, grid, isoflop, random, oracle, got 'bogus'/);
    expect(lawsweep('simulate', '--spec', 'nope.yaml', '--checkpoints', 'abc').stderr).toMatch(/^lawsweep: --checkpoints: expected positive numbers/);
    expect(lawsweep('simulate', '--spec', 'nope.yaml', '--seeds', '-1').stderr).toMatch(/^lawsweep: --seeds: expected an integer from 1 to 10000, got '-1'/);
  });

  it('names the spec field of a CSV it cannot read, and says where relative paths start', () => {
    const spec = join(dir, 'replay.yaml');
    writeFileSync(spec, ['name: r', 'law: chinchilla', 'variables:', '  N: { min: 1e7, max: 1e9 }', '  D: { min: 1e8, max: 1e11 }', 'budget: 1e20',
      'targets: [{ N: 1e10, D: 1e11 }]', 'trainer: { type: replay, file: missing-runs.csv }'].join('\n'));
    const r = lawsweep('simulate', '--spec', spec);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--spec ${spec}: trainer.file: `);
    expect(r.stderr).toContain("(a relative path is read from the spec's folder)");
  });
});

describe('lawsweep simulate: every example spec', () => {
  // epoch-replay replays the reference data beside the checkout (test/support/reference-data.ts).
  const specs = readdirSync(join(root, 'examples/specs')).filter((f) => f.endsWith('.yaml') && (hasEpochData || f !== 'epoch-replay.yaml'));

  it.each(specs)('examples/specs/%s validates, and simulates (2 seeds) unless its trainer is a command', (file) => {
    const r = lawsweep('simulate', '--spec', join('examples/specs', file), '--seeds', '2', '--json');
    if (/^\s*type: command/m.test(readFileSync(join(root, 'examples/specs', file), 'utf8'))) {
      expect(r.stderr).toMatch(/^lawsweep: simulate needs a 'simulate' or 'replay' trainer; a command trainer runs on workers \(lawsweep sweep create\)/);
      return;
    }
    expect(r.stderr).toBe('');
    const result = JSON.parse(r.stdout);
    expect(result.seeds).toHaveLength(2);
    for (const seed of result.seeds) expect(seed.checkpoints[0].targets.every((t: { loss: number }) => t.loss > 0)).toBe(true);
  });
});

describe('lawsweep simulate: the table', () => {
  it('keeps every value under its column header', () => {
    const r = lawsweep('simulate', '--spec', demoSpec, '--checkpoints', '1e19,1e20');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const header = lines.find((l) => l.includes('predicted'));
    expect(header).toBeDefined();
    const rows = lines.filter((l) => /^ {2}\d\.\d\de\+\d\d /.test(l));
    expect(rows).toHaveLength(2);
    for (const column of ['spent', 'runs', 'target', 'predicted', '90% interval', 'truth', 'rel.err']) {
      const at = header!.indexOf(column);
      for (const row of rows) {
        // The value starts where its header starts, after a blank.
        expect(row[at - 1]).toBe(' ');
        expect(row[at]).not.toBe(' ');
      }
    }
  });

  it('marks a checkpoint with too few runs to fit as the prior, not a prediction', () => {
    const r = lawsweep('simulate', '--spec', demoSpec, '--checkpoints', '1e18,1e21');
    expect(r.code).toBe(0);
    const [early, late] = r.stdout.split('\n').filter((l) => /^ {2}\d\.\d\de\+\d\d /.test(l));
    expect(early).toMatch(/ \d\.\d{4}\* /);
    expect(late).not.toContain('*');
    expect(r.stdout).toContain("* no fit yet at this budget (too few runs for the law): the prior's prediction, not a fit");
  });
});

describe('lawsweep simulate --compare', () => {
  it('runs each design on the same seeds and lines them up per budget, matching each design run alone', () => {
    const r = lawsweep('simulate', '--spec', demoSpec, '--compare', 'grid,eig', '--seeds', '2', '--checkpoints', '1e19,1e20');
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^\d\.\d\de\+\d\d /.test(l));
    expect(rows.map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(['1.00e+19 grid', '1.00e+19 eig', '1.00e+20 grid', '1.00e+20 eig']);
    expect(r.stdout).toContain('medians over 2 seeds (0–1)');
    // The median of eig's two seeds at 1e20 is the mean of what `--design eig` reports for them.
    const alone = JSON.parse(lawsweep('simulate', '--spec', demoSpec, '--design', 'eig', '--seeds', '2', '--checkpoints', '1e19,1e20', '--json').stdout) as {
      seeds: { checkpoints: { targets: { loss: number; truth: number }[] }[] }[];
    };
    const errs = alone.seeds.map((seed) => {
      const ts = seed.checkpoints[1].targets;
      return ts.reduce((a, t) => a + Math.abs(t.loss - t.truth) / t.truth, 0) / ts.length;
    });
    const median = (100 * (errs[0] + errs[1])) / 2;
    expect(rows[3]).toContain(`${median.toFixed(2)}% (`);
  });

  it("'all' adds the oracle only where the trainer knows the truth, and --json keeps every design's seeds", () => {
    const r = lawsweep('simulate', '--spec', demoSpec, '--compare', 'all', '--checkpoints', '1e19', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { compare: { design: string; seeds: unknown[] }[] };
    expect(out.compare.map((c) => c.design)).toEqual(['eig', 'grid', 'isoflop', 'random', 'oracle']);
    expect(out.compare.every((c) => c.seeds.length === 1)).toBe(true);
  });

  it("adds each design's efficiency against the bound on a simulate trainer, the same in the table and in --json", () => {
    const args = ['simulate', '--spec', demoSpec, '--compare', 'grid,eig,isoflop', '--checkpoints', '1e20,1e21'];
    const text = lawsweep(...args);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(/90% half-width\s+efficiency$/);
    expect(text.stdout).toContain('efficiency: the share of the budget with which the best any design could do is as precise');
    const shown = text.stdout
      .split('\n')
      .filter((l) => /^\d\.\d\de\+\d\d /.test(l))
      .map((l) => Number(l.trim().split(/\s+/).pop()));
    const json = JSON.parse(lawsweep(...args, '--json').stdout) as { efficiency: { design: string; checkpoints: { budget: number; share: number }[] }[]; efficiencyProjected: boolean };
    expect(json.efficiency.map((e) => e.design)).toEqual(['grid', 'eig', 'isoflop']);
    expect(json.efficiencyProjected).toBe(false);
    // Table rows are budget-major (grid, eig, isoflop at 1e20, then at 1e21).
    const fromJson = [0, 1].flatMap((j) => json.efficiency.map((e) => e.checkpoints[j].share));
    expect(shown).toEqual(fromJson.map((v) => Number(v.toFixed(2))));
    for (const v of fromJson) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    // It tells designs apart: on this space isoflop's few profiles pin the far target down least.
    const at1e21 = Object.fromEntries(json.efficiency.map((e) => [e.design, e.checkpoints[1].share]));
    expect(at1e21.eig).toBeGreaterThan(2 * at1e21.isoflop);
  });

  it('shows no efficiency for a replay trainer (no true law to bound with)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lawsweep-compare-'));
    try {
      const rows = ['N,D,loss'];
      for (const N of [1e7, 3e7, 1e8, 3e8]) for (const r of [5, 20, 80]) rows.push(`${N},${N * r},${(1.69 + 406.4 / N ** 0.34 + 410.7 / (N * r) ** 0.28).toFixed(5)}`);
      writeFileSync(join(dir, 'runs.csv'), rows.join('\n'));
      const spec = join(dir, 'replay.yaml');
      writeFileSync(spec, ['name: r', 'law: chinchilla', 'variables:', '  N: { min: 1e7, max: 1e9 }', '  D: { min: 1e8, max: 1e11 }', 'budget: 1e18',
        'targets: [{ N: 1e10, D: 2e11 }]', 'trainer: { type: replay, file: runs.csv }'].join('\n'));
      const r = lawsweep('simulate', '--spec', spec, '--compare', 'grid,random');
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')[0]).toMatch(/90% half-width$/);
      expect(r.stdout).not.toContain('efficiency');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replays a sweep export: only its done runs, saying on stderr how many others it skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lawsweep-replay-export-'));
    try {
      const rows = ['id,N,D,loss,state,cost,worker,attempts,imported'];
      for (const N of [1e7, 3e7, 1e8, 3e8]) for (const r of [5, 20, 80]) rows.push(`r${rows.length},${N},${N * r},${(1.69 + 406.4 / N ** 0.34 + 410.7 / (N * r) ** 0.28).toFixed(5)},done,1,w1,1,false`);
      rows.push('f1,1e9,2e10,,failed,1,w1,3,false', 'f2,1e9,8e10,,failed,1,w1,3,false', 'c1,1e9,5e9,,cancelled,1,,0,false');
      writeFileSync(join(dir, 'runs.csv'), rows.join('\n'));
      const spec = join(dir, 'replay.yaml');
      writeFileSync(spec, ['name: r', 'law: chinchilla', 'variables:', '  N: { min: 1e7, max: 1e9 }', '  D: { min: 1e8, max: 1e11 }', 'budget: 1e18',
        'targets: [{ N: 1e10, D: 2e11 }]', 'trainer: { type: replay, file: runs.csv }'].join('\n'));
      const r = lawsweep('simulate', '--spec', spec, '--design', 'grid');
      expect(r.stderr).toBe(`lawsweep simulate: trainer.file ${join(dir, 'runs.csv')}: skipped 3 runs whose state is not done (failed 2, cancelled 1)\n`);
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown design, and --design with --compare, naming the flag', () => {
    const bad = lawsweep('simulate', '--spec', demoSpec, '--compare', 'eig,bogus');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^lawsweep: --compare: expected 'all' or designs from eig, grid, isoflop, random, oracle separated by commas, got 'eig,bogus'/);
    const both = lawsweep('simulate', '--spec', demoSpec, '--compare', 'all', '--design', 'eig');
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/^lawsweep: --design and --compare: give one/);
  });
});

describe('lawsweep fit: bad input', () => {
  it('refuses a --seed that is not an integer instead of seeding with NaN', () => {
    const r = lawsweep('fit', '--data', 'runs.csv', '--law', 'chinchilla', '--bootstrap', '5', '--seed', 'abc');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lawsweep: --seed: expected a non-negative integer, got 'abc'/);
  });

  it('names the --data file in a CSV error', () => {
    const file = join(dir, 'tokens.csv');
    writeFileSync(file, 'N,tokens,loss\n1e8,1e9,3.1\n');
    const r = lawsweep('fit', '--data', file, '--law', 'chinchilla');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`lawsweep: --data ${file}: CSV header (line 1) is missing column D; it has: N, tokens, loss`);
  });
});

describe('lawsweep plot: bad input', () => {
  it('says what is missing when neither a sweep id nor --data is given, and not "not both"', () => {
    const r = lawsweep('plot', '--out', join(dir, 'x.svg'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lawsweep: give what to plot: a sweep id \(lawsweep plot SWEEP_ID --out fig\.svg\) or --data runs\.csv/);
  });

  it('names --target when it lacks one of the law\'s variables, and --data in a CSV error', () => {
    // Chinchilla's law at 8 configs: enough rows for a fit.
    const rows = [1e7, 3e7, 1e8, 3e8].flatMap((n) => [20, 80].map((r) => [n, n * r, 1.69 + 406.4 / n ** 0.34 + 410.7 / (n * r) ** 0.28]));
    const runs = join(dir, 'runs.csv');
    writeFileSync(runs, `N,D,loss\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    const r = lawsweep('plot', '--data', runs, '--out', join(dir, 'x.svg'), '--target', 'N=7e10');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lawsweep: --target N=70000000000: missing D; law chinchilla needs a value for each of N, D/);
    const bad = join(dir, 'bad-plot.csv');
    writeFileSync(bad, 'N,tokens,loss\n1e8,1e9,3.1\n');
    expect(lawsweep('plot', '--data', bad, '--out', join(dir, 'x.svg')).stderr).toContain(`lawsweep: --data ${bad}: CSV header (line 1) is missing column D`);
  });
});

describe('planner flags', () => {
  it('a --planner that is not a URL is named as such, not as an unreachable planner', () => {
    const r = lawsweep('sweep', 'list', '--planner', 'localhost3000');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lawsweep: --planner: expected the planner's base URL, e\.g\. http:\/\/127\.0\.0\.1:3000, got 'localhost3000'/);
    expect(r.stderr).not.toContain('cannot reach');
  });

  it.each(['soon', '0'])('LAWSWEEP_TIMEOUT_SECONDS=%s is named as the variable, with what it accepts', (value) => {
    const r = lawsweepSync(['sweep', 'list'], { LAWSWEEP_PLANNER_URL: '', LAWSWEEP_TIMEOUT_SECONDS: value });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^lawsweep: LAWSWEEP_TIMEOUT_SECONDS: expected seconds above 0 and at most 86400 \\(e\\.g\\. 120\\), got '${value}'$`, 'm'));
    expect(r.stderr).not.toContain('cannot reach');
  });

  it('LAWSWEEP_TIMEOUT_SECONDS sets how long to wait for each answer; --timeout overrides it', async () => {
    // Accepts connections and never answers: a planner that is up but slow.
    const silent = createServer((socket) => socket.on('error', () => undefined)).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const started = Date.now();
      const r = lawsweepSync(['sweep', 'status', 'sw-any'], { LAWSWEEP_PLANNER_URL: url, LAWSWEEP_TIMEOUT_SECONDS: '1.5' });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`GET /sweeps/sw-any timed out after 1.5 s: the planner at ${url} took the request but did not answer in time`);
      expect(r.stderr).toContain('Wait longer with --timeout SECONDS (or LAWSWEEP_TIMEOUT_SECONDS)');
      expect(Date.now() - started).toBeLessThan(15_000);
      const flag = lawsweepSync(['sweep', 'status', 'sw-any', '--timeout', '1'], { LAWSWEEP_PLANNER_URL: url, LAWSWEEP_TIMEOUT_SECONDS: 'soon' });
      expect(flag.code).toBe(1);
      expect(flag.stderr).toContain('GET /sweeps/sw-any timed out after 1 s');
    } finally {
      silent.close();
    }
  }, 40_000);

  it('sweep watch --interval 0 says what it accepts', () => {
    expect(lawsweep('sweep', 'watch', 'sw-x', '--interval', '0').stderr).toMatch(/--interval: expected seconds above 0 and at most 3600 .*got '0'/);
  });

  it('lawsweep planner --port abc names the flag and the value', () => {
    const r = lawsweep('planner', '--port', 'abc');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lawsweep: --port: expected a port number \(0-65535\), got 'abc'/);
  });

  it.each([
    [['--token', 's3cret'], /^lawsweep: --token: must be at least 8 characters \(or unset to disable auth\), got 6 characters$/m],
    [['--port', '70000'], /^lawsweep: --port: must be a port number from 0 to 65535, got '70000'$/m],
    [['--redis', 'localhost:6379'], /^lawsweep: --redis: must be a redis:\/\/ or rediss:\/\/ URL, e\.g\. redis:\/\/127\.0\.0\.1:6379, got 'localhost:6379'$/m],
  ])('lawsweep planner %j names the flag, not only its variable', (args, message) => {
    const r = lawsweep('planner', ...args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('s3cret');
  });

  it("the token in lawsweep planner --help's example is one the planner accepts", () => {
    const example = /LAWSWEEP_TOKEN=(\S+) lawsweep planner/.exec(lawsweep('planner', '--help').stdout);
    expect(example).not.toBeNull();
    expect(validatePlannerEnv({ LAWSWEEP_TOKEN: (example as RegExpExecArray)[1] }).LAWSWEEP_TOKEN).toBe((example as RegExpExecArray)[1]);
  });
});

describe('lawsweep planner without a Redis', () => {
  it('says how to start one, and keeps running (Compose and Kubernetes may start Redis later)', async () => {
    const [redisPort, port] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, [join(root, 'bin/lawsweep.js'), 'planner', '--port', String(port), '--redis', `redis://127.0.0.1:${redisPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    try {
      const deadline = Date.now() + 20_000;
      while (!stderr.includes('npm run demo') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(stderr).toContain(`lawsweep planner: no Redis answers at redis://127.0.0.1:${redisPort} yet; the planner starts anyway`);
      expect(stderr).toContain(`Start one: \`redis-server --port ${redisPort} --appendonly yes\``);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  it('on a port already in use, stops with one line naming the port and the fix, in plain text (no colour codes in a pipe)', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as AddressInfo).port;
    try {
      const r = spawnSync(process.execPath, [join(root, 'bin/lawsweep.js'), 'planner', '--port', String(port), '--redis', `redis://127.0.0.1:${await freePort()}`], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^lawsweep: port ${port} on 127\\.0\\.0\\.1 is already in use \\(another planner\\?\\): pass --port or set PORT to a free one$`, 'm'));
      expect(`${r.stdout}${r.stderr}`).not.toContain('\u001b[');
    } finally {
      taken.close();
    }
  }, 40_000);

  it('lawsweep worker says the same, then stops with its own message', async () => {
    const redisPort = await freePort();
    const r = spawnSync(process.execPath, [join(root, 'bin/lawsweep.js'), 'worker', '--redis', `redis://127.0.0.1:${redisPort}`], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`lawsweep worker: no Redis answers at redis://127.0.0.1:${redisPort} yet; the worker waits a little, then stops.`);
    expect(r.stderr).toContain(`Start one: \`redis-server --port ${redisPort} --appendonly yes\``);
  }, 40_000);

  it('a bad setting is said alone, before any word about Redis (not after "the planner starts anyway")', async () => {
    const redis = `redis://127.0.0.1:${await freePort()}`;
    const env = { ...process.env, LAWSWEEP_RECONCILE_MS: 'abc', WORKER_CONCURRENCY: 'abc' };
    const planner = spawnSync(process.execPath, [join(root, 'bin/lawsweep.js'), 'planner', '--port', String(await freePort()), '--redis', redis], { encoding: 'utf8', timeout: 30_000, env });
    expect([planner.status, planner.stderr]).toEqual([1, 'lawsweep: invalid planner configuration:\n  LAWSWEEP_RECONCILE_MS: Expected number, received nan (got "abc")\n']);
    const worker = spawnSync(process.execPath, [join(root, 'bin/lawsweep.js'), 'worker', '--redis', redis], { encoding: 'utf8', timeout: 30_000, env });
    expect([worker.status, worker.stderr]).toEqual([1, "lawsweep: invalid worker configuration:\n  WORKER_CONCURRENCY (--concurrency): must be a whole number (got 'abc')\n"]);
  }, 40_000);
});

