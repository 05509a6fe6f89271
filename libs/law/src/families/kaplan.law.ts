import { cartesian } from '../linalg';
import type { LawKernel } from './law-kernel';
import { positiveVariable } from './law-kernel';

// Math functions bound once: under Jest's vm sandbox every global lookup of `Math` is ~30x slower.
const { exp, log, max } = Math;

/**
 * Kaplan et al. 2020, eq. 1.5: L = ((Nc/N)^(alphaN/alphaD) + Dc/D)^alphaD.
 * Fitted as log L = alphaD · LSE(u1, u2) with u1 = (alphaN/alphaD)(nc − log N), u2 = dc − log D,
 * θ = [nc = log Nc, dc = log Dc, alphaN, alphaD].
 */
export function kaplanKernel(): LawKernel {
  return {
    name: 'kaplan',
    variables: ['N', 'D'],
    theta: [
      { name: 'nc', lower: 5, upper: 80 },
      { name: 'dc', lower: 5, upper: 80 },
      { name: 'alphaN', lower: 0.005, upper: 2 },
      { name: 'alphaD', lower: 0.005, upper: 2 },
    ],
    paramNames: ['Nc', 'Dc', 'alphaN', 'alphaD'],
    toParams: (t) => ({ Nc: exp(t[0]), Dc: exp(t[1]), alphaN: t[2], alphaD: t[3] }),
    toTheta: (p) => [log(p.Nc), log(p.Dc), p.alphaN, p.alphaD],
    featureCount: 2,
    features(c, f, o) {
      f[o] = log(positiveVariable(c, 'N', 'kaplan'));
      f[o + 1] = log(positiveVariable(c, 'D', 'kaplan'));
    },
    evaluate(t, f, o, g, go) {
      const ratio = t[2] / t[3];
      const u1 = ratio * (t[0] - f[o]);
      const u2 = t[1] - f[o + 1];
      const m = max(u1, u2);
      const x1 = exp(u1 - m);
      const x2 = exp(u2 - m);
      const s = m + log(x1 + x2);
      if (g) {
        const w1 = x1 / (x1 + x2);
        const w2 = 1 - w1;
        g[go] = t[2] * w1;
        g[go + 1] = t[3] * w2;
        g[go + 2] = w1 * (t[0] - f[o]);
        g[go + 3] = s - w1 * u1;
      }
      return t[3] * s;
    },
    defaultStarts: () => cartesian([[25, 32, 40], [25, 32, 40], [0.05, 0.1, 0.3], [0.05, 0.1, 0.3]]),
  };
}
