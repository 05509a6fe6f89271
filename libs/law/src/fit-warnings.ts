import type { FitResult, Law, Observation } from './law.types';

export interface FitWarning {
  /** at-bound: a parameter ended on the edge of its search range; variable-constant: the data never vary a variable; ambiguous-modes: the reported mode is not the likely one. */
  code: 'at-bound' | 'variable-constant' | 'ambiguous-modes';
  message: string;
}

const sci = (x: number) => (Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : Number(x.toPrecision(3)).toString());

/**
 * What a fit cannot say, in words a user acts on. A least-squares fit always returns numbers: with
 * every run at one D, or far too few kinds of run, parameters run to the edge of their search range
 * and come back with small-looking standard errors (the Laplace covariance at a bound is not a
 * measure of anything), and the headline mode may carry little of the posterior's weight. Nothing
 * here changes the fit; it only says when its numbers mean little.
 */
export function fitWarnings(law: Law, fit: Pick<FitResult, 'theta' | 'params' | 'modes'>, data: readonly Observation[]): FitWarning[] {
  const warnings: FitWarning[] = [];
  // One pass per variable, no spread into Math.min/max: the planner runs this after every refit, on
  // sweeps of any size.
  for (const v of law.variables) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const o of data) {
      const x = o.config[v];
      if (!Number.isFinite(x)) continue;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    if (hi < lo) continue;
    if (hi - lo <= 1e-9 * Math.abs(hi)) {
      warnings.push({
        code: 'variable-constant',
        message: `${v} takes one value in the data (${sci(hi)}): how the loss depends on ${v} cannot be fitted, so the parameters of its terms are not identified; add runs at other values of ${v}`,
      });
    }
  }
  // θ and the natural parameters correspond one to one, in order, for every law (toParams/toTheta).
  const names = law.paramNames.length === law.theta.length ? law.paramNames : law.theta.map((t) => t.name);
  law.theta.forEach((spec, i) => {
    const span = spec.upper - spec.lower;
    const t = fit.theta[i];
    const edge = t - spec.lower <= 1e-4 * span ? 'lower' : spec.upper - t <= 1e-4 * span ? 'upper' : undefined;
    if (!edge) return;
    const name = names[i];
    warnings.push({
      code: 'at-bound',
      message: `${name} = ${sci(fit.params[name] ?? t)} is at the ${edge} edge of its search range (θ ${spec.name} in [${sci(spec.lower)}, ${sci(spec.upper)}]): the data do not pin it, so its value and standard error mean little; runs over a wider range of the variables would pin it`,
    });
  });
  const top = fit.modes[0];
  if (fit.modes.length > 1 && top && top.weight < 0.5) {
    const heaviest = fit.modes.reduce((a, b) => (b.weight > a.weight ? b : a));
    warnings.push({
      code: 'ambiguous-modes',
      message: `the reported fit (lowest objective) carries only ${(100 * top.weight).toFixed(1)}% of the weight over ${fit.modes.length} modes (the heaviest: ${(100 * heaviest.weight).toFixed(1)}%): the data leave the law ambiguous; compare the modes before trusting any one`,
    });
  }
  return warnings;
}
