/**
 * Design efficiency: how much compute each design needs to predict a far larger run's loss.
 *
 *   npm run bench:design                       # full: 8 synthetic settings + the real pool (unconstrained and constrained), 20 seeds, 2 jobs
 *   npm run bench:design -- --quick            # 6 seeds, fewer settings (a smoke run)
 *   npm run bench:design -- --truth epoch [--noise 0.005] [--seeds 20]   # one truth
 *   npm run bench:design -- --real | --real-constrained | --speed-only | --jobs 1
 *   npm run bench:design -- --first-seed 1000  # the tuning seeds (never the reported ones)
 *   npm run bench:design -- --truth farseer --first-seed 1000 --designs eig --min-share 0.1   # a tuning run (cost rule: --gamma, --min-share, --floor-of)
 *   npm run bench:design -- --truth chinchilla --first-seed 1000 --fit-loss huber:auto   # every design's fit with another loss (a tuning run)
 *   npm run bench:design -- --truth epoch --designs oracle,grid,isoflop,random --min-share 0 --reference oracle   # ratios against another design
 *   npm run bench:design -- --truth tied --space wide   # the synthetic truths in a wider candidate space (a sensitivity analysis)
 *   npm run bench:design -- --real --real-constrained --hindsight-oracle   # adds a hindsight oracle to the real pool (an evaluation, never a tuning input)
 *   npm run bench:design -- --seeds 100 --save-errors out/errors   # also every per-seed error as JSON (for bench/score-interval.ts)
 *
 * For each setting, design, seed and budget level, one whole simulated sweep with that budget
 * (lawsweep simulate's loop) records the relative error of the predicted target loss. Reported:
 * median and IQR of that error per checkpoint, and the compute each design needs to reach eig's
 * median error (log-log interpolation between checkpoints; `--reference oracle` compares with
 * another design's instead).
 */
import { parseSweepSpec, type SweepSpec, type SweepSpecInput } from '@lawsweep/contracts';
import { checkpointError, checkpointHalfWidth, createSweepEngine, targetErrors, DEFAULT_COST_RULE, readReplayCsv, type CostRule, simulateSweep, type DesignName, type SeedRecord } from '@lawsweep/design';
import { resolveTruth, SeededRandom, trueLoss, type Config, type Observation, type Truth } from '@lawsweep/law';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { speedBench } from './design-speed';
import { errorSummary, ratioTable, widthTable, type DesignCurve } from './design-report';
import { arg, flag } from './support/args';

const DESIGNS: DesignName[] = ['eig', 'oracle', 'grid', 'isoflop', 'random'];
const SYNTHETIC_CHECKPOINTS = arg('levels')?.split(',').map(Number) ?? [1e20, 3e20, 1e21, 3e21, 1e22];
const REAL_CHECKPOINTS = [3e21, 6e21, 1.2e22, 2.4e22, 4.8e22];
/** `--space wide`: the synthetic settings in the wider candidate space (see syntheticSpec). */
const WIDE_SPACE = arg('space') === 'wide';


