import { simulateSweep } from './simulate-sweep';
import { testSpec } from './testing/spec-fixtures';

/**
 * A test that can fail: on a small synthetic sweep (Epoch's law, 1% noise, target ~100x beyond the
 * largest affordable run), eig's mean target error over a few fixed seeds must beat random's.
 */
describe('eig beats random on a small synthetic sweep', () => {
  it('has a lower mean relative target error over 4 seeds', () => {
    const spec = testSpec({ budget: 1e20, parallelism: 2, trainer: { type: 'simulate', truth: 'epoch', noise: 0.01 }, targets: [{ N: 1e10, D: 2e11 }] });
    const error = (design: 'eig' | 'random') => {
      let sum = 0;
      for (const seed of [21, 22, 23, 24]) {
        const t = simulateSweep(spec, { design, seed }).checkpoints[0].targets[0];
        sum += Math.abs(t.loss - (t.truth as number)) / (t.truth as number);
      }
      return sum / 4;
    };
    const eig = error('eig');
    const random = error('random');
    expect(eig).toBeLessThan(random);
  });
});
