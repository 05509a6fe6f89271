import { recover, TARGET } from './testing/recovery';
import { predict } from './predict';
import { trueLoss } from './simulate-loss';
import { sweepGrid } from './testing/synthetic-runs';

/** Scenario: the farseer truth: synthetic runs with 0.5% log-noise on a 1e7–1e10 parameter grid, seeds 1–3. */
describe('parameter recovery: farseer', () => {
  const runs = recover('farseer');
  // Farseer's nine parameters are not individually identifiable from 56 runs at 0.5% noise (the
  // N-dependence of the data exponent and coefficient is a small modulation), so this scenario
  // asserts that the loss surface is recovered, on the grid and at the 70B extrapolation.
  it.each(runs.map((r) => [r.seed, r]))('seed %i recovers the loss surface and the 70B target', (_seed, r) => {
    const errors = sweepGrid().map((c) => predict(r.truth.law, r.fit, c).loss / trueLoss(r.truth.law, r.truth.params, c) - 1);
    const rms = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length);
    expect(rms).toBeLessThan(0.003);
    expect(Math.max(...errors.map(Math.abs))).toBeLessThan(0.015);
    expect(r.targetError).toBeLessThan(0.03);
    expect(predict(r.truth.law, r.fit, TARGET).loss).toBeGreaterThan(0);
  });
});
