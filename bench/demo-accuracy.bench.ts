/**
 * How close `lawsweep demo` lands to the truth, over repeated runs of the real CLI (each a whole
 * stack: its own redis-server, planner, 4 workers). The demo is not deterministic (workers report
 * in whatever order they finish), so its tolerance is chosen from this distribution.
 *
 *   node scripts/ensure-built.js && node dist/bench/demo-accuracy.bench.js [--runs 20] [--json]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const runs = Number(arg('runs', '20'));
const json = process.argv.includes('--json');
const out = mkdtempSync(join(tmpdir(), 'lawsweep-demo-bench-'));
const results: { error: number; covered: boolean; exit: number | null; runs: number; seconds: number }[] = [];

for (let i = 0; i < runs; i++) {
  const t0 = Date.now();
  const env = { ...process.env };
  delete env.REDIS_URL;
  const r = spawnSync(process.execPath, [join(root, 'bin/lawsweep.js'), 'demo', '--fast', '--out', out], { encoding: 'utf8', env, timeout: 120_000 });
  const text = `${r.stdout}${r.stderr}`;
  const m = /error ([\d.]+)%, truth (inside|outside) the interval/.exec(text);
  const n = /fitted law \(\w+, (\d+) runs\)/.exec(text);
  if (!m) throw new Error(`run ${i + 1}: no verdict in the demo's output:\n${text}`);
  results.push({ error: Number(m[1]), covered: m[2] === 'inside', exit: r.status, runs: Number(n?.[1] ?? 0), seconds: (Date.now() - t0) / 1000 });
  if (!json) process.stderr.write(`run ${i + 1}/${runs}: error ${m[1]}% (${m[2]}), exit ${r.status}\n`);
}
rmSync(out, { recursive: true, force: true });

const errors = results.map((r) => r.error).sort((a, b) => a - b);
const q = (p: number) => errors[Math.min(errors.length - 1, Math.round(p * (errors.length - 1)))];
const summary = {
  runs,
  medianErrorPct: q(0.5),
  p90ErrorPct: q(0.9),
  maxErrorPct: errors[errors.length - 1],
  over2Pct: errors.filter((e) => e > 2).length,
  over3Pct: errors.filter((e) => e > 3).length,
  covered90: results.filter((r) => r.covered).length,
  exitNonZero: results.filter((r) => r.exit !== 0).length,
  meanRunsPerSweep: results.reduce((s, r) => s + r.runs, 0) / runs,
  meanSeconds: results.reduce((s, r) => s + r.seconds, 0) / runs,
};
process.stdout.write(json ? `${JSON.stringify({ summary, results })}\n` : `${JSON.stringify(summary, null, 2)}\n`);
