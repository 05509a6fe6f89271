/**
 * The seed noise of the tuning score's measure on evaluation runs: per design, the mean over the
 * synthetic cells (truth × noise × budget) of log(median relative error) — as bench/tuning-score.ts
 * reads it off the tables — with a 90% interval from resampling the seeds, and each design's
 * difference from a reference design (eig) with its interval. The seeds are resampled once per
 * replicate for every setting and design together (a seed is one noise stream across all of them), so
 * the differences are paired. Settings that are not synthetic truths (the real pool) get a table per
 * budget instead: eig's median error over the best other design's, with its interval. Reads the JSON
 * files `design-efficiency.bench --save-errors DIR` writes.
 *
 *   node dist/bench/design-efficiency.bench.js --seeds 100 --jobs 2 --no-speed --save-errors /tmp/errors
 *   node dist/bench/score-interval.js /tmp/errors [--reference eig] [--resamples 1000]
 */
import { quantile } from '@lawsweep/design';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { medianAt, seedResamples } from './design-report';
import { arg } from './support/args';
import { truthOf } from './tuning-score';

export interface SavedSetting {
  label: string;
  firstSeed: number;
  curves: { design: string; checkpoints: number[]; errors: number[][] }[];
}

export interface ScoreInterval {
  design: string;
  score: number;
  lower: number;
  upper: number;
  /** score − the reference's, with its interval and the share of resamples in which it is > 0 (the reference better). */
  difference: number;
  differenceLower: number;
  differenceUpper: number;
  referenceBetter: number;
  perTruth: Map<string, number>;
}

