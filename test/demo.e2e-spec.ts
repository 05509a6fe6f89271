import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureCliBuilt } from './support/cli';

const root = resolve(__dirname, '..');

/** Runs the built CLI as a user would, collecting its output; kills it if it overruns. */
function runCli(args: string[], cwd: string, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((res, rej) => {
    const env = { ...process.env };
    delete env.REDIS_URL; // the demo must manage on its own, as on a fresh machine
    const child = spawn(process.execPath, [join(root, 'bin/lawsweep.js'), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', rej);
    child.on('exit', (code) => {
      clearTimeout(timer);
      res({ code, out });
    });
  });
}

/** True when something accepts a TCP connection on 127.0.0.1:port, false when it is refused. */
function acceptsConnection(port: number): Promise<boolean> {
  return new Promise((res, rej) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(5_000, () => {
      socket.destroy();
      rej(new Error(`connecting to 127.0.0.1:${port} neither succeeded nor was refused in 5 s`));
    });
    socket.once('connect', () => {
      socket.destroy();
      res(true);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNREFUSED' ? res(false) : rej(err)));
  });
}

describe('lawsweep demo --fast (the built CLI, as a child process)', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'lawsweep-demo-e2e-'));
  let result: { code: number | null; out: string };

  beforeAll(async () => {
    ensureCliBuilt();
    result = await runCli(['demo', '--fast'], cwd, 90_000);
  }, 180_000);

  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('exits 0', () => {
    if (result.code !== 0) console.log(result.out);
    expect(result.code).toBe(0);
  });

  it('ends with the fitted law, the target against the truth, and the verdict with its tolerance', () => {
    const lines = result.out.trim().split('\n');
    expect(result.out).toMatch(/started redis-server on port \d+/);
    expect(result.out).toMatch(/fitted law \(chinchilla, \d+ runs\):/);
    for (const p of ['E', 'A', 'B', 'alpha', 'beta']) expect(result.out).toMatch(new RegExp(`^  ${p} .* truth `, 'm'));
    const target = lines.find((l) => l.startsWith('target N=7.0e10 D=1.4e12: predicted'));
    expect(target).toMatch(/90% interval \[[\d.]+, [\d.]+\]; truth 1\.9366 \(error [\d.]+%/);
    const error = Number(/error ([\d.]+)%/.exec(target ?? '')?.[1]);
    expect(error).toBeLessThanOrEqual(3);
    expect(lines.find((l) => l.startsWith('PASS: target loss within 3% of the truth'))).toBeDefined();
    // What more budget would buy, forecast from the sweep's runs: narrower at 4x than at 2x.
    const more = lines.find((l) => l.startsWith('more budget, forecast from these runs: '));
    const widths = [...(more ?? '').matchAll(/→ ±([\d.]+)% \((\d+) more runs\)/g)].map((m) => Number(m[1]));
    expect(more).toMatch(/^more budget, forecast from these runs: 2\.00e21 FLOPs → ±[\d.]+% \(\d+ more runs\), 4\.00e21 FLOPs → ±[\d.]+% \(\d+ more runs\)/);
    expect(widths[1]).toBeLessThan(widths[0]);
    expect(lines[lines.length - 1]).toBe('rerun with --keep to explore the dashboard, queues, metrics and API docs after the sweep ends');
  });

  it('writes the plot and the runs to ./lawsweep-demo/', () => {
    const dir = join(cwd, 'lawsweep-demo');
    expect(readFileSync(join(dir, 'plot.svg'), 'utf8')).toContain('compute-optimal frontier');
    expect(readFileSync(join(dir, 'plot.png')).subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(readFileSync(join(dir, 'runs.csv'), 'utf8').split('\n')[0]).toMatch(/^id,N,D,loss,/);
    expect(existsSync(join(dir, 'runs.csv'))).toBe(true);
  });

  it('leaves no redis-server of its own running', async () => {
    const port = Number(/started redis-server on port (\d+)/.exec(result.out)?.[1]);
    expect(port).toBeGreaterThan(0);
    // Nothing listens on its port any more...
    expect(await acceptsConnection(port)).toBe(false);
    // ...and no process is left under redis-server's own title ("redis-server 127.0.0.1:PORT": it
    // renames itself, so its --port argument never shows in ps).
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps.split('\n').filter((l) => l.includes(`127.0.0.1:${port}`))).toEqual([]);
  });
});
