import { bootstrapFit } from './bootstrap-fit';
import { resolveTruth } from './registry';
import { sweepGrid, synthesize } from './testing/synthetic-runs';

/** Scenario: bootstrap intervals on 56 synthetic chinchilla runs (0.5% noise), seeded. */
describe('bootstrap intervals', () => {
  const truth = resolveTruth('chinchilla');
  const data = synthesize(truth.law, truth.params, sweepGrid(), 0.005, 2);
  const boot = bootstrapFit(truth.law, data, { loss: { kind: 'mse' }, samples: 40, seed: 5 });

  it('brackets the estimate and agrees with the Laplace standard errors to within 3x', () => {
    for (const p of truth.law.paramNames) {
      const [lo, hi] = boot.intervals[p];
      expect(lo).toBeLessThanOrEqual(boot.fit.params[p]);
      expect(hi).toBeGreaterThanOrEqual(boot.fit.params[p]);
      expect(boot.stderr[p] / boot.fit.stderr[p]).toBeGreaterThan(1 / 3);
      expect(boot.stderr[p] / boot.fit.stderr[p]).toBeLessThan(3);
    }
    expect(boot.draws).toHaveLength(40);
  });

  it('is deterministic under its seed', () => {
    const again = bootstrapFit(truth.law, data, { loss: { kind: 'mse' }, samples: 40, seed: 5 });
    expect(again.intervals).toEqual(boot.intervals);
  });
});
