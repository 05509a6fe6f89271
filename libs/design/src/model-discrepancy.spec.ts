import { discrepancyVariance } from './eig.design';
import { GainModel, lossTarget } from './information-gain';
import type { Posterior } from './posterior';
import { CHINCHILLA_THETA, toyChinchillaLaw } from './testing/toy-law';

/**
 * Model discrepancy: a run far (in log-space) from the target gets extra variance (τ·d)², so its
 * gain about the target falls relative to a run near the target; with τ = 0 nothing changes.
 */
describe('model discrepancy in the targeted gain', () => {
  const law = toyChinchillaLaw();
  const dim = 5;
  const cov = new Float64Array(dim * dim);
  [0.04, 1, 1, 0.01, 0.01].forEach((v, i) => (cov[i * dim + i] = v));
  const posterior: Posterior = { dim, sigma: 0.005, modes: [{ theta: CHINCHILLA_THETA, covariance: cov, weight: 1 }] };
  const target = { N: 7e10, D: 1.4e12 };
  const candidates = [{ N: 1e7, D: 1e8 }, { N: 3e9, D: 6e10 }];

  it('grows with the log-distance to the nearest target', () => {
    const v = discrepancyVariance(candidates, [target, { N: 1e12, D: 1e13 }], 0.01);
    const d2 = (c: { N: number; D: number }) => Math.log10(c.N / target.N) ** 2 + Math.log10(c.D / target.D) ** 2;
    expect(v[0]).toBeCloseTo(1e-4 * d2(candidates[0]), 12);
    expect(v[1]).toBeCloseTo(1e-4 * d2(candidates[1]), 12);
    expect(v[0]).toBeGreaterThan(v[1]);
  });

  it('leaves out the cost direction when given the cost: a run at the targets’ D/N has none', () => {
    const costOf = (c: Record<string, number>) => 6 * c.N * c.D;
    const v = discrepancyVariance([{ N: 7e8, D: 1.4e10 }, { N: 7e9, D: 1.4e10 }], [target], 0.01, costOf);
    expect(v[0]).toBeCloseTo(0, 12);
    // D/N one decade below the target's: |Δ log10(D/N)|² / 2 across the cost direction.
    expect(v[1]).toBeCloseTo(1e-4 * 0.5, 8);
  });

  it('shrinks a distant run’s gain more than a near run’s', () => {
    const targets = [lossTarget(law, target)];
    const plain = new GainModel(law, posterior, candidates, targets).gains();
    const extraNoise = discrepancyVariance(candidates, [target], 0.01);
    const robust = new GainModel(law, posterior, candidates, targets, 'targeted', { extraNoise }).gains();
    expect(robust[0]).toBeLessThan(plain[0]);
    expect(robust[0] / plain[0]).toBeLessThan(robust[1] / plain[1]);
    const zero = new GainModel(law, posterior, candidates, targets, 'targeted', { extraNoise: new Float64Array(2) }).gains();
    expect(Array.from(zero)).toEqual(Array.from(plain));
  });
});
