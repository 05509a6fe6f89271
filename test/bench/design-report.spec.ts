import { budgetToReach, ratioTable, type DesignCurve } from '../../bench/design-report';

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
});
