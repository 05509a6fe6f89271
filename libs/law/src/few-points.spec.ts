import { fitLaw } from './fit-law';
import { predict, predictMixture } from './predict';
import { resolveTruth } from './registry';
import { synthesize } from './testing/synthetic-runs';

/**
 * Scenario: early in a sweep — three runs for a five-parameter law. The fit must still return a
 * finite covariance (the weak prior), a σ near the 1% prior, parameters inside their bounds, and
 * modes whose weights sum to 1; predictions carry wide but finite intervals.
 */
describe('fitting with fewer runs than parameters', () => {
  const truth = resolveTruth('chinchilla');
  const configs = [{ N: 1e8, D: 2e9 }, { N: 3e8, D: 6e9 }, { N: 1e9, D: 2e10 }];
  const data = synthesize(truth.law, truth.params, configs, 0.005, 4);
  const fit = fitLaw(truth.law, data);

  it('returns a usable posterior', () => {
    expect(fit.n).toBe(3);
    fit.theta.forEach((t, j) => {
      expect(t).toBeGreaterThanOrEqual(truth.law.theta[j].lower);
      expect(t).toBeLessThanOrEqual(truth.law.theta[j].upper);
    });
    for (const row of fit.covariance) for (const v of row) expect(Number.isFinite(v)).toBe(true);
    expect(fit.sigma).toBeGreaterThan(0.003);
    expect(fit.sigma).toBeLessThan(0.03);
    expect(fit.modes.reduce((s, m) => s + m.weight, 0)).toBeCloseTo(1, 12);
    for (const m of fit.modes) expect(m.starts).toBeGreaterThanOrEqual(1);
  });

  it('predicts with finite intervals that widen away from the data', () => {
    const near = predictMixture(truth.law, fit, { N: 3e8, D: 6e9 });
    const far = predictMixture(truth.law, fit, { N: 7e10, D: 1.4e12 });
    for (const p of [near, far]) {
      expect(Number.isFinite(p.lower) && Number.isFinite(p.upper)).toBe(true);
      expect(p.lower).toBeLessThan(p.upper);
    }
    expect(far.logSd).toBeGreaterThan(near.logSd);
    expect(predict(truth.law, fit.modes[0], { N: 3e8, D: 6e9 }).loss).toBeGreaterThan(0);
  });
});
