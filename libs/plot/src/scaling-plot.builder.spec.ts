import { getLaw, resolveTruth } from '@lawsweep/law';
import type { PlotSeries } from './plot.types';
import { buildScalingPlot, evenlySpaced, MAX_POINTS, pickSpread, plotAxes } from './scaling-plot.builder';
import { renderSvgPlot } from './svg-plot.renderer';

const cost = (c: Record<string, number>) => 6 * c.N * c.D;

describe('buildScalingPlot (scenario: chinchilla truth, 12 runs, one target)', () => {
  const { law, params } = resolveTruth('chinchilla');
  const theta = law.toTheta(params);
  const runs = [1e7, 3e7, 1e8, 3e8].flatMap((N) => [20, 100, 400].map((r) => ({ config: { N, D: r * N }, loss: Math.exp(law.logLoss(theta, { N, D: r * N })) })));
  const target = { N: 7e10, D: 1.4e12 };
  const truth = Math.exp(law.logLoss(theta, target));
  const plot = buildScalingPlot({ title: 't', law: 'chinchilla', params, runs, cost, targets: [{ config: target, loss: truth, lower: truth * 0.99, upper: truth * 1.01, truth }] });

  it('has one observation series and one curve per model size', () => {
    expect(plot.series.filter((s) => s.kind === 'points')).toHaveLength(4);
    expect(plot.series.filter((s) => s.kind === 'line' && s.label === '')).toHaveLength(4);
  });

  it('passes each curve through the runs of its size (the law is the truth here)', () => {
    const curve = plot.series.find((s) => s.kind === 'line' && s.label === '' && s.color === plot.series[0].color);
    expect(curve && curve.kind === 'line').toBe(true);
    if (curve?.kind !== 'line') return;
    const run = runs[0];
    const c = cost(run.config);
    const nearest = curve.points.reduce((b, p) => (Math.abs(Math.log(p.x / c)) < Math.abs(Math.log(b.x / c)) ? p : b));
    expect(Math.abs(Math.log(nearest.x / c))).toBeLessThan(0.15);
    expect(Math.abs(nearest.y / run.loss - 1)).toBeLessThan(0.015);
  });

  it('draws a frontier that lies on or below every curve', () => {
    const frontier = plot.series.find((s) => s.kind === 'line' && s.label === 'compute-optimal frontier');
    if (frontier?.kind !== 'line') throw new Error('no frontier');
    expect(frontier.points.length).toBeGreaterThan(10);
    for (const s of plot.series) {
      if (s.kind !== 'line' || s.label !== '') continue;
      for (const p of s.points) {
        const f = frontier.points.reduce((b, q) => (Math.abs(Math.log(q.x / p.x)) < Math.abs(Math.log(b.x / p.x)) ? q : b));
        if (Math.abs(Math.log(f.x / p.x)) < 0.01) expect(f.y).toBeLessThanOrEqual(p.y * 1.0001);
      }
    }
  });

  it('marks the target with its interval and truth', () => {
    const t = plot.series.find((s) => s.kind === 'intervals');
    if (t?.kind !== 'intervals') throw new Error('no targets');
    expect(t.marks[0]).toMatchObject({ x: cost(target), truth });
    expect(renderSvgPlot(plot)).toContain('class="truth"');
  });

  it('draws only the points when there is no fit yet', () => {
    const bare = buildScalingPlot({ title: 't', runs, cost });
    expect(bare.series.every((s) => s.kind === 'points')).toBe(true);
  });
});

/**
 * Scenario: a sweep over its own names, P (parameters) and T (tokens), cost 6·P·T, with an
 * expression law over them fitted exactly (the law is the truth). P plays N: one curve per P,
 * the runs bucketed by P, and the figure is the one the same sweep over N and D gets, renamed.
 */
