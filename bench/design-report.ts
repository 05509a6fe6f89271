/** Tables of the design-efficiency bench: error vs budget, and compute ratios at equal median error. */
import { quantile } from '@lawsweep/design';

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
 * For each checkpoint b: the reference design's median error there (eig unless told another, e.g.
 * `--reference oracle`), and the compute each other design needs to reach it, as a multiple of b.
 */
export function ratioTable(curves: DesignCurve[], reference = 'eig'): string {
  const ref = curves.find((c) => c.design === reference);
  if (!ref) return '';
  const em = medians(ref);
  const others = curves.filter((c) => c !== ref);
  const rows = [`| budget | ${reference} median | ${others.map((c) => `${c.design} needs`).join(' | ')} |`, `|---|---|${others.map(() => '---').join('|')}|`];
  ref.checkpoints.forEach((b, j) => {
    const cells = others.map((c) => {
      const need = budgetToReach(c.checkpoints, medians(c), em[j]);
      return Number.isFinite(need) ? `${(need / b).toFixed(2)}×` : `> ${(c.checkpoints[c.checkpoints.length - 1] / b).toFixed(1)}×`;
    });
    rows.push(`| ${sci(b)} | ${pct(em[j])} | ${cells.join(' | ')} |`);
  });
  return `compute each design needs to reach ${reference}'s median error at that budget (× the budget):\n\n${rows.join('\n')}\n`;
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
