import { recover } from './testing/recovery';

/** Scenario: Kaplan et al.'s law: synthetic runs with 0.5% log-noise on a 1e7–1e10 parameter grid, seeds 1–3. */
describe('parameter recovery: kaplan', () => {
  const runs = recover('kaplan');
  it.each(runs.map((r) => [r.seed, r]))('seed %i recovers Nc, Dc, alphaN, alphaD and the 70B target', (_seed, r) => {
    expect(r.relError.Nc).toBeLessThan(0.2);
    expect(r.relError.Dc).toBeLessThan(0.2);
    expect(r.absError.alphaN).toBeLessThan(0.01);
    expect(r.absError.alphaD).toBeLessThan(0.01);
    for (const z of Object.values(r.zScore)) expect(z).toBeLessThan(3.5);
    expect(r.targetError).toBeLessThan(0.005);
  });
});