/** `--fit-loss L`: every setting's `fit.loss` (a tuning flag; without it the spec's default). */
function spec(input: SweepSpecInput): SweepSpec {
  const parsed = parseSweepSpec(arg('fit-loss') ? { ...input, fit: { loss: arg('fit-loss') as string } } : input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

/**
 * The synthetic space: runs up to 1e21 FLOPs; targets 108x and 588x beyond (3e10 x 6e11, Chinchilla 70B).
 * `--space wide` (a sensitivity analysis, never the headline): the same N grid, D over six decades at
 * the same density, and 0.5 <= D/N <= 5000 — a space drawn by someone who does not yet know where the
 * compute-optimal ratio lies, so more of it is far from the targets' D/N.
 */
export function syntheticSpec(truth: string, noise: number): SweepSpec {
  return spec({
    name: `bench-${truth}-${noise}${WIDE_SPACE ? '-wide' : ''}`,
    law: 'chinchilla',
    variables: { N: { min: 1e7, max: 1e10, steps: 19, scale: 'log' }, D: WIDE_SPACE ? { min: 1e7, max: 1e13, steps: 31, scale: 'log' } : { min: 1e8, max: 1e12, steps: 21, scale: 'log' } },
    constraints: ['6 * N * D <= 1e21', WIDE_SPACE ? 'D / N >= 0.5' : 'D / N >= 2', WIDE_SPACE ? 'D / N <= 5000' : 'D / N <= 500'],
    cost: '6 * N * D',
    budget: SYNTHETIC_CHECKPOINTS[SYNTHETIC_CHECKPOINTS.length - 1],
    targets: [{ N: 3e10, D: 6e11 }, { N: 7e10, D: 1.4e12 }],
    parallelism: 4,
    trainer: { type: 'simulate', truth, noise },
  });
}

/**
 * The synthetic space's D/N bounds, applied to the real pool only in the `--real-constrained`
 * setting. Added after seeing the unconstrained result: it excludes the pool's undertrained runs
 * (D/N < 2, among them the 5 with D/N < 0.4 that Epoch dropped from its fit), so it is a
 * sensitivity analysis next to the unconstrained figure, never a replacement for it. The targets
 * (D/N 47, 9.7, 11.6) satisfy it, though as held-out runs they are not candidates anyway.
 */
const REAL_RATIO_CONSTRAINTS = ['D / N >= 2', 'D / N <= 500'];

export function realSpec(constrained = false): SweepSpec {
  return spec({
    name: constrained ? 'bench-epoch-replay-constrained' : 'bench-epoch-replay',
    law: 'chinchilla',
    variables: { N: { min: 4e7, max: 2e10, steps: 1 }, D: { min: 2e8, max: 4e11, steps: 1 } },
    // The engine filters the pool by these for every design; the per-seed subsample is unchanged.
    constraints: constrained ? REAL_RATIO_CONSTRAINTS : [],
    cost: '6 * N * D',
    budget: REAL_CHECKPOINTS[REAL_CHECKPOINTS.length - 1],
    targets: [
      { N: 6795614805.310381, D: 317754489343.9688 },
      { N: 9293216132.140877, D: 90232884891.06113 },
      { N: 6795606774.183874, D: 78994313041.2275 },
    ],
    parallelism: 4,
    trainer: { type: 'replay', file: 'epoch_chinchilla.csv' },
  });
}

/** The fit's own 90% half-width at the targets, relative to the prediction (mean over targets). */
function relativeWidth(record: SeedRecord): number[] {
  return record.checkpoints.map(checkpointHalfWidth);
}

export function relativeError(record: SeedRecord): number[] {
  return record.checkpoints.map((cp) => checkpointError(cp) ?? NaN);
}

/**
 * The real pool is one fixed dataset, so every deterministic design would make the same sweep on
 * every seed: each seed instead replays a random 80% of the pool (the held-out targets always kept),
 * which shows how much a design's result depends on the particular runs available.
 */
export function subsample(replay: Observation[], s: SweepSpec, seed: number): Observation[] {
  const rng = new SeededRandom(seed * 7 + 3);
  const isTarget = (c: Config) => s.targets.some((t) => Object.keys(t).every((k) => Math.abs(t[k] / c[k] - 1) < 1e-9));
  return replay.filter((o) => isTarget(o.config) || rng.next() < 0.8);
}

export function realDataFile(): string {
  return arg('data') ?? resolve(__dirname, '../../../shared/data/epoch_chinchilla.csv');
}

/** Overrides for tuning runs (--gamma, --min-share, --floor-of); defaults otherwise. */
function engineOptions(): { costRule: CostRule } {
  return {
    costRule: {
      exponent: Number(arg('gamma') ?? DEFAULT_COST_RULE.exponent),
      minShare: Number(arg('min-share') ?? DEFAULT_COST_RULE.minShare),
      floorOf: (arg('floor-of') as CostRule['floorOf'] | undefined) ?? DEFAULT_COST_RULE.floorOf,
    },
  };
}

/**
 * A real pool has no true law, so the oracle is left out there. `--hindsight-oracle` adds one told
 * Epoch AI's published fit (chinchilla on 240 of the pool's 245 runs, the held-out targets among
 * them: hindsight no sweep has) and, as its noise, the robust scale (1.4826 × median absolute
 * deviation) of the pool's log-loss residuals from that fit. It answers one question after the
 * fact: would eig's selection, handed the best law known for this pool, beat the fixed designs?
 * An evaluation only; nothing is tuned on it.
 */
export function hindsightOracle(replay: Observation[]): { truth: Truth; noise: number } {
  const truth = resolveTruth('epoch');
  const residuals = replay.map((o) => Math.abs(Math.log(o.loss) - Math.log(trueLoss(truth.law, truth.params, o.config))));
  const sorted = [...residuals].sort((a, b) => a - b);
  return { truth, noise: 1.4826 * sorted[Math.floor(sorted.length / 2)] };
}

/**
 * What buying the whole pool gives: one fit to every run of it but the held-out targets (all 242
 * runs, or those the constraint keeps), the limit a design's prediction tends to as its budget
 * grows. Any median error below this at a smaller budget is the luck of which runs were left out,
 * not information about the law.
 */
function wholePoolLine(s: SweepSpec, replay: Observation[]): string {
  const total = replay.reduce((a, o) => a + 6 * o.config.N * o.config.D, 0);
  const record = simulateSweep({ ...s, budget: total * 10 }, { design: 'random', seed: 1, checkpoints: [total * 10], replay });
  const cp = record.checkpoints[0];
  const per = targetErrors(cp).map((e) => `${(e * 100).toFixed(2)}%`).join(', ');
  return `whole pool (one fit to all ${cp.runs.length} runs but the targets, ${cp.spent.toExponential(2)} FLOPs): mean relative error ${((checkpointError(cp) ?? NaN) * 100).toFixed(2)}% (per target ${per})\n`;
}

function realDesigns(designs: DesignName[]): DesignName[] {
  return designs.filter((d) => d !== 'oracle' || flag('hindsight-oracle'));
}

/**
 * `--save-errors DIR`: each setting's per-seed errors as JSON (DIR/<setting>.json), for analyses the
 * tables cannot give, e.g. the seed noise of the 40-cell score (bench/score-interval.ts).
 */
function saveErrors(label: string, firstSeed: number, curves: DesignCurve[]): void {
  const dir = arg('save-errors');
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const name = label.split(' (')[0].replace(/[^A-Za-z0-9.]+/g, '-').replace(/^-|-$/g, '');
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({ label, firstSeed, curves: curves.map(({ design, checkpoints, errors }) => ({ design, checkpoints, errors })) })}\n`);
}

function runSetting(label: string, s: SweepSpec, checkpoints: number[], designs: DesignName[], seeds: number, firstSeed: number, replay?: Parameters<typeof simulateSweep>[1]['replay']): DesignCurve[] {
  const oracle = replay && flag('hindsight-oracle') ? hindsightOracle(replay) : undefined;
  if (replay) process.stdout.write(`\n${wholePoolLine(s, replay)}`);
  if (oracle) process.stdout.write(`\nhindsight oracle: truth = Epoch AI's published fit, noise (robust scale of the pool's log residuals) = ${(oracle.noise * 100).toFixed(2)}%\n`);
  const curves: DesignCurve[] = [];
  for (const design of designs) {
    const t0 = performance.now();
    const errors: number[][] = [];
    const widths: number[][] = [];
    for (let i = 0; i < seeds; i++) {
      const seed = firstSeed + i;
      const pool = replay && subsample(replay, s, seed);
      // One sweep per budget level, each told its budget: a design that plans for its budget (eig's
      // cost rule, isoflop's levels) is judged on the sweep it would really run at that budget.
      const records = checkpoints.map((budget) => simulateSweep({ ...s, budget }, { design, seed, checkpoints: [budget], replay: pool, engine: engineOptions(), oracle }));
      errors.push(records.map((r) => relativeError(r)[0]));
      widths.push(records.map((r) => relativeWidth(r)[0]));
    }
    curves.push({ design, checkpoints, errors, widths, seconds: (performance.now() - t0) / 1000 });
  }
  process.stdout.write(`\n### ${label} (${seeds} seeds from ${firstSeed})\n\n${errorSummary(curves)}\n${ratioTable(curves, arg('reference') ?? 'eig')}\n${widthTable(curves)}\n`);
  saveErrors(label, firstSeed, curves);
  return curves;
}

