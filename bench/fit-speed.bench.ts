/**
 * Fit speed of libs/law on the real Chinchilla runs (Epoch AI's digitisation, ../shared/data):
 * Huber(1e-3) on log-loss from Chinchilla's full 4,500-point grid and from the default grid, on
 * all 245 points and on the 240 Epoch kept. Median wall time of several repetitions, one thread.
 *
 *   node scripts/ensure-built.js && node dist/bench/fit-speed.bench.js [--reps-full 3] [--reps-default 15] [--json]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dropHighestLoss, fitLaw, getLaw, readRunsCsv, type FitOptions, type Observation } from '@lawsweep/law';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
}

const root = join(__dirname, '..', '..');
const csv = readFileSync(join(root, '..', 'shared', 'data', 'epoch_chinchilla.csv'), 'utf8');
const all: Observation[] = readRunsCsv(csv, ['N', 'D']).map((r) => ({ config: r.config, loss: r.loss }));
const kept = dropHighestLoss(all, 5);
const law = getLaw('chinchilla');
const huber: FitOptions['loss'] = { kind: 'huber', delta: 1e-3 };

const cases = [
  { name: '245 points, full grid', data: all, starts: 'full' as const, reps: flag('--reps-full', 3) },
  { name: '240 points, full grid', data: kept, starts: 'full' as const, reps: flag('--reps-full', 3) },
  { name: '245 points, default grid', data: all, starts: 'default' as const, reps: flag('--reps-default', 15) },
  { name: '240 points, default grid', data: kept, starts: 'default' as const, reps: flag('--reps-default', 15) },
];

fitLaw(law, kept, { loss: huber }); // warm-up (JIT)
const rows = cases.map((c) => {
  const times: number[] = [];
  let fit = fitLaw(law, c.data, { loss: huber, starts: c.starts });
  for (let r = 0; r < c.reps; r++) {
    const t0 = process.hrtime.bigint();
    fit = fitLaw(law, c.data, { loss: huber, starts: c.starts });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return {
    case: c.name,
    starts: fit.startsRun,
    medianMs: median(times),
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    reps: c.reps,
    iterationsPerStart: fit.totalIterations / fit.startsRun,
    modes: fit.modes.length,
    bestModeStarts: fit.modes[0].starts,
    objective: fit.objective,
    params: fit.params,
    stderr: fit.stderr,
  };
});

if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
} else {
  const f = (x: number, d = 0) => x.toFixed(d);
  process.stdout.write('| case | starts | median ms | min–max ms | reps | iterations/start | modes | E | A | B | alpha | beta |\n');
  process.stdout.write('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n');
  for (const r of rows) {
    process.stdout.write(
      `| ${r.case} | ${r.starts} | ${f(r.medianMs)} | ${f(r.minMs)}–${f(r.maxMs)} | ${r.reps} | ${f(r.iterationsPerStart, 1)} | ${r.modes} | ` +
        `${f(r.params.E, 4)} | ${f(r.params.A, 1)} | ${f(r.params.B, 0)} | ${f(r.params.alpha, 4)} | ${f(r.params.beta, 4)} |\n`,
    );
  }
}
