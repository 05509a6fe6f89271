import { readFileSync } from 'node:fs';
import { describeWithEpochData, EPOCH_CSV, hasEpochData } from '../../../test/support/reference-data';
import { fitLaw } from './fit-law';
import { getLaw } from './registry';
import { dropHighestLoss, readRunsCsv } from './runs-csv';

/**
 * Scenario: the real Chinchilla runs as digitised by Epoch AI (/work/shared/data, i.e. ../shared
 * from the repository root). Huber(1e-3) on log-loss from Chinchilla's full 4,500-point grid.
 */
const rows = hasEpochData ? readRunsCsv(readFileSync(EPOCH_CSV, 'utf8'), ['N', 'D']).map((r) => ({ config: r.config, loss: r.loss })) : [];
const law = getLaw('chinchilla');

describeWithEpochData('Epoch AI reproduction of Chinchilla approach 3', () => {
  it('reads all 245 runs', () => expect(rows).toHaveLength(245));

  it("fits the 240 points Epoch kept to Epoch's published constants within their standard errors", () => {
    const data = dropHighestLoss(rows, 5);
    expect(data).toHaveLength(240);
    const fit = fitLaw(law, data, { loss: { kind: 'huber', delta: 1e-3 }, starts: 'full' });
    const published = { E: [1.8172, 0.03], A: [482.01, 124.58], B: [2085.43, 1293.23], alpha: [0.3478, 0.02], beta: [0.3658, 0.02] };
    for (const [name, [value, se]] of Object.entries(published)) {
      expect(Math.abs(fit.params[name] - value)).toBeLessThanOrEqual(se);
    }
    // And the plain Huber optimum Epoch's README gives (their L-BFGS-B from the same grid), closely.
    expect(fit.params.E).toBeCloseTo(1.8172, 3);
    expect(fit.params.A / 477.8).toBeCloseTo(1, 2);
    expect(fit.params.B / 2143).toBeCloseTo(1, 2);
    expect(fit.params.alpha).toBeCloseTo(0.3473, 3);
    expect(fit.params.beta).toBeCloseTo(0.3672, 3);
    expect(fit.converged).toBe(true);
    expect(fit.startsRun).toBe(4500);
  });

  it('lands elsewhere on all 245 points, as the README says (E 1.89, B 12846, beta 0.453)', () => {
    const fit = fitLaw(law, rows, { loss: { kind: 'huber', delta: 1e-3 }, starts: 'full' });
    expect(Math.abs(fit.params.E - 1.89)).toBeLessThan(0.005);
    expect(Math.abs(fit.params.B / 12846 - 1)).toBeLessThan(0.01);
    expect(Math.abs(fit.params.beta - 0.453)).toBeLessThan(0.002);
  });

  it('finds the same optimum from the small default grid', () => {
    const fit = fitLaw(law, dropHighestLoss(rows, 5));
    expect(fit.params.E).toBeCloseTo(1.8172, 3);
    expect(fit.params.beta).toBeCloseTo(0.3672, 3);
  });
});
