import type { Config, Law } from '@lawsweep/law';

/**
 * A structured term the fitted family may omit, for a bias-aware gain (Box & Draper 1959): the
 * local log-log slope s_v(x) = ∂ log f/∂ ln v of each variable v drifts by a relative γ_v per e-fold
 * of v, so to first order log f gains γ_v·z_v(x), z_v(x) = ½ s_v(x)(ln v − c_v)², c_v the mean of
 * ln v over the loss targets. Generic for any law: s_v is a central difference of the law's
 * log-loss in ln v. The prior γ_v ~ N(0, τ²) sets how large a drift the design guards against.
 */
export interface BiasDrift {
  /** Prior sd τ of each variable's relative slope drift per e-fold. */
  tau: number;
  variables: readonly string[];
  /** c_v per variable (ln scale). */
  centre: Float64Array;
  /** The loss targets' configs, aligned with the gain's targets (undefined: not a loss target, no bias term). */
  targetConfigs: readonly (Config | undefined)[];
  /** Configs of the runs already done (they carry bias into the fit too). */
  done: readonly Config[];
}

const STEP = 1e-3;

export function biasDrift(tau: number, variables: readonly string[], targetConfigs: readonly (Config | undefined)[], done: readonly Config[] = []): BiasDrift {
  const losses = targetConfigs.filter((c): c is Config => c !== undefined);
  const centre = Float64Array.from(variables, (v) => {
    const logs = losses.map((c) => Math.log(c[v])).filter(Number.isFinite);
    return logs.length > 0 ? logs.reduce((a, b) => a + b, 0) / logs.length : 0;
  });
  return { tau, variables, centre, targetConfigs, done };
}

/** Writes z_v(x) for every variable into out (0 where v is not positive or the law is not finite there). */
export function driftTerms(law: Law, theta: ArrayLike<number>, config: Config, drift: BiasDrift, out: Float64Array): void {
  drift.variables.forEach((v, i) => {
    const value = config[v];
    out[i] = 0;
    if (!(value > 0)) return;
    const up = law.logLoss(theta, { ...config, [v]: value * Math.exp(STEP) });
    const down = law.logLoss(theta, { ...config, [v]: value * Math.exp(-STEP) });
    const slope = (up - down) / (2 * STEP);
    const d = Math.log(value) - drift.centre[i];
    const z = 0.5 * slope * d * d;
    out[i] = Number.isFinite(z) ? z : 0;
  });
}
