import { getLaw, optimalConfig, type AllocationVariables, type Config, type Law, type LawSpec } from '@lawsweep/law';
import type { IntervalMark, PlotSeries, PlotSpec, XY } from './plot.types';

export interface PlotRun {
  config: Config;
  loss: number;
}

export interface PlotTarget {
  config: Config;
  loss?: number | null;
  lower?: number | null;
  upper?: number | null;
  /** The true loss, when a simulator knows it. */
  truth?: number;
}

export interface ScalingPlotInput {
  title: string;
  subtitle?: string;
  /** The law and its fitted natural parameters; without them only the observations are drawn. */
  law?: LawSpec | null;
  params?: Record<string, number> | null;
  /** The sweep's variables, which an expression law is over (default: N, D, U, C). */
  variables?: readonly string[];
  runs: PlotRun[];
  /** Cost of a config in the budget's unit (the x axis), e.g. 6·N·D FLOPs. */
  cost: (config: Config) => number;
  costLabel?: string;
  targets?: PlotTarget[];
  /** How many model sizes get a fitted curve (spread evenly in log N, or the size variable: see plotAxes). */
  maxCurves?: number;
}

/** Viridis at evenly spaced stops: distinguishable, colour-blind safe, and ordered like N. */
const VIRIDIS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#e3c800'];

export function sizeColor(t: number): string {
  const i = Math.round(Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1));
  return VIRIDIS[i];
}

export const fmtSci = (v: number): string => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1).replace('e+', 'e') : String(Number(v.toPrecision(3))));

/**
 * The standard scaling-law figure: observed final losses against compute (log-log), the fitted
 * law's loss-vs-compute curve at several model sizes N (D varies along each), the compute-optimal
 * frontier (the envelope: least loss at each compute), and the targets with their intervals.
 * A law over two variables of other names (P and T) is drawn the same way, the first of them in
 * the sweep's order playing N (see plotAxes).
 */
export function buildScalingPlot(input: ScalingPlotInput): PlotSpec {
  const runs = input.runs.filter((r) => r.loss > 0 && Number.isFinite(r.loss) && input.cost(r.config) > 0);
  const targets = (input.targets ?? []).filter((t) => input.cost(t.config) > 0);
  const computes = [...runs.map((r) => input.cost(r.config)), ...targets.map((t) => input.cost(t.config))];
  // reduce, not Math.min(...computes): a sweep's runs may outnumber what a spread call takes.
  const xLo = computes.length ? computes.reduce((m, c) => Math.min(m, c), Infinity) / 2 : 1;
  const xHi = computes.length ? computes.reduce((m, c) => Math.max(m, c), -Infinity) * 2 : 10;
  const series: PlotSeries[] = [];

  const law = input.law ? safeLaw(input.law, input.variables) : null;
  const axes = plotAxes(law, input.variables);
  const sizeOf = (c: Config) => c[axes.size];
  const sizes = [...new Set(runs.map((r) => sizeOf(r.config)).filter((n): n is number => n > 0))].sort((a, b) => a - b);
  const curveSizes = pickSpread(sizes, input.maxCurves ?? 6);
  const logSpan = sizes.length > 1 ? Math.log(sizes[sizes.length - 1] / sizes[0]) : 1;
  const tOf = (n: number) => (sizes.length > 1 ? Math.log(n / sizes[0]) / logSpan : 0.5);
  const nearestCurve = (n: number) => curveSizes.reduce((best, s) => (Math.abs(Math.log(s / n)) < Math.abs(Math.log(best / n)) ? s : best), curveSizes[0]);

  // Observations, one legend row per model-size bucket (coloured like the curve they belong to).
  // Beyond MAX_POINTS runs an even subsample along compute is drawn (the axes, curves and frontier
  // still come from all of them): 100,000 imported runs made a 13 MB SVG that took 9 s to build.
  const shown = thinByCost(runs, input.cost, MAX_POINTS);
  if (curveSizes.length > 0) {
    const buckets = new Map<number, XY[]>();
    for (const r of shown) {
      const key = sizeOf(r.config) > 0 ? nearestCurve(sizeOf(r.config)) : curveSizes[0];
      const bucket = buckets.get(key);
      if (bucket) bucket.push({ x: input.cost(r.config), y: r.loss });
      else buckets.set(key, [{ x: input.cost(r.config), y: r.loss }]);
    }
    for (const n of curveSizes) {
      const points = buckets.get(n);
      if (points) series.push({ kind: 'points', label: `runs, ${axes.size} ≈ ${fmtSci(n)}`, color: sizeColor(tOf(n)), points });
    }
  } else if (shown.length > 0) {
    series.push({ kind: 'points', label: 'runs', color: '#31688e', points: shown.map((r) => ({ x: input.cost(r.config), y: r.loss })) });
  }

  if (law && input.params && axes.tokens !== undefined) {
    const along: AllocationVariables = { size: axes.size, tokens: axes.tokens };
    const theta = law.toTheta(input.params);
    const levels = logGrid(xLo, xHi, 96);
    const lossAt = (c: Config) => Math.exp(law.logLoss(theta, c));
    series.push({ kind: 'line', label: `fitted law at each ${along.size}`, color: '#777', points: [] });
    for (const n of curveSizes) {
      const points = levels
        .map((c) => ({ c, d: solveAlong(input.cost, along, n, c) }))
        .filter((p): p is { c: number; d: number } => p.d !== undefined)
        .map(({ c, d }) => ({ x: c, y: lossAt({ [along.size]: n, [along.tokens]: d }) }));
      series.push({ kind: 'line', label: '', color: sizeColor(tOf(n)), points, clipped: true });
    }
    // Over N and D libs/law's default search range for N* (parameter counts, 1e3 … 1e16), as
    // before; other names may be in other units (layers, width), so their range also covers the
    // runs' sizes three decades either way.
    const nRange: [number, number] | undefined =
      along.size === 'N' || sizes.length === 0 ? undefined : [Math.min(1e3, sizes[0] / 1e3), Math.max(1e16, sizes[sizes.length - 1] * 1e3)];
    const frontier: XY[] = [];
    for (const c of logGrid(xLo, xHi, 28)) {
      try {
        const p = optimalConfig(law, theta, c, along, { cost: input.cost, nRange });
        if (Number.isFinite(p.loss)) frontier.push({ x: c, y: p.loss });
      } catch {
        // A compute level where the cost cannot be met is simply not drawn.
      }
    }
    series.push({ kind: 'line', label: 'compute-optimal frontier', color: '#111', dashed: true, width: 2, points: frontier });
  }

  const marks: IntervalMark[] = targets
    .filter((t) => t.loss != null && t.loss > 0)
    .map((t) => ({
      x: input.cost(t.config),
      y: t.loss as number,
      lower: t.lower != null && t.lower > 0 ? t.lower : (t.loss as number),
      upper: t.upper != null && t.upper > 0 ? t.upper : (t.loss as number),
      truth: t.truth,
      label: Object.entries(t.config).map(([k, v]) => `${k}=${fmtSci(v)}`).join(' '),
    }));
  if (marks.length > 0) series.push({ kind: 'intervals', label: 'target, 90% interval', color: '#d62728', marks });

  const thinned = shown.length < runs.length ? `showing ${shown.length.toLocaleString('en-US')} of ${runs.length.toLocaleString('en-US')} runs, evenly along compute` : undefined;
  return {
    title: input.title,
    subtitle: [input.subtitle, thinned].filter(Boolean).join(' · ') || undefined,
    xLabel: input.costLabel ?? 'compute (cost units)',
    yLabel: 'final loss',
    series,
  };
}