describe('buildScalingPlot over variables P and T (expression law)', () => {
  const bounds: Record<string, [number, number]> = { E: [0.5, 5], A: [1, 1e5], B: [1, 1e6], alpha: [0.05, 1], beta: [0.05, 1] };
  const params = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
  const lossAt = (p: number, t: number) => params.E + params.A / p ** params.alpha + params.B / t ** params.beta;
  const sizes = [1e7, 3e7, 1e8, 3e8];
  const runs = sizes.flatMap((P) => [20, 100, 400].map((r) => ({ config: { P, T: r * P }, loss: lossAt(P, r * P) })));
  const target = { config: { P: 7e10, T: 1.4e12 }, loss: lossAt(7e10, 1.4e12) };
  const ptCost = (c: Record<string, number>) => 6 * c.P * c.T;
  const law = { expression: 'E + A / P^alpha + B / T^beta', params: bounds };
  const plot = buildScalingPlot({ title: 't', law, params, variables: ['P', 'T'], runs, cost: ptCost, targets: [target] });
  const curves = plot.series.filter((s) => s.kind === 'line' && s.label === '');

  it('buckets the runs by P and names P in the legend', () => {
    const points = plot.series.filter((s) => s.kind === 'points');
    expect(points.map((s) => s.label)).toEqual(['runs, P ≈ 1.0e7', 'runs, P ≈ 3.0e7', 'runs, P ≈ 1.0e8', 'runs, P ≈ 3.0e8']);
    for (const [i, s] of points.entries()) {
      if (s.kind !== 'points') continue;
      expect(s.points.map((p) => p.x)).toEqual([20, 100, 400].map((r) => ptCost({ P: sizes[i], T: r * sizes[i] })));
    }
    expect(plot.series.some((s) => s.label === 'fitted law at each P')).toBe(true);
  });

  it('draws one curve per P, on the law at the T the cost solves for', () => {
    expect(curves).toHaveLength(sizes.length);
    for (const [i, curve] of curves.entries()) {
      if (curve.kind !== 'line') throw new Error('not a line');
      expect(curve.points.length).toBeGreaterThan(50);
      for (const p of [curve.points[0], curve.points[40], curve.points[curve.points.length - 1]]) {
        const t = p.x / (6 * sizes[i]);
        expect(p.y / lossAt(sizes[i], t)).toBeCloseTo(1, 9);
      }
    }
  });

  it('draws the compute-optimal frontier, on or below every curve', () => {
    const frontier = plot.series.find((s) => s.label === 'compute-optimal frontier');
    if (frontier?.kind !== 'line') throw new Error('no frontier');
    expect(frontier.points.length).toBeGreaterThan(10);
    for (const s of curves) {
      if (s.kind !== 'line') continue;
      for (const p of s.points) {
        const f = frontier.points.find((q) => Math.abs(Math.log(q.x / p.x)) < 0.01);
        if (f) expect(f.y).toBeLessThanOrEqual(p.y * 1.0001);
      }
    }
  });

  it('is the figure of the same sweep over N and D, with P and T for N and D', () => {
    const renamed = (c: Record<string, number>) => ({ N: c.P, D: c.T });
    const nd = buildScalingPlot({
      title: 't',
      law: { expression: 'E + A / N^alpha + B / D^beta', params: bounds },
      params,
      variables: ['N', 'D'],
      runs: runs.map((r) => ({ config: renamed(r.config), loss: r.loss })),
      cost,
      targets: [{ config: renamed(target.config), loss: target.loss }],
    });
    const relabel = (s: PlotSeries): PlotSeries =>
      s.kind === 'intervals' ? { ...s, marks: s.marks.map((m) => ({ ...m, label: m.label?.replace('N=', 'P=').replace('D=', 'T=') })) } : { ...s, label: s.label.replace(/\bN\b/, 'P') };
    expect(plot.series).toEqual(nd.series.map(relabel));
  });

  it('takes the size from the sweep\'s order of the variables', () => {
    const tp = buildScalingPlot({ title: 't', law, params, variables: ['T', 'P'], runs, cost: ptCost });
    expect(tp.series.some((s) => s.label === 'fitted law at each T')).toBe(true);
    expect(tp.series.filter((s) => s.kind === 'points').every((s) => s.label.startsWith('runs, T ≈ '))).toBe(true);
    expect(plotAxes(getLaw(law, ['T', 'P']), ['T', 'P'])).toEqual({ size: 'T', tokens: 'P' });
    expect(plotAxes(getLaw(law, ['P', 'T', 'lr']), ['P', 'T', 'lr'])).toEqual({ size: 'P', tokens: 'T' });
  });

  it('buckets by P before the first fit, as the fitted figure will', () => {
    const bare = buildScalingPlot({ title: 't', variables: ['P', 'T'], runs, cost: ptCost });
    expect(bare.series.every((s) => s.kind === 'points')).toBe(true);
    expect(bare.series.map((s) => s.label)).toEqual(['runs, P ≈ 1.0e7', 'runs, P ≈ 3.0e7', 'runs, P ≈ 1.0e8', 'runs, P ≈ 3.0e8']);
    expect(bare.series.map((s) => s.color)).toEqual(plot.series.filter((s) => s.kind === 'points').map((s) => s.color));
  });

  it('draws no curves for a law over one variable or three (runs and targets only)', () => {
    const oneLaw = { expression: 'E + A / P^alpha', params: { E: bounds.E, A: bounds.A, alpha: bounds.alpha } };
    const threeLaw = { expression: 'E + A / P^alpha + B / T^beta + 0 * lr', params: bounds };
    expect(getLaw(oneLaw, ['P', 'T']).variables).toEqual(['P']);
    expect(getLaw(threeLaw, ['P', 'T', 'lr']).variables).toEqual(['P', 'T', 'lr']);
    const one = buildScalingPlot({ title: 't', law: oneLaw, params, variables: ['P', 'T'], runs, cost: ptCost, targets: [target] });
    const three = buildScalingPlot({
      title: 't',
      law: threeLaw,
      params,
      variables: ['P', 'T', 'lr'],
      runs: runs.map((r) => ({ config: { ...r.config, lr: 1e-3 }, loss: r.loss })),
      cost: ptCost,
      targets: [target],
    });
    for (const p of [one, three]) {
      expect(p.series.some((s) => s.kind === 'line')).toBe(false);
      expect(p.series.filter((s) => s.kind === 'points')).toHaveLength(4);
      expect(p.series.some((s) => s.kind === 'intervals')).toBe(true);
    }
  });
});

