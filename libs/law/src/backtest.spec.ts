import { backtestFit, trainingCompute } from './backtest';
import type { Observation } from './law.types';
import { predictMixture } from './predict';
import { resolveTruth } from './registry';
import { sweepGrid, synthesize } from './testing/synthetic-runs';

describe('backtestFit: the law fitted to the smaller runs, asked to predict the largest', () => {
  const truth = resolveTruth('chinchilla');
  const configs = sweepGrid(8);
  const data = synthesize(truth.law, truth.params, configs, 0.005, 11);
  const byCost = [...data].sort((a, b) => trainingCompute(b.config) - trainingCompute(a.config));

  it('holds out the runs of largest 6ND and fits the rest with the options given', () => {
    const result = backtestFit(truth.law, data, { holdout: 6, loss: { kind: 'huber', delta: 1e-3 } });
    expect(result.trainedOn).toBe(data.length - 6);
    expect(result.fit.n).toBe(data.length - 6);
    expect(result.heldOut.map((r) => r.config)).toEqual(byCost.slice(0, 6).map((o) => o.config));
    expect(result.largestTrainedCost).toBe(trainingCompute(byCost[6].config));
    expect(result.fit.loss).toEqual({ kind: 'huber', delta: 1e-3 });
  });

  it('reports each held-out run against the fit’s predictive interval (noise included)', () => {
    const result = backtestFit(truth.law, data, { holdout: 6 });
    for (const run of result.heldOut) {
      const withNoise = predictMixture(truth.law, result.fit, run.config, 0.9, { includeNoise: true });
      const meanOnly = predictMixture(truth.law, result.fit, run.config, 0.9);
      expect(run.predicted).toBeCloseTo(withNoise.loss, 12);
      expect([run.lower, run.upper]).toEqual([withNoise.lower, withNoise.upper]);
      expect(run.upper - run.lower).toBeGreaterThan(meanOnly.upper - meanOnly.lower);
      expect(run.relativeError).toBeCloseTo((run.loss - run.predicted) / run.predicted, 12);
      expect(Math.sign(run.z)).toBe(Math.sign(run.relativeError));
      expect(run.inside).toBe(run.loss >= run.lower && run.loss <= run.upper);
    }
    expect(result.inside).toBe(result.heldOut.filter((r) => r.inside).length);
  });

  it('finds the law holding when it does: the largest runs predicted within noise', () => {
    const result = backtestFit(truth.law, data, { holdout: 6 });
    expect(result.meanAbsRelativeError).toBeLessThan(0.015);
    expect(result.inside).toBeGreaterThanOrEqual(5);
  });

  it('finds a law that breaks at scale: the largest runs 4% worse than the law are outside every interval', () => {
    const broken: Observation[] = data.map((o) => (byCost.slice(0, 6).includes(o) ? { ...o, loss: o.loss * 1.04 } : o));
    const result = backtestFit(truth.law, broken, { holdout: 6 });
    expect(result.meanRelativeError).toBeGreaterThan(0.03);
    expect(result.meanRelativeError).toBeLessThan(0.05);
    expect(result.inside).toBe(0);
    expect(result.heldOut.every((r) => r.z > 1.645)).toBe(true);
  });

  it('says what is wrong with a hold-out it cannot do', () => {
    expect(() => backtestFit(truth.law, data, { holdout: 0 })).toThrow(/positive integer, got 0/);
    expect(() => backtestFit(truth.law, data.slice(0, 8), { holdout: 3 })).toThrow(/leaves 5, but law chinchilla has 5 parameters and the fit needs at least 6/);
    expect(() => trainingCompute({ N: 1e9 })).toThrow(/needs positive N and D/);
  });
});
