import { resolveTruth } from '@lawsweep/law';
import { buildScalingPlot, evenlySpaced, MAX_POINTS, pickSpread } from './scaling-plot.builder';
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