describe('pickSpread', () => {
  it('keeps the ends and spreads the rest', () => {
    expect(pickSpread([1, 2, 3, 4, 5, 6, 7, 8, 9], 3)).toEqual([1, 5, 9]);
    expect(pickSpread([1, 2], 6)).toEqual([1, 2]);
  });
});

describe('buildScalingPlot with 100,000 runs (a big import)', () => {
  const { params } = resolveTruth('chinchilla');
  const runs = Array.from({ length: 100_000 }, (_, i) => {
    const N = 1e7 * 1000 ** ((i * 0.618034) % 1);
    const D = 1e8 * 1e4 ** ((i * 0.414214) % 1);
    return { config: { N, D }, loss: 1.69 + 406.4 / N ** 0.34 + 410.7 / D ** 0.28 };
  });
  const plot = buildScalingPlot({ title: 't', law: 'chinchilla', params, runs, cost });

  it('draws an even subsample of MAX_POINTS runs and says so, with the axes of all runs', () => {
    const points = plot.series.filter((s) => s.kind === 'points').flatMap((s) => (s.kind === 'points' ? s.points : []));
    expect(points).toHaveLength(MAX_POINTS);
    expect(plot.subtitle).toBe('showing 5,000 of 100,000 runs, evenly along compute');
    const costs = runs.map((r) => cost(r.config));
    const xs = points.map((p) => p.x);
    expect(Math.min(...xs)).toBe(costs.reduce((m, c) => Math.min(m, c), Infinity)); // the cheapest run is drawn
    expect(Math.max(...xs)).toBe(costs.reduce((m, c) => Math.max(m, c), -Infinity)); // and the dearest
  });
});

describe('evenlySpaced', () => {
  it('keeps everything up to max, else max items evenly with the first and the last', () => {
    const xs = Array.from({ length: 1001 }, (_, i) => i);
    expect(evenlySpaced(xs.slice(0, 5), 10)).toEqual([0, 1, 2, 3, 4]);
    expect(evenlySpaced(xs, 5)).toEqual([0, 250, 500, 750, 1000]);
    expect(evenlySpaced(xs, 400)).toHaveLength(400);
    expect(evenlySpaced(xs, 1)).toEqual([1000]);
  });
});
