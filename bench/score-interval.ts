/**
 * The seed noise of the tuning score's measure on evaluation runs: per design, the mean over the
 * synthetic cells (truth × noise × budget) of log(median relative error) — as bench/tuning-score.ts
 * reads it off the tables — with a 90% interval from resampling the seeds, and each design's
 * difference from a reference design (eig) with its interval. The seeds are resampled once per
 * replicate for every setting and design together (a seed is one noise stream across all of them), so
 * the differences are paired. Settings that are not synthetic truths (the real pool) get a table per
 * budget instead: eig's median error over the best other design's, with its interval. And a count of
 * the synthetic cells where the ratio tables say eig needs less or more compute than the fixed designs,
 * ≤ 1/5, within 1.5× of the oracle — as point estimates and beyond the seed noise. Reads the JSON
 * files `design-efficiency.bench --save-errors DIR` writes.
 *
 *   node dist/bench/design-efficiency.bench.js --seeds 100 --jobs 2 --no-speed --save-errors /tmp/errors
 *   node dist/bench/score-interval.js /tmp/errors [--reference eig] [--oracle oracle] [--resamples 1000]
 */
import { quantile } from '@lawsweep/design';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { medianAt, RATIO_RESAMPLES, ratioWithInterval, seedResamples, type DesignCurve } from './design-report';
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

/**
 * The bench's truths that the fitted family (chinchilla) cannot express (libs/law's registry): farseer's
 * data exponent drifts with N. chinchilla and epoch are the family itself, tied is nested in it (α = β).
 */
export const MISSPECIFIED_TRUTHS = ['farseer'];

export interface CellCounts {
  /** 'expressed' (truths the fitted family expresses) or 'misspecified'. */
  truths: 'expressed' | 'misspecified';
  cells: number;
  /** Every fixed design needs more compute than the reference to reach its median error: point ratio > 1 / interval's lower end > 1. */
  referenceBetter: number;
  referenceBetterResolved: number;
  /** Some fixed design needs less: point ratio < 1 / interval's upper end < 1. */
  fixedBetter: number;
  fixedBetterResolved: number;
  /** Every fixed design needs ≥ 5× (the reference at ≤ 1/5 of the best one's compute): point / every lower end ≥ 5. */
  fifth: number;
  fifthResolved: number;
  /**
   * Cells whose best fixed design (smallest point ratio) has an interval reaching 5× or more, and
   * cells where its upper end lies beyond its last checkpoint at less than 5× the budget ("> x",
   * x < 5: censored, so 5× can be neither shown nor excluded there).
   */
  bestFixedReachesFifth: number;
  bestFixedCensored: number;
  /** The oracle needs ≥ 1/1.5 of the reference's compute (the reference within 1.5× of it): point / interval's upper end (not excluded). */
  oracleWithin: number;
  oracleWithinNotExcluded: number;
}

/**
 * Counts over the synthetic cells (setting × budget) of the ratio tables' statements — what the
 * BENCHMARKS prose quotes ("less compute than every fixed design in 18 of 30 cells, beyond the seed
 * noise in …") — so that anyone recounts them from the saved errors. The ratios and intervals are the
 * design-report tables' own (ratioWithInterval, the same resamples and seed), so the counts agree with
 * the printed tables. Fixed designs: every design but the reference and the oracle.
 */
