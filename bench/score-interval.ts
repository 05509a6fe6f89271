/**
 * The seed noise of the tuning score's measure on evaluation runs: per design, the mean over the
 * synthetic cells (truth × noise × budget) of log(median relative error) — as bench/tuning-score.ts
 * reads it off the tables — with a 90% interval from resampling the seeds, and each design's
 * difference from a reference design (eig) with its interval. The seeds are resampled once per
 * replicate for every setting and design together (a seed is one noise stream across all of them), so
 * the differences are paired. Reads the JSON files `design-efficiency.bench --save-errors DIR` writes.
 *
 *   node dist/bench/design-efficiency.bench.js --seeds 100 --jobs 2 --no-speed --save-errors /tmp/errors
 *   node dist/bench/score-interval.js /tmp/errors [--reference eig] [--resamples 1000]
 */
import { quantile } from '@lawsweep/design';
import { SeededRandom } from '@lawsweep/law';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arg } from './support/args';

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

/** The synthetic settings only (label "truth T, noise σ…"), as the tuning score counts them. */
function truthOf(label: string): string | undefined {
  return /^truth (\S+), noise/.exec(label)?.[1];
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
      const v = Math.log(quantile(seeds.map((i) => curve.errors[i][j]), 0.5));
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
  const rng = new SeededRandom(seed);
  const draws = designs.map(() => [] as number[]);
  for (let r = 0; r < resamples; r++) {
    const seeds = everySeed.map(() => rng.int(n));
    designs.forEach((d, k) => draws[k].push(score(synthetic, d, seeds).overall));
  }
  const ref = designs.indexOf(reference);
  const at = (xs: number[], q: number) => quantile(xs, q);
  return designs.map((design, k) => {
    const point = score(synthetic, design, everySeed);
    const diffs = draws[k].map((v, r) => v - draws[ref][r]);
    return {
      design,
      score: point.overall,
      lower: at(draws[k], 0.05),
      upper: at(draws[k], 0.95),
      difference: point.overall - score(synthetic, reference, everySeed).overall,
      differenceLower: at(diffs, 0.05),
      differenceUpper: at(diffs, 0.95),
      referenceBetter: diffs.filter((d) => d > 0).length / diffs.length,
      perTruth: point.perTruth,
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
  const rows = scoreIntervals(settings, reference, Number(arg('resamples') ?? 1000));
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
}

if (require.main === module) main();