/** The most runs drawn as points in one plot. */
export const MAX_POINTS = 5_000;

/** At most `max` items, evenly spaced, the first and the last always (all of them when there are fewer). */
export function evenlySpaced<T>(items: readonly T[], max: number): readonly T[] {
  if (items.length <= max) return items;
  if (max <= 1) return items.slice(-1);
  return Array.from({ length: max }, (_, i) => items[Math.round((i * (items.length - 1)) / (max - 1))]);
}

/** At most `max` runs, evenly spaced in the order of their cost. */
export function thinByCost(runs: readonly PlotRun[], cost: (c: Config) => number, max: number): readonly PlotRun[] {
  if (runs.length <= max) return runs;
  return evenlySpaced(runs.map((r) => ({ r, c: cost(r.config) })).sort((a, b) => a.c - b.c), max).map((x) => x.r);
}

/**
 * Which variable plays model size (one fitted curve per level; the runs are bucketed and coloured
 * by it) and which is solved along the cost axis (`tokens`; absent: no curves, no frontier).
 * - A law over N and D (or over only one of them, as it always was): N, with D along the cost.
 * - A law over two other variables: the first of them in the sweep's order (`variables`) is the
 *   size, the other is solved from the cost: P and T of an expression law over P and T.
 * - A law over one other variable, or over more than two: no curves. With one, the cost axis has
 *   nothing left to vary at a given size; with three or more, each curve would need values for
 *   the rest, which the figure has no principled choice for (data-constrained over N, D and U is
 *   drawn so, as before). The runs are bucketed by N, or as without a law when the sweep has no N.
 * - No law (no fit yet): N, or the sweep's first variable when it has no N, so the runs are
 *   coloured as they will be once a law over two variables is fitted.
 */
export function plotAxes(law: Law | null, variables?: readonly string[]): { size: string; tokens?: string } {
  if (law && law.variables.every((v) => v === 'N' || v === 'D')) return { size: 'N', tokens: 'D' };
  if (law && law.variables.length === 2) {
    // In the sweep's order (an expression law's variables already are, unless its spec lists its own).
    const rank = (v: string) => (variables?.includes(v) ? variables.indexOf(v) : Number.MAX_SAFE_INTEGER);
    const [size, tokens] = [...law.variables].sort((a, b) => rank(a) - rank(b));
    return { size, tokens };
  }
  const names = variables ?? law?.variables ?? [];
  return { size: names.length > 0 && !names.includes('N') ? names[0] : 'N' };
}

function safeLaw(spec: LawSpec, variables: readonly string[] | undefined) {
  try {
    return getLaw(spec, variables);
  } catch {
    return null;
  }
}

/** Up to k values spread evenly in log space (always the smallest and the largest). */
export function pickSpread(sorted: readonly number[], k: number): number[] {
  return [...new Set(evenlySpaced(sorted, k))];
}

function logGrid(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (n - 1)));
}

/**
 * The tokens variable (D) with cost({size: n, tokens}) = compute, by bisection in log space (any
 * cost increasing in it, not only 6ND).
 */
function solveAlong(cost: (c: Config) => number, along: AllocationVariables, n: number, compute: number): number | undefined {
  const at = (logT: number): Config => ({ [along.size]: n, [along.tokens]: Math.exp(logT) });
  let lo = Math.log(1e-6);
  let hi = Math.log(1e40);
  if (!(cost(at(lo)) <= compute && cost(at(hi)) >= compute)) return undefined;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (cost(at(mid)) < compute) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}
