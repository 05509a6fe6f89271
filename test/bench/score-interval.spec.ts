import { SeededRandom } from '@lawsweep/law';
import { budgetRatios, cellCounts, scoreIntervals, type SavedSetting } from '../../bench/score-interval';

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

  describe('cellCounts: the ratio tables\' statements counted over the synthetic cells', () => {
    const budgets = [1e20, 1e21, 1e22];
    /** 40 seeds whose median errors fall as budget^(−1/2), times `factor`: a constant factor k costs k² in compute. */
    function powerLaw(factor: number, seed: number): number[][] {
      const rng = new SeededRandom(seed);
      return Array.from({ length: 40 }, () => {
        const f = Math.exp(0.5 * rng.normal());
        return budgets.map((b) => factor * 0.01 * f * Math.sqrt(1e20 / b));
      });
    }
    const at = (label: string, curves: Record<string, number[][]>): SavedSetting => ({
      label,
      firstSeed: 0,
      curves: Object.entries(curves).map(([design, errors]) => ({ design, checkpoints: budgets, errors })),
    });
    const same = powerLaw(1, 11);
    const times = (k: number) => same.map((row) => row.map((e) => k * e));

    it('counts point estimates and resolved margins, fixed designs apart from the oracle, per group of truths', () => {
      const settings = [
        // grid needs 10× eig's compute, random 2× (beyond the last checkpoint at 1e22: never), the oracle ½× (1× at the first budget, the resolution limit).
        at('truth chinchilla, noise 0.005', { eig: same, grid: times(Math.sqrt(10)), random: times(Math.SQRT2), oracle: times(Math.SQRT1_2) }),
        // The same errors on other seeds: equal medians, so no margin either way beyond the resampling noise.
        // The oracle there needs 0.64× eig's compute (1× at the first budget) on other seeds: not within 1.5× as a point, but not excluded.
        at('truth epoch, noise 0.01', { eig: same, grid: [...same].reverse(), oracle: [...times(0.8)].reverse() }),
        // On other seeds, so each with a wide interval: grid needs 6× eig's compute (never at 1e22)…
        at('truth tied, noise 0.01', { eig: same, grid: [...times(Math.sqrt(6))].reverse() }),
        // …and random 1.21×.
        at('truth chinchilla, noise 0.01', { eig: same, random: [...times(1.1)].reverse() }),
        // On the same seeds: grid needs 10× (never at 1e22, where "> 1.0×" does not show ≥ 5×).
        at('truth epoch, noise 0.005', { eig: same, grid: times(Math.sqrt(10)) }),
        // random needs ½× eig's compute (1× at the first budget).
        at('truth farseer, noise 0.01', { eig: times(Math.SQRT2), random: same }),
        // On other seeds: random needs 0.81× (1× at the first budget), with a wide interval.
        at('truth farseer, noise 0.005', { eig: same, random: [...times(0.9)].reverse() }),
        at('real pool: epoch_chinchilla.csv (replay)', { eig: times(9), random: same }),
      ];
      const [expressed, misspecified] = cellCounts(settings, 'eig', 'oracle', 200);
      expect(expressed.truths).toBe('expressed');
      expect(expressed.cells).toBe(15);
      // Beyond the noise: 9 cells (the first setting, the 6× on other seeds, the 10×), none elsewhere.
      expect(expressed.referenceBetterResolved).toBe(9);
      expect(expressed.fixedBetterResolved).toBe(0);
      // As points, the 12 cells with a margin; the reshuffled setting's ratios are 1 up to rounding and may fall either way.
      expect(expressed.referenceBetter).toBeGreaterThanOrEqual(12);
      expect(expressed.referenceBetter + expressed.fixedBetter).toBeLessThanOrEqual(15);
      // ≤ 1/5: the two 6× cells and the two 10× cells as points; only the paired 10× beyond the noise.
      expect(expressed.fifth).toBe(4);
      expect(expressed.fifthResolved).toBe(2);
      // The best fixed design's interval reaches 5× where it is 6× or 10× (4); at 1e22, where the best
      // never reaches eig's error in some resample, its upper end is "> 1.0×": censored (every setting: 5).
      expect(expressed.bestFixedReachesFifth).toBe(4);
      expect(expressed.bestFixedCensored).toBe(5);
      // The oracle: 1× at 1e20 (within) in both settings with one; ½× after in the first (not within,
      // and the paired interval is the point), 0.64× in the reshuffled one, whose intervals reach past 1/1.5.
      expect(expressed.oracleWithin).toBe(2);
      expect(expressed.oracleWithinNotExcluded).toBe(4);
      // Farseer: random ahead in 4 cells (½× paired: beyond the noise; 0.81× on other seeds: not), and its
      // interval at 1e22 on other seeds reaches "never" in some resamples (censored).
      expect(misspecified).toEqual({
        truths: 'misspecified', cells: 6, referenceBetter: 0, referenceBetterResolved: 0, fixedBetter: 4, fixedBetterResolved: 2,
        fifth: 0, fifthResolved: 0, bestFixedReachesFifth: 0, bestFixedCensored: 1, oracleWithin: 0, oracleWithinNotExcluded: 0,
      });
    });

    it('with the oracle as the reference every other design is fixed, and no oracle count is made', () => {
      const [c] = cellCounts([at('truth tied, noise 0.005', { oracle: same, grid: times(Math.sqrt(10)) })], 'oracle', 'oracle', 100);
      expect(c.referenceBetterResolved).toBe(3);
      // 10× at 1e20 and 1e21; at 1e22 grid never reaches the oracle's error, "> 1.0×", which is not ≥ 5×.
      expect(c.fifthResolved).toBe(2);
      expect(c.oracleWithin + c.oracleWithinNotExcluded).toBe(0);
    });

    it('names a missing reference', () => {
      expect(() => cellCounts([at('truth tied, noise 0.005', { grid: same })])).toThrow(/reference design 'eig' is not in truth tied/);
    });
  });

  it('says what is missing', () => {
    expect(() => scoreIntervals([setting('real pool: x', { eig: noisy(0.01, 1) })])).toThrow(/no synthetic settings/);
    expect(() => scoreIntervals([setting('truth tied, noise 0.01', { grid: noisy(0.01, 1) })])).toThrow(/reference design 'eig' is not among grid/);
  });
});
