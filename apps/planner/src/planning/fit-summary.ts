import type { FitResult, FitWarning, Prediction } from '@lawsweep/law';
import type { FitSummary } from '@lawsweep/store';

/** What the planner stores after a fit: enough for GET /fit, /metrics and the dashboard, no matrices. */
export function fitSummary(fit: FitResult, predictions: Prediction[], durationMs: number, warnings: FitWarning[] = []): FitSummary {
  return {
    law: fit.law,
    n: fit.n,
    params: fit.params,
    stderr: fit.stderr,
    sigma: fit.sigma,
    rmse: fit.rmse,
    modes: fit.modes.map((m) => ({ params: m.params, weight: m.weight, objective: m.objective })),
    predictions: predictions.map((p) => ({ config: p.config, loss: p.loss, lower: p.lower, upper: p.upper })),
    warnings: warnings.map((w) => ({ code: w.code, message: w.message })),
    fittedAt: Date.now(),
    durationMs,
  };
}
