import { cartesian, range } from '../linalg';
import { lse3 } from './chinchilla.law';
import type { LawKernel } from './law-kernel';
import { positiveVariable } from './law-kernel';

// Math functions bound once: under Jest's vm sandbox every global lookup of `Math` is ~30x slower.
const { exp, log } = Math;

/**
 * Chinchilla with one exponent for N and D (alpha = beta), the form Gadre et al. 2024 ("Language
 * models scale reliably with over-training and on downstream tasks") fit: L = E + A/N^alpha + B/D^alpha.
 * θ = [e, a, b, alpha], log-sum-exp form as for chinchilla.
 */
export function chinchillaTiedKernel(): LawKernel {
  const w = new Float64Array(3);
  return {
    name: 'chinchilla-tied',
    variables: ['N', 'D'],
    theta: [
      { name: 'e', lower: -5, upper: 3 },
      { name: 'a', lower: -10, upper: 60 },
      { name: 'b', lower: -10, upper: 60 },
      { name: 'alpha', lower: 0, upper: 3 },
    ],
    paramNames: ['E', 'A', 'B', 'alpha'],
    toParams: (t) => ({ E: exp(t[0]), A: exp(t[1]), B: exp(t[2]), alpha: t[3] }),
    toTheta: (p) => [log(p.E), log(p.A), log(p.B), p.alpha],
    featureCount: 2,
    features(c, f, o) {
      f[o] = log(positiveVariable(c, 'N', 'chinchilla-tied'));
      f[o + 1] = log(positiveVariable(c, 'D', 'chinchilla-tied'));
    },
    evaluate(t, f, o, g, go) {
      const lnN = f[o];
      const lnD = f[o + 1];
      const v = lse3(t[0], t[1] - t[3] * lnN, t[2] - t[3] * lnD, w);
      if (g) {
        g[go] = w[0];
        g[go + 1] = w[1];
        g[go + 2] = w[2];
        g[go + 3] = -w[1] * lnN - w[2] * lnD;
      }
      return v;
    },
    // Chinchilla's grid without the beta axis (900 points) as the full grid; a 36-point default.
    defaultStarts: () => cartesian([[-0.5, 0.5], [5, 10, 20], [5, 10, 20], [0.3, 0.6]]),
    fullStarts: () => cartesian([range(-1, 1, 0.5), range(0, 25, 5), range(0, 25, 5), range(0, 2, 0.5)]),
  };
}
