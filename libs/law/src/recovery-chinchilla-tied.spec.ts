import { recover } from './testing/recovery';

/** Scenario: the tied-exponent (Gadre-style) synthetic runs with 0.5% log-noise on a 1e7–1e10 parameter grid, seeds 1–3. */
describe('parameter recovery: chinchilla-tied', () => {
  const runs = recover('tied');
  it.each(runs.map((r) => [r.seed, r]))('seed %i recovers E, A, B, alpha and the 70B target', (_seed, r) => {
    expect(r.relError.E).toBeLessThan(0.02);
    expect(r.relError.A).toBeLessThan(0.15);
    expect(r.relError.B).toBeLessThan(0.15);
    expect(r.absError.alpha).toBeLessThan(0.02);
    for (const z of Object.values(r.zScore)) expect(z).toBeLessThan(3.5);
    expect(r.targetError).toBeLessThan(0.01);
  });
});
