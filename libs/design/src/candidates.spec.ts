import { axisValues, buildCandidates, gridConfigs, SpecExpressions } from './candidates';
import { compileConstraint, compileExpression } from './expression';
import { testSpec } from './testing/spec-fixtures';

describe('candidates and constraints', () => {
  it('gives clean axis values, without float noise (users see them in exports and trainer arguments)', () => {
    expect(axisValues({ min: 5e4, max: 4e5, steps: 4, scale: 'log' })).toEqual([5e4, 1e5, 2e5, 4e5]);
    expect(axisValues({ min: 1e7, max: 1e10, steps: 7, scale: 'log' }).map(String)).toEqual(['10000000', '31622776.6017', '100000000', '316227766.017', '1000000000', '3162277660.17', '10000000000']);
    expect(axisValues({ min: 0.1, max: 0.3, steps: 3, scale: 'linear' })).toEqual([0.1, 0.2, 0.3]);
  });

  it('spaces a log axis geometrically with both ends included', () => {
    const values = axisValues({ min: 1e7, max: 1e9, steps: 3, scale: 'log' });
    expect(values[0]).toBeCloseTo(1e7, -1);
    expect(values[1] / 1e8).toBeCloseTo(1, 10);
    expect(values[2] / 1e9).toBeCloseTo(1, 10);
    expect(axisValues({ min: 1, max: 3, steps: 3, scale: 'linear' })).toEqual([1, 2, 3]);
  });

  it('keeps only grid points that satisfy every constraint, each with its cost', () => {
    const spec = testSpec();
    const candidates = buildCandidates(spec, new SpecExpressions(spec));
    expect(gridConfigs(spec)).toHaveLength(90);
    expect(candidates.length).toBeGreaterThan(10);
    expect(candidates.length).toBeLessThan(90);
    for (const c of candidates) {
      expect(c.config.D / c.config.N).toBeGreaterThanOrEqual(1);
      expect(c.config.D / c.config.N).toBeLessThanOrEqual(1000 * (1 + 1e-12));
      expect(c.cost).toBeCloseTo(6 * c.config.N * c.config.D, -5);
    }
  });

  it('uses an explicit pool instead of the grid, still filtered by the constraints', () => {
    const spec = testSpec();
    const pool = [{ N: 1e8, D: 2e9 }, { N: 1e8, D: 1e7 }, { N: 1e8, D: 2e9 }];
    const candidates = buildCandidates(spec, new SpecExpressions(spec), pool);
    expect(candidates.map((c) => c.config)).toEqual([{ N: 1e8, D: 2e9 }]);
  });

  it('compiles expressions over the variables only, naming the unknown symbol', () => {
    expect(compileExpression('6 * N * D', ['N', 'D']).evaluate({ N: 2, D: 3 })).toBe(36);
    expect(compileConstraint('log(D / N) >= 0', ['N', 'D']).holds({ N: 2, D: 3 })).toBe(true);
    expect(() => compileExpression('6 * N * T', ['N', 'D'])).toThrow(/unknown variable 'T'/);
    expect(() => compileExpression('6 * N *', ['N', 'D'])).toThrow(/cannot parse/);
    expect(() => compileExpression('import({}, {})', ['N'])).toThrow(/not allowed/);
  });
});
