import { SeededRandom } from '@lawsweep/law';
import { budgetRatios, scoreIntervals, type SavedSetting } from '../../bench/score-interval';

const checkpoints = [1e20, 1e21];

function setting(label: string, curves: Record<string, number[][]>): SavedSetting {
  return { label, firstSeed: 0, curves: Object.entries(curves).map(([design, errors]) => ({ design, checkpoints, errors })) };
}

/** 60 seeds of log-normal errors around `level`, seeded. */
function noisy(level: number, seed: number): number[][] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: 60 }, () => checkpoints.map(() => level * Math.exp(0.6 * rng.normal())));
}

describe('bench/score-interval: the seed noise of the mean log median error', () => {
  it('scores like the tuning score (synthetic cells only) and gives a paired difference exactly where errors differ by a constant factor', () => {
    const base = noisy(0.01, 1);
    const half = base.map((row) => row.map((e) => e / 2));
    const settings = [
      setting('truth chinchilla, noise 0.005', { eig: half, grid: base }),
      setting('truth farseer, noise 0.01', { eig: half, grid: base }),
      setting('real pool: epoch_chinchilla.csv (replay)', { eig: base.map((r) => r.map(() => 0.9)), grid: base }),
    ];
    const rows = scoreIntervals(settings, 'eig', 200);
    const eig = rows.find((r) => r.design === 'eig');
    const grid = rows.find((r) => r.design === 'grid');
    expect(grid?.difference).toBeCloseTo(Math.log(2), 10);
    // Paired: every resample sees the same factor, so the interval is the point.
    expect(grid?.differenceLower).toBeCloseTo(Math.log(2), 10);
    expect(grid?.differenceUpper).toBeCloseTo(Math.log(2), 10);
    expect(grid?.referenceBetter).toBe(1);
    expect([...(eig?.perTruth.keys() ?? [])]).toEqual(['chinchilla', 'farseer']);
    expect(eig?.lower).toBeLessThan(eig?.score as number);
    expect(eig?.upper).toBeGreaterThan(eig?.score as number);
  });

  it('finds no difference between two designs with the same error distribution: the interval covers 0', () => {
    const settings = [setting('truth epoch, noise 0.01', { eig: noisy(0.01, 2), grid: noisy(0.01, 3) })];
    const grid = scoreIntervals(settings, 'eig', 400).find((r) => r.design === 'grid');
    expect(grid?.differenceLower).toBeLessThan(0);
    expect(grid?.differenceUpper).toBeGreaterThan(0);
    expect(grid?.referenceBetter).toBeGreaterThan(0.05);
    expect(grid?.referenceBetter).toBeLessThan(0.95);
  });

  it('per budget of a real-pool setting: the reference over the best other design, the best chosen afresh in each resample', () => {
    const base = noisy(0.01, 4);
    const pool = setting('real pool: epoch_chinchilla.csv (replay)', {
      eig: base.map((row) => row.map((e) => 3 * e)),
      isoflop: base,
      grid: base.map((row) => row.map((e) => 2 * e)),
    });
    const rows = budgetRatios(pool, 'eig', 300);
    expect(rows.map((r) => r.budget)).toEqual(checkpoints);
    for (const r of rows) {
      expect(r.best).toBe('isoflop');
      expect(r.ratio).toBeCloseTo(3, 10);
      // Paired and a constant factor on every seed: the interval is the point.
      expect(r.lower).toBeCloseTo(3, 10);
      expect(r.upper).toBeCloseTo(3, 10);
    }
    // Designs with independent noise: the ratio moves with the resampled seeds.
    const mixed = budgetRatios(setting('real pool, constrained', { eig: noisy(0.01, 5), isoflop: noisy(0.01, 6), random: noisy(0.01, 7) }), 'eig', 300);
    for (const r of mixed) expect(r.upper).toBeGreaterThan(r.lower);
  });

  it('says what is missing', () => {
    expect(() => scoreIntervals([setting('real pool: x', { eig: noisy(0.01, 1) })])).toThrow(/no synthetic settings/);
    expect(() => scoreIntervals([setting('truth tied, noise 0.01', { grid: noisy(0.01, 1) })])).toThrow(/reference design 'eig' is not among grid/);
  });
});