/** Mean over cells of log(median error) for one design on the given seed indices, overall and per truth. */
function score(settings: SavedSetting[], design: string, seeds: number[]): { overall: number; perTruth: Map<string, number> } {
  const all: number[] = [];
  const byTruth = new Map<string, number[]>();
  for (const s of settings) {
    const truth = truthOf(s.label);
    const curve = s.curves.find((c) => c.design === design);
    if (!truth || !curve) continue;
    curve.checkpoints.forEach((_, j) => {
      const v = Math.log(medianAt(curve.errors, seeds, j));
      all.push(v);
      byTruth.set(truth, [...(byTruth.get(truth) ?? []), v]);
    });
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { overall: mean(all), perTruth: new Map([...byTruth].map(([t, xs]) => [t, mean(xs)])) };
}

export function scoreIntervals(settings: SavedSetting[], reference = 'eig', resamples = 1000, seed = 1): ScoreInterval[] {
  const synthetic = settings.filter((s) => truthOf(s.label));
  if (synthetic.length === 0) throw new Error('score-interval: no synthetic settings ("truth T, noise σ") among the saved errors');
  const n = Math.min(...synthetic.flatMap((s) => s.curves.map((c) => c.errors.length)));
  const designs = [...new Set(synthetic.flatMap((s) => s.curves.map((c) => c.design)))];
  if (!designs.includes(reference)) throw new Error(`score-interval: the reference design '${reference}' is not among ${designs.join(', ')}`);
  const everySeed = Array.from({ length: n }, (_, i) => i);
  const samples = seedResamples(n, resamples, seed);
  const draws = designs.map((d) => samples.map((seeds) => score(synthetic, d, seeds).overall));
  const ref = designs.indexOf(reference);
  const refScore = score(synthetic, reference, everySeed).overall;
  return designs.map((design, k) => {
    const point = score(synthetic, design, everySeed);
    const diffs = draws[k].map((v, r) => v - draws[ref][r]);
    return {
      design,
      score: point.overall,
      lower: quantile(draws[k], 0.05),
      upper: quantile(draws[k], 0.95),
      difference: point.overall - refScore,
      differenceLower: quantile(diffs, 0.05),
      differenceUpper: quantile(diffs, 0.95),
      referenceBetter: diffs.filter((d) => d > 0).length / diffs.length,
      perTruth: point.perTruth,
    };
  });
}

export interface BudgetRatio {
  budget: number;
  reference: number;
  best: string;
  bestMedian: number;
  /** The reference's median error over the best other design's (> 1: the reference worse), with its 90% interval. */
  ratio: number;
  lower: number;
  upper: number;
}

/**
 * Per budget of one setting (e.g. the real pool, whose goal is "never worse than the best baseline at
 * any budget"): the reference design's median error over the best other design's, the best taken
 * afresh in every resample, with a 90% interval from resampling the seeds (paired).
 */
export function budgetRatios(setting: SavedSetting, reference = 'eig', resamples = 1000, seed = 1): BudgetRatio[] {
  const ref = setting.curves.find((c) => c.design === reference);
  if (!ref) throw new Error(`score-interval: the reference design '${reference}' is not in ${setting.label}`);
  const others = setting.curves.filter((c) => c !== ref);
  const n = Math.min(...setting.curves.map((c) => c.errors.length));
  const everySeed = Array.from({ length: n }, (_, i) => i);
  const samples = seedResamples(n, resamples, seed);
  return ref.checkpoints.map((budget, j) => {
    // The best other design on these seeds: its name and median (each median computed once).
    const bestOf = (seeds: number[]) =>
      others.map((c) => ({ design: c.design, median: medianAt(c.errors, seeds, j) })).reduce((b, c) => (c.median < b.median ? c : b));
    const best = bestOf(everySeed);
    const reference = medianAt(ref.errors, everySeed, j);
    const draws = samples.map((seeds) => medianAt(ref.errors, seeds, j) / bestOf(seeds).median);
    return {
      budget,
      reference,
      best: best.design,
      bestMedian: best.median,
      ratio: reference / best.median,
      lower: quantile(draws, 0.05),
      upper: quantile(draws, 0.95),
    };
  });
}

function main(): void {
  const dir = process.argv[2];
  if (!dir || dir.startsWith('--')) throw new Error('usage: node dist/bench/score-interval.js DIR [--reference eig] [--resamples 1000] (DIR from design-efficiency.bench --save-errors DIR)');
  const settings = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as SavedSetting);
  const reference = arg('reference') ?? 'eig';
  const resamples = Number(arg('resamples') ?? 1000);
  const rows = scoreIntervals(settings, reference, resamples);
  const truths = [...rows[0].perTruth.keys()];
  const f = (x: number) => x.toFixed(3);
  process.stdout.write(
    `mean log median error over the synthetic cells (lower is better), 90% intervals from resampling the seeds; ${settings.filter((s) => truthOf(s.label)).length} settings\n\n` +
      `| design | score | 90% interval | − ${reference} | 90% interval | resamples with ${reference} lower | ${truths.join(' | ')} |\n|---|---|---|---|---|---|${truths.map(() => '---|').join('')}\n` +
      rows
        .map((r) => `| ${r.design} | ${f(r.score)} | ${f(r.lower)} … ${f(r.upper)} | ${r.design === reference ? '—' : f(r.difference)} | ${r.design === reference ? '—' : `${f(r.differenceLower)} … ${f(r.differenceUpper)}`} | ${r.design === reference ? '—' : `${(100 * r.referenceBetter).toFixed(1)}%`} | ${truths.map((t) => f(r.perTruth.get(t) ?? NaN)).join(' | ')} |`)
        .join('\n') +
      '\n',
  );
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  for (const setting of settings.filter((s) => !truthOf(s.label))) {
    const ratios = budgetRatios(setting, reference, resamples);
    process.stdout.write(
      `\n${setting.label}: ${reference}'s median error over the best other design's (> 1: ${reference} worse), 90% interval from resampling the seeds\n\n` +
        `| budget | ${reference} | best other | ratio | 90% interval |\n|---|---|---|---|---|\n` +
        ratios.map((r) => `| ${r.budget.toExponential(1)} | ${pct(r.reference)} | ${r.best} ${pct(r.bestMedian)} | ${r.ratio.toFixed(2)} | ${r.lower.toFixed(2)} … ${r.upper.toFixed(2)} |`).join('\n') +
        '\n',
    );
  }
}

if (require.main === module) main();
