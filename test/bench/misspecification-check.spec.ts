import { SeededRandom, simulateLoss, resolveTruth } from '@lawsweep/law';
import { auc, checkRuns } from '../../bench/misspecification-check';
import { syntheticSpec } from '../../bench/design-efficiency.bench';

describe('bench/misspecification-check', () => {
  const spec = syntheticSpec('chinchilla', 0.005);
  const truth = resolveTruth('chinchilla');
  const rng = new SeededRandom(3);
  // 40 runs spread over the space's compute range, with 0.5% log-noise from the law itself.
  const runs = Array.from({ length: 40 }, (_, i) => {
    const N = 1e7 * 10 ** (2.5 * (i / 39));
    const D = N * 20 * 10 ** (((i * 7) % 11) / 10);
    return { config: { N, D }, loss: simulateLoss(truth.law, truth.params, { N, D }, 0.005, rng) };
  });

  it('finds runs from the law inside their intervals, and runs that bend away at scale outside them', () => {
    const held = checkRuns(spec, runs);
    expect(held).toBeDefined();
    expect(held!.inside).toBeGreaterThanOrEqual(0.75);
    expect(held!.chi).toBeLessThan(3);
    // The largest fifth 5% above the law: a bend the smaller runs cannot predict.
    const cutoff = [...runs].map((r) => 6 * r.config.N * r.config.D).sort((a, b) => b - a)[7];
    const bent = runs.map((r) => (6 * r.config.N * r.config.D >= cutoff ? { ...r, loss: r.loss * 1.05 } : r));
    const off = checkRuns(spec, bent);
    expect(off!.inside).toBeLessThan(0.25);
    expect(off!.chi).toBeGreaterThan(10);
    expect(off!.meanZ).toBeGreaterThan(2);
  });

  it('needs enough runs left to fit once the largest are held out', () => {
    expect(checkRuns(spec, runs.slice(0, 10))).toBeUndefined();
  });

  it('AUC: 1 when every high value exceeds every low one, 0.5 for the same values, ties counted half', () => {
    expect(auc([3, 4], [1, 2])).toBe(1);
    expect(auc([1, 2], [3, 4])).toBe(0);
    expect(auc([1, 2], [1, 2])).toBe(0.5);
    expect(auc([2], [1, 2, 3])).toBe(0.5);
  });
});