/** Runs this script once per setting in child processes, `jobs` at a time, printing their outputs in order. */
async function runChildren(settings: string[][], jobs: number): Promise<void> {
  const passThrough = process.argv.slice(2).filter((a, i, all) => !['--jobs'].includes(a) && all[i - 1] !== '--jobs');
  const outputs: (string | undefined)[] = new Array(settings.length).fill(undefined);
  let next = 0;
  let printed = 0;
  // Each output as soon as every setting before it has printed: in the settings' order, whichever child ends first.
  const flush = () => {
    for (; printed < settings.length && outputs[printed] !== undefined; printed++) {
      process.stdout.write((outputs[printed] as string).split('\n').filter((l) => !l.startsWith('design-efficiency bench:')).join('\n'));
    }
  };
  const worker = async (): Promise<void> => {
    while (next < settings.length) {
      const i = next++;
      outputs[i] = await new Promise<string>((done, fail) => {
        const child = spawn(process.execPath, [__filename, ...passThrough, ...settings[i], '--no-speed', '--child'], { stdio: ['ignore', 'pipe', 'inherit'] });
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
        child.on('error', fail);
        child.on('close', (code) => (code === 0 ? done(text) : fail(new Error(`setting ${settings[i].join(' ')} exited with ${code}`))));
      });
      flush();
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
}

async function main(): Promise<void> {
  const quick = flag('quick');
  const seeds = Number(arg('seeds') ?? (quick ? 6 : 20));
  const firstSeed = Number(arg('first-seed') ?? 0);
  const designs = (arg('designs')?.split(',') as DesignName[] | undefined) ?? DESIGNS;
  if (!flag('child')) process.stdout.write(`design-efficiency bench: ${new Date().toISOString()}, node ${process.version}\n`);
  if (!flag('speed-only')) {
    if (arg('truth') || flag('real') || flag('real-constrained')) {
      if (arg('truth')) {
        const truth = arg('truth') as string;
        for (const noise of arg('noise') ? [Number(arg('noise'))] : [0.005, 0.01]) {
          runSetting(`truth ${truth}, noise ${noise}${WIDE_SPACE ? ', wide space (0.5 <= D/N <= 5000)' : ''}`, syntheticSpec(truth, noise), SYNTHETIC_CHECKPOINTS, designs, seeds, firstSeed);
        }
      }
      if (flag('real')) {
        const replay = readReplayCsv(realDataFile(), ['N', 'D']);
        runSetting('real pool: epoch_chinchilla.csv (replay of a random 80% per seed; the 3 largest runs held out as targets)', realSpec(), REAL_CHECKPOINTS, realDesigns(designs), seeds, firstSeed, replay);
      }
      if (flag('real-constrained')) {
        const label = 'real pool, constrained to 2 <= D/N <= 500 (SENSITIVITY ANALYSIS, added after seeing the unconstrained result; excludes the undertrained runs Epoch also dropped; same pool, targets, seeds and subsampling)';
        runSetting(label, realSpec(true), REAL_CHECKPOINTS, realDesigns(designs), seeds, firstSeed, readReplayCsv(realDataFile(), ['N', 'D']));
      }
    } else {
      const truths = quick ? ['chinchilla', 'farseer'] : ['chinchilla', 'epoch', 'tied', 'farseer'];
      const noises = quick ? ['0.01'] : ['0.005', '0.01'];
      const settings = [...truths.flatMap((t) => noises.map((n) => ['--truth', t, '--noise', n])), ['--real'], ['--real-constrained']];
      await runChildren(settings, Number(arg('jobs') ?? 2));
    }
  }
  if (!flag('no-speed')) process.stdout.write(`\n### speed\n\n${speedBench(createSweepEngine)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
