import { budgetToReach, ratioTable, ratioWithInterval, type DesignCurve } from '../../bench/design-report';

const curve = (design: string, medians: number[]): DesignCurve => ({ design, checkpoints: [1e20, 1e21, 1e22], errors: [medians], seconds: 0 });

describe('bench/design-report: compute ratios at equal median error', () => {
  it('interpolates log-log between checkpoints and says when a level is never reached', () => {
    // 4% at 1e20, 1% at 1e21: 2% lies halfway in log error, so at 10^20.5.
    expect(budgetToReach([1e20, 1e21], [0.04, 0.01], 0.02)).toBeCloseTo(10 ** 20.5, -17);
    expect(budgetToReach([1e20, 1e21], [0.04, 0.01], 0.05)).toBe(1e20);
    expect(budgetToReach([1e20, 1e21], [0.04, 0.01], 0.005)).toBe(Infinity);
  });

  it('measures every other design against the reference design it is given, eig by default', () => {
    const curves = [curve('eig', [0.04, 0.02, 0.01]), curve('oracle', [0.02, 0.01, 0.005]), curve('grid', [0.04, 0.02, 0.01])];
    const byEig = ratioTable(curves);
    expect(byEig).toContain("reach eig's median error");
    expect(byEig).toContain('| 1.0e+21 | 2.00% | 0.10× | 1.00× |');
    const byOracle = ratioTable(curves, 'oracle');
    expect(byOracle).toContain("reach oracle's median error");
    expect(byOracle).toMatch(/\| budget \| oracle median \| eig needs \| grid needs \|/);
    // eig and grid reach the oracle's 1% at 1e22 (10×) and never reach its 0.5% within the checkpoints.
    expect(byOracle).toContain('| 1.0e+21 | 1.00% | 10.00× | 10.00× |');
    expect(byOracle).toContain('| 1.0e+22 | 0.50% | > 1.0× | > 1.0× |');
    expect(ratioTable(curves, 'random')).toBe('');
  });

  it('gives each ratio a 90% interval over resampled seeds, wider where the seeds disagree', () => {
    // 41 seeds: the reference's errors scatter around 2% at 1e21; the other design's curve is 4% / 2% / 1% for every seed.
    const seeds = 41;
    const ref: DesignCurve = { design: 'eig', checkpoints: [1e20, 1e21, 1e22], errors: Array.from({ length: seeds }, (_, i) => [0.04, 0.02 * 1.5 ** ((i - 20) / 20), 0.01]), seconds: 0 };
    const steady: DesignCurve = { design: 'grid', checkpoints: [1e20, 1e21, 1e22], errors: Array.from({ length: seeds }, () => [0.04, 0.02, 0.01]), seconds: 0 };
    const r = ratioWithInterval(ref, steady, 1);
    expect(r.ratio).toBeCloseTo(1, 6);
    expect(r.lower).toBeLessThan(0.97);
    expect(r.upper).toBeGreaterThan(1.03);
    expect(r.lower).toBeLessThanOrEqual(r.ratio);
    expect(r.upper).toBeGreaterThanOrEqual(r.ratio);
    expect(ratioWithInterval(ref, steady, 1)).toEqual(r);
    // Identical errors on every seed: nothing to resample, the interval is the point.
    const same = ratioWithInterval(steady, { ...steady, design: 'random' }, 1);
    expect(same.ratio).toBeCloseTo(1, 12);
    expect([same.lower, same.upper]).toEqual([same.ratio, same.ratio]);
    expect(ratioTable([ref, steady])).toMatch(/\| 1\.0e\+21 \| 2\.00% \| 1\.00× \(0\.\d\d–1\.\d\d\) \|/);
  });
});
