import { tuningScores } from '../../bench/tuning-score';

const table = (rows: string) => `median (IQR) relative error of the predicted target loss, by compute spent:

| design | 1.0e+20 | 1.0e+21 | time |
|---|---|---|---|
${rows}

compute each design needs to reach eig's median error at that budget (× the budget):

| budget | eig median |
|---|---|
| 1.0e+20 | 9.99% |
`;

describe('bench/tuning-score: the tuning records’ score from bench output', () => {
  const output = [
    '### truth chinchilla, noise 0.005 (12 seeds from 1000)',
    table('| eig | 1.00% (0.5%–2%) | 0.50% (0.2%–1%) | 1 s |\n| grid | 2.00% (1%–3%) | 1.00% (1%–2%) | 1 s |'),
    '### truth farseer, noise 0.01 (12 seeds from 1000)',
    table('| eig | 4.00% (3%–5%) | 2.00% (1%–3%) | 1 s |'),
    '### real pool: epoch_chinchilla.csv (20 seeds from 0)',
    table('| eig | 50.00% (1%–99%) | 50.00% (1%–99%) | 1 s |'),
  ].join('\n\n');

  it('averages log median errors per truth and overall, for the design asked, and counts no real-pool cell', () => {
    const eig = tuningScores(output, 'eig');
    expect(eig.cells).toBe(4);
    expect(eig.perTruth.get('chinchilla')).toBeCloseTo((Math.log(0.01) + Math.log(0.005)) / 2, 10);
    expect(eig.perTruth.get('farseer')).toBeCloseTo((Math.log(0.04) + Math.log(0.02)) / 2, 10);
    expect(eig.overall).toBeCloseTo((Math.log(0.01) + Math.log(0.005) + Math.log(0.04) + Math.log(0.02)) / 4, 10);
    expect(tuningScores(output, 'grid').overall).toBeCloseTo((Math.log(0.02) + Math.log(0.01)) / 2, 10);
  });
});
