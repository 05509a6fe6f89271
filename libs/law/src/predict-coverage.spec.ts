import { fitLaw } from './fit-law';
import { predict, predictMixture } from './predict';
import { resolveTruth } from './registry';
import { trueLoss } from './simulate-loss';
import { sweepGrid, synthesize } from './testing/synthetic-runs';

/**
 * Scenario: the 90% parameter-uncertainty interval for the mean loss at an in-range and an
 * extrapolated config covers the truth in roughly 90% of 40 seeds (chinchilla, 1% noise, mse), and
 * the errors are the size the interval's sd claims.
 */
describe('prediction intervals', () => {
  const truth = resolveTruth('chinchilla');
  const configs = sweepGrid(6, [5, 20, 100]);
  const targets = [{ N: 1e9, D: 2e10 }, { N: 7e10, D: 1.4e12 }];
  const fits = Array.from({ length: 40 }, (_, seed) => fitLaw(truth.law, synthesize(truth.law, truth.params, configs, 0.01, 100 + seed), { loss: { kind: 'mse' } }));

  it.each(targets.map((t) => [t.N, t.D]))('covers the truth at N=%d, D=%d in 75–97.5% of seeds, with errors the size its sd claims', (n, d) => {
    const config = { N: n, D: d };
    const truthLoss = trueLoss(truth.law, truth.params, config);
    const predictions = fits.map((f) => predict(truth.law, f, config, 0.9));
    const covered = predictions.filter((p) => p.lower <= truthLoss && truthLoss <= p.upper).length;
    // Not too narrow, and not too wide either: all 40 covered has probability 0.9^40 ≈ 1.5% at the nominal level.
    expect(covered / fits.length).toBeGreaterThanOrEqual(0.75);
    expect(covered).toBeLessThanOrEqual(39);
    // The errors in units of the claimed sd: their rms is ≈ 1 when the sd is right (≈ 0.97 and 1.02 measured).
    const z = predictions.map((p) => (Math.log(p.loss) - Math.log(truthLoss)) / p.logSd);
    const rms = Math.sqrt(z.reduce((a, b) => a + b * b, 0) / z.length);
    expect(rms).toBeGreaterThan(0.7);
    expect(rms).toBeLessThan(1.4);
  });

  it('widens with observation noise, and the mixture equals predict for a single mode', () => {
    const f = fits[0];
    const config = targets[1];
    const p = predict(truth.law, f, config);
    const noisy = predict(truth.law, f, config, 0.9, { includeNoise: true });
    expect(noisy.upper - noisy.lower).toBeGreaterThan(p.upper - p.lower);
    expect(p.lower).toBeLessThan(p.loss);
    expect(p.upper).toBeGreaterThan(p.loss);
    expect(f.modes).toHaveLength(1);
    const m = predictMixture(truth.law, f, config);
    expect(m.lower).toBeCloseTo(p.lower, 6);
    expect(m.upper).toBeCloseTo(p.upper, 6);
  });
});
