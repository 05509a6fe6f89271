import { batchEvaluator, DEFAULT_PRIOR_SCALE, getLaw, resolveTruth, sandwichCovariance, SeededRandom, simulateLoss } from '@lawsweep/law';
import { createSweepEngine } from './sweep-engine';
import { testSpec } from './testing/spec-fixtures';

/**
 * The engine option eig.covariance: with 'sandwich', eig's fits carry libs/law's sandwich
 * covariance (same optimum), and every other design keeps the Laplace one.
 */
describe('eig covariance option', () => {
  const spec = testSpec({ budget: 1e20 });
  const truth = resolveTruth('chinchilla');
  const rng = new SeededRandom(5);
  const observations = [1e7, 3e7, 1e8, 3e8, 1e9].flatMap((N) =>
    [5, 20, 80].map((r) => ({ config: { N, D: N * r }, loss: simulateLoss(truth.law, truth.params, { N, D: N * r }, 0.01, rng) })),
  );

  it('gives eig the sandwich covariance at the same optimum, and leaves other designs on Laplace', () => {
    const laplace = createSweepEngine(spec, { design: 'eig' }).fit(observations);
    const sandwich = createSweepEngine(spec, { design: 'eig', eig: { covariance: 'sandwich' } }).fit(observations);
    const grid = createSweepEngine(spec, { design: 'grid', eig: { covariance: 'sandwich' } }).fit(observations);
    if (!laplace || !sandwich || !grid) throw new Error('expected fits with 15 observations');
    expect(Array.from(sandwich.theta)).toEqual(Array.from(laplace.theta));
    expect(grid.covariance).toEqual(laplace.covariance);
    expect(sandwich.covariance).not.toEqual(laplace.covariance);
    const law = getLaw('chinchilla');
    const evaluator = batchEvaluator(law, observations.map((o) => o.config));
    const pred = new Float64Array(observations.length);
    evaluator.evaluate(sandwich.theta, pred, null);
    const residuals = Array.from(pred, (p, i) => p - Math.log(observations[i].loss));
    const expected = sandwichCovariance(law, evaluator, sandwich.theta, residuals, sandwich.sigma, DEFAULT_PRIOR_SCALE, sandwich.loss);
    expect(sandwich.covariance[0][0]).toBeCloseTo(expected[0][0], 10);
  });
});
