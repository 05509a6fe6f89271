import { recover } from './testing/recovery';
import type { Config } from './law.types';
import { sweepGrid } from './testing/synthetic-runs';

const configs: Config[] = [];
for (const c of sweepGrid(6, [5, 20, 100])) for (const epochs of [1, 4, 16, 64]) configs.push({ ...c, U: c.D / epochs });
/** Scenario: Muennighoff et al.'s data-constrained law (unique tokens U = D/epochs, 1–64 epochs): synthetic runs with 0.5% log-noise on a 1e7–1e10 parameter grid, seeds 1–3. */
describe('parameter recovery: data-constrained', () => {
  const runs = recover('data-constrained', configs);
  it.each(runs.map((r) => [r.seed, r]))('seed %i recovers all seven parameters and the 70B target', (_seed, r) => {
    expect(r.relError.E).toBeLessThan(0.02);
    expect(r.relError.A).toBeLessThan(0.4);
    expect(r.relError.B).toBeLessThan(0.4);
    expect(r.absError.alpha).toBeLessThan(0.05);
    expect(r.absError.beta).toBeLessThan(0.05);
    expect(r.relError.RN).toBeLessThan(0.25);
    expect(r.relError.RD).toBeLessThan(0.25);
    for (const z of Object.values(r.zScore)) expect(z).toBeLessThan(3.5);
    expect(r.targetError).toBeLessThan(0.01);
  });
});
