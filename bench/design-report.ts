/** Tables of the design-efficiency bench: error vs budget, and compute ratios at equal median error. */
import { quantile } from '@lawsweep/design';
import { SeededRandom } from '@lawsweep/law';

export interface DesignCurve {
  design: string;
  checkpoints: number[];
  /** errors[seed][checkpoint]: relative error of the predicted target loss. */
  errors: number[][];
  /** widths[seed][checkpoint]: the fit's own 90% half-width at the targets, relative to the prediction (mean over targets). */
  widths?: number[][];
  seconds: number;
}

export function medians(curve: DesignCurve): number[] {
  return curve.checkpoints.map((_, j) => quantile(curve.errors.map((e) => e[j]), 0.5));
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const sci = (x: number) => x.toExponential(1);

export function errorSummary(curves: DesignCurve[]): string {
  const cps = curves[0].checkpoints;
  const rows = [`| design | ${cps.map((c) => `${sci(c)}`).join(' | ')} | time |`, `|---|${cps.map(() => '---').join('|')}|---|`];
  for (const c of curves) {
    const cells = cps.map((_, j) => {
      const col = c.errors.map((e) => e[j]);
      return `${pct(quantile(col, 0.5))} (${pct(quantile(col, 0.25))}–${pct(quantile(col, 0.75))})`;
    });
    rows.push(`| ${c.design} | ${cells.join(' | ')} | ${c.seconds.toFixed(1)} s |`);
  }
  return `median (IQR) relative error of the predicted target loss, by compute spent:\n\n${rows.join('\n')}\n`;
}

/**
 * The budget at which a design's median error curve first reaches `level` (log-log interpolation
 * between checkpoints; Infinity when it never does within the checkpoints). Uses the running minimum
 * of the median curve, so a noisy bump does not count as reaching a level twice.
 */
export function budgetToReach(checkpoints: number[], median: number[], level: number): number {
  let best = Infinity;
  for (let j = 0; j < checkpoints.length; j++) {
    if (median[j] <= level) {
      if (j === 0) return checkpoints[0];
      const [b0, b1, e0, e1] = [checkpoints[j - 1], checkpoints[j], Math.max(best, median[j]), median[j]];
      if (!(e0 > e1)) return b1;
      const t = (Math.log(e0) - Math.log(level)) / (Math.log(e0) - Math.log(e1));
      return Math.exp(Math.log(b0) + t * (Math.log(b1) - Math.log(b0)));
    }
    best = Math.min(best, median[j]);
  }
  return Infinity;
}

/**
 * How many seed resamples the ratio intervals use. A ratio read off two median curves moves a lot
 * with the seeds where a curve is flat (a bump of a few hundredths of a percent moves the crossing
 * by a budget level), so each ratio comes with a 90% percentile interval from the seeds resampled
 * with replacement — the same seeds for both designs, as their sweeps share each seed's noise stream.
 */
export const RATIO_RESAMPLES = 400;

/** The median over the given seed indices of errors[seed][j]. */
export function medianAt(errors: number[][], seeds: number[], j: number): number {
  return quantile(seeds.map((i) => errors[i][j]), 0.5);
}

/** `count` resamples (with replacement) of the seed indices 0…n−1, deterministic under `seed`. */
export function seedResamples(n: number, count: number, seed: number): number[][] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: count }, () => Array.from({ length: n }, () => rng.int(n)));
}

/** The compute `other` needs to reach `ref`'s median error at checkpoint j, × that budget, on the given seeds. */
function ratioOn(ref: DesignCurve, other: DesignCurve, j: number, seeds: number[]): number {
  const level = medianAt(ref.errors, seeds, j);
  const curve = other.checkpoints.map((_, k) => medianAt(other.errors, seeds, k));
  return budgetToReach(other.checkpoints, curve, level) / ref.checkpoints[j];
}

/** The point ratio and its 90% bootstrap interval over seeds (paired; deterministic under `seed`). */
export function ratioWithInterval(ref: DesignCurve, other: DesignCurve, j: number, resamples = RATIO_RESAMPLES, seed = 1): { ratio: number; lower: number; upper: number } {
  const n = Math.min(ref.errors.length, other.errors.length);
  const all = Array.from({ length: n }, (_, i) => i);
  const ratio = ratioOn(ref, other, j, all);
  if (resamples < 2 || n < 2) return { ratio, lower: ratio, upper: ratio };
  const draws = seedResamples(n, resamples, seed * 7919 + j)
    .map((seeds) => ratioOn(ref, other, j, seeds))
    .sort((a, b) => a - b);
  // Nearest rank, not quantile()'s interpolation: a ratio is Infinity where a curve never reaches the level.
  const at = (q: number) => draws[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))];
  return { ratio, lower: at(0.05), upper: at(0.95) };
}

/**
 * For each checkpoint b: the reference design's median error there (eig unless told another, e.g.
 * `--reference oracle`), and the compute each other design needs to reach it, as a multiple of b,
 * with its 90% interval over resampled seeds.
 */
export function ratioTable(curves: DesignCurve[], reference = 'eig', resamples = RATIO_RESAMPLES): string {
  const ref = curves.find((c) => c.design === reference);
  if (!ref) return '';
  const em = medians(ref);
  const others = curves.filter((c) => c !== ref);
  const rows = [`| budget | ${reference} median | ${others.map((c) => `${c.design} needs`).join(' | ')} |`, `|---|---|${others.map(() => '---').join('|')}|`];
  ref.checkpoints.forEach((b, j) => {
    const beyond = (c: DesignCurve) => `> ${(c.checkpoints[c.checkpoints.length - 1] / b).toFixed(1)}`;
    const cells = others.map((c) => {
      const { ratio, lower, upper } = ratioWithInterval(ref, c, j, resamples);
      const x = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : beyond(c));
      const point = Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : `${beyond(c)}×`;
      return resamples >= 2 && ref.errors.length >= 2 ? `${point} (${x(lower)}–${x(upper)})` : point;
    });
    rows.push(`| ${sci(b)} | ${pct(em[j])} | ${cells.join(' | ')} |`);
  });
  return `compute each design needs to reach ${reference}'s median error at that budget (× the budget; in brackets a 90% interval from resampling the seeds):\n\n${rows.join('\n')}\n`;
}

/**
 * Median predicted 90% half-width per design and budget: what each design's data let the fit claim
 * about the target. When every design (the oracle included) ends with the same width, no choice of
 * runs in this candidate space can do much better: the limit is the space, not the design.
 */
export function widthTable(curves: DesignCurve[]): string {
  const withWidths = curves.filter((c) => c.widths && c.widths.length > 0);
  if (withWidths.length === 0) return '';
  const cps = withWidths[0].checkpoints;
  const rows = [`| design | ${cps.map(sci).join(' | ')} |`, `|---|${cps.map(() => '---').join('|')}|`];
  for (const c of withWidths) rows.push(`| ${c.design} | ${cps.map((_, j) => pct(quantile((c.widths as number[][]).map((w) => w[j]), 0.5))).join(' | ')} |`);
  return `median predicted 90% half-width at the targets (the fit's own uncertainty), by compute spent:

${rows.join('\n')}
`;
}
