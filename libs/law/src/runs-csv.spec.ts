import { csvNumericColumns, describeSkippedRuns, dropHighestLoss, readConfigsCsv, readRunsCsv, readRunsCsvReport } from './runs-csv';
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
    ['a column named twice', 'N,D,loss,loss\n1e8,2e9,3,4\n', /names column loss more than once; keep one/],
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

  describe('a CSV with a state column (as `lawsweep sweep export` writes)', () => {
    // The export's header and cells: a failed, a cancelled and a running run have an empty loss (and cost).
    const exported = [
      'id,N,D,loss,state,cost,worker,attempts,imported',
      'r1,1e8,2e9,3.5,done,1.2e18,w1,1,false',
      'r2,2e8,4e9,,failed,,w1,3,false',
      'r3,4e8,8e9,,cancelled,,,0,false',
      'r4,2e8,2e9,3.2,done,2.4e18,w2,1,false',
      'r5,8e8,1.6e10,,running,,w2,1,false',
      'r6,1e9,2e10,,failed,,w1,3,false',
      '',
    ].join('\n');

    it('skips the rows whose state is not done and counts them by state', () => {
      const { rows, skipped } = readRunsCsvReport(exported, ['N', 'D']);
      expect(rows.map((r) => [r.line, r.extra.id, r.loss])).toEqual([
        [2, 'r1', 3.5],
        [5, 'r4', 3.2],
      ]);
      expect(skipped).toEqual({ count: 4, byState: { failed: 2, cancelled: 1, running: 1 } });
      expect(describeSkippedRuns(skipped)).toBe('skipped 4 runs whose state is not done (failed 2, cancelled 1, running 1)');
      expect(readRunsCsv(exported, ['N', 'D'])).toEqual(rows);
    });

    it('still rejects a done row with an empty or bad loss, naming line and column', () => {
      expect(() => readRunsCsv('N,D,loss,state\n1e8,2e9,,failed\n2e8,4e9,,done\n', ['N', 'D'])).toThrow(/^CSV line 3, column loss: empty value; expected a positive number$/);
      expect(() => readRunsCsv('N,D,loss,state\n2e8,4e9,n/a,done\n', ['N', 'D'])).toThrow(/CSV line 2, column loss: "n\/a" is not a number/);
    });

    it('skips a row with an empty state too, and says so', () => {
      const { rows, skipped } = readRunsCsvReport('N,D,loss,state\n1e8,2e9,3,done\n2e8,4e9,,\n', ['N', 'D']);
      expect(rows).toHaveLength(1);
      expect(describeSkippedRuns(skipped)).toBe('skipped 1 run whose state is not done ((empty) 1)');
    });

    it('says why there is nothing to fit when no row is done', () => {
      expect(() => readRunsCsv('N,D,loss,state\n1e8,2e9,,failed\n', ['N', 'D'])).toThrow(
        /^CSV has no rows whose state is done; skipped 1 run whose state is not done \(failed 1\)$/,
      );
      expect(() => readRunsCsv(exported, ['N', 'D'], { minRows: 6 })).toThrow(
        /^CSV has 2 data rows whose state is done; at least 6 are needed; skipped 4 runs whose state is not done/,
      );
    });

    it('reports nothing skipped without a state column, and keeps a state column a caller reads as a variable', () => {
      const plain = readRunsCsvReport('N,D,loss\n1e8,2e9,3\n', ['N', 'D']);
      expect(plain.skipped).toEqual({ count: 0, byState: {} });
      expect(describeSkippedRuns(plain.skipped)).toBeUndefined();
      expect(readRunsCsv('N,state,loss\n1e8,2,3\n', ['N', 'state'])).toEqual([{ line: 2, config: { N: 1e8, state: 2 }, extra: {}, loss: 3 }]);
    });

    it('does not filter candidate configs by state', () => {
      expect(readConfigsCsv('N,D,state\n1e8,2e9,failed\n', ['N', 'D'])).toEqual([{ line: 2, config: { N: 1e8, D: 2e9 }, extra: { state: 'failed' } }]);
    });
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

describe('csvNumericColumns', () => {
  it('lists the columns whose every non-empty value is a number (an id, a state or an all-empty column is not)', () => {
    const csv = 'id,P,T,loss,state,note\nr1,1e8,2e9,3.1,done,\nr2,2e8,,3.0,failed,\n"r3",3e8,6e9,2.9,done,\n';
    expect(csvNumericColumns(csv)).toEqual(['P', 'T', 'loss']);
    expect(csvNumericColumns('P,T,loss\n1,2,x\n')).toEqual(['P', 'T']);
    expect(csvNumericColumns('')).toEqual([]);
  });
});
