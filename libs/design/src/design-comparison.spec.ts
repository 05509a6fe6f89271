import { checkpointError, checkpointHalfWidth, compareDesigns, quantile } from './design-comparison';
import type { CheckpointRecord, SimulateResult } from './simulate-sweep';

const cp = (budget: number, runs: number, targets: CheckpointRecord['targets']): CheckpointRecord => ({ budget, spent: budget, runs: Array.from({ length: runs }, () => ({ N: 1, D: 1 })), losses: Array.from({ length: runs }, () => 3), params: {}, targets });

describe('design comparison', () => {
  it('interpolates quantiles linearly', () => {
    expect(quantile([3, 1, 2, 4], 0.5)).toBe(2.5);
    expect(quantile([3, 1, 2, 4], 0.25)).toBe(1.75);
    expect(quantile([7], 0.9)).toBe(7);
  });

  it('averages relative errors over the targets that have a truth, and says when none has', () => {
    const withTruth = cp(1, 1, [
      { config: { N: 1 }, loss: 2.2, lower: 2, upper: 2.4, truth: 2 },
      { config: { N: 2 }, loss: 3, lower: 2.7, upper: 3.3 },
    ]);
    expect(checkpointError(withTruth)).toBeCloseTo(0.1, 12);
    expect(checkpointHalfWidth(withTruth)).toBeCloseTo((0.2 / 2.2 + 0.3 / 3) / 2, 12);
    expect(checkpointError(cp(1, 1, [{ config: { N: 2 }, loss: 3, lower: 2.7, upper: 3.3 }]))).toBeUndefined();
  });

  it('lines up every design per budget, with medians over seeds', () => {
    const target = (loss: number) => [{ config: { N: 1 }, loss, lower: loss, upper: loss, truth: 2 }];
    const result = (design: SimulateResult['design'], losses: number[][]): SimulateResult => ({
      design,
      seeds: losses.map((perBudget, seed) => ({ seed, ended: 'budget spent', checkpoints: perBudget.map((loss, j) => cp([10, 100][j], 3 + seed, target(loss))) })),
    });
    const rows = compareDesigns([result('eig', [[2.2, 2.02], [2.4, 2.06]]), result('grid', [[2.1, 2.1], [2.1, 2.1]])]);
    expect(rows.map((r) => `${r.budget} ${r.design}`)).toEqual(['10 eig', '10 grid', '100 eig', '100 grid']);
    expect(rows[0].error?.median).toBeCloseTo(0.15, 12);
    expect(rows[2].error?.median).toBeCloseTo(0.02, 12);
    expect(rows[3].error?.median).toBeCloseTo(0.05, 12);
    expect(rows[0].runs).toBe(3.5);
  });
});
