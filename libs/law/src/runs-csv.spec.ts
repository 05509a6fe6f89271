import { dropHighestLoss, readConfigsCsv, readRunsCsv } from './runs-csv';
import { parseLossFunction } from './loss-function';

/** Scenario: reading runs and candidate configs from CSV, with errors naming line and column. */
describe('runs CSV', () => {
  it('reads the variable columns and the loss, keeping extra columns aside', () => {
    const rows = readRunsCsv('id,N,D,loss\nr1,1e8,2e9,3.5\n"r,2",2e8,4e9,3.1\n', ['N', 'D']);
    expect(rows).toEqual([
      { line: 2, config: { N: 1e8, D: 2e9 }, extra: { id: 'r1' }, loss: 3.5 },
      { line: 3, config: { N: 2e8, D: 4e9 }, extra: { id: 'r,2' }, loss: 3.1 },
    ]);
  });

  it.each([
    ['a missing column', 'N,loss\n1e8,3\n', /missing column D/],
    ['a non-numeric value', 'N,D,loss\n1e8,2e9,3\n1e8,abc,3\n', /line 3, column D: "abc" is not a number/],
    ['a non-finite value', 'N,D,loss\n1e8,Infinity,3\n', /line 2, column D: Infinity is not finite/],
    ['a non-positive loss', 'N,D,loss\n1e8,2e9,0\n', /line 2, column loss: 0 must be positive/],
    ['a negative variable', 'N,D,loss\n-1e8,2e9,3\n', /line 2, column N: -1e8 must be positive/],
    ['an empty cell', 'N,D,loss\n1e8,,3\n', /line 2, column D: empty value/],
    ['a short row', 'N,D,loss\n1e8,2e9\n', /line 2: has 2 fields but the header has 3/],
    ['no rows', 'N,D,loss\n', /no data rows/],
    ['an empty file', '', /empty/],
  ])('rejects %s', (_what, text, message) => {
    expect(() => readRunsCsv(text, ['N', 'D'])).toThrow(message);
  });

  it('enforces a minimum row count', () => {
    expect(() => readRunsCsv('N,D,loss\n1e8,2e9,3\n', ['N', 'D'], { minRows: 6 })).toThrow(/1 data row; at least 6/);
  });

  it('reads candidate configs without a loss column', () => {
    expect(readConfigsCsv('N,D\n1e8,2e9\n', ['N', 'D'])).toEqual([{ line: 2, config: { N: 1e8, D: 2e9 }, extra: {} }]);
  });

  it("drops the highest-loss rows as Epoch did (loss not below the K-th largest)", () => {
    const rows = [5, 1, 4, 2, 3].map((loss) => ({ loss }));
    expect(dropHighestLoss(rows, 2).map((r) => r.loss)).toEqual([1, 2, 3]);
  });

  it('parses loss functions', () => {
    expect(parseLossFunction('huber:1e-3')).toEqual({ kind: 'huber', delta: 1e-3 });
    expect(parseLossFunction('mse')).toEqual({ kind: 'mse' });
    expect(() => parseLossFunction('huber:-1')).toThrow(/positive/);
    expect(() => parseLossFunction('l1')).toThrow(/mse, huber/);
  });
});