export function cellCounts(settings: SavedSetting[], reference = 'eig', oracle = 'oracle', resamples = RATIO_RESAMPLES, misspecified = MISSPECIFIED_TRUTHS): CellCounts[] {
  const groups = new Map<CellCounts['truths'], CellCounts>();
  const count = (truths: CellCounts['truths']): CellCounts => {
    const known = groups.get(truths);
    if (known) return known;
    const fresh: CellCounts = { truths, cells: 0, referenceBetter: 0, referenceBetterResolved: 0, fixedBetter: 0, fixedBetterResolved: 0, fifth: 0, fifthResolved: 0, bestFixedReachesFifth: 0, bestFixedCensored: 0, oracleWithin: 0, oracleWithinNotExcluded: 0 };
    groups.set(truths, fresh);
    return fresh;
  };
  for (const s of settings) {
    const truth = truthOf(s.label);
    if (!truth) continue;
    const curves: DesignCurve[] = s.curves.map((c) => ({ ...c, seconds: 0 }));
    const ref = curves.find((c) => c.design === reference);
    if (!ref) throw new Error(`score-interval: the reference design '${reference}' is not in ${s.label}`);
    const fixed = curves.filter((c) => c !== ref && c.design !== oracle);
    const oracleCurve = curves.find((c) => c !== ref && c.design === oracle);
    const c = count(misspecified.includes(truth) ? 'misspecified' : 'expressed');
    ref.checkpoints.forEach((_, j) => {
      // A design that never reaches the level within its checkpoints needs more than its last checkpoint
      // (ratio Infinity, printed "> x"): that is ≥ 5 only where x ≥ 5, so a claim counts it only then,
      // and an upper end "> x" with x < 5 is counted apart, as censored.
      const r = fixed.map((f) => ({ ...ratioWithInterval(ref, f, j, resamples), beyond: f.checkpoints[f.checkpoints.length - 1] / ref.checkpoints[j] }));
      const atLeastFive = (v: number, beyond: number) => (Number.isFinite(v) ? v >= 5 : beyond >= 5);
      c.cells++;
      if (r.length > 0) {
        const best = r.reduce((b, x) => (x.ratio < b.ratio ? x : b));
        if (r.every((x) => x.ratio > 1)) c.referenceBetter++;
        if (r.every((x) => x.lower > 1)) c.referenceBetterResolved++;
        if (r.some((x) => x.ratio < 1)) c.fixedBetter++;
        if (r.some((x) => x.upper < 1)) c.fixedBetterResolved++;
        if (r.every((x) => atLeastFive(x.ratio, x.beyond))) c.fifth++;
        if (r.every((x) => atLeastFive(x.lower, x.beyond))) c.fifthResolved++;
        if (atLeastFive(best.upper, best.beyond)) c.bestFixedReachesFifth++;
        else if (!Number.isFinite(best.upper)) c.bestFixedCensored++;
      }
      if (oracleCurve) {
        const o = ratioWithInterval(ref, oracleCurve, j, resamples);
        if (o.ratio >= 1 / 1.5) c.oracleWithin++;
        if (o.upper >= 1 / 1.5) c.oracleWithinNotExcluded++;
      }
    });
  }
  return [...groups.values()];
}

function main(): void {
  const dir = process.argv[2];
  if (!dir || dir.startsWith('--')) throw new Error('usage: node dist/bench/score-interval.js DIR [--reference eig] [--oracle oracle] [--resamples 1000] (DIR from design-efficiency.bench --save-errors DIR)');
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
  const oracle = arg('oracle') ?? 'oracle';
  const counts = cellCounts(settings, reference, oracle);
  const both = (a: number, b: number) => `${a} / ${b}`;
  process.stdout.write(
    `\ncells (setting × budget) where the ratio tables say so, as point estimates / beyond the seed noise (90% intervals, ${RATIO_RESAMPLES} resamples, as printed with the tables); fixed designs: every design but ${reference === oracle ? reference : `${reference} and the oracle`}\n\n` +
      `| truths | cells | ${reference} needs less than every fixed design | a fixed design needs less | ${reference} at ≤ 1/5 of every fixed design's compute | best fixed design's interval reaches 5× (censored below 5×) | ${reference} within 1.5× of the oracle (point / not excluded)${reference === oracle ? ': the reference is the oracle' : ''} |\n|---|---|---|---|---|---|---|\n` +
      counts
        .map((c) => `| ${c.truths} | ${c.cells} | ${both(c.referenceBetter, c.referenceBetterResolved)} | ${both(c.fixedBetter, c.fixedBetterResolved)} | ${both(c.fifth, c.fifthResolved)} | ${c.bestFixedReachesFifth} (${c.bestFixedCensored}) | ${both(c.oracleWithin, c.oracleWithinNotExcluded)} |`)
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
